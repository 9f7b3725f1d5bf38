"""Copy: runs (start with the studio's brief, status, cancel), drafts and variants (list,
get), review decisions. Everything through the copy studio's and the jobs' services."""

from __future__ import annotations

from typing import Any, Literal

from django.http import Http404, HttpRequest
from ninja import Query, Router, Schema, Status
from pydantic import BaseModel, Field

from apps.api.routes.common import PAGE_LIMIT_MAX, actor_of, cursor_after, next_cursor
from apps.api.routes.platform import job_out
from apps.api.schemas import JobOut, Out
from apps.copywriting import selectors as copy_selectors
from apps.copywriting import services as copy_services
from apps.copywriting.models import CopyDraft, CopyVariant
from apps.core.errors import ServiceError
from apps.jobs import selectors as job_selectors
from apps.jobs.services import job_cancel
from apps.workspaces.roles import Action

router = Router(tags=["copy"])
AUTHOR_DECISIONS = {"submit", "withdraw"}


class CopyRunIn(Schema):
    """The studio's brief: which products, which kinds of copy (channels), how many variants
    of each, and what to say."""

    product_ids: list[int] = Field(min_length=1)
    copy_types: list[str] = Field(
        min_length=1,
        description="Channel codes, e.g. product_description, seo_title, amazon_bullets",
    )
    variants: int = Field(3, ge=1, le=copy_services.MAX_VARIANTS)
    instructions: str = Field("", max_length=2000)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    tone: str = Field("", max_length=120)
    skip_approved: bool = True
    brand_profile_id: int | None = Field(
        None, description="null: the workspace's default profile; 0: no brand voice"
    )


class VariantOut(Out):
    id: int
    position: int
    data: dict[str, Any] = Field(description="Field name -> text (or list of lines)")
    brand_score: float | None
    score_explanation: dict[str, Any]
    claims: list[Any] = Field(description="What the facts do not support, flagged")
    notes: list[Any]
    chosen: bool


class DraftOut(Out):
    id: int
    product_id: int
    product_handle: str
    channel: str
    review_state: str
    job_id: int | None
    chosen_variant_id: int | None
    facts_note: str
    voice_label: str
    submitted_at: Any
    decided_at: Any
    created_at: Any
    updated_at: Any
    variants: list[VariantOut]


class DraftPage(Out):
    items: list[DraftOut]
    next_cursor: str | None


class DraftQuery(Schema):
    product_id: int | None = None
    channel: str = ""
    review_state: str = ""
    run_id: int | None = None
    cursor: str = ""
    limit: int = Field(100, ge=1, le=PAGE_LIMIT_MAX)


class ReviewIn(BaseModel):
    decision: Literal["submit", "withdraw", "approve", "request_changes", "reject"]
    comment: str = Field("", max_length=5000)
    override_claims: bool = Field(
        False,
        description="Submit although the chosen variant states what the facts do not support "
        "(recorded)",
    )
    variant_id: int | None = Field(
        None, description="With submit: choose this variant first (else the chosen one)"
    )


def variant_out(variant: CopyVariant, chosen_id: int | None) -> VariantOut:
    return VariantOut(
        id=variant.pk,
        position=variant.position,
        data=variant.data,
        brand_score=variant.brand_score,
        score_explanation=variant.score_explanation or {},
        claims=variant.claims or [],
        notes=variant.notes or [],
        chosen=variant.pk == chosen_id,
    )


def draft_out(draft: CopyDraft) -> DraftOut:
    return DraftOut(
        id=draft.pk,
        product_id=draft.product_id,
        product_handle=draft.product.handle,
        channel=draft.copy_type,
        review_state=draft.review_state,
        job_id=draft.job_id,
        chosen_variant_id=draft.chosen_variant_id,
        facts_note=draft.facts_note,
        voice_label=draft.voice_label,
        submitted_at=draft.submitted_at,
        decided_at=draft.decided_at,
        created_at=draft.created_at,
        updated_at=draft.updated_at,
        variants=[variant_out(v, draft.chosen_variant_id) for v in draft.variants.all()],
    )


def _copy_run(request: HttpRequest, job_id: int):
    actor = actor_of(request)
    job = job_selectors.job_get(workspace=actor.workspace, job_id=job_id)
    if job.kind != copy_services.GENERATE_JOB_KIND:
        raise Http404("Not a copy run.")
    return actor, job


@router.post("/copy/runs", response={202: JobOut}, summary="Start a copy run")
def copy_run_start(request: HttpRequest, payload: CopyRunIn):
    """Queue copy for the products as one job, exactly as the copy studio does (one item per
    product and channel). Costs credits per variant: 402 when the plan has not enough. Follow
    it with ``GET /copy/runs/{run_id}``; its drafts with ``GET /copy/drafts?run_id=``."""
    actor = actor_of(request)
    actor.require(Action.WRITE_COPY)
    brief = copy_services.CopyBrief(
        copy_types=tuple(payload.copy_types),
        variants=payload.variants,
        instructions=payload.instructions,
        keywords=tuple(k.strip() for k in payload.keywords if k.strip()),
        tone=payload.tone,
        skip_approved=payload.skip_approved,
        brand_profile_id=payload.brand_profile_id,
    )
    job = copy_services.copy_generation_start(
        actor=actor, product_ids=payload.product_ids, brief=brief
    )
    return Status(202, job_out(job))


@router.get("/copy/runs/{int:job_id}", response=JobOut, summary="A copy run's status")
def copy_run_get(request: HttpRequest, job_id: int) -> JobOut:
    actor, job = _copy_run(request, job_id)
    actor.require(Action.VIEW_WORKSPACE)
    return job_out(job)


@router.post("/copy/runs/{int:job_id}/cancel", response=JobOut, summary="Cancel a copy run")
def copy_run_cancel(request: HttpRequest, job_id: int) -> JobOut:
    """Items not yet written are cancelled and their credits given back; drafts already
    written stay."""
    actor, job = _copy_run(request, job_id)
    return job_out(job_cancel(actor=actor, job_id=job.pk))


@router.get("/copy/drafts", response=DraftPage, summary="List drafts")
def copy_draft_list(request: HttpRequest, query: Query[DraftQuery]) -> DraftPage:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    rows = copy_selectors.copy_draft_keyset_page(
        workspace=actor.workspace,
        product_id=query.product_id,
        copy_type=query.channel,
        review_state=query.review_state,
        job_id=query.run_id,
        after_id=cursor_after(query.cursor),
        limit=query.limit,
    )
    return DraftPage(items=[draft_out(d) for d in rows], next_cursor=next_cursor(rows, query.limit))


@router.get("/copy/drafts/{int:draft_id}", response=DraftOut, summary="Get a draft")
def copy_draft_get(request: HttpRequest, draft_id: int) -> DraftOut:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    return draft_out(copy_selectors.copy_draft_get(workspace=actor.workspace, draft_id=draft_id))


@router.get("/copy/variants/{int:variant_id}", response=VariantOut, summary="Get a variant")
def copy_variant_get(request: HttpRequest, variant_id: int) -> VariantOut:
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    variant = copy_selectors.copy_variant_get(workspace=actor.workspace, variant_id=variant_id)
    return variant_out(variant, variant.draft.chosen_variant_id)


@router.post("/copy/drafts/{int:draft_id}/review", response=DraftOut, summary="Review a draft")
def copy_draft_review(request: HttpRequest, draft_id: int, payload: ReviewIn) -> DraftOut:
    """The review lifecycle, as in the review queue: the author's side (submit, withdraw)
    needs a role that writes copy; approve, request changes and reject need a reviewer's
    role. Approving writes the approved copy to the catalog."""
    actor = actor_of(request)
    # The lifecycle refuses too; asked first, a role that may not decide gets 403, not 422.
    actor.require(Action.WRITE_COPY if payload.decision in AUTHOR_DECISIONS else Action.REVIEW)
    if payload.decision == "submit" and payload.variant_id is not None:
        variant = copy_selectors.copy_variant_get(
            workspace=actor.workspace, variant_id=payload.variant_id
        )
        if variant.draft_id != draft_id:
            raise ServiceError(
                f"Variant {variant.pk} belongs to another draft.", field="body.variant_id"
            )
        copy_services.copy_variant_choose(actor=actor, variant_id=variant.pk)
    copy_services.copy_review_decide(
        actor=actor,
        draft_id=draft_id,
        decision=payload.decision,
        comment=payload.comment,
        override_claims=payload.override_claims,
    )
    return draft_out(copy_selectors.copy_draft_get(workspace=actor.workspace, draft_id=draft_id))
