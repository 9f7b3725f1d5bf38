"""Writes for notifications: made from domain events, e-mailed at once or in the day's digest,
read, and turned off (preferences, one-click unsubscribe).

Event to inbox, step by step: an app emits an event inside its transaction; after the commit the
listener (``apps.py``) enqueues :func:`tasks.notify_event`; the task calls
:func:`notification_deliver_event`, which makes one row per recipient (unique per event and
recipient) and sends the e-mails due at once. Delivered twice, the task finds its rows and mails
nothing again.
"""

import logging
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_preferences_update
from apps.core.errors import ServiceError
from apps.core.events import Event
from apps.notifications import tasks  # tasks imports this module back, used lazily
from apps.notifications.kinds import ALL_KINDS, DEFAULT_DELIVERY, Delivery, Kind
from apps.notifications.models import Digest, Notification, NotificationPreference
from apps.notifications.rules import RULES, subject_of
from apps.workspaces.actors import Actor, access_for_update
from apps.workspaces.models import Membership, Workspace

logger = logging.getLogger(__name__)

UNSUBSCRIBE_SALT = "atelier.notifications.unsubscribe"


# --- From an event to notifications ------------------------------------------------------------


def notification_enqueue(event: Event) -> None:
    """The listener: hand an event the rules know to a task once the transaction commits."""
    if event.name not in RULES:
        return
    transaction.on_commit(
        lambda: tasks.notify_event.delay(
            workspace_id=event.workspace_id,
            name=event.name,
            key=event.key,
            payload=event.payload,
            actor_user_id=event.actor_user_id,
        )
    )


def deliveries_for(*, user_ids: Iterable[int], kind: str) -> dict[int, str]:
    """How each person wants ``kind`` e-mailed (their choice, else the kind's default)."""
    user_ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=user_ids, kind=kind).values_list(
            "user_id", "delivery"
        )
    )
    return {user_id: chosen.get(user_id, DEFAULT_DELIVERY[kind]) for user_id in user_ids}


def notification_deliver_event(
    *,
    workspace_id: int,
    name: str,
    key: str,
    payload: dict[str, Any],
    actor_user_id: int | None = None,
) -> list[Notification]:
    """Make the event's notifications (once per recipient) and send the e-mails due at once.

    Returns the event's notifications, new or found from an earlier delivery."""
    rule = RULES.get(name)
    workspace = Workspace.objects.filter(pk=workspace_id).first()
    if rule is None or workspace is None:
        return []
    event = Event(
        name=name, workspace_id=workspace_id, key=key, payload=payload, actor_user_id=actor_user_id
    )
    members = list(
        Membership.objects.for_workspace(workspace)
        .filter(user__is_active=True)
        .select_related("user")
    )
    subject = subject_of(event)
    if rule.settles_review and subject:
        _settle_review_waiting(workspace, subject)
    by_user = {m.user_id: m.user for m in members}
    # Only members are told, and never of their own act.
    recipients = (rule.recipients(event, members) & by_user.keys()) - {actor_user_id}
    if recipients:
        actor = User.objects.filter(pk=actor_user_id).first() if actor_user_id else None
        message = rule.message(event, workspace, actor.display_name if actor else "Someone")
        deliveries = deliveries_for(user_ids=recipients, kind=rule.kind)
        with transaction.atomic(durable=True):
            Notification.objects.bulk_create(
                [
                    Notification(
                        workspace=workspace,
                        recipient_id=user_id,
                        kind=rule.kind,
                        event_name=name,
                        event_key=key[:255],
                        title=message.title[:300],
                        body=message.body,
                        url=message.url[:500],
                        subject=subject,
                        email=deliveries[user_id],
                    )
                    for user_id in sorted(recipients)
                ],
                ignore_conflicts=True,  # delivered before: the rows are there
            )
    notifications = list(
        Notification.objects.for_workspace(workspace).filter(event_key=key[:255]).order_by("id")
    )
    for notification in notifications:
        if notification.email == Delivery.IMMEDIATE and notification.emailed_at is None:
            notification_email_send(workspace_id=workspace.pk, notification_id=notification.pk)
    return notifications


def _settle_review_waiting(workspace: Workspace, subject: str) -> int:
    """Someone decided the work: "review waiting" for it is read for everyone, and leaves the
    digests not yet sent. Returns how many notifications were settled."""
    with transaction.atomic():
        waiting = Notification.objects.for_workspace(workspace).filter(
            kind=Kind.REVIEW_WAITING, subject=subject
        )
        waiting.filter(email=Delivery.DIGEST, emailed_at__isnull=True).update(email=Delivery.OFF)
        return waiting.filter(read_at__isnull=True).update(read_at=timezone.now())


# --- E-mail ------------------------------------------------------------------------------------


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return absolute(
        reverse(
            "notification_unsubscribe",
            kwargs={"token": unsubscribe_token(user_id=user_id, kind=kind)},
        )
    )


def _send(*, to: User, subject: str, template: str, context: dict[str, Any], kind: str) -> None:
    """One notification e-mail, with RFC 8058 one-click unsubscribe headers: a mail client's
    "Unsubscribe" button POSTs to the link and the person is out, without signing in."""
    unsubscribe = unsubscribe_url(user_id=to.pk, kind=kind)
    context = {
        **context,
        "unsubscribe_url": unsubscribe,
        "preferences_url": absolute(reverse("user_preferences")),
    }
    EmailMessage(
        subject=subject,
        body=render_to_string(template, context),
        to=[to.email],
        headers={
            "List-Unsubscribe": f"<{unsubscribe}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Auto-Submitted": "auto-generated",
        },
    ).send()


def notification_email_send(*, workspace_id: int, notification_id: int) -> bool:
    """E-mail one notification now, once. False when there was nothing to send."""
    with transaction.atomic():
        notification = (
            Notification.objects.for_workspace(workspace_id)
            .select_for_update(of=("self",))
            .select_related("recipient", "workspace")
            .filter(pk=notification_id)
            .first()
        )
        if (
            notification is None
            or notification.emailed_at is not None
            or notification.email != Delivery.IMMEDIATE
        ):
            return False
        _send(
            to=notification.recipient,
            subject=f"[Atelier] {notification.title}",
            template="notifications/email/notification.txt",
            context={
                "notification": notification,
                "workspace": notification.workspace,
                "url": absolute(notification.url) if notification.url else "",
                "kind_label": Kind(notification.kind).label,
            },
            kind=notification.kind,
        )
        # In the transaction that holds the row: a second delivery waits for the lock, then
        # finds the e-mail sent.
        notification.emailed_at = timezone.now()
        notification.save(update_fields=["emailed_at"])
        return True


# --- The daily digest --------------------------------------------------------------------------


def digest_day(now: datetime | None = None) -> date | None:
    """The day whose digest is due at ``now``, or None before the digest hour."""
    local = timezone.localtime(now or timezone.now())
    if local.hour < settings.NOTIFICATIONS_DIGEST_HOUR:
        return None
    return local.date()


def digest_send_due(*, now: datetime | None = None) -> int:
    """The beat task's work: queue one digest per member with notifications waiting for one and
    no digest sent yet today. Returns how many were queued. Run hourly, so a beat that was down
    at the digest hour catches up; each digest goes once a day (``digest_send``)."""
    day = digest_day(now)
    if day is None:
        return 0
    sent_today = Digest.objects.all_workspaces().filter(
        workspace_id=OuterRef("workspace_id"),
        recipient_id=OuterRef("recipient_id"),
        day=day,
        sent_at__isnull=False,
    )
    # Site-wide: the sweep looks at every workspace; each digest is then made in its own.
    pairs = list(
        Notification.objects.all_workspaces()
        .filter(email=Delivery.DIGEST, emailed_at__isnull=True)
        .filter(~Exists(sent_today))
        .values_list("workspace_id", "recipient_id")
        .distinct()
        .order_by("workspace_id", "recipient_id")
    )
    for workspace_id, user_id in pairs:
        tasks.send_digest.delay(workspace_id=workspace_id, user_id=user_id, day=day.isoformat())
    return len(pairs)


@transaction.atomic(durable=True)
def digest_send(*, workspace_id: int, user_id: int, day: date) -> bool:
    """Send ``user_id``'s digest of ``day`` for one workspace: everything waiting for a digest,
    once. False when it was sent already or nothing is left to send."""
    membership = (
        Membership.objects.for_workspace(workspace_id)
        .select_related("user", "workspace")
        .filter(user_id=user_id, user__is_active=True)
        .first()
    )
    waiting = Notification.objects.for_workspace(workspace_id).filter(
        recipient_id=user_id, email=Delivery.DIGEST, emailed_at__isnull=True
    )
    if membership is None:
        # No longer a member: nothing of this workspace is mailed to them.
        waiting.update(email=Delivery.OFF)
        return False
    workspace, user = membership.workspace, membership.user
    digest, _ = (
        Digest.objects.for_workspace(workspace)
        .select_for_update()
        .get_or_create(workspace=workspace, recipient=user, day=day)
    )
    if digest.sent_at is not None:
        return False
    # Kinds turned off since (unsubscribed) are not mailed.
    off = [
        kind
        for kind, delivery in NotificationPreference.objects.filter(user=user).values_list(
            "kind", "delivery"
        )
        if delivery == Delivery.OFF
    ]
    waiting.filter(kind__in=off).update(email=Delivery.OFF)
    items = list(waiting.select_for_update().order_by("created_at", "id"))
    if not items:
        return False
    _send(
        to=user,
        subject=f"[Atelier] {workspace.name}: {len(items)} "
        f"notification{'' if len(items) == 1 else 's'} today",
        template="notifications/email/digest.txt",
        context={
            "workspace": workspace,
            "items": [(n, absolute(n.url) if n.url else "") for n in items],
            "all_url": absolute(reverse("notification_list", kwargs={"slug": workspace.slug})),
        },
        kind=ALL_KINDS,
    )
    now = timezone.now()
    digest.sent_at = now
    digest.save(update_fields=["sent_at"])
    Notification.objects.for_workspace(workspace).filter(pk__in=[n.pk for n in items]).update(
        emailed_at=now, digest=digest
    )
    return True


# --- Reading -----------------------------------------------------------------------------------


@transaction.atomic(durable=True)
def notification_mark_read(*, actor: Actor, notification_id: int) -> Notification:
    notification = access_for_update(
        actor,
        Notification.objects.filter(recipient=actor.user),
        notification_id,
        missing="That notification is gone.",
    )
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


@transaction.atomic(durable=True)
def notification_mark_all_read(*, actor: Actor) -> int:
    """Mark every unread notification of the actor in this workspace read; how many were."""
    return (
        Notification.objects.for_workspace(actor.workspace)
        .filter(recipient=actor.user, read_at__isnull=True)
        .update(read_at=timezone.now())
    )


# --- Preferences and unsubscribing ---------------------------------------------------------------


@transaction.atomic(durable=True)
def preferences_update(*, user: User, deliveries: dict[str, str], keyboard_shortcuts: bool) -> None:
    """Save a person's preferences page: e-mail per kind of notification, and shortcuts."""
    for kind, delivery in deliveries.items():
        if kind not in Kind.values or delivery not in Delivery.values:
            raise ServiceError(f"Unknown choice {delivery!r} for {kind!r}.", field=kind)
        NotificationPreference.objects.update_or_create(
            user=user, kind=kind, defaults={"delivery": delivery}
        )
    user_preferences_update(user=user, keyboard_shortcuts=keyboard_shortcuts)


INVALID_LINK = (
    "This unsubscribe link is not valid: it was changed or cut short. Copy the whole link from "
    "the e-mail, or sign in and choose what you receive on your preferences page."
)


def unsubscribe_read(*, token: str) -> tuple[User, str]:
    """The person and kind an unsubscribe link names, or a ServiceError saying why not."""
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        raise ServiceError(INVALID_LINK, code="invalid") from None
    kind = data.get("k") if isinstance(data, dict) else None
    user_id = data.get("u") if isinstance(data, dict) else None
    if kind not in {*Kind.values, ALL_KINDS} or not isinstance(user_id, int):
        raise ServiceError(INVALID_LINK, code="invalid")
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise ServiceError("The account this link was sent to no longer exists.", code="gone")
    return user, kind


def unsubscribe_label(kind: str) -> str:
    return (
        "all notification e-mails"
        if kind == ALL_KINDS
        else f"e-mails about “{Kind(kind).label.lower()}”"
    )


@transaction.atomic(durable=True)
def notification_unsubscribe(*, token: str) -> tuple[User, str]:
    """Turn off the e-mail a signed link names (one kind, or all for a digest's link). Works
    without signing in; the signature is the authority. Doing it twice changes nothing."""
    user, kind = unsubscribe_read(token=token)
    kinds = Kind.values if kind == ALL_KINDS else [kind]
    for each in kinds:
        NotificationPreference.objects.update_or_create(
            user=user, kind=each, defaults={"delivery": Delivery.OFF}
        )
    return user, kind
