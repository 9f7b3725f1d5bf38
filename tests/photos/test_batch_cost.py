"""The photo batch form shows the credits the ticked photos will use before the batch starts."""

import pytest
from django.urls import reverse

from tests.billing.support import set_balance
from tests.factories import PhotoFactory

pytestmark = pytest.mark.postgres


def test_the_studio_shows_the_cost_per_photo_and_the_ticked_photos_cost(
    workspace, editor, member_client, other_workspace
):
    set_balance(workspace, 300)
    ready = [PhotoFactory(workspace=workspace, status="ready") for _ in range(3)]
    pending = PhotoFactory(workspace=workspace, status="processing")
    foreign = PhotoFactory(workspace=other_workspace, status="ready")
    client = member_client(editor)
    page = client.get(reverse("photo_studio", kwargs={"slug": workspace.slug}))
    body = page.content.decode()
    assert "Each photo costs 5 credits; 300 left." in body
    assert reverse("photo_batch_cost", kwargs={"slug": workspace.slug}) in body

    url = reverse("photo_batch_cost", kwargs={"slug": workspace.slug})
    answer = client.post(url, {"photos": [p.pk for p in ready[:2]]})
    assert "This run will use 10 credits of your 300." in answer.content.decode()
    # Only this workspace's photos that passed their checks are processed, and priced.
    answer = client.post(url, {"photos": [ready[2].pk, pending.pk, foreign.pk]})
    assert "This run will use 5 credits of your 300." in answer.content.decode()


def test_a_batch_past_the_balance_is_flagged(workspace, editor, member_client):
    set_balance(workspace, 7)
    photos = [PhotoFactory(workspace=workspace, status="ready") for _ in range(2)]
    client = member_client(editor)
    url = reverse("photo_batch_cost", kwargs={"slug": workspace.slug})
    answer = client.post(url, {"photos": [p.pk for p in photos]})
    assert (
        "This run needs 10 credits and 7 are left on the Free trial plan."
        in answer.content.decode()
    )
