"""Browser journeys on the seeded demo: each demo member signs in with the printed password,
finds their desk with work on it, and follows its next action.

The demo is seeded once for the module (it takes a while: a catalog, photos, a trained profile
and real copy), so the roles' journeys are one test each run in turn against the same data, in
their own browser contexts."""

import io

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from apps.demo.seeding import DEMO_PASSWORD, DEMO_WORKSPACE_SLUG
from apps.jobs import handlers

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def sign_in(page, role):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(f"{role}@demo.atelier.test")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("dashboard-role")).to_be_visible()
    return page


def copywriter(page):
    panel = page.get_by_test_id("panel-returned")
    expect(panel.get_by_test_id("count-returned")).to_have_text("2")
    expect(panel.get_by_test_id("count-in-review")).to_have_text("3")
    expect(panel).to_contain_text("Lead with what it is made of")
    panel.get_by_test_id("next-action").click()
    expect(page.get_by_test_id("draft-state")).to_have_text("Changes requested")
    expect(page.get_by_test_id("review-comment")).to_be_visible()


def photo_editor(page):
    panel = page.get_by_test_id("panel-photo-editor")
    expect(panel.get_by_test_id("count-returned")).to_have_text("2")
    expect(panel.get_by_test_id("count-approved")).to_have_text("2")
    expect(page.get_by_test_id("panel-photo-batches")).to_contain_text("2 approved")
    panel.get_by_test_id("next-action").click()
    expect(page.get_by_text("The shadow is too heavy for our listings")).to_be_visible()
    expect(page.get_by_test_id("decide-form")).to_be_visible()


def brand_manager(page):
    panel = page.get_by_test_id("panel-brand-profiles")
    expect(panel.get_by_test_id("brand-score")).to_contain_text("/100")
    expect(panel.get_by_test_id("brand-new-material")).to_contain_text("new since training")
    expect(page.get_by_test_id("panel-brand-lights")).to_contain_text("Studio daylight")
    panel.get_by_test_id("next-action").click()  # train the next version on the new material
    expect(page.get_by_text("Training started")).to_be_visible()
    expect(page.get_by_test_id("versions")).to_contain_text("v2")


def reviewer(page):
    panel = page.get_by_test_id("panel-review")
    expect(panel.get_by_test_id("copy-review-count")).to_have_text("3")
    expect(panel.get_by_test_id("copy-review-ages")).to_contain_text("3 under a day")
    expect(
        page.get_by_test_id("panel-photo-review").get_by_test_id("photo-review-count")
    ).to_have_text("1")
    panel.get_by_test_id("next-action").click()
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    page.get_by_role("button", name="Approve").click()
    page.goto(f"/w/{DEMO_WORKSPACE_SLUG}/")
    expect(page.get_by_test_id("copy-review-count")).to_have_text("2")


def admin(page):
    panel = page.get_by_test_id("panel-model-usage")
    expect(panel.get_by_test_id("usage-calls")).not_to_have_text("0")
    expect(page.get_by_test_id("plan-card")).to_contain_text("Unlimited")
    panel.get_by_test_id("next-action").click()
    expect(page.get_by_test_id("usage-totals")).to_be_visible()


def owner(page):
    """The owner of the demo can invite: Unlimited has a seat for everyone."""
    expect(page.get_by_test_id("plan-card")).to_contain_text("6 seats used")
    page.get_by_role("link", name="Invite teammates").click()
    form = page.get_by_test_id("invite-form")
    form.get_by_label("E-mail address").fill("new.colleague@example.com")
    form.get_by_label("Role").select_option("copywriter")
    form.get_by_role("button", name="Send invitation").click()
    expect(page.get_by_text("Invitation sent to new.colleague@example.com")).to_be_visible()


JOURNEYS = {
    "copywriter": copywriter,
    "photo-editor": photo_editor,
    "brand-manager": brand_manager,
    "reviewer": reviewer,
    "admin": admin,
    "owner": owner,
}


@pytest.fixture
def demo(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    call_command("seed_demo", stdout=io.StringIO())
    yield
    handlers.job_item_pool_shutdown()


def test_every_demo_member_finds_work_on_their_desk_and_follows_its_next_action(demo, new_page):
    for role, journey in JOURNEYS.items():
        page = sign_in(new_page(), role)
        try:
            journey(page)
        except AssertionError as failure:
            raise AssertionError(f"the {role}'s desk: {failure}") from failure
