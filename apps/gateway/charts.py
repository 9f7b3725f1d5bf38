"""Model calls per day (answered, from cache, failed) on the one chart (apps/core/charts.py)."""

from collections.abc import Sequence
from datetime import date
from typing import Any

from apps.core.charts import Series, StackedBarChart, stacked_bar_chart

ATTEMPT_SERIES = [
    Series(key="ok", label="Answered", css_class="usage-attempt-ok"),
    Series(key="cached", label="From cache", css_class="usage-attempt-cached"),
    Series(key="failed", label="Failed", css_class="usage-attempt-failed"),
]


def daily_attempts_chart(by_day: Sequence[dict[str, Any]]) -> StackedBarChart:
    """Stacked bars per day: answered, served from cache, failed."""
    values: dict[date, dict[str, int]] = {}
    for row in by_day:
        failed, cached = row["failures"], row["cached_hits"]
        values[row["day"]] = {
            "ok": max(0, row["attempts"] - failed - cached),
            "cached": cached,
            "failed": failed,
        }
    return stacked_bar_chart(
        title="Model calls per day: answered, from cache and failed",
        days=[row["day"] for row in by_day],
        values=values,
        series=ATTEMPT_SERIES,
        unit="calls",
    )
