"""Each event reaches the people it concerns, never the person who acted; once per event and
recipient, however often it is delivered; e-mailed as each person chose."""

import pytest
from django.core import mail

from apps.billing.services import accounts
from apps.jobs.models import JobStatus
from apps.jobs.queueing import job_emit_finished
from apps.notifications import services, tasks
from apps.notifications.kinds import Delivery, Kind
from apps.notifications.models import Notification, NotificationPreference
from apps.workspaces import services as workspace_services
from tests.billing.support import set_balance
from tests.factories import (
    InvitationFactory,
    JobFactory,
    MembershipFactory,
    UserFactory,
)
from tests.notifications.conftest import review_payload

pytestmark = pytest.mark.django_db


def told(workspace, event_key=None):
    """{recipient e-mail: notification} of the workspace (of one event when named)."""
    rows = Notification.objects.for_workspace(workspace).select_related("recipient")
    if event_key:
        rows = rows.filter(event_key=event_key)
    return {n.recipient.email: n for n in rows}


def emails_of(team, *roles):
    return {team[role].email for role in roles}


@pytest.mark.parametrize("kind", ["copy", "photo"])
def test_work_submitted_reaches_everyone_who_may_review_but_not_the_submitter(
    workspace, team, emit, kind
):
    # The brand manager submits: reviewers, owners, admins hear; the brand manager does not.
    event = emit(
        f"{kind}.submitted",
        workspace,
        key=f"{kind}-12:40",
        payload=review_payload(workspace, kind=kind, author=team["brand_manager"]),
        actor=team["brand_manager"],
    )
    notes = told(workspace, event.key)
    assert notes.keys() == emails_of(team, "owner", "admin", "reviewer")
    note = notes[team["reviewer"].email]
    assert note.kind == Kind.REVIEW_WAITING
    what = "the Amazon title for “Linen Shirt”" if kind == "copy" else "the photo of “Linen Shirt”"
    assert note.title.startswith(f"{team['brand_manager'].display_name} sent {what}")
    # Reviewers are sent to the item's review page, not the author's page of it.
    page = "review/copy/12/" if kind == "copy" else "photos/review/12/"
    assert note.url == f"/w/{workspace.slug}/{page}"
    # Review waiting goes to the daily digest by default: no e-mail yet.
    assert mail.outbox == []
    assert {n.email for n in notes.values()} == {Delivery.DIGEST}


@pytest.mark.parametrize(
    ("name", "verb"),
    [
        ("copy.approved", "approved your Amazon title"),
        ("copy.returned", "asked for changes to your Amazon title"),
        ("copy.rejected", "rejected your Amazon title"),
        ("photo.approved", "approved your photo"),
        ("photo.returned", "asked for changes to your photo"),
        ("photo.rejected", "rejected your photo"),
    ],
)
def test_a_decision_reaches_the_author_only_and_is_mailed_at_once(
    workspace, team, emit, name, verb
):
    kind = name.split(".")[0]
    author = team["copywriter"] if kind == "copy" else team["photo_editor"]
    reviewer = team["reviewer"]
    event = emit(
        name,
        workspace,
        key=f"{kind}-12:41",
        payload=review_payload(workspace, kind=kind, author=author, comment="Say it is linen."),
        actor=reviewer,
    )
    notes = told(workspace, event.key)
    assert list(notes) == [author.email]
    note = notes[author.email]
    assert note.kind == Kind.WORK_DECIDED
    assert note.title.startswith(f"{reviewer.display_name} {verb}")
    assert note.body == "Say it is linen."
    (message,) = mail.outbox
    assert message.to == [author.email]
    assert message.subject == f"[Atelier] {note.title}"
    assert "Say it is linen." in message.body
    assert f"http://testserver{note.url}" in message.body
    assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.extra_headers["List-Unsubscribe"].startswith(
        "<http://testserver/notifications/unsubscribe/"
    )
    note.refresh_from_db()
    assert note.emailed_at is not None


def test_nobody_is_told_of_their_own_act(workspace, team, emit):
    # An admin approves their own copy: they wrote it and decided it.
    admin = team["admin"]
    emit(
        "copy.approved",
        workspace,
        key="copy-5:9",
        payload=review_payload(workspace, author=admin),
        actor=admin,
    )
    emit(
        "copy.submitted",
        workspace,
        key="copy-5:8",
        payload=review_payload(workspace, author=admin),
        actor=admin,
    )
    assert admin.email not in told(workspace)
    assert told(workspace).keys() == emails_of(team, "owner", "reviewer", "brand_manager")
    assert mail.outbox == []


def test_people_outside_the_workspace_are_never_told(workspace, team, emit, stranger):
    # An author who has left (no longer a member), and a stranger named in a payload.
    former = UserFactory()
    emit(
        "copy.approved", workspace, key="copy-1:1", payload=review_payload(workspace, author=former)
    )
    emit(
        "copy.returned",
        workspace,
        key="copy-1:2",
        payload=review_payload(workspace, author=stranger),
    )
    assert told(workspace) == {}
    assert Notification.objects.all_workspaces().count() == 0
    assert mail.outbox == []


def test_a_finished_or_failed_job_reaches_the_person_who_started_it(
    workspace, team, emit, django_capture_on_commit_callbacks
):
    writer = team["copywriter"]
    done = JobFactory(
        workspace=workspace, created_by=writer, status=JobStatus.SUCCEEDED, total=3, done=3
    )
    failed = JobFactory(
        workspace=workspace, created_by=writer, status=JobStatus.FAILED, total=2, failed=2
    )
    with django_capture_on_commit_callbacks(execute=True):
        job_emit_finished(done)  # the job runner's own emitter
        job_emit_finished(failed)
    notes = Notification.objects.for_workspace(workspace).order_by("id")
    assert [(n.recipient, n.kind, n.title, n.body) for n in notes] == [
        (writer, Kind.JOB_DONE, f"Your job “{done.label}” finished", "3 done"),
        (writer, Kind.JOB_DONE, f"Your job “{failed.label}” failed", "2 failed"),
    ]
    assert notes[0].url == f"/w/{workspace.slug}/jobs/{done.pk}/"
    assert mail.outbox == []  # jobs go to the digest by default


def test_credits_running_low_reaches_owners_and_admins(
    workspace, team, settings, django_capture_on_commit_callbacks
):
    settings.BILLING_LOW_CREDITS_PERCENT = 10
    accounts.billing_account_ensure(workspace=workspace)
    with django_capture_on_commit_callbacks(execute=True):
        set_balance(workspace, 35)
        set_balance(workspace, 20)  # crosses the line (30 of the trial's 300): billing emits
    notes = told(workspace)
    assert notes.keys() == emails_of(team, "owner", "admin")
    note = notes[team["owner"].email]
    assert note.kind == Kind.CREDITS_LOW
    assert note.body.startswith("20 of this period's 300 credits are left")
    assert note.url == f"/w/{workspace.slug}/billing/"
    assert sorted(m.to[0] for m in mail.outbox) == sorted(emails_of(team, "owner", "admin"))


def test_a_failed_payment_reaches_owners_and_admins(workspace, team, emit):
    # The payload billing's webhook handler emits for invoice.payment_failed.
    emit(
        "payment.failed",
        workspace,
        key="in_9:1",
        payload={"amount_due": 4900, "currency": "eur", "invoice_url": "", "next_attempt": None},
    )
    notes = told(workspace)
    assert notes.keys() == emails_of(team, "owner", "admin")
    assert notes[team["admin"].email].title == f"A payment of 49.00 EUR for {workspace.name} failed"
    assert len(mail.outbox) == 2


def test_an_accepted_invitation_reaches_the_inviter_not_the_newcomer(
    workspace, team, django_capture_on_commit_callbacks
):
    inviter = team["admin"]
    invitation = InvitationFactory(workspace=workspace, role="reviewer", invited_by=inviter)
    newcomer = UserFactory(email=invitation.email)
    with django_capture_on_commit_callbacks(execute=True):
        workspace_services.invitation_accept(
            token=workspace_services.invitation_token(invitation), user=newcomer
        )
    notes = told(workspace)
    assert list(notes) == [inviter.email]
    assert notes[inviter.email].title == (
        f"{invitation.email} accepted your invitation and joined as Reviewer"
    )
    assert notes[inviter.email].url == f"/w/{workspace.slug}/members/"


def test_the_same_event_delivered_twice_makes_one_notification_and_one_email(workspace, team, emit):
    author, reviewer = team["copywriter"], team["reviewer"]
    payload = review_payload(workspace, author=author)
    event = emit("copy.returned", workspace, key="copy-12:50", payload=payload, actor=reviewer)
    # The broker hands the task over again (a worker died before acknowledging it).
    count = tasks.notify_event(
        workspace_id=workspace.pk,
        name=event.name,
        key=event.key,
        payload=event.payload,
        actor_user_id=reviewer.pk,
    )
    # And the app emits the same fact again (a retried request).
    emit("copy.returned", workspace, key="copy-12:50", payload=payload, actor=reviewer)
    assert count == 1
    assert Notification.objects.for_workspace(workspace).count() == 1
    assert len(mail.outbox) == 1


def test_each_person_chooses_how_a_kind_is_mailed(workspace, team, emit):
    author = team["copywriter"]
    NotificationPreference.objects.create(user=author, kind=Kind.WORK_DECIDED, delivery="off")
    emit(
        "copy.approved", workspace, key="copy-1:1", payload=review_payload(workspace, author=author)
    )
    NotificationPreference.objects.filter(user=author).update(delivery="digest")
    emit(
        "copy.approved", workspace, key="copy-2:1", payload=review_payload(workspace, author=author)
    )
    # The reviewer wants reviews at once instead of in the digest.
    reviewer = team["reviewer"]
    NotificationPreference.objects.create(
        user=reviewer, kind=Kind.REVIEW_WAITING, delivery="immediate"
    )
    emit(
        "copy.submitted",
        workspace,
        key="copy-3:1",
        payload=review_payload(workspace, author=author),
        actor=author,
    )

    notes = Notification.objects.for_workspace(workspace).filter(recipient=author).order_by("id")
    assert [n.email for n in notes] == [Delivery.OFF, Delivery.DIGEST]  # in the app either way
    assert [m.to for m in mail.outbox] == [[reviewer.email]]


def test_events_no_rule_knows_are_ignored(workspace, team, emit):
    emit("product.imported", workspace, key="batch-1", payload={"created": 3})
    assert Notification.objects.for_workspace(workspace).count() == 0
    assert (
        services.notification_deliver_event(
            workspace_id=workspace.pk, name="product.imported", key="x", payload={}
        )
        == []
    )


def test_a_member_of_two_workspaces_is_told_in_the_right_one(workspace, other_workspace, emit):
    person = MembershipFactory(workspace=workspace, role="reviewer").user
    MembershipFactory(workspace=other_workspace, user=person, role="reviewer")
    emit("copy.submitted", other_workspace, key="copy-9:1", payload=review_payload(other_workspace))
    assert Notification.objects.for_workspace(workspace).count() == 0
    (note,) = Notification.objects.for_workspace(other_workspace)
    assert note.recipient == person
    assert note.url.startswith(f"/w/{other_workspace.slug}/")
