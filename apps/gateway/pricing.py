"""What an attempt cost, from the price version in force. No price means unpriced (None),
never zero: an unknown cost must not look free on the usage page."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from apps.gateway.types import TokenUsage

MILLION = Decimal(1_000_000)
COST_PLACES = Decimal("0.00000001")


@dataclass(frozen=True)
class PriceSnapshot:
    price_id: int
    input_per_million: Decimal | None = None
    output_per_million: Decimal | None = None
    cached_input_per_million: Decimal | None = None
    image_prices: dict[str, Any] = field(default_factory=dict)

    @property
    def has_token_prices(self) -> bool:
        return self.input_per_million is not None and self.output_per_million is not None

    def image_price(self, size: str, quality: str) -> Decimal | None:
        for key in (f"{size}/{quality}", size, f"*/{quality}", "*"):
            if key in self.image_prices:
                try:
                    return Decimal(str(self.image_prices[key]))
                except ArithmeticError:
                    return None
        return None


def cost_of(price: PriceSnapshot | None, usage: TokenUsage) -> Decimal | None:
    """The cost of one attempt, or None when the model (or this image size) is unpriced."""
    if price is None:
        return None
    if usage.images:
        each = price.image_price(usage.image_size, usage.image_quality)
        return None if each is None else (each * usage.images).quantize(COST_PLACES)
    if not (usage.input_tokens or usage.output_tokens):
        return Decimal(0)  # nothing was billed (a failed attempt) on a priced model
    input_rate, output_rate = price.input_per_million, price.output_per_million
    if input_rate is None or output_rate is None:  # not has_token_prices
        return None
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    cached_rate = (
        input_rate if price.cached_input_per_million is None else price.cached_input_per_million
    )
    total = (
        Decimal(usage.input_tokens - cached) * input_rate
        + Decimal(cached) * cached_rate
        + Decimal(usage.output_tokens) * output_rate
    ) / MILLION
    return total.quantize(COST_PLACES)
