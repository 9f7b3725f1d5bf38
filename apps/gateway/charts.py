"""The usage chart, drawn on the server as SVG geometry for a template to render.

No chart library and no inline styles (the CSP forbids them): bars carry classes that
static/css/atelier.css colours. Numbers are formatted here, so the template only places them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Bar:
    x: str
    y: str
    width: str
    height: str
    kind: str  # ok | cached | failed
    title: str


@dataclass(frozen=True)
class Tick:
    x: str
    y: str
    label: str


@dataclass
class Chart:
    width: int
    height: int
    bars: list[Bar] = field(default_factory=list)
    y_ticks: list[Tick] = field(default_factory=list)
    x_ticks: list[Tick] = field(default_factory=list)
    plot_left: str = "0"
    plot_right: str = "0"
    baseline: str = "0"
    empty: bool = True


def _fmt(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: int) -> int:
    if value <= 4:
        return 4
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        top = step * magnitude
        if top >= value:
            return math.ceil(top)
    return value


def daily_attempts_chart(by_day: list[dict], *, width: int = 720, height: int = 220) -> Chart:
    """Stacked bars per day: answered, served from cache, failed."""
    left, right, top, bottom = 40, 8, 10, 26
    plot_w, plot_h = width - left - right, height - top - bottom
    chart = Chart(width=width, height=height)
    chart.plot_left, chart.plot_right = _fmt(left), _fmt(width - right)
    chart.baseline = _fmt(top + plot_h)
    peak = max((row["attempts"] for row in by_day), default=0)
    chart.empty = peak == 0
    y_max = _nice_max(peak)
    for i in range(5):
        value = y_max * i / 4
        y = top + plot_h - plot_h * value / y_max
        chart.y_ticks.append(Tick(x=_fmt(left - 6), y=_fmt(y), label=f"{value:g}"))
    if not by_day:
        return chart
    slot = plot_w / len(by_day)
    bar_w = max(1.0, slot * 0.7)
    label_every = max(1, math.ceil(len(by_day) / 8))
    for index, row in enumerate(by_day):
        x = left + slot * index + (slot - bar_w) / 2
        failed = row["failures"]
        cached = row["cached_hits"]
        ok = max(0, row["attempts"] - failed - cached)
        day = row["day"]
        base = top + plot_h
        for kind, value, label in (
            ("ok", ok, "answered"),
            ("cached", cached, "from cache"),
            ("failed", failed, "failed"),
        ):
            if not value:
                continue
            h = plot_h * value / y_max
            base -= h
            chart.bars.append(
                Bar(
                    x=_fmt(x),
                    y=_fmt(base),
                    width=_fmt(bar_w),
                    height=_fmt(h),
                    kind=kind,
                    title=f"{day:%b %d}: {value} {label}",
                )
            )
        if index % label_every == 0:
            chart.x_ticks.append(
                Tick(x=_fmt(x + bar_w / 2), y=_fmt(height - 8), label=f"{day:%b %d}")
            )
    return chart
