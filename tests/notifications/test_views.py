"""The bell, the list (read, read all, open), and the preferences page."""

import pytest
from django.urls import reverse

from apps.accounts.models import UserPreferences
from apps.notifications.kinds import Delivery, Kind
from apps.notifications.models import Notification, NotificationPreference
from tests.factories import MembershipFactory, NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def reviewer(workspace):
    return MembershipFactory(workspace=workspace, role="reviewer").user


def unread(workspace, user):
    return (
        Notification.objects.for_workspace(workspace)
        .filter(recipient=user, read_at__isnull=True)
        .count()
    )


def test_the_bell_counts_the_members_unread_notifications_in_this_workspace(
    client, workspace, other_workspace, reviewer
):
    NotificationFactory.create_batch(2, workspace=workspace, recipient=reviewer)
    NotificationFactory(workspace=workspace)  # another member's
    MembershipFactory(workspace=other_workspace, user=reviewer)
    NotificationFactory(workspace=other_workspace, recipient=reviewer)
    client.force_login(reviewer)
    page = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    assert 'data-testid="notification-count">2</span>' in page.text
    bell = client.get(reverse("notification_bell", kwargs={"slug": workspace.slug}))
    assert 'data-testid="notification-count">2</span>' in bell.text
    assert bell.text.count("<a ") == 1  # the bell alone, for htmx to swap in
    assert bell["X-Notification-Bell"] == "1"

    Notification.objects.for_workspace(workspace).filter(recipient=reviewer).update(
        read_at="2026-12-01T00:00Z"
    )
    page = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    assert 'data-testid="notification-bell"' in page.text
    assert "notification-count" not in page.text


def test_the_list_shows_only_the_members_own(client, workspace, reviewer):
    mine = NotificationFactory(workspace=workspace, recipient=reviewer, title="Mine")
    NotificationFactory(workspace=workspace, title="Someone else's")
    client.force_login(reviewer)
    page = client.get(reverse("notification_list", kwargs={"slug": workspace.slug}))
    assert page.status_code == 200
    assert "Mine" in page.text and "Someone else" not in page.text
    assert (
        reverse("notification_open", kwargs={"slug": workspace.slug, "notification_id": mine.pk})
        in page.text
    )


def test_opening_marks_read_and_goes_to_the_work(client, workspace, reviewer):
    note = NotificationFactory(
        workspace=workspace, recipient=reviewer, url=f"/w/{workspace.slug}/jobs/7/"
    )
    client.force_login(reviewer)
    response = client.get(
        reverse("notification_open", kwargs={"slug": workspace.slug, "notification_id": note.pk})
    )
    assert response.status_code == 302 and response["Location"] == f"/w/{workspace.slug}/jobs/7/"
    note.refresh_from_db()
    assert note.read_at is not None


def test_another_members_notification_is_refused_and_left_alone(client, workspace, reviewer):
    theirs = NotificationFactory(workspace=workspace)
    client.force_login(reviewer)
    kwargs = {"slug": workspace.slug, "notification_id": theirs.pk}
    assert client.get(reverse("notification_open", kwargs=kwargs)).status_code == 403
    assert client.post(reverse("notification_read", kwargs=kwargs)).status_code == 403
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_another_workspaces_notification_is_not_found(client, workspace, other_workspace, stranger):
    theirs = NotificationFactory(workspace=workspace)
    client.force_login(stranger)
    kwargs = {"slug": other_workspace.slug, "notification_id": theirs.pk}
    assert client.get(reverse("notification_open", kwargs=kwargs)).status_code == 404
    assert client.post(reverse("notification_read", kwargs=kwargs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_read_and_mark_all_read(client, workspace, reviewer):
    first, *_ = NotificationFactory.create_batch(3, workspace=workspace, recipient=reviewer)
    someone_elses = NotificationFactory(workspace=workspace)
    client.force_login(reviewer)
    kwargs = {"slug": workspace.slug, "notification_id": first.pk}
    response = client.post(reverse("notification_read", kwargs=kwargs), follow=True)
    assert "Marked as read." in response.text
    assert unread(workspace, reviewer) == 2
    response = client.post(
        reverse("notification_read_all", kwargs={"slug": workspace.slug}), follow=True
    )
    assert "Marked 2 notifications as read." in response.text
    assert unread(workspace, reviewer) == 0
    assert unread(workspace, someone_elses.recipient) == 1


def test_the_preferences_page_saves_email_choices_and_the_shortcuts_switch(client, reviewer):
    client.force_login(reviewer)
    page = client.get(reverse("user_preferences"))
    assert page.status_code == 200
    assert 'data-shortcuts="on"' in page.text
    assert 'href="/preferences/"' in page.text  # in the user menu
    choices = {kind: Delivery.DIGEST for kind in Kind.values} | {Kind.PAYMENT_FAILED: Delivery.OFF}
    response = client.post(reverse("user_preferences"), choices, follow=True)  # box unticked
    assert "Your preferences are saved." in response.text
    assert 'data-shortcuts="off"' in response.text
    assert UserPreferences.objects.get(user=reviewer).keyboard_shortcuts is False
    saved = dict(
        NotificationPreference.objects.filter(user=reviewer).values_list("kind", "delivery")
    )
    assert saved == choices

    response = client.post(
        reverse("user_preferences"), choices | {"keyboard_shortcuts": "on"}, follow=True
    )
    assert 'data-shortcuts="on"' in response.text


def test_a_bad_choice_is_refused_by_name_and_nothing_is_saved(client, reviewer):
    client.force_login(reviewer)
    choices = {kind: Delivery.DIGEST for kind in Kind.values} | {Kind.JOB_DONE: "hourly"}
    response = client.post(reverse("user_preferences"), choices)
    assert response.status_code == 200
    assert "Select a valid choice. hourly is not one of the available choices." in response.text
    assert NotificationPreference.objects.filter(user=reviewer).count() == 0
    assert not UserPreferences.objects.filter(user=reviewer).exists()


def test_preferences_need_signing_in(client):
    response = client.get(reverse("user_preferences"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
