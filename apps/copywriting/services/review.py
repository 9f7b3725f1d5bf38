"""Copy as a kind of reviewable work: what the review seam (``apps.reviews``) needs to know about
a draft, and what a decision means for copy.

Decisions themselves go through the seam: :func:`copy_review_decide` is
``review_decide(kind="copy", …)`` with the draft's vocabulary, and bulk decisions are
``apps.reviews.services.review_decide_many(kind="copy", …)``.
"""

from __future__ import annotations

from typing import Any, cast

from django.urls import reverse
from django.utils import timezone

from apps.brand.selectors import profile_default
from apps.brand.services import brand_material_add_approved
from apps.catalog.services import approved_copy_set
from apps.copywriting import channels, selectors
from apps.copywriting.events import CopyEvent
from apps.copywriting.models import CopyDraft, CopyVariant
from apps.copywriting.services.common import CopyBrief, brand_version, spec_checked
from apps.copywriting.services.editing import DRAFT_MISSING
from apps.core.errors import ServiceError
from apps.reviews.lifecycle import ReviewDecision, ReviewState
from apps.reviews.models import ReviewEvent
from apps.reviews.registry import register_reviewable
from apps.reviews.services import review_decide
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

KIND = "copy"


def copy_review_decide(
    *,
    actor: Actor,
    draft_id: int,
    decision: str,
    comment: str = "",
    override_claims: bool = False,
) -> CopyDraft:
    """Submit, withdraw, approve, request changes, reject, resubmit or publish one draft.

    A variant that states something the product's facts do not support is submitted only with
    ``override_claims``; who overrode which claims, and when, is kept on the draft and in its
    review history."""
    draft = review_decide(
        actor=actor,
        kind=KIND,
        object_id=draft_id,
        decision=decision,
        comment=comment,
        override=override_claims,
    )
    return cast(CopyDraft, draft)


# --- the hooks ----------------------------------------------------------------------------------


def _prepare(actor: Actor, draft: CopyDraft, decision: str, comment: str, override: bool) -> str:
    """Before a draft goes to review: a chosen variant inside its hard limits, and claims the
    facts do not support only with the recorded override."""
    if decision not in (ReviewDecision.SUBMIT, ReviewDecision.RESUBMIT):
        return comment
    if draft.chosen_variant_id is None:
        raise ServiceError("Pick the variant to submit first.")
    spec = spec_checked(actor.workspace, draft.copy_type)
    chosen = CopyVariant.objects.for_workspace(actor.workspace).get(pk=draft.chosen_variant_id)
    hard = channels.check(spec, chosen.data).hard_violations
    if hard:
        raise ServiceError("Fix the chosen variant first: " + " ".join(v.message for v in hard))
    if not chosen.claims:
        return comment
    said = ", ".join(f"‘{c['text']}’" for c in chosen.claims)
    if not override:
        raise ServiceError(
            f"The chosen variant states what the product's facts do not support ({said}). "
            "Edit it out, add the fact to the product, or submit with the override "
            "(it is recorded).",
            code="unsupported_claims",
        )
    draft.claims_override_by = actor.user
    draft.claims_override_at = timezone.now()
    draft.claims_overridden = list(chosen.claims)
    draft.save(update_fields=["claims_override_by", "claims_override_at", "claims_overridden"])
    note = f"Submitted with unsupported claims (override): {said}."
    return f"{note} {comment}".strip()


def _on_decided(actor: Actor, draft: CopyDraft, event: ReviewEvent) -> None:
    """Approved copy becomes the product's approved copy (what the export carries) and joins the
    brand profile's material."""
    if event.decision != ReviewDecision.APPROVE or draft.chosen_variant_id is None:
        return
    chosen = CopyVariant.objects.for_workspace(actor.workspace).get(pk=draft.chosen_variant_id)
    content = channels.render(spec_checked(actor.workspace, draft.copy_type), chosen.data)
    approved_copy_set(
        workspace=actor.workspace,
        actor=actor.user,
        product_id=draft.product_id,
        copy_type=draft.copy_type,
        content=content,
    )
    _teach_brand(actor.workspace, draft, content)


def _teach_brand(workspace: Workspace, draft: CopyDraft, content: str) -> None:
    """Approved copy (with any reviewer's edits) joins the brand profile's material, so the
    next version learns from daily work. Keyed by the draft: approving again updates it."""
    version = brand_version(workspace, CopyBrief.from_params(draft.brief or {}))
    profile = version.profile if version is not None else profile_default(workspace=workspace)
    if profile is None:
        return
    brand_material_add_approved(
        workspace=workspace,
        profile=profile,
        text=channels.html_text(content) if "<" in content else content,
        source_key=f"copy:{draft.pk}",
        title=draft.product.title,
        copy_type=draft.copy_type,
    )


def _approved_products(workspace: Workspace, product_ids: list[int]) -> dict[int, set[str]]:
    """A product with approved copy counts as approved even when its drafts are gone."""
    found = selectors.products_with_approved_copy(workspace=workspace, product_ids=product_ids)
    return {pk: {ReviewState.APPROVED.value} for pk in found}


def _event_payload(draft: CopyDraft) -> dict[str, Any]:
    spec = selectors.spec_for_workspace(workspace=draft.workspace, code=draft.copy_type)
    chosen = (
        CopyVariant.objects.for_workspace(draft.workspace)
        .filter(pk=draft.chosen_variant_id)
        .first()
        if draft.chosen_variant_id
        else None
    )
    data = chosen.data if chosen is not None else {}
    return {
        "channel": draft.copy_type,
        "channel_label": spec.label,
        "content": {f.name: channels.editable_text(f, data.get(f.name, "")) for f in spec.fields},
    }


def _url_of(draft: CopyDraft) -> str:
    return reverse("copy_draft_detail", kwargs={"slug": draft.workspace.slug, "draft_id": draft.pk})


def _name_of(draft: CopyDraft) -> str:
    return f"{draft.get_copy_type_display()} for {draft.product.title}"


def register() -> None:
    """Called from the copy studio's ``ready()``."""
    register_reviewable(
        kind=KIND,
        model=CopyDraft,
        author_action=Action.WRITE_COPY,
        label="draft",
        missing=DRAFT_MISSING,
        work="copy",
        event_choices=CopyEvent.choices,
        event_payload=_event_payload,
        url_of=_url_of,
        name_of=_name_of,
        author_of=lambda draft: draft.author_id,
        prepare=_prepare,
        on_decided=_on_decided,
        extra_states=_approved_products,
        related=("product", "workspace"),
    )
