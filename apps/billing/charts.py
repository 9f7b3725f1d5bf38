"""Credits used per day, by kind of work, on the one chart (apps/core/charts.py)."""

from collections.abc import Mapping
from datetime import date

from apps.billing.plans import WorkKind
from apps.core.charts import Series, StackedBarChart, stacked_bar_chart


def kind_css_class(kind: str) -> str:
    return f"usage-kind-{kind.replace('_', '-')}"


def usage_chart(days: list[date], usage: Mapping[date, Mapping[str, int]]) -> StackedBarChart:
    """Stacked bars: one per day, one segment per kind of work, in credits."""
    kinds = list(WorkKind.values)
    for day_usage in usage.values():
        kinds.extend(kind for kind in day_usage if kind not in kinds)
    series = [
        Series(
            key=kind,
            label=WorkKind(kind).label if kind in WorkKind.values else kind,
            css_class=kind_css_class(kind),
        )
        for kind in kinds
    ]
    return stacked_bar_chart(
        title=f"Credits used per day over the last {len(days)} days, by kind of work",
        days=days,
        values=usage,
        series=series,
        unit="credits",
    )
