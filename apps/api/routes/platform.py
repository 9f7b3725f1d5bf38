"""Jobs, usage and credits, brand profiles, approved copy, and who the key is."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from apps.api.routes.common import (
    PAGE_LIMIT_MAX,
    actor_of,
    cursor_after,
    next_cursor,
    require_any,
)
from apps.api.schemas import (
    ApprovedCopyOut,
    ApprovedCopyPage,
    BrandProfileOut,
    JobOut,
    ScoreIn,
    ScoreOut,
    UsageDay,
    UsageOut,
    WhoAmI,
)
from apps.billing import selectors as billing_selectors
from apps.brand import selectors as brand_selectors
from apps.brand.services import brand_score
from apps.catalog import selectors as catalog_selectors
from apps.core.errors import ServiceError
from apps.jobs import selectors as job_selectors
from apps.jobs.models import Job
from apps.workspaces.roles import Action

router = Router()


@router.get("/me", response=WhoAmI, tags=["keys"], summary="The key making the request")
def whoami(request: HttpRequest) -> WhoAmI:
    actor = actor_of(request)
    return WhoAmI(workspace=actor.workspace.slug, key=actor.via, role=actor.role)


def job_out(job: Job) -> JobOut:
    progress = job_selectors.job_progress(job=job)
    return JobOut(
        id=job.pk,
        kind=job.kind,
        label=job.label,
        status=job.status,
        total=progress.total,
        done=progress.done,
        failed=progress.failed,
        skipped=progress.skipped,
        percent=progress.percent,
        seconds_left=progress.seconds_left,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )


@router.get("/jobs/{int:job_id}", response=JobOut, tags=["jobs"], summary="A job's status")
def job_get(request: HttpRequest, job_id: int) -> JobOut:
    """Progress of long work (a copy run, a photo batch, an import): poll until ``status`` is
    one of finished, failed, cancelled."""
    actor = actor_of(request)
    actor.require(Action.VIEW_WORKSPACE)
    return job_out(job_selectors.job_get(workspace=actor.workspace, job_id=job_id))


@router.get("/usage", response=UsageOut, tags=["usage"], summary="Plan, credits and usage")
def usage(request: HttpRequest, days: int = Query(30, ge=1, le=90)) -> UsageOut:
    actor = actor_of(request)
    actor.require(Action.MANAGE_BILLING)
    summary = billing_selectors.billing_summary(workspace=actor.workspace)
    account, plan = summary["account"], summary["plan"]
    day_list, by_day = billing_selectors.credit_usage_by_day(workspace=actor.workspace, days=days)
    return UsageOut(
        plan=plan.code,
        plan_name=plan.name,
        status=account.status,
        unlimited=plan.unlimited,
        credits_left=summary["credits_left"],
        credits_used_this_period=billing_selectors.credits_used_since(
            workspace=actor.workspace, since=account.current_period_start
        ),
        period_start=account.current_period_start,
        period_end=summary["renewal_date"],
        days=[UsageDay(date=day.isoformat(), credits=by_day.get(day, {})) for day in day_list],
    )


def profile_out(profile) -> BrandProfileOut:
    version = profile.active_version
    return BrandProfileOut(
        id=profile.pk,
        name=profile.name,
        description=profile.description,
        is_default=profile.is_default,
        ready=bool(version is not None and version.is_ready),
        active_version=version.pk if version is not None else None,
    )


@router.get(
    "/brand/profiles", response=list[BrandProfileOut], tags=["brand"], summary="Brand profiles"
)
def brand_profile_list(request: HttpRequest) -> list[BrandProfileOut]:
    actor = actor_of(request)
    require_any(actor, Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW)
    return [profile_out(p) for p in brand_selectors.profile_list(workspace=actor.workspace)]


@router.post(
    "/brand/profiles/{int:profile_id}/score",
    response=ScoreOut,
    tags=["brand"],
    summary="Score a text against a profile",
)
def brand_profile_score(request: HttpRequest, profile_id: int, payload: ScoreIn) -> ScoreOut:
    """How on-brand the text is (0–100) and why: the style rules it breaks, the brand's terms
    it uses, the style figures furthest from the brand's, and whether it copies the material."""
    actor = actor_of(request)
    require_any(actor, Action.WRITE_COPY, Action.MANAGE_BRAND, Action.REVIEW)
    profile = brand_selectors.profile_get(workspace=actor.workspace, profile_id=profile_id)
    version = profile.active_version
    if version is None or not version.is_ready:
        raise ServiceError(
            f"Brand profile “{profile.name}” has no trained version yet; train it first.",
            code="conflict",
        )
    (result,) = brand_score(workspace=actor.workspace, version=version, texts=[payload.text])
    return ScoreOut(
        score=result.score,
        rules_broken=list(result.rules_broken),
        brand_terms=list(result.brand_terms),
        pulled_down_by=list(result.pulled_down_by),
        copied=result.copied,
        version_id=result.version_id,
        stats=dict(result.stats),
    )


class ApprovedCopyQuery(Schema):
    since: datetime | None = Field(None, description="Only copy approved at or after this time")
    channel: str = Field("", description="Only this kind of copy (channel)")
    cursor: str = ""
    limit: int = Field(100, ge=1, le=PAGE_LIMIT_MAX)


@router.get("/approved-copy", response=ApprovedCopyPage, tags=["copy"], summary="Approved copy")
def approved_copy_list(request: HttpRequest, query: Query[ApprovedCopyQuery]) -> ApprovedCopyPage:
    """Copy approved since a time, per channel: what a store sync takes. Copy approved again
    moves to the end (its id stays; pass ``since`` from your last sync)."""
    actor = actor_of(request)
    actor.require(Action.VIEW_CATALOG)
    rows = catalog_selectors.approved_copy_changed(
        workspace=actor.workspace,
        since=query.since,
        copy_type=query.channel,
        after_id=cursor_after(query.cursor),
        limit=query.limit,
    )
    return ApprovedCopyPage(
        items=[
            ApprovedCopyOut(
                id=row.pk,
                product_id=row.product_id,
                product_handle=row.product.handle,
                channel=row.copy_type,
                content=row.content,
                approved_at=row.approved_at,
            )
            for row in rows
        ],
        next_cursor=next_cursor(rows, query.limit),
    )
