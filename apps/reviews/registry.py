"""Kinds of reviewable work: what the review seam needs to know about each.

The review lifecycle (:mod:`apps.reviews.lifecycle`) and the decide services
(:mod:`apps.reviews.services`) are the same for every kind of work. An app that owns a kind (the
copy studio's drafts, the photo studio's outputs) registers it once, from its
``AppConfig.ready()``, with :func:`register_reviewable`; the seam never imports the app.

A kind's model inherits :class:`~apps.reviews.models.Reviewable` and has a ``product`` foreign key
(nullable or not) to ``catalog.Product``: the product's work status for the kind is rolled up from
those rows (:mod:`apps.reviews.rollup`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from apps.core import events
from apps.reviews.lifecycle import ReviewDecision

if TYPE_CHECKING:
    from apps.catalog.models import Product
    from apps.reviews.models import Reviewable, ReviewEvent
    from apps.workspaces.actors import Actor
    from apps.workspaces.models import Workspace
    from apps.workspaces.roles import Action

# The decisions that tell listeners something, and the verb of their event name
# (f"{kind}.{verb}": ``copy.approved``, ``photo.returned``). Withdrawing and publishing are
# bookkeeping between the author and the reviewer: no event.
EVENT_VERBS: dict[str, str] = {
    ReviewDecision.SUBMIT: "submitted",
    ReviewDecision.RESUBMIT: "submitted",
    ReviewDecision.APPROVE: "approved",
    ReviewDecision.REQUEST_CHANGES: "returned",
    ReviewDecision.REJECT: "rejected",
}

# (actor, locked subject, decision, comment, override) -> the comment to record. Raise
# ServiceError to refuse (nothing is written: the seam's transaction rolls back).
Prepare = Callable[["Actor", Any, str, str, bool], str]
# (actor, locked subject, the ReviewEvent just written): what the decision means for the kind.
OnDecided = Callable[["Actor", Any, "ReviewEvent"], None]


@dataclass(frozen=True)
class ReviewableKind:
    kind: str
    model: type[Reviewable]
    author_action: Action
    label: str
    missing: str
    work: str
    event_payload: Callable[[Any], dict[str, Any]]
    url_of: Callable[[Any], str]
    name_of: Callable[[Any], str]
    author_of: Callable[[Any], int | None]
    prepare: Prepare | None = None
    on_decided: OnDecided | None = None
    extra_states: Callable[[Workspace, list[int]], dict[int, set[str]]] | None = None
    related: tuple[str, ...] = field(default=())

    def event_name(self, decision: str) -> str | None:
        verb = EVENT_VERBS.get(decision)
        return f"{self.kind}.{verb}" if verb else None

    def product_of(self, subject: Reviewable) -> Product | None:
        product: Product | None = getattr(subject, "product", None)
        return product


_kinds: dict[str, ReviewableKind] = {}


def register_reviewable(
    *,
    kind: str,
    model: type[Reviewable],
    author_action: Action,
    label: str,
    missing: str,
    work: str,
    event_choices: Iterable[tuple[str, str]],
    event_payload: Callable[[Any], dict[str, Any]],
    url_of: Callable[[Any], str],
    name_of: Callable[[Any], str],
    author_of: Callable[[Any], int | None],
    prepare: Prepare | None = None,
    on_decided: OnDecided | None = None,
    extra_states: Callable[[Workspace, list[int]], dict[int, set[str]]] | None = None,
    related: tuple[str, ...] = (),
) -> ReviewableKind:
    """Make ``kind`` reviewable through the seam.

    ``model``: the Reviewable model (with a ``product`` foreign key). ``author_action``: what the
    author's side of the lifecycle needs (copy: ``Action.WRITE_COPY``); the reviewer's side
    always needs ``Action.REVIEW``. ``label``: what one item is called in messages ("draft").
    ``missing``: the message when the row is gone or in another workspace. ``work``: which of the
    product's work statuses the kind rolls up into (``"copy"`` or ``"photo"``, see
    ``apps.catalog.services.product_work_status_set``).

    ``event_choices``: the kind's event names (``copy.submitted``, ``copy.approved``,
    ``copy.returned``, ``copy.rejected``), registered here with :mod:`apps.core.events`; each of
    the four verbs must be among them. ``event_payload(subject)``: the kind's own payload keys
    (copy: channel, channel_label, content; photos: preset, image_url); the seam adds the shared
    ones. ``url_of(subject)``: the page of the work ("/w/<slug>/…"). ``name_of(subject)``: how
    a bulk report names the item ("SEO title for Linen Shirt"). ``author_of(subject)``: the user
    id of who made the work.

    Hooks, both called inside the decision's transaction with the row locked: ``prepare`` checks
    and adjusts before the move (copy: a draft is submitted only with a chosen variant inside its
    hard limits); ``on_decided`` does what the decision means for the kind (copy: approval makes
    the product's approved copy). ``extra_states(workspace, product_ids)``: states the roll-up
    counts besides the rows' own, ``{product_id: {state, …}}`` (copy: "approved" for the
    products that have approved copy).
    ``related``: ``select_related`` for the locked row (the seam needs ``product``).
    """
    choices = list(event_choices)
    names = {name for name, _ in choices}
    wanted = {f"{kind}.{verb}" for verb in EVENT_VERBS.values()}
    if not wanted <= names:
        raise ValueError(f"Reviewable {kind!r} must register the events {sorted(wanted - names)}.")
    events.register_events(choices)
    entry = ReviewableKind(
        kind=kind,
        model=model,
        author_action=author_action,
        label=label,
        missing=missing,
        work=work,
        event_payload=event_payload,
        url_of=url_of,
        name_of=name_of,
        author_of=author_of,
        prepare=prepare,
        on_decided=on_decided,
        extra_states=extra_states,
        related=related,
    )
    _kinds[kind] = entry
    return entry


def reviewable(kind: str) -> ReviewableKind:
    try:
        return _kinds[kind]
    except KeyError:
        raise LookupError(f"No reviewable kind {kind!r}; register it in ready().") from None


def reviewable_kinds() -> dict[str, ReviewableKind]:
    return dict(_kinds)
