"""The one chart: stacked bars per day, drawn on the server as SVG geometry.

No chart library and no inline styles (the CSP forbids them): each series names a CSS class that
static/css/atelier.css colours, and ``templates/partials/stacked_bar_chart.html`` places what this
module computes. Billing's credits per day and the gateway's model calls per day both use it.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

WIDTH = 720
HEIGHT = 220
LEFT = 44  # room for the y-axis labels
RIGHT = 6
TOP = 10
BOTTOM = 24  # room for the date labels


@dataclass(frozen=True)
class Series:
    key: str
    label: str
    css_class: str


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
class StackedBarChart:
    title: str
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


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 × 10^n that is at least ``value`` (a readable axis top)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked_bar_chart(
    *,
    title: str,
    days: Sequence[date],
    values: Mapping[date, Mapping[str, int]],
    series: Sequence[Series],
    unit: str,
) -> StackedBarChart:
    """One bar per day, one segment per series (bottom to top in ``series`` order).

    ``values[day][series.key]`` is the day's amount; negative amounts (refunds) count as none.
    Each segment's tooltip reads "2 Mar: 4 <unit>, <series label>".
    """
    day_totals = [sum(max(values.get(day, {}).get(s.key, 0), 0) for s in series) for day in days]
    top = nice_ceiling(max([*day_totals, 1]))
    plot_height = HEIGHT - TOP - BOTTOM
    plot_width = WIDTH - LEFT - RIGHT
    slot = plot_width / max(len(days), 1)
    bar_width = max(slot * 0.7, 1.0)
    baseline = HEIGHT - BOTTOM

    bars: list[Bar] = []
    x_labels: list[AxisLabel] = []
    label_every = max(len(days) // 6, 1)
    for index, day in enumerate(days):
        x = LEFT + index * slot + (slot - bar_width) / 2
        y = float(baseline)
        for s in series:
            amount = max(values.get(day, {}).get(s.key, 0), 0)
            if not amount:
                continue
            height = amount / top * plot_height
            y -= height
            bars.append(
                Bar(
                    x=round(x, 2),
                    y=round(y, 2),
                    width=round(bar_width, 2),
                    height=round(height, 2),
                    css_class=s.css_class,
                    title=f"{day.day} {day:%b}: {amount} {unit}, {s.label.lower()}",
                )
            )
        if index % label_every == 0 or index == len(days) - 1:
            x_labels.append(
                AxisLabel(x=round(x + bar_width / 2, 2), y=HEIGHT - 7, text=f"{day.day} {day:%b}")
            )
    y_labels = [
        AxisLabel(x=LEFT - 6, y=round(baseline - fraction * plot_height, 2), text=str(value))
        for fraction, value in ((0, 0), (0.5, top // 2 if top >= 2 else 0), (1, top))
    ]
    legend = [
        LegendEntry(
            css_class=s.css_class,
            label=s.label,
            total=sum(max(values.get(day, {}).get(s.key, 0), 0) for day in days),
        )
        for s in series
    ]
    return StackedBarChart(
        title=title,
        width=WIDTH,
        height=HEIGHT,
        plot_left=LEFT,
        plot_right=WIDTH - RIGHT,
        baseline=baseline,
        bars=bars,
        x_labels=x_labels,
        y_labels=y_labels,
        legend=legend,
        total=sum(day_totals),
    )
