"""Browser journey: sign up, verify the e-mail, create a workspace, invite a member who joins."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from apps.workspaces.models import Membership, Workspace

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def last_link(pattern: str) -> str:
    for message in reversed(mail.outbox):
        found = re.search(pattern, message.body)
        if found:
            return found.group(0)
    raise AssertionError(f"no e-mail with {pattern!r} in {[m.subject for m in mail.outbox]}")


def sign_up(page, email: str, password: str) -> None:
    page.goto("/accounts/signup/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_label("Password (again)").fill(password)
    page.get_by_role("button", name="Sign Up").click()


def test_sign_up_create_a_workspace_and_invite_a_teammate(new_page, live_server):
    owner = new_page()
    sign_up(owner, "founder@example.com", "sea-salt-caramel-9")
    expect(owner.get_by_text("Verify Your Email Address")).to_be_visible()

    owner.goto(last_link(r"http://[^\s]+/accounts/confirm-email/[^\s]+"))
    owner.get_by_role("button", name="Confirm").click()
    expect(owner.get_by_text("You are not in a workspace yet")).to_be_visible()

    owner.get_by_label("Company or team name").fill("Harbor & Pine")
    owner.get_by_role("button", name="Create workspace").click()
    expect(owner).to_have_url(f"{live_server.url}/w/harbor-pine/")
    expect(owner.get_by_text("Harbor & Pine is ready")).to_be_visible()

    owner.get_by_role("link", name="Members").click()
    owner.get_by_label("E-mail address").fill("writer@example.com")
    owner.get_by_label("Role").select_option("copywriter")
    owner.get_by_role("button", name="Send invitation").click()
    expect(owner.get_by_text("Invitation sent to writer@example.com")).to_be_visible()
    expect(owner.get_by_test_id("invitation-table")).to_contain_text("writer@example.com")

    # The invitee has no account: the link lets them sign up and join in one go.
    writer = new_page()
    writer.goto(last_link(r"http://[^\s]+/invitations/[^\s/]+/"))
    expect(writer.get_by_role("heading", name="Join Harbor & Pine")).to_be_visible()
    writer.get_by_role("link", name="Create an account").click()
    sign_up(writer, "writer@example.com", "quiet-ink-wells-4")
    writer.get_by_role("button", name="Accept and join").click()
    expect(writer.get_by_text("You joined as Copywriter")).to_be_visible()
    expect(writer.get_by_test_id("dashboard-role")).to_contain_text("copywriter's desk")

    workspace = Workspace.objects.get(slug="harbor-pine")
    roles = dict(Membership.objects.for_workspace(workspace).values_list("user__email", "role"))
    assert roles == {"founder@example.com": "owner", "writer@example.com": "copywriter"}

    # The owner changes the new member's role in place (htmx) and sees it in the audit trail.
    owner.reload()
    row = owner.locator("tr", has_text="writer@example.com").first
    row.get_by_test_id("role-select").select_option("reviewer")
    row.get_by_role("button", name="Save").click()
    expect(owner.get_by_text("writer@example.com is now Reviewer")).to_be_visible()
    owner.get_by_role("link", name="Audit trail").click()
    expect(owner.get_by_test_id("audit-table")).to_contain_text("Role changed")
    expect(owner.get_by_test_id("audit-table")).to_contain_text("Invitation accepted")
