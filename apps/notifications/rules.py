"""Which events become notifications, for whom, and what they say.

One table (:data:`RULES`), keyed by event name. The events come from the apps that own the facts
(``apps.core.events``); this module only reads their names and payloads, so it imports none of
them. People are never told of their own acts: the event's actor is left out of every list.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse

from apps.core.events import Event
from apps.notifications.kinds import Kind
from apps.workspaces.models import Membership, Workspace
from apps.workspaces.roles import Action, Role, role_can


@dataclass(frozen=True)
class Message:
    title: str
    body: str = ""
    url: str = ""  # a path on this site (the work the notification is about)


@dataclass(frozen=True)
class Rule:
    kind: Kind
    # The user ids the event concerns, among the workspace's members (before the actor is
    # taken out).
    recipients: Callable[[Event, list[Membership]], set[int]]
    message: Callable[[Event, Workspace, str], Message]
    # A decision on a piece of work: the others' "review waiting" notifications of it are done.
    settles_review: bool = False


def subject_of(event: Event) -> str:
    """The piece of work a review event is about ("copy-12"), or ""."""
    kind, object_id = event.payload.get("kind"), event.payload.get("id")
    if kind in ("copy", "photo") and isinstance(object_id, int):
        return f"{kind}-{object_id}"
    return ""


def _members_who_may(action: Action) -> Callable[[Event, list[Membership]], set[int]]:
    def recipients(event: Event, members: list[Membership]) -> set[int]:
        return {m.user_id for m in members if role_can(m.role, action)}

    return recipients


def _payload_user(key: str) -> Callable[[Event, list[Membership]], set[int]]:
    def recipients(event: Event, members: list[Membership]) -> set[int]:
        user_id = event.payload.get(key)
        return {user_id} if isinstance(user_id, int) else set()

    return recipients


def _page(name: str, workspace: Workspace, **kwargs: Any) -> str:
    try:
        return reverse(name, kwargs={"slug": workspace.slug, **kwargs})
    except NoReverseMatch:
        return reverse("workspace_dashboard", kwargs={"slug": workspace.slug})


def _work_url(event: Event, workspace: Workspace, fallback: str) -> str:
    """The payload's page of the work when it is a page of this workspace, else ``fallback``."""
    url = event.payload.get("url")
    if isinstance(url, str) and url.startswith(f"/w/{workspace.slug}/"):
        return url
    return _page(fallback, workspace)


def _what(event: Event) -> str:
    """'the SEO title for “Linen Shirt”' / 'the photo of “Linen Shirt”' (the preset is a code,
    not words people read, so it stays out)."""
    payload = event.payload
    product = payload.get("product_title") or payload.get("product_handle")
    if payload.get("kind") == "photo":
        return f"the photo of “{product}”" if product else "the photo"
    label = payload.get("channel_label") or "copy"
    return f"the {label} for “{product}”" if product else f"the {label}"


# Where a reviewer decides each kind of work: (the item's page, its keyword, the queue).
_REVIEW_PAGES = {
    "copy": ("review_item", "draft_id", "review_queue"),
    "photo": ("photo_review_detail", "photo_output_id", "photo_review_queue"),
}


def _submitted(event: Event, workspace: Workspace, actor: str) -> Message:
    """Reviewers go to the item's review page (the payload's ``url`` is the author's page)."""
    page, keyword, queue = _REVIEW_PAGES[
        "photo" if event.payload.get("kind") == "photo" else "copy"
    ]
    object_id = event.payload.get("id")
    try:
        url = reverse(page, kwargs={"slug": workspace.slug, keyword: object_id})
    except NoReverseMatch:
        url = _work_url(event, workspace, queue)
    return Message(
        title=f"{actor} sent {_what(event)} for review",
        body=str(event.payload.get("comment") or ""),
        url=url,
    )


def _decided(verb: str) -> Callable[[Event, Workspace, str], Message]:
    def message(event: Event, workspace: Workspace, actor: str) -> Message:
        what = _what(event).replace("the ", "your ", 1)
        fallback = "photo_output_list" if event.payload.get("kind") == "photo" else "copy_studio"
        return Message(
            title=f"{actor} {verb} {what}",
            body=str(event.payload.get("comment") or ""),
            url=_work_url(event, workspace, fallback),
        )

    return message


def _job(event: Event, workspace: Workspace, actor: str) -> Message:
    payload = event.payload
    label = payload.get("label") or "Your job"
    if event.name == "job.failed":
        title = f"Your job “{label}” failed"
    else:
        title = f"Your job “{label}” finished"
    counts = [
        f"{payload.get(key)} {word}"
        for key, word in (("done", "done"), ("failed", "failed"), ("skipped", "skipped"))
        if payload.get(key)
    ]
    job_id = payload.get("job_id")
    url = _page("job_detail", workspace, job_id=job_id) if isinstance(job_id, int) else ""
    return Message(title=title, body=", ".join(counts), url=url or _page("job_list", workspace))


def _credits_low(event: Event, workspace: Workspace, actor: str) -> Message:
    payload = event.payload
    return Message(
        title=f"{workspace.name} is running low on credits",
        body=f"{payload.get('balance', 0)} of this period's {payload.get('granted', 0)} credits "
        "are left. Work stops when they run out.",
        url=_page("billing_overview", workspace),
    )


def _payment_failed(event: Event, workspace: Workspace, actor: str) -> Message:
    payload = event.payload
    amount = payload.get("amount_due")
    currency = str(payload.get("currency") or "").upper()
    due = f" of {amount / 100:.2f} {currency}" if isinstance(amount, int) else ""
    return Message(
        title=f"A payment{due} for {workspace.name} failed",
        body="Update the card on the billing page; the workspace keeps working for a few days.",
        url=_page("billing_overview", workspace),
    )


def _invitation_accepted(event: Event, workspace: Workspace, actor: str) -> Message:
    payload = event.payload
    role = payload.get("role")
    role_label = Role(role).label if role in Role.values else "a member"
    who = payload.get("email") or actor
    return Message(
        title=f"{who} accepted your invitation and joined as {role_label}",
        url=_page("workspace_members", workspace),
    )


_REVIEWERS = _members_who_may(Action.REVIEW)
_AUTHOR = _payload_user("author_id")
_BILLING = _members_who_may(Action.MANAGE_BILLING)  # owners and admins

RULES: dict[str, Rule] = {
    "copy.submitted": Rule(Kind.REVIEW_WAITING, _REVIEWERS, _submitted),
    "photo.submitted": Rule(Kind.REVIEW_WAITING, _REVIEWERS, _submitted),
    "copy.approved": Rule(Kind.WORK_DECIDED, _AUTHOR, _decided("approved"), settles_review=True),
    "copy.returned": Rule(
        Kind.WORK_DECIDED, _AUTHOR, _decided("asked for changes to"), settles_review=True
    ),
    "copy.rejected": Rule(Kind.WORK_DECIDED, _AUTHOR, _decided("rejected"), settles_review=True),
    "photo.approved": Rule(Kind.WORK_DECIDED, _AUTHOR, _decided("approved"), settles_review=True),
    "photo.returned": Rule(
        Kind.WORK_DECIDED, _AUTHOR, _decided("asked for changes to"), settles_review=True
    ),
    "photo.rejected": Rule(Kind.WORK_DECIDED, _AUTHOR, _decided("rejected"), settles_review=True),
    "job.finished": Rule(Kind.JOB_DONE, _payload_user("created_by_id"), _job),
    "job.failed": Rule(Kind.JOB_DONE, _payload_user("created_by_id"), _job),
    "credits.low": Rule(Kind.CREDITS_LOW, _BILLING, _credits_low),
    "payment.failed": Rule(Kind.PAYMENT_FAILED, _BILLING, _payment_failed),
    "invitation.accepted": Rule(
        Kind.INVITATION_ACCEPTED, _payload_user("invited_by_id"), _invitation_accepted
    ),
}
