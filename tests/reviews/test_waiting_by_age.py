"""Review waiting by age: the desks' buckets count work in review by how long it has waited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from apps.copywriting.models import CopyDraft
from apps.photos.models import PhotoOutput
from apps.reviews.selectors import waiting_by_age
from tests.factories import CopyDraftFactory, PhotoOutputFactory

pytestmark = pytest.mark.django_db


def in_review(model, workspace):
    return model.objects.for_workspace(workspace).filter(review_state="in_review")


def test_copy_in_review_is_counted_by_how_long_it_has_waited(workspace, other_workspace):
    now = timezone.now()
    for hours in (1, 23, 25, 71, 73, 24 * 10):
        CopyDraftFactory(
            workspace=workspace, review_state="in_review", submitted_at=now - timedelta(hours=hours)
        )
    CopyDraftFactory(workspace=workspace, review_state="draft")  # not waiting
    CopyDraftFactory(workspace=workspace, review_state="approved", submitted_at=now)
    CopyDraftFactory(workspace=other_workspace, review_state="in_review", submitted_at=now)

    buckets = waiting_by_age(in_review(CopyDraft, workspace), now=now)

    assert [(b.label, b.count) for b in buckets] == [
        ("under a day", 2),
        ("1–3 days", 2),
        ("over 3 days", 2),
    ]


def test_photos_waiting_use_the_same_buckets(workspace):
    now = timezone.now()
    PhotoOutputFactory(workspace=workspace, review_state="in_review", submitted_at=now)
    PhotoOutputFactory(
        workspace=workspace, review_state="in_review", submitted_at=now - timedelta(days=2)
    )
    buckets = waiting_by_age(in_review(PhotoOutput, workspace), now=now)
    assert [b.count for b in buckets] == [1, 1, 0]
    assert (
        waiting_by_age(in_review(PhotoOutput, workspace), now=now + timedelta(days=5))[2].count == 2
    )
