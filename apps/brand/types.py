"""What the brand services hand to other apps: frozen, typed results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from apps.gateway.types import BrandRules


@dataclass(frozen=True)
class BrandScore:
    """How on-brand one text is, and why.

    ``score`` is 0–100 (50: as likely this brand as not; the scorer is calibrated on held-out
    material). ``rules_broken`` are the style guide's hard rules the text breaks, said for a
    person; ``brand_terms`` the lexicon terms it uses; ``pulled_down_by`` the style statistics
    furthest from the brand's (e.g. "words per sentence: 31 (brand 12 ± 4)"); ``copied`` is true
    when it repeats 10+ consecutive words of the brand's material.
    """

    score: float
    rules_broken: tuple[str, ...] = ()
    brand_terms: tuple[str, ...] = ()
    pulled_down_by: tuple[str, ...] = ()
    copied: bool = False
    version_id: int | None = None
    stats: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def passes_rules(self) -> bool:
        return not self.rules_broken and not self.copied

    @property
    def sort_key(self) -> tuple:
        """Rank candidates with ``sorted(scores, key=lambda s: s.sort_key)``: rule-abiding
        first, then by score, highest first."""
        return (len(self.rules_broken) + int(self.copied), -self.score)

    @property
    def explanation(self) -> str:
        parts = [f"On-brand score {self.score:.0f}/100."]
        if self.rules_broken:
            parts.append("Breaks: " + " ".join(self.rules_broken))
        if self.copied:
            parts.append("Repeats 10 or more words of the brand's past copy.")
        if self.brand_terms:
            parts.append("Brand terms used: " + ", ".join(self.brand_terms) + ".")
        if self.pulled_down_by:
            parts.append("Unlike the brand: " + "; ".join(self.pulled_down_by) + ".")
        return " ".join(parts)


class BrandPromptContext(NamedTuple):
    """``rules, exemplars, lexicon = brand_prompt_context(...)``.

    ``rules`` is ready for ``TextRequest(rules=...)``: banned words, preferred terms (with
    "avoid => prefer" for banned terms that have a replacement), the tone line (tone words,
    person, emoji and exclamation policy, reading level), and for providers that write from
    examples (the local one) ``rules.exemplars``/``rules.exemplar_titles``/``rules.lexicon``.
    ``exemplars`` are the top-k texts to quote in a prompt; ``lexicon`` the brand's terms.
    """

    rules: BrandRules
    exemplars: list[str]
    lexicon: list[str]
