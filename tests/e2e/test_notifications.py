"""Browser journeys: the bell counts what happens to a member and is read down; a reviewer turns
single-key shortcuts off and "a" no longer approves."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from apps.copywriting.models import CopyDraft
from apps.reviews.models import ReviewState
from apps.workspaces import services as workspace_services
from tests.factories import (
    PASSWORD,
    CopyDraftFactory,
    CopyVariantFactory,
    InvitationFactory,
    MembershipFactory,
    UserFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("dashboard-role")).to_be_visible()


def test_the_bell_counts_up_and_is_read_down(new_page):
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    owner = MembershipFactory(workspace=workspace, role="owner").user
    page = new_page()
    sign_in(page, owner.email)
    bell = page.get_by_test_id("notification-bell")
    count = page.get_by_test_id("notification-count")
    expect(bell).to_be_visible()
    expect(count).to_have_count(0)

    # Two people accept the owner's invitations: the workspace app tells listeners, the task
    # makes the owner's notifications.
    for role in ("reviewer", "copywriter"):
        invitation = InvitationFactory(workspace=workspace, role=role, invited_by=owner)
        workspace_services.invitation_accept(
            token=workspace_services.invitation_token(invitation),
            user=UserFactory(email=invitation.email),
        )
    # The bell polls every minute; run its poll now rather than wait: the count goes up in place.
    page.evaluate(
        """() => {
            const bell = document.querySelector("[data-testid=notification-bell]");
            const options = {source: bell, target: bell, swap: "outerHTML"};
            htmx.ajax("GET", bell.getAttribute("hx-get"), options);
        }"""
    )
    expect(count).to_have_text("2")
    page.reload()
    expect(count).to_have_text("2")

    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    items = page.get_by_test_id("notification")
    expect(items).to_have_count(2)
    expect(items.first).to_contain_text("accepted your invitation and joined as Copywriter")
    items.first.get_by_role("button", name="Mark read").click()
    expect(page.get_by_text("Marked as read.")).to_be_visible()
    expect(count).to_have_text("1")
    page.get_by_role("button", name="Mark all read").click()
    expect(page.get_by_text("Marked 1 notification as read.")).to_be_visible()
    expect(count).to_have_count(0)
    # Following one goes to the work it is about (here: the members page).
    items.first.get_by_role("link").click()
    expect(page).to_have_url(f"/w/{workspace.slug}/members/")


def draft_in_review(workspace, author):
    draft = CopyDraftFactory(
        workspace=workspace,
        author=author,
        review_state=ReviewState.IN_REVIEW,
        submitted_at=timezone.now(),
    )
    draft.chosen_variant = CopyVariantFactory(workspace=workspace, draft=draft)
    draft.save(update_fields=["chosen_variant"])
    return draft


def state(draft):
    return CopyDraft.objects.for_workspace(draft.workspace_id).get(pk=draft.pk).review_state


def test_single_key_shortcuts_can_be_turned_off(new_page, live_server):
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    writer = MembershipFactory(workspace=workspace, role="copywriter").user
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    first, second = draft_in_review(workspace, writer), draft_in_review(workspace, writer)
    page = new_page()
    sign_in(page, reviewer.email)
    body = page.locator("body")

    page.goto(f"/w/{workspace.slug}/review/copy/{first.pk}/")
    expect(body).to_have_attribute("data-shortcuts", "on")
    page.keyboard.press("a")  # on by default: "a" approves
    expect(page.get_by_text("approved.", exact=False)).to_be_visible()
    assert state(first) == ReviewState.APPROVED

    page.get_by_test_id("user-menu").click()
    page.get_by_role("link", name="Preferences").click()
    page.get_by_label("Single-key keyboard shortcuts").uncheck()
    page.get_by_role("button", name="Save preferences").click()
    expect(page.get_by_text("Your preferences are saved.")).to_be_visible()

    url = f"/w/{workspace.slug}/review/copy/{second.pk}/"
    page.goto(url)
    expect(body).to_have_attribute("data-shortcuts", "off")
    page.keyboard.press("a")
    page.keyboard.press("n")
    page.wait_for_timeout(700)  # long enough for a click or a navigation to have happened
    expect(page).to_have_url(live_server.url + url)
    expect(page.get_by_role("button", name="Approve")).to_be_visible()
    assert state(second) == ReviewState.IN_REVIEW
