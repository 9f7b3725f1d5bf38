from datetime import date, timedelta

import pytest
from django.core.paginator import Paginator
from django.template.loader import render_to_string
from django.test import RequestFactory

from apps.core.charts import Series, stacked_bar_chart
from apps.gateway.charts import daily_attempts_chart


def test_the_chart_stacks_series_bottom_to_top_on_a_readable_axis():
    days = [date(2026, 3, 1) + timedelta(days=n) for n in range(3)]
    chart = stacked_bar_chart(
        title="Things per day",
        days=days,
        values={days[1]: {"a": 4, "b": 6}, days[2]: {"a": -2}},
        series=[Series("a", "Apples", "css-a"), Series("b", "Bananas", "css-b")],
        unit="things",
    )
    assert chart.total == 10  # a negative amount (a refund) draws nothing
    low, high = chart.bars
    assert (low.css_class, high.css_class) == ("css-a", "css-b")
    assert low.y + low.height == chart.baseline
    assert high.y + high.height == pytest.approx(low.y)
    assert low.title == "2 Mar: 4 things, apples"
    assert [label.text for label in chart.y_labels] == ["0", "5", "10"]
    assert [(e.label, e.total) for e in chart.legend] == [("Apples", 4), ("Bananas", 6)]


def test_model_calls_split_into_answered_cached_and_failed():
    day = date(2026, 3, 1)
    chart = daily_attempts_chart([{"day": day, "attempts": 10, "failures": 2, "cached_hits": 3}])
    assert [(e.label, e.total) for e in chart.legend] == [
        ("Answered", 5),
        ("From cache", 3),
        ("Failed", 2),
    ]
    html = render_to_string("partials/stacked_bar_chart.html", {"chart": chart})
    assert "10 in all" in html and 'class="usage-bar usage-attempt-failed"' in html


def test_the_pager_keeps_the_filters_of_the_page():
    page = Paginator(list(range(120)), 50).get_page(2)
    request = RequestFactory().get("/w/acme/catalog/", {"q": "linen shirt", "page": "2"})
    html = render_to_string("partials/pagination.html", {"page": page, "request": request})
    assert 'href="?q=linen+shirt&amp;page=1"' in html
    assert 'href="?q=linen+shirt&amp;page=3"' in html
    assert "Page 2 of 3" in html
