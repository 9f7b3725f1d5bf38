"""Writing copy: starting a run (a job), one job item (one product, one kind of copy), and one
product's copy written at once outside a job.

Every model call goes through ``apps.gateway``; every credit through ``apps.billing``. The
model is called outside any transaction: usage rows are written while it runs.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing.errors import BillingRefusal
from apps.billing.services import credits as billing
from apps.catalog.models import Product
from apps.copywriting import channels, generation, selectors
from apps.copywriting.facts import facts_note
from apps.copywriting.models import CopyDraft, CopyVariant, CopyVersion, VersionSource
from apps.copywriting.services.common import (
    CREDIT_KIND,
    GENERATE_JOB_KIND,
    MAX_PRODUCTS_PER_RUN,
    MAX_VARIANTS,
    CopyBrief,
    generate,
    setting_for,
    spec_checked,
    variant_fields,
)
from apps.core.errors import ServiceError
from apps.gateway.errors import GatewayError
from apps.jobs.models import Job, JobItem
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create, job_pause_by_system
from apps.reviews.services import review_work_status_refresh
from apps.workspaces.actors import Actor
from apps.workspaces.models import Workspace
from apps.workspaces.roles import Action


@transaction.atomic(durable=True)
def copy_generation_start(*, actor: Actor, product_ids: list[int], brief: CopyBrief) -> Job:
    """Queue copy for these products as one job (one item per product and copy type)."""
    actor.require(Action.WRITE_COPY)
    workspace = actor.workspace
    if not brief.copy_types:
        raise ServiceError("Choose at least one kind of copy.", field="copy_types")
    for code in brief.copy_types:
        spec_checked(workspace, code)
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
    products = selectors.products_to_write(workspace=workspace, product_ids=unique_ids)
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
        created_by=actor.user,
        kind=GENERATE_JOB_KIND,
        items=items,
        params=brief.as_params(),
        label=f"{labels.capitalize()} for {len(products)} "
        + ("product" if len(products) == 1 else "products"),
    )


def copy_generate_item(*, workspace: Workspace, job: Job, item: JobItem) -> dict[str, int]:
    """One job item: the variants of one kind of copy for one product. Idempotent. System work
    (the job's creator is the author), so it takes the workspace rather than an actor."""
    payload = item.payload
    brief = CopyBrief.from_params(job.params)
    source_key = f"job:{job.pk}:item:{item.pk}"
    existing = CopyDraft.objects.for_workspace(workspace).filter(source_key=source_key).first()
    if existing is not None:
        variants = existing.variants.count()
        # Redelivered after the draft was saved: the charge may still be only reserved.
        billing.credits_settle_found(workspace=workspace, key=f"copy:{source_key}", units=variants)
        return {"draft_id": existing.pk, "variants": variants}
    try:
        product = selectors.product_for_copy(workspace=workspace, product_id=payload["product_id"])
    except Product.DoesNotExist:
        raise SkipItem("The product was deleted.") from None
    spec = spec_checked(workspace, payload["copy_type"])
    if brief.skip_approved and selectors.products_with_approved_copy(
        workspace=workspace, product_ids=[product.pk], copy_type=spec.code
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
        setting = setting_for(workspace, spec, product, brief)
        generated = generate(workspace, job.created_by, setting, brief.variants, seed=item.pk)
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


def copy_draft_create(*, actor: Actor, product_id: int, brief: CopyBrief) -> CopyDraft:
    """Generate one product's copy now, outside a job (the product page's "Write copy")."""
    actor.require(Action.WRITE_COPY)
    workspace = actor.workspace
    if len(brief.copy_types) != 1:
        raise ServiceError("Choose one kind of copy.", field="copy_types")
    try:
        product = selectors.product_for_copy(workspace=workspace, product_id=product_id)
    except Product.DoesNotExist:
        raise ServiceError("This product no longer exists.", code="not_found") from None
    spec = spec_checked(workspace, brief.copy_types[0])
    key = f"manual:{actor.user.pk}:{timezone.now().timestamp()}"
    billing.credits_reserve(workspace=workspace, key=key, kind=CREDIT_KIND, units=brief.variants)
    try:
        setting = setting_for(workspace, spec, product, brief)
        generated = generate(workspace, actor.user, setting, brief.variants)
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    draft = _draft_save(
        workspace=workspace,
        author=actor.user,
        setting=setting,
        generated=generated,
        brief=brief,
        job=None,
        source_key="",
    )
    billing.credits_settle(workspace=workspace, key=key, units=len(generated))
    return draft


def _draft_note(setting: generation.Setting, brief: CopyBrief, made: int) -> str:
    notes = [facts_note(setting.facts)]
    if made < brief.variants:
        notes.append(
            f"{made} distinct variant{'s' if made != 1 else ''} of the {brief.variants} asked "
            "for: the facts leave little to vary (you were charged for what was written)."
        )
    return " ".join(n for n in notes if n)


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
            workspace=workspace, draft=draft, position=position, **variant_fields(variant)
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
    review_work_status_refresh(workspace=workspace, kind="copy", product_ids=[product.pk])
    return draft
