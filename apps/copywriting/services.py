"""Writes for the copy studio: starting generation, one product's generation (a job item),
editing, regenerating with feedback, choosing, and the review decisions on copy.

Every model call goes through ``apps.gateway``; every credit through ``apps.billing``.
"""

from __future__ import annotations

import dataclasses
import html
import re
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.billing import services as billing
from apps.billing.errors import BillingRefusal
from apps.brand.models import ProfileVersion
from apps.brand.selectors import profile_default
from apps.brand.services import (
    brand_material_add_approved,
    brand_profile_active_version,
    brand_prompt_context,
    brand_score,
)
from apps.catalog.models import ApprovedCopy, Product, WorkStatus
from apps.catalog.services import approved_copy_set
from apps.copywriting import channels, selectors
from apps.copywriting.models import (
    CopyDraft,
    CopySettings,
    CopyVariant,
    CopyVersion,
    VersionSource,
)
from apps.core.errors import ServiceError
from apps.gateway.errors import GatewayError
from apps.gateway.services import gateway_generate_text, provenance_fields
from apps.gateway.types import BrandRules, JsonSchema, ProductFacts, TaskKind, TextRequest
from apps.jobs.models import Job
from apps.jobs.registry import SkipItem
from apps.jobs.services import job_create, job_pause
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
    brand_profile_id: int | None = None  # None: the workspace's default profile

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


@dataclass
class GeneratedVariant:
    data: dict[str, Any]
    repaired: bool
    provenance: dict[str, Any] = field(default_factory=dict)
    brand_score: float | None = None
    score_explanation: dict[str, Any] = field(default_factory=dict)


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
        actor=actor,
        kind=GENERATE_JOB_KIND,
        items=items,
        params=brief.as_params(),
        label=f"{labels.capitalize()} for {len(products)} "
        + ("product" if len(products) == 1 else "products"),
    )


# --- one item: one product, one kind of copy ------------------------------------------------


def product_facts(product: Product) -> tuple[ProductFacts, str]:
    """The facts the model writes from, and a note of what is missing (empty when enough)."""
    attributes = [(k, str(v)) for k, v in (product.attributes or {}).items() if v][:20]
    variants_options = {}
    for name, values in _option_values(product).items():
        variants_options[name] = ", ".join(values[:8])
    attributes += [(k, v) for k, v in variants_options.items() if k.lower() not in {"title"}]
    facts = ProductFacts(
        title=product.title,
        product_type=product.product_type,
        attributes=tuple(attributes),
        tags=tuple(product.tags or ()),
        brand=product.vendor,
    )
    missing = []
    if not product.product_type and not product.category:
        missing.append("a product type")
    if not attributes:
        missing.append("attributes (material, fit, colour…)")
    if not re.sub(r"<[^>]+>", "", product.body_html or "").strip():
        missing.append("an existing description")
    note = ""
    if len(missing) >= 2:
        note = "Written from few facts — missing " + ", ".join(missing) + ". Check the details."
    return facts, note


def _option_values(product: Product) -> dict[str, list[str]]:
    names = product.option_names or []
    values: dict[str, list[str]] = {name: [] for name in names}
    for variant in product.variants.all():
        for name, value in zip(names, variant.option_values, strict=False):
            if value and value not in values[name] and value != "Default Title":
                values[name].append(value)
    return {k: v for k, v in values.items() if v}


def _prompt(
    spec: channels.CopySpec, product: Product, brief: CopyBrief, settings_row, feedback: str = ""
) -> str:
    lines = [
        f"{spec.instructions}",
        f"Product: {product.title}",
    ]
    if spec.code == "product_description":
        lines.append(f"Length: about {settings_row.description_target_words} words in all.")
    limits = channels.describe_limits(spec)
    if limits:
        lines.append("Limits:\n" + limits)
    if brief.keywords:
        lines.append("Include these keywords naturally: " + ", ".join(brief.keywords))
    tone = brief.tone or settings_row.default_tone
    if tone:
        lines.append(f"Tone: {tone}")
    if brief.instructions:
        lines.append(f"Instructions from the copywriter: {brief.instructions}")
    if feedback:
        lines.append(f"Rewrite the previous version with this feedback: {feedback}")
    return "\n".join(lines)


DESCRIPTION_SCHEMA = {
    "type": "object",
    "properties": {
        "description": {"type": "string"},
        "features": {"type": "array", "items": {"type": "string"}, "minItems": 3, "maxItems": 6},
    },
    "required": ["description", "features"],
    "additionalProperties": False,
}


def _description_html(data: dict[str, Any]) -> str:
    paragraphs = [p.strip() for p in str(data.get("description", "")).split("\n") if p.strip()]
    features = [str(f).strip().lstrip("•-* ") for f in data.get("features") or [] if str(f).strip()]
    parts = [f"<p>{html.escape(p)}</p>" for p in paragraphs]
    if features:
        parts.append("<ul>" + "".join(f"<li>{html.escape(f)}</li>" for f in features) + "</ul>")
    return "".join(parts)


def _hashtags(product: Product) -> str:
    words = [*product.tags, product.product_type, product.vendor]
    tags = []
    for word in words:
        tag = re.sub(r"[^\w]", "", word.title().replace(" ", ""))
        if tag and f"#{tag}" not in tags:
            tags.append(f"#{tag}")
    return " ".join(tags[:8])


def _shape(spec: channels.CopySpec, candidate, product: Product) -> dict[str, Any]:
    """A model's answer in the spec's fields."""
    if spec.code == "product_description":
        data = candidate.data or {"description": candidate.text, "features": []}
        return {"text": _description_html(data)}
    if spec.single_field:
        text = candidate.text.strip().strip('"')
        if spec.code == "instagram_caption" and "#" not in text:
            text = f"{text}\n\n{_hashtags(product)}".strip()
        return {spec.fields[0].name: text}
    return channels.normalise(spec, dict(candidate.data or {}))


def _request(
    workspace: Workspace,
    spec: channels.CopySpec,
    product: Product,
    brief: CopyBrief,
    n: int,
    *,
    feedback: str = "",
    seed: int | None = None,
    version: ProfileVersion | None = None,
) -> TextRequest:
    settings_row = selectors.copy_settings_for(workspace=workspace)
    facts, _ = product_facts(product)
    hard_max = None
    if spec.single_field and spec.fields[0].limit and spec.fields[0].limit.max:
        hard_max = spec.fields[0].limit.max
    schema = (
        DESCRIPTION_SCHEMA if spec.code == "product_description" else channels.json_schema(spec)
    )
    tone = brief.tone or settings_row.default_tone
    prompt = _prompt(spec, product, brief, settings_row, feedback)
    rules = BrandRules(max_length=hard_max, tone=tone)
    if version is not None:
        # The brand's style guide and its own nearest copy steer the model (layer 3).
        context = brand_prompt_context(workspace=workspace, version=version, facts=facts, k=3)
        rules = dataclasses.replace(
            context.rules, max_length=hard_max, tone=tone or context.rules.tone
        )
        if context.exemplars:
            quoted = "\n".join(f"- {text[:400]}" for text in context.exemplars)
            prompt += (
                "\nExamples of this brand's own copy (match the voice; never copy a phrase):\n"
                + quoted
            )
    return TextRequest(
        prompt=prompt,
        system=(
            "You write e-commerce product copy. Use only the facts given; never invent "
            "materials, certifications or measurements."
        ),
        facts=facts,
        rules=rules,
        n=n,
        json_schema=JsonSchema(name=spec.code, schema=schema, strict=False) if schema else None,
        seed=seed,
        brand_profile_version=version.pk if version is not None else None,
    )


def _generate(
    workspace: Workspace,
    actor: User | None,
    spec: channels.CopySpec,
    product: Product,
    brief: CopyBrief,
    n: int,
    *,
    feedback: str = "",
    seed: int | None = None,
) -> list[GeneratedVariant]:
    version = _brand_version(workspace, brief)
    request = _request(
        workspace, spec, product, brief, n, feedback=feedback, seed=seed, version=version
    )
    result = gateway_generate_text(
        workspace=workspace, actor=actor, task=TaskKind.COPY_GENERATE, request=request
    )
    provenance = provenance_fields(
        result, brand_profile_version=version.pk if version is not None else None
    )
    shaped = [_shape(spec, candidate, product) for candidate in result.candidates]
    spare: list[dict] | None = None
    generated = []
    for index, data in enumerate(shaped):
        repaired = False
        if not channels.check(spec, data).ok:
            others = shaped[:index] + shaped[index + 1 :]
            data = channels.repair(spec, _top_up(spec, data, others))
            if not channels.check(spec, data).ok:
                if spare is None:  # one more call gives the material to fill the gap
                    extra = _request(
                        workspace,
                        spec,
                        product,
                        brief,
                        2,
                        feedback=feedback,
                        seed=(seed or 0) + 7919,
                        version=version,
                    )
                    spare_result = gateway_generate_text(
                        workspace=workspace, actor=actor, task=TaskKind.COPY_GENERATE, request=extra
                    )
                    spare = [_shape(spec, c, product) for c in spare_result.candidates]
                data = channels.repair(spec, _top_up(spec, data, spare))
            repaired = True
        generated.append(GeneratedVariant(data=data, repaired=repaired, provenance=provenance))
    if version is not None:
        _score_and_rank(workspace, version, spec, generated)
    return generated


def _brand_version(workspace: Workspace, brief: CopyBrief) -> ProfileVersion | None:
    """The brand profile version that steers this copy: the brief's profile, else the
    workspace's default one; None until a profile has been trained."""
    if brief.brand_profile_id == NO_BRAND_PROFILE:
        return None
    return brand_profile_active_version(workspace, brief.brand_profile_id)


def _score_and_rank(
    workspace: Workspace,
    version: ProfileVersion,
    spec: channels.CopySpec,
    generated: list[GeneratedVariant],
) -> None:
    """Score every candidate against the brand and put the best first (rule-abiding, then
    by score), so variant 1 is the one to start from."""
    texts = [channels.html_text(channels.render(spec, g.data)) for g in generated]
    scores = brand_score(workspace=workspace, version=version, texts=texts)
    for variant, score in zip(generated, scores, strict=True):
        variant.brand_score = round(score.score, 1)
        variant.score_explanation = {
            "rules_broken": list(score.rules_broken),
            "brand_terms": list(score.brand_terms),
            "pulled_down_by": list(score.pulled_down_by),
            "copied": score.copied,
            "summary": score.explanation,
            "version": version.pk,
        }
    order = sorted(range(len(generated)), key=lambda i: scores[i].sort_key)
    generated[:] = [generated[i] for i in order]


def _top_up(spec: channels.CopySpec, data: dict, others: list[dict]) -> dict:
    """A list short of its minimum (four Amazon bullets where five are needed) borrows items
    from the other candidates of the same call; the writer sees the result as repaired."""
    data = channels.normalise(spec, data)
    for f in spec.fields:
        if f.kind != "lines" or not f.items or f.items.min is None:
            continue
        items = data[f.name]
        for other in others:
            for item in channels.normalise(spec, other)[f.name]:
                if len(items) >= f.items.min:
                    break
                if item.lower() not in {i.lower() for i in items}:
                    items.append(item)
        data[f.name] = items
    return data


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
        job_pause(workspace=workspace, actor=None, job_id=job.pk)
        raise ServiceError(refusal.message) from None
    try:
        generated = _generate(
            workspace, job.created_by, spec, product, brief, brief.variants, seed=item.pk
        )
    except GatewayError:
        billing.credits_release(workspace=workspace, key=credit_key, reason="generation failed")
        raise
    _, note = product_facts(product)
    try:
        draft = _draft_save(
            workspace=workspace,
            author=job.created_by,
            product=product,
            spec=spec,
            generated=generated,
            brief=brief,
            job=job,
            source_key=source_key,
            note=note,
        )
    except IntegrityError:  # the same item finished on another worker meanwhile
        draft = CopyDraft.objects.for_workspace(workspace).get(source_key=source_key)
    billing.credits_settle(workspace=workspace, key=credit_key, units=len(generated))
    return {"draft_id": draft.pk, "variants": len(generated)}


@transaction.atomic
def _draft_save(
    *,
    workspace: Workspace,
    author: User | None,
    product: Product,
    spec: channels.CopySpec,
    generated: list[GeneratedVariant],
    brief: CopyBrief,
    job: Job | None,
    source_key: str,
    note: str,
) -> CopyDraft:
    draft = CopyDraft.objects.create(
        workspace=workspace,
        product=product,
        copy_type=spec.code,
        author=author,
        job=job,
        source_key=source_key,
        brief=brief.as_params(),
        facts_note=note,
    )
    for position, variant in enumerate(generated, start=1):
        row = CopyVariant.objects.create(
            workspace=workspace,
            draft=draft,
            position=position,
            data=variant.data,
            repaired=variant.repaired,
            brand_score=variant.brand_score,
            score_explanation=variant.score_explanation,
            **variant.provenance,
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
        generated = _generate(workspace, actor, spec, product, brief, brief.variants)
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    _, note = product_facts(product)
    draft = _draft_save(
        workspace=workspace,
        author=actor,
        product=product,
        spec=spec,
        generated=generated,
        brief=brief,
        job=None,
        source_key="",
        note=note,
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
    variant.data = clean
    variant.save(update_fields=["data", "updated_at"])
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
    key = f"regenerate:{variant.pk}:{timezone.now().timestamp()}"
    billing.credits_reserve(workspace=workspace, key=key, kind=CREDIT_KIND, units=1)
    try:
        generated = _generate(
            workspace,
            actor,
            spec,
            draft.product,
            brief,
            1,
            feedback=feedback,
            seed=variant.versions.count() + variant.pk,
        )[0]
    except GatewayError:
        billing.credits_release(workspace=workspace, key=key, reason="generation failed")
        raise
    with transaction.atomic():
        locked = _draft_for_update(workspace, draft.pk)
        _check_editable(locked, actor_role)
        variant.data = generated.data
        variant.repaired = generated.repaired
        variant.brand_score = generated.brand_score
        variant.score_explanation = generated.score_explanation
        for name, value in generated.provenance.items():
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
) -> CopyDraft:
    """Submit, withdraw, approve, request changes, reject, resubmit or publish one draft."""
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
