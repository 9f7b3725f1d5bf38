"""The "Write copy" form shows what the run will cost before it starts, and again after each
change of the brief (htmx)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog.models import ApprovedCopy
from tests.billing.support import set_balance
from tests.factories import ProductFactory

pytestmark = pytest.mark.postgres


@pytest.fixture
def three(workspace):
    return [ProductFactory(workspace=workspace) for _ in range(3)]


def test_the_brief_form_shows_the_cost_of_its_first_values(workspace, owner, three, member_client):
    set_balance(workspace, 300)
    client = member_client(owner)
    url = reverse("copy_run_new", kwargs={"slug": workspace.slug})
    page = client.get(url, {"product": [p.pk for p in three]})
    body = page.content.decode()
    # 3 products × 1 kind (product description) × 3 variants × 1 credit.
    assert "This run will use 9 credits of your 300." in body
    assert f'hx-post="{reverse("copy_run_cost", kwargs={"slug": workspace.slug})}"' in body


def test_the_cost_follows_the_brief_and_leaves_out_products_it_will_skip(
    workspace, owner, three, member_client
):
    set_balance(workspace, 300)
    ApprovedCopy.objects.create(
        workspace=workspace,
        product=three[0],
        copy_type="seo_title",
        content="Done",
        approved_at=timezone.now(),
    )
    client = member_client(owner)
    url = reverse("copy_run_cost", kwargs={"slug": workspace.slug})
    ids = [p.pk for p in three]
    data = {"product": ids, "copy_types": ["seo_title", "x_post"], "variants": "2"}
    # 3 products × 2 kinds × 2 variants, less the approved SEO title's 2 (skipped by the run).
    answer = client.post(url, {**data, "skip_approved": "on"})
    assert "This run will use 10 credits of your 300." in answer.content.decode()
    answer = client.post(url, data)
    assert "This run will use 12 credits of your 300." in answer.content.decode()
    answer = client.post(url, {**data, "variants": "5", "copy_types": ["seo_title"]})
    assert "This run will use 15 credits of your 300." in answer.content.decode()


def test_a_brief_past_the_balance_is_flagged_before_it_starts(
    workspace, owner, three, member_client
):
    set_balance(workspace, 4)
    client = member_client(owner)
    url = reverse("copy_run_cost", kwargs={"slug": workspace.slug})
    answer = client.post(
        url, {"product": [p.pk for p in three], "copy_types": ["seo_title"], "variants": "3"}
    )
    body = answer.content.decode()
    assert "This run needs 9 credits and 4 are left on the Free trial plan." in body
    assert "See the plans" in body


def test_the_cost_counts_only_this_workspaces_products(
    workspace, owner, three, member_client, other_workspace
):
    set_balance(workspace, 300)
    foreign = ProductFactory(workspace=other_workspace)
    client = member_client(owner)
    url = reverse("copy_run_cost", kwargs={"slug": workspace.slug})
    answer = client.post(
        url, {"product": [three[0].pk, foreign.pk], "copy_types": ["seo_title"], "variants": "1"}
    )
    assert "This run will use 1 credit of your 300." in answer.content.decode()
