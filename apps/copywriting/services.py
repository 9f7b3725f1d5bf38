"""Writes for the copy studio: starting generation, one product's generation (a job item),
editing, regenerating with feedback, choosing, and the review decisions on copy.

Every model call goes through ``apps.gateway``; every credit through ``apps.billing``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.errors import BillingRefusal
from apps.billing.services import credits as billing
from apps.brand.models import ProfileVersion
from apps.brand.selectors import profile_default
from apps.brand.services import brand_material_add_approved, brand_profile_active_version
from apps.catalog.models import ApprovedCopy, Product, WorkStatus
from apps.catalog.services import approved_copy_set
from apps.copywriting import channels, generation, prompting, selectors
from apps.copywriting.facts import facts_note
from apps.copywriting.models import (
    CopyDraft,
    CopySettings,
    CopyVariant,
    CopyVersion,
    VersionSource,
)
from apps.core.errors import ServiceError
from apps.gateway.errors import GatewayError
from apps.jobs.models import Job
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create, job_pause_by_system
from apps.reviews.lifecycle import EDITABLE_STATES, ReviewDecision, ReviewState
from apps.reviews.services import review_transition
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action

GENERATE_JOB_KIND = selectors.GENERATE_JOB_KIND
CREDIT_KIND = "copy_variant"
MAX_VARIANTS = 5
NO_BRAND_PROFILE = 0  # the brief's explicit "no brand profile" (None: the default one)
MAX_PRODUCTS_PER_RUN = 5000
# An autosave within this many seconds of the author's last one updates that version instead
# of adding another: one editing session, one version.
EDIT_SESSION_SECONDS = 120


@dataclass(frozen=True)
class CopyBrief:
    copy_types: tuple[str, ...]
    variants: int = 3
    instructions: str = ""
    keywords: tuple[str, ...] = ()
    tone: str = ""
    skip_approved: bool = True
    # None: the profile a brand manager marked as the workspace's default (if any); 0: none.
    brand_profile_id: int | None = None

    def as_params(self) -> dict[str, Any]:
        data = asdict(self)
        data["copy_types"] = list(self.copy_types)
        data["keywords"] = list(self.keywords)
        return data

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> CopyBrief:
        return cls(
            copy_types=tuple(params.get("copy_types", ())),
            variants=int(params.get("variants", 3)),
            instructions=params.get("instructions", ""),
            keywords=tuple(params.get("keywords", ())),
            tone=params.get("tone", ""),
            skip_approved=bool(params.get("skip_approved", True)),
            brand_profile_id=params.get("brand_profile_id"),
        )


@transaction.atomic
def copy_settings_update(
    *,
    workspace: Workspace,
    actor: User,
    description_target_words: int,
    amazon_bullet_max_chars: int,
    default_tone: str = "",
) -> CopySettings:
    if not 30 <= description_target_words <= 600:
        raise ServiceError("Aim for 30 to 600 words.", field="description_target_words")
    if amazon_bullet_max_chars not in (250, 500):
        raise ServiceError(
            "Amazon bullets are 250 or 500 characters.", field="amazon_bullet_max_chars"
        )
    settings_row, _ = CopySettings.objects.for_workspace(workspace).update_or_create(
        workspace=workspace,
        defaults={
            "description_target_words": description_target_words,
            "amazon_bullet_max_chars": amazon_bullet_max_chars,
            "default_tone": default_tone.strip()[:120],
        },
    )
    return settings_row


def _spec(workspace: Workspace, code: str) -> channels.CopySpec:
    if code not in channels.SPECS:
        raise ServiceError(f"“{code}” is not a kind of copy.", field="copy_types")
    return selectors.spec_for_workspace(workspace=workspace, code=code)


# --- starting a run ----------------------------------------------------------------------------


@transaction.atomic
def copy_generation_start(
    *, workspace: Workspace, actor: User, product_ids: list[int], brief: CopyBrief
) -> Job:
    """Queue copy for these products as one job (one item per product and copy type)."""
    if not brief.copy_types:
        raise ServiceError("Choose at least one kind of copy.", field="copy_types")
    for code in brief.copy_types:
        _spec(workspace, code)
    if not 1 <= brief.variants <= MAX_VARIANTS:
        raise ServiceError(f"Ask for 1 to {MAX_VARIANTS} variants.", field="variants")
    unique_ids = list(dict.fromkeys(product_ids))
    if not unique_ids:
        raise ServiceError("Choose at least one product.", field="products")
    if len(unique_ids) > MAX_PRODUCTS_PER_RUN:
        raise ServiceError(
            f"{len(unique_ids)} products is more than one run takes ({MAX_PRODUCTS_PER_RUN}); "
            "split the selection.",
            field="products",
        )
    products = list(
        Product.objects.for_workspace(workspace)
        .filter(pk__in=unique_ids)
        .only("pk", "handle")
        .order_by("title", "pk")
    )
    if len(products) != len(unique_ids):
        raise ServiceError("Some of the chosen products no longer exist; reload the list.")
    billing.credits_check_can_start(workspace=workspace, kind=CREDIT_KIND, units=brief.variants)
    items = [
        (
            f"{product.handle} · {channels.SPECS[code].label}",
            {"product_id": product.pk, "copy_type": code},
        )
        for product in products
        for code in brief.copy_types
    ]
    labels = ", ".join(channels.SPECS[c].label.lower() for c in brief.copy_types)
    return job_create(
        workspace=workspace,
        created_by=actor,
        kind=GENERATE_JOB_KIND,
        items=items,
        params=brief.as_params(),
        label=f"{labels.capitalize()} for {len(products)} "
        + ("product" if len(products) == 1 else "products"),
    )


# --- one item: one product, one kind of copy ------------------------------------------------


def _settings_brief(
    workspace: Workspace,
    spec: channels.CopySpec,
    brief: CopyBrief,
    *,
    feedback: str = "",
    previous: dict | None = None,
) -> prompting.Brief:
    settings_row = selectors.copy_settings_for(workspace=workspace)
    return prompting.Brief(
        keywords=brief.keywords,
        tone=brief.tone or settings_row.default_tone,
        instructions=brief.instructions,
        feedback=feedback,
        previous=previous,
        target_words=settings_row.description_target_words,
        bullet_max=settings_row.amazon_bullet_max_chars,
    )


def _setting(
    workspace: Workspace,
    spec: channels.CopySpec,
    product: Product,
    brief: CopyBrief,
    *,
    feedback: str = "",
    previous: dict | None = None,
) -> generation.Setting:
    return generation.setting_for(
        workspace=workspace,
        spec=spec,
        product=product,
        brief=_settings_brief(workspace, spec, brief, feedback=feedback, previous=previous),
        version=_brand_version(workspace, brief),
        foreign_names=selectors.foreign_brand_names(workspace=workspace, product=product),
    )


def _generate(
    workspace: Workspace,
    actor: User | None,
    setting: generation.Setting,
    n: int,
    *,
    seed: int | None = None,
) -> list[generation.Candidate]:
    return generation.generate(workspace=workspace, actor=actor, setting=setting, n=n, seed=seed)


def _brand_version(workspace: Workspace, brief: CopyBrief) -> ProfileVersion | None:
    """The brand profile version that steers this copy: the brief's profile, else the
    workspace's default one; None until a profile has been trained."""
    if brief.brand_profile_id == NO_BRAND_PROFILE:
        return None
    return brand_profile_active_version(workspace, brief.brand_profile_id)


def copy_generate_item(*, workspace: Workspace, job: Job, item) -> dict:
    """One job item: the variants of one kind of copy for one product. Idempotent."""
    payload = item.payload
    brief = CopyBrief.from_params(job.params)
    source_key = f"job:{job.pk}:item:{item.pk}"
    existing = CopyDraft.objects.for_workspace(workspace).filter(source_key=source_key).first()
    if existing is not None:
        variants = existing.variants.count()
        # Redelivered after the draft was saved: the charge may still be only reserved.
        billing.credits_settle_found(workspace=workspace, key=f"copy:{source_key}", units=variants)
        return {"draft_id": existing.pk, "variants": variants}
    product = (
        Product.objects.for_workspace(workspace)
        .prefetch_related("variants")
        .filter(pk=payload["product_id"])
        .first()
    )
    if product is None:
        raise SkipItem("The product was deleted.")
    spec = _spec(workspace, payload["copy_type"])
    if (
        brief.skip_approved
        and ApprovedCopy.objects.for_workspace(workspace)
        .filter(product=product, copy_type=spec.code)
        .exists()
    ):
        raise SkipItem(f"{product.title} already has approved {spec.label.lower()}.")

    credit_key = f"copy:{source_key}"
    try:
        billing.credits_reserve(
            workspace=workspace, key=credit_key, kind=CREDIT_KIND, units=brief.variants
        )
    except BillingRefusal as refusal:
        # Stop cleanly at the limit: what was done stays; the rest waits for a resume.
        job_pause_by_system(workspace=workspace, job_id=job.pk)
        raise ServiceError(refusal.message) from None
    try:
        setting = _setting(workspace, spec, product, brief)
        generated = _generate(workspace, job.created_by, setting, brief.variants, seed=item.pk)
    except GatewayError:
        billing.credits_release(workspace=workspace, key=credit_key, reason="generation failed")
        raise
    try:
        draft = _draft_save(
            workspace=workspace,
            author=job.created_by,
            setting=setting,
            generated=generated,
            brief=brief,
            job=job,
            source_key=source_key,
        )
    except IntegrityError:  # the same item finished on another worker meanwhile
        draft = CopyDraft.objects.for_workspace(workspace).get(source_key=source_key)
    billing.credits_settle(workspace=workspace, key=credit_key, units=len(generated))
    return {"draft_id": draft.pk, "variants": len(generated)}


def _draft_note(setting: generation.Setting, brief: CopyBrief, made: int) -> str:
    notes = [facts_note(setting.facts)]
    if made < brief.variants:
        notes.append(
            f"{made} distinct variant{'s' if made != 1 else ''} of the {brief.variants} asked "
            "for: the facts leave little to vary (you were charged for what was written)."
        )
    return " ".join(n for n in notes if n)


def _variant_fields(candidate: generation.Candidate) -> dict[str, Any]:
    return {
        "data": candidate.data,
        "repaired": candidate.repaired,
        "brand_score": candidate.brand_score,
        "score_explanation": candidate.score_explanation,
        "claims": candidate.claims,
        "removed": candidate.removed,
        "notes": candidate.notes,
        **candidate.provenance,
    }


@transaction.atomic
def _draft_save(
    *,
    workspace: Workspace,
    author: User | None,
    setting: generation.Setting,
    generated: list[generation.Candidate],
    brief: CopyBrief,
    job: Job | None,
    source_key: str,
) -> CopyDraft:
    product = setting.product
    draft = CopyDraft.objects.create(
        workspace=workspace,
        product=product,
        copy_type=setting.spec.code,
        author=author,
        job=job,
        source_key=source_key,
        brief=brief.as_params(),
        facts_note=_draft_note(setting, brief, len(generated))[:300],
        voice_label=setting.voice.label if setting.voice is not None else "",
    )
    for position, variant in enumerate(generated, start=1):
        row = CopyVariant.objects.create(
            workspace=workspace, draft=draft, position=position, **_variant_fields(variant)
        )
        CopyVersion.objects.create(
            workspace=workspace,
            variant=row,
            data=variant.data,
            source=VersionSource.GENERATED,
            author=author,
        )
        if position == 1:
            draft.chosen_variant = row
    draft.save(update_fields=["chosen_variant"])
    _product_copy_status(workspace, product.pk)
    return draft


def copy_draft_create(
    *, workspace: Workspace, actor: User, product_id: int, brief: CopyBrief
) -> CopyDraft:
    """Generate one product's copy now, outside a job (the product page's "Write copy")."""
    if len(brief.copy_types) != 1:
        raise ServiceError("Choose one kind of copy.", field="copy_types")
    product = (
        Product.objects.for_workspace(workspace).prefetch_related("variants").get(pk=product_id)
    )
    spec = _spec(workspace, brief.copy_types[0])
    key = f"manual:{actor.pk}:{timezone.now().timestamp()}"
    billing.credits_reserve(workspace=workspace, key=key, kind=CREDIT_KIND, units=brief.variants)
    try:
        setting = _setting(workspace, spec, product, brief)
        generated = _generate(workspace, actor, setting, brief.variants)
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    draft = _draft_save(
        workspace=workspace,
        author=actor,
        setting=setting,
        generated=generated,
        brief=brief,
        job=None,
        source_key="",
    )
    billing.credits_settle(workspace=workspace, key=key, units=len(generated))
    return draft


# --- editing -----------------------------------------------------------------------------------


def _draft_for_update(workspace: Workspace, draft_id: int) -> CopyDraft:
    return (
        CopyDraft.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("product")
        .get(pk=draft_id)
    )


def _check_editable(draft: CopyDraft, actor_role: str, *, reviewer_edit: bool = False) -> None:
    if reviewer_edit:
        if draft.review_state != ReviewState.IN_REVIEW:
            raise ServiceError("Only copy in review can be edited by the reviewer.")
        return
    if draft.review_state not in EDITABLE_STATES:
        state = ReviewState(draft.review_state).label.lower()
        raise ServiceError(
            f"This copy is {state}; it can be edited again once it is back with its author."
        )


@transaction.atomic
def copy_variant_edit(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    variant_id: int,
    data: dict[str, Any],
    reviewer_edit: bool = False,
) -> CopyVariant:
    """Save an edit (an autosave). Every edit is kept as a version with its author and time;
    autosaves within one editing session update that session's version."""
    variant = (
        CopyVariant.objects.for_workspace(workspace)
        .select_for_update(of=("self",))
        .select_related("draft")
        .get(pk=variant_id)
    )
    draft = _draft_for_update(workspace, variant.draft_id)
    _check_editable(draft, actor_role, reviewer_edit=reviewer_edit)
    spec = _spec(workspace, draft.copy_type)
    clean = channels.normalise(spec, data)
    if clean == channels.normalise(spec, variant.data):
        return variant
    # The edit is checked as generated copy is: claims the facts do not support are flagged
    # (never removed from what a person typed), and notes follow the new text.
    product = (
        Product.objects.for_workspace(workspace)
        .prefetch_related("variants")
        .get(pk=draft.product_id)
    )
    setting = _setting(workspace, spec, product, CopyBrief.from_params(draft.brief or {}))
    checked = generation.recheck(setting, clean)
    variant.data = clean
    variant.claims = checked.claims
    variant.notes = generation.brief_notes(
        setting, channels.html_text(channels.render(spec, clean))
    )
    variant.save(update_fields=["data", "claims", "notes", "updated_at"])
    source = VersionSource.REVIEWER_EDIT if reviewer_edit else VersionSource.EDITED
    latest = variant.versions.first()
    recent = timezone.now() - timedelta(seconds=EDIT_SESSION_SECONDS)
    if (
        latest
        and latest.author_id == actor.pk
        and latest.source == source
        and latest.updated_at >= recent
    ):
        latest.data = clean
        latest.save(update_fields=["data", "updated_at"])
    else:
        CopyVersion.objects.create(
            workspace=workspace, variant=variant, data=clean, source=source, author=actor
        )
    draft.save(update_fields=["updated_at"])
    return variant


def copy_variant_regenerate(
    *, workspace: Workspace, actor: User, actor_role: str, variant_id: int, feedback: str
) -> CopyVariant:
    """Rewrite one variant with the writer's feedback ("shorter, mention the recycled fabric")."""
    feedback = feedback.strip()
    if not feedback:
        raise ServiceError("Say what should change.", field="feedback")
    variant = (
        CopyVariant.objects.for_workspace(workspace)
        .select_related("draft__product")
        .get(pk=variant_id)
    )
    draft = variant.draft
    _check_editable(draft, actor_role)
    spec = _spec(workspace, draft.copy_type)
    brief = CopyBrief.from_params(draft.brief or {"copy_types": [draft.copy_type]})
    product = (
        Product.objects.for_workspace(workspace)
        .prefetch_related("variants")
        .get(pk=draft.product_id)
    )
    key = f"regenerate:{variant.pk}:{timezone.now().timestamp()}"
    billing.credits_reserve(workspace=workspace, key=key, kind=CREDIT_KIND, units=1)
    try:
        setting = _setting(
            workspace, spec, product, brief, feedback=feedback, previous=dict(variant.data)
        )
        generated = _generate(
            workspace, actor, setting, 1, seed=variant.versions.count() + variant.pk
        )[0]
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    with transaction.atomic():
        locked = _draft_for_update(workspace, draft.pk)
        _check_editable(locked, actor_role)
        for name, value in _variant_fields(generated).items():
            setattr(variant, name, value)
        variant.save()
        CopyVersion.objects.create(
            workspace=workspace,
            variant=variant,
            data=generated.data,
            source=VersionSource.REGENERATED,
            feedback=feedback,
            author=actor,
        )
    billing.credits_settle(workspace=workspace, key=key)
    return variant


@transaction.atomic
def copy_variant_choose(
    *, workspace: Workspace, actor: User, actor_role: str, variant_id: int
) -> CopyDraft:
    variant = CopyVariant.objects.for_workspace(workspace).get(pk=variant_id)
    draft = _draft_for_update(workspace, variant.draft_id)
    _check_editable(draft, actor_role)
    draft.chosen_variant = variant
    draft.save(update_fields=["chosen_variant", "updated_at"])
    return draft


# --- review ------------------------------------------------------------------------------------

_PRODUCT_STATUS = {
    ReviewState.DRAFT: WorkStatus.DRAFT,
    ReviewState.IN_REVIEW: WorkStatus.IN_REVIEW,
    ReviewState.CHANGES_REQUESTED: WorkStatus.CHANGES_REQUESTED,
    ReviewState.APPROVED: WorkStatus.APPROVED,
    ReviewState.PUBLISHED: WorkStatus.APPROVED,
}
# When a product has several drafts, the list shows the one that needs attention first.
_STATUS_ORDER = [
    WorkStatus.CHANGES_REQUESTED,
    WorkStatus.IN_REVIEW,
    WorkStatus.DRAFT,
    WorkStatus.APPROVED,
]


def _product_copy_status(workspace: Workspace, product_id: int) -> None:
    states = set(
        CopyDraft.objects.for_workspace(workspace)
        .filter(product_id=product_id)
        .values_list("review_state", flat=True)
    )
    statuses = {_PRODUCT_STATUS[s] for s in states if s in _PRODUCT_STATUS}
    status = next((s for s in _STATUS_ORDER if s in statuses), WorkStatus.NONE)
    has_approved = (
        ApprovedCopy.objects.for_workspace(workspace).filter(product_id=product_id).exists()
    )
    if has_approved and status in (WorkStatus.NONE, WorkStatus.DRAFT):
        status = WorkStatus.APPROVED
    Product.objects.for_workspace(workspace).filter(pk=product_id).update(copy_status=status)


def copy_review_decide(
    *,
    workspace: Workspace,
    actor: User,
    actor_role: str,
    draft_id: int,
    decision: str,
    comment: str = "",
    override_claims: bool = False,
) -> CopyDraft:
    """Submit, withdraw, approve, request changes, reject, resubmit or publish one draft.

    A variant that states something the product's facts do not support is submitted only with
    ``override_claims``; who overrode which claims, and when, is kept on the draft and in its
    review history."""
    with transaction.atomic():
        draft = _draft_for_update(workspace, draft_id)
        if decision in (ReviewDecision.SUBMIT, ReviewDecision.RESUBMIT):
            if draft.chosen_variant_id is None:
                raise ServiceError("Pick the variant to submit first.")
            spec = _spec(workspace, draft.copy_type)
            chosen = CopyVariant.objects.for_workspace(workspace).get(pk=draft.chosen_variant_id)
            hard = channels.check(spec, chosen.data).hard_violations
            if hard:
                raise ServiceError(
                    "Fix the chosen variant first: " + " ".join(v.message for v in hard)
                )
            if chosen.claims:
                said = ", ".join(f"‘{c['text']}’" for c in chosen.claims)
                if not override_claims:
                    raise ServiceError(
                        f"The chosen variant states what the product's facts do not support "
                        f"({said}). Edit it out, add the fact to the product, or submit with "
                        "the override (it is recorded).",
                        code="unsupported_claims",
                    )
                draft.claims_override_by = actor
                draft.claims_override_at = timezone.now()
                draft.claims_overridden = list(chosen.claims)
                draft.save(
                    update_fields=["claims_override_by", "claims_override_at", "claims_overridden"]
                )
                note = f"Submitted with unsupported claims (override): {said}."
                comment = f"{note} {comment}".strip()
        review_transition(
            workspace=workspace,
            actor=actor,
            actor_role=actor_role,
            subject=draft,
            decision=decision,
            author_action=Action.WRITE_COPY,
            comment=comment,
        )
        if decision == ReviewDecision.APPROVE:
            chosen = CopyVariant.objects.for_workspace(workspace).get(pk=draft.chosen_variant_id)
            content = channels.render(_spec(workspace, draft.copy_type), chosen.data)
            approved_copy_set(
                workspace=workspace,
                actor=actor,
                product_id=draft.product_id,
                copy_type=draft.copy_type,
                content=content,
            )
            _teach_brand(workspace, draft, content)
        _product_copy_status(workspace, draft.product_id)
    return draft


def _teach_brand(workspace: Workspace, draft: CopyDraft, content: str) -> None:
    """Approved copy (with any reviewer's edits) joins the brand profile's material, so the
    next version learns from daily work. Keyed by the draft: approving again updates it."""
    version = _brand_version(workspace, CopyBrief.from_params(draft.brief or {}))
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


def copy_review_bulk_approve(
    *, workspace: Workspace, actor: User, actor_role: str, draft_ids: list[int]
) -> tuple[int, list[str]]:
    """Approve many; each on its own, so one refusal does not undo the others."""
    approved, problems = 0, []
    for draft_id in dict.fromkeys(draft_ids):
        try:
            copy_review_decide(
                workspace=workspace,
                actor=actor,
                actor_role=actor_role,
                draft_id=draft_id,
                decision=ReviewDecision.APPROVE,
            )
            approved += 1
        except CopyDraft.DoesNotExist:
            problems.append(f"Draft {draft_id} no longer exists.")
        except ServiceError as error:
            problems.append(error.message)
    return approved, problems
