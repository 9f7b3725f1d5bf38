"""The usage chart, drawn on the server as SVG geometry (no chart library, no inline styles:
colours come from CSS classes in static/css/atelier.css)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from apps.billing.plans import WorkKind

WIDTH = 720
HEIGHT = 200
LEFT = 44  # room for the y-axis labels
BOTTOM = 22  # room for the date labels
TOP = 8


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    css_class: str
    title: str


@dataclass(frozen=True)
class AxisLabel:
    x: float
    y: float
    text: str


@dataclass(frozen=True)
class LegendEntry:
    css_class: str
    label: str
    total: int


@dataclass(frozen=True)
class UsageChart:
    width: int
    height: int
    plot_left: int
    plot_right: int
    baseline: float
    bars: list[Bar]
    x_labels: list[AxisLabel]
    y_labels: list[AxisLabel]
    legend: list[LegendEntry]
    total: int

    @property
    def empty(self) -> bool:
        return self.total == 0


def _nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^n that is at least ``value`` (a readable axis top)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def kind_css_class(kind: str) -> str:
    return f"usage-kind-{kind.replace('_', '-')}"


def usage_chart(days: list[date], usage: dict[date, dict[str, int]]) -> UsageChart:
    """Stacked bars: one per day, one segment per kind of work, in credits."""
    kinds = list(WorkKind.values)
    for day_usage in usage.values():
        kinds.extend(kind for kind in day_usage if kind not in kinds)
    day_totals = [sum(max(v, 0) for v in usage.get(day, {}).values()) for day in days]
    top = _nice_ceiling(max([*day_totals, 1]))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - 4
    slot = plot_width / max(len(days), 1)
    bar_width = max(slot * 0.7, 1.0)
    baseline = HEIGHT - BOTTOM

    bars: list[Bar] = []
    x_labels: list[AxisLabel] = []
    label_every = max(len(days) // 6, 1)
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = float(baseline)
        for kind in kinds:
            credits = max(usage.get(day, {}).get(kind, 0), 0)
            if not credits:
                continue
            height = credits / top * plot_height
            y -= height
            label = WorkKind(kind).label if kind in WorkKind.values else kind
            bars.append(
                Bar(
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    css_class=kind_css_class(kind),
                    title=f"{day.day} {day:%b}: {credits} credits, {label.lower()}",
                )
            )
        if index % label_every == 0 or index == len(days) - 1:
            x_labels.append(
                AxisLabel(x=round(x + bar_width / 2, 2), y=HEIGHT - 6, text=f"{day.day} {day:%b}")
            )
    y_labels = [
        AxisLabel(x=LEFT - 6, y=round(baseline - fraction * plot_height, 2), text=str(value))
        for fraction, value in ((0, 0), (0.5, top // 2 if top >= 2 else 0), (1, top))
    ]
    totals = {kind: sum(usage.get(day, {}).get(kind, 0) for day in days) for kind in kinds}
    legend = [
        LegendEntry(
            css_class=kind_css_class(kind),
            label=WorkKind(kind).label if kind in WorkKind.values else kind,
            total=max(totals[kind], 0),
        )
        for kind in kinds
    ]
    return UsageChart(
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - 4,
        baseline=baseline,
        bars=bars,
        x_labels=x_labels,
        y_labels=y_labels,
        legend=legend,
        total=sum(day_totals),
    )
