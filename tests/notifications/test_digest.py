"""The daily digest: what waits for it goes in one e-mail a day per member and workspace."""

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings as django_settings
from django.core import mail

from apps.notifications import services, tasks
from apps.notifications.kinds import Delivery, Kind
from apps.notifications.models import Digest, Notification, NotificationPreference
from tests.factories import MembershipFactory
from tests.notifications.conftest import review_payload

pytestmark = pytest.mark.django_db

MORNING = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def digest_at_seven(settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 7
    settings.TIME_ZONE = "UTC"


def submit(emit, workspace, n, author):
    return emit(
        "copy.submitted",
        workspace,
        key=f"copy-{n}:1",
        payload=review_payload(workspace, author=author, object_id=n) | {"product_title": f"P{n}"},
        actor=author,
    )


def test_the_digest_collects_the_days_notifications_and_goes_once(workspace, emit):
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    submit(emit, workspace, 1, author)
    submit(emit, workspace, 2, author)
    assert mail.outbox == []  # review waiting goes to the digest by default

    assert services.digest_send_due(now=MORNING.replace(hour=6)) == 0  # before the hour
    assert mail.outbox == []
    assert services.digest_send_due(now=MORNING) == 1
    (message,) = mail.outbox
    assert message.to == [reviewer.email]
    assert message.subject == f"[Atelier] {workspace.name}: 2 notifications today"
    assert "“P1”" in message.body and "“P2”" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    digest = Digest.objects.for_workspace(workspace).get()
    assert digest.notifications.count() == 2 and digest.sent_at

    # The beat runs every hour: the same day sends nothing again, even with new notifications.
    submit(emit, workspace, 3, author)
    assert services.digest_send_due(now=MORNING + timedelta(hours=1)) == 0
    assert (
        services.digest_send(workspace_id=workspace.pk, user_id=reviewer.pk, day=MORNING.date())
        is False
    )
    assert len(mail.outbox) == 1
    # The next day's digest carries what came after.
    assert services.digest_send_due(now=MORNING + timedelta(days=1)) == 1
    assert len(mail.outbox) == 2
    assert "“P3”" in mail.outbox[1].body and "“P1”" not in mail.outbox[1].body
    assert (
        Notification.objects.for_workspace(workspace).filter(emailed_at__isnull=True).count() == 0
    )


def test_the_beat_task_sends_each_digest_once(workspace, emit, settings):
    settings.NOTIFICATIONS_DIGEST_HOUR = 0  # whatever the hour the test runs at
    reviewers = [MembershipFactory(workspace=workspace, role="reviewer").user for _ in range(2)]
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    submit(emit, workspace, 1, author)
    beat = django_settings.CELERY_BEAT_SCHEDULE["notifications-send-digests"]
    assert beat["task"] == tasks.send_due_digests.name

    assert tasks.send_due_digests() == 2  # the beat's task, its digests run in-process
    assert tasks.send_due_digests() == 0
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in reviewers)
    assert Digest.objects.for_workspace(workspace).filter(sent_at__isnull=False).count() == 2


def test_a_kind_turned_off_before_the_digest_is_not_mailed(workspace, emit):
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    submit(emit, workspace, 1, author)
    NotificationPreference.objects.create(
        user=reviewer, kind=Kind.REVIEW_WAITING, delivery=Delivery.OFF
    )
    services.digest_send_due(now=MORNING)
    assert mail.outbox == []
    (note,) = Notification.objects.for_workspace(workspace)
    assert (note.email, note.emailed_at, note.read_at) == (
        Delivery.OFF,
        None,
        None,
    )  # still in the app


def test_a_member_who_left_gets_no_digest(workspace, emit):
    membership = MembershipFactory(workspace=workspace, role="reviewer")
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    submit(emit, workspace, 1, author)
    membership.delete()
    assert services.digest_send_due(now=MORNING) == 1
    assert mail.outbox == []
    assert services.digest_send_due(now=MORNING) == 0  # nothing waits for them any more


def test_digests_are_per_workspace(workspace, other_workspace, emit):
    person = MembershipFactory(workspace=workspace, role="reviewer").user
    MembershipFactory(workspace=other_workspace, user=person, role="reviewer")
    for ws in (workspace, other_workspace):
        submit(emit, ws, 1, MembershipFactory(workspace=ws, role="copywriter").user)
    assert services.digest_send_due(now=MORNING) == 2
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"[Atelier] {ws.name}: 1 notification today" for ws in (workspace, other_workspace)
    )


def test_a_decision_settles_the_others_review_waiting_notifications(workspace, emit):
    reviewers = [MembershipFactory(workspace=workspace, role="reviewer").user for _ in range(2)]
    author = MembershipFactory(workspace=workspace, role="copywriter").user
    submit(emit, workspace, 1, author)
    submit(emit, workspace, 2, author)
    # The first reviewer approves item 1 before the digest goes.
    emit(
        "copy.approved",
        workspace,
        key="copy-1:2",
        payload=review_payload(workspace, author=author, object_id=1),
        actor=reviewers[0],
    )
    waiting = Notification.objects.for_workspace(workspace).filter(kind=Kind.REVIEW_WAITING)
    assert {(n.subject, n.read_at is not None) for n in waiting} == {
        ("copy-1", True),
        ("copy-2", False),
    }
    services.digest_send_due(now=MORNING)
    assert len([m for m in mail.outbox if m.to[0] != author.email]) == 2
    for message in mail.outbox:
        if message.to[0] != author.email:
            assert "“P2”" in message.body and "“P1”" not in message.body
