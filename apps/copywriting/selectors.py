import difflib
import html
import re
from dataclasses import dataclass
from datetime import timedelta

from django.core.paginator import Page, Paginator
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe

from apps.accounts.models import User
from apps.brand.models import BrandProfile, MaterialSource, MaterialText
from apps.catalog.models import ApprovedCopy, Product
from apps.copywriting import channels
from apps.copywriting.models import CopyDraft, CopySettings, CopyVariant, CopyVersion
from apps.copywriting.morph import parts_of_speech
from apps.jobs.models import Job
from apps.reviews.lifecycle import ReviewDecision, ReviewState
from apps.reviews.models import ReviewEvent
from apps.reviews.selectors import review_histories, review_history, review_state_counts
from apps.workspaces.models import Workspace

GENERATE_JOB_KIND = "copy.generate"


def copy_settings_for(*, workspace: Workspace) -> CopySettings:
    return CopySettings.objects.for_workspace(workspace).first() or CopySettings(
        workspace=workspace
    )


def spec_for_workspace(*, workspace: Workspace, code: str) -> channels.CopySpec:
    settings_row = copy_settings_for(workspace=workspace)
    return channels.spec_for(code, bullet_max=settings_row.amazon_bullet_max_chars)


def product_for_copy(*, workspace: Workspace, product_id: int) -> Product:
    """The product with what writing copy about it reads (its variants); DoesNotExist when it
    is gone."""
    return Product.objects.for_workspace(workspace).prefetch_related("variants").get(pk=product_id)


def products_to_write(*, workspace: Workspace, product_ids: list[int]) -> list[Product]:
    """The chosen products of a run, in the order its items are made."""
    return list(
        Product.objects.for_workspace(workspace)
        .filter(pk__in=product_ids)
        .only("pk", "handle")
        .order_by("title", "pk")
    )


def products_with_approved_copy(
    *, workspace: Workspace, product_ids: list[int], copy_type: str = ""
) -> set[int]:
    rows = ApprovedCopy.objects.for_workspace(workspace).filter(product_id__in=product_ids)
    if copy_type:
        rows = rows.filter(copy_type=copy_type)
    return set(rows.values_list("product_id", flat=True))


FOREIGN_NAMES_LIMIT = 300


def foreign_brand_names(*, workspace: Workspace, product: Product) -> tuple[str, ...]:
    """The workspace's other brands (vendors and brand profiles) that a draft for ``product``
    must not name, unless its facts do. Names that are ordinary English words ("Home") are
    left out: they cannot be told from the word."""
    vendors = (
        Product.objects.for_workspace(workspace)
        .exclude(vendor="")
        .exclude(vendor__iexact=product.vendor)
        .values_list("vendor", flat=True)
        .distinct()[:FOREIGN_NAMES_LIMIT]
    )
    profiles = BrandProfile.objects.for_workspace(workspace).values_list("name", flat=True)
    names = []
    for name in [*vendors, *profiles]:
        name = " ".join(str(name).split())
        if len(name) < 4 or name.lower() == product.vendor.lower():
            continue
        if " " not in name and parts_of_speech(name):
            continue  # an English word
        names.append(name)
    return tuple(dict.fromkeys(names))


def drafts_taught_to(*, workspace: Workspace, profile: BrandProfile) -> list[CopyDraft]:
    """Approved drafts whose copy joined ``profile``'s material, with their chosen variant
    and product (variants prefetched), oldest first."""
    keys = MaterialText.objects.for_workspace(workspace).filter(
        profile_id=profile.pk, source=MaterialSource.APPROVED, source_key__startswith="copy:"
    )
    draft_ids = [
        int(key.split(":", 1)[1])
        for key in keys.values_list("source_key", flat=True)
        if key.split(":", 1)[1].isdigit()
    ]
    return list(
        CopyDraft.objects.for_workspace(workspace)
        .filter(
            pk__in=draft_ids,
            review_state__in=[ReviewState.APPROVED, ReviewState.PUBLISHED],
            chosen_variant__isnull=False,
        )
        .select_related("chosen_variant", "product")
        .prefetch_related("product__variants")
        .order_by("pk")
    )


def products_named(*, workspace: Workspace, product_ids: list[int]) -> list[Product]:
    return list(
        Product.objects.for_workspace(workspace)
        .filter(pk__in=product_ids)
        .only("pk", "title", "handle")
        .order_by("title")
    )


def product_count(*, workspace: Workspace) -> int:
    return Product.objects.for_workspace(workspace).count()


def all_product_ids(*, workspace: Workspace) -> list[int]:
    return list(Product.objects.for_workspace(workspace).values_list("pk", flat=True))


def copy_runs(*, workspace: Workspace, user: User | None = None, limit: int = 10) -> list[Job]:
    jobs = Job.objects.for_workspace(workspace).filter(kind=GENERATE_JOB_KIND)
    if user is not None:
        jobs = jobs.filter(created_by=user)
    return list(jobs.order_by("-created_at")[:limit])


def copy_run_get(*, workspace: Workspace, job_id: int) -> Job:
    return get_object_or_404(Job.objects.for_workspace(workspace), pk=job_id)


def copy_drafts_of_run(*, workspace: Workspace, job: Job) -> list[CopyDraft]:
    return list(
        CopyDraft.objects.for_workspace(workspace)
        .filter(job=job)
        .select_related("product")
        .order_by("product__title", "copy_type")
    )


def copy_draft_get(*, workspace: Workspace, draft_id: int) -> CopyDraft:
    variants = CopyVariant.objects.for_workspace(workspace).order_by("position")
    return get_object_or_404(
        CopyDraft.objects.for_workspace(workspace)
        .select_related("product", "author", "chosen_variant")
        .prefetch_related(Prefetch("variants", queryset=variants)),
        pk=draft_id,
    )


def copy_variant_get(*, workspace: Workspace, variant_id: int) -> CopyVariant:
    return get_object_or_404(
        CopyVariant.objects.for_workspace(workspace).select_related("draft__product"),
        pk=variant_id,
    )


def copy_versions(*, workspace: Workspace, draft: CopyDraft) -> list[CopyVersion]:
    return list(
        CopyVersion.objects.for_workspace(workspace)
        .filter(variant__draft=draft)
        .select_related("author", "variant")[:50]
    )


@dataclass
class VariantView:
    variant: CopyVariant
    fields: list[dict]
    check: channels.Check
    chosen: bool


def variant_views(*, workspace: Workspace, draft: CopyDraft) -> list[VariantView]:
    spec = spec_for_workspace(workspace=workspace, code=draft.copy_type)
    views = []
    for variant in draft.variants.all():
        views.append(
            variant_view(spec=spec, variant=variant, chosen=variant.pk == draft.chosen_variant_id)
        )
    return views


def variant_view(*, spec: channels.CopySpec, variant: CopyVariant, chosen: bool) -> VariantView:
    data = channels.normalise(spec, variant.data)
    result = channels.check(spec, data)
    fields = []
    for f in spec.fields:
        counts = [c for c in result.counts if c.field == f.name]
        fields.append(
            {
                "field": f,
                "value": channels.editable_text(f, data[f.name]),
                "counts": counts,
                "items": len(data[f.name]) if f.kind == "lines" else None,
            }
        )
    return VariantView(variant=variant, fields=fields, check=result, chosen=chosen)


def draft_history(*, workspace: Workspace, draft: CopyDraft) -> list[ReviewEvent]:
    return review_history(workspace=workspace, subject=draft)


# --- for authors -------------------------------------------------------------------------------


def drafts_returned_to(*, workspace: Workspace, author: User) -> list[tuple[CopyDraft, str]]:
    """Drafts a reviewer sent back to this author, each with the reviewer's latest comment."""
    drafts = list(
        CopyDraft.objects.for_workspace(workspace)
        .filter(author=author, review_state=ReviewState.CHANGES_REQUESTED)
        .select_related("product")
        .order_by("-decided_at")[:50]
    )
    histories = review_histories(workspace=workspace, model=CopyDraft, ids=[d.pk for d in drafts])
    result = []
    for draft in drafts:
        comments = [
            e.comment
            for e in histories.get(draft.pk, [])
            if e.decision == ReviewDecision.REQUEST_CHANGES and e.comment
        ]
        result.append((draft, comments[-1] if comments else ""))
    return result


def drafts_of_author(
    *, workspace: Workspace, author: User, states: tuple[str, ...]
) -> list[CopyDraft]:
    return list(
        CopyDraft.objects.for_workspace(workspace)
        .filter(author=author, review_state__in=states)
        .select_related("product")
        .order_by("-updated_at")[:50]
    )


# --- for reviewers -----------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    copy_type: str = ""
    q: str = ""  # product title or handle
    author_id: int | None = None
    older_than_days: int | None = None


def review_queue_queryset(*, workspace: Workspace, filters: QueueFilters) -> QuerySet[CopyDraft]:
    drafts = CopyDraft.objects.for_workspace(workspace).filter(review_state=ReviewState.IN_REVIEW)
    if filters.copy_type:
        drafts = drafts.filter(copy_type=filters.copy_type)
    if filters.q:
        drafts = drafts.filter(
            Q(product__title__icontains=filters.q) | Q(product__handle__icontains=filters.q)
        )
    if filters.author_id:
        drafts = drafts.filter(author_id=filters.author_id)
    if filters.older_than_days:
        drafts = drafts.filter(
            submitted_at__lte=timezone.now() - timedelta(days=filters.older_than_days)
        )
    return drafts.order_by("submitted_at", "id")


def review_queue_page(*, workspace: Workspace, filters: QueueFilters, page: int | str = 1) -> Page:
    drafts = review_queue_queryset(workspace=workspace, filters=filters).select_related(
        "product", "author", "chosen_variant"
    )
    return Paginator(drafts, 50).get_page(page)


def review_queue_next(*, workspace: Workspace, after: CopyDraft) -> CopyDraft | None:
    """The next draft waiting for review after this one (oldest first)."""
    queue = review_queue_queryset(workspace=workspace, filters=QueueFilters()).exclude(pk=after.pk)
    later = (
        queue.filter(
            Q(submitted_at__gt=after.submitted_at)
            | Q(submitted_at=after.submitted_at, pk__gt=after.pk)
        )
        if after.submitted_at
        else queue
    )
    return later.first() or queue.first()


def review_authors(*, workspace: Workspace) -> list[User]:
    ids = (
        CopyDraft.objects.for_workspace(workspace)
        .filter(review_state=ReviewState.IN_REVIEW)
        .values_list("author_id", flat=True)
        .distinct()
    )
    return list(User.objects.filter(pk__in=list(ids)).order_by("email"))


def live_copy(*, workspace: Workspace, draft: CopyDraft) -> str:
    """What the product shows now for this kind of copy (what approval would replace)."""
    product = draft.product
    if draft.copy_type == "product_description":
        return product.body_html
    if draft.copy_type == "seo_title":
        return product.seo_title
    if draft.copy_type == "seo_description":
        return product.seo_description
    approved = (
        ApprovedCopy.objects.for_workspace(workspace)
        .filter(product=product, copy_type=draft.copy_type)
        .first()
    )
    return approved.content if approved else ""


_TOKEN = re.compile(r"\s+|[^\s]+")


def word_diff(before: str, after: str) -> SafeString:
    """Word-level diff of two texts (HTML tags dropped), with <del> and <ins>; all escaped."""
    a = _TOKEN.findall(channels.html_text(before) if "<" in before else before)
    b = _TOKEN.findall(channels.html_text(after) if "<" in after else after)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(f"<del>{html.escape(''.join(a[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{html.escape(''.join(b[j1:j2]))}</ins>")
    return mark_safe("".join(out))


def copy_draft_keyset_page(
    *,
    workspace: Workspace,
    product_id: int | None = None,
    copy_type: str = "",
    review_state: str = "",
    job_id: int | None = None,
    after_id: int = 0,
    limit: int = 100,
) -> list[CopyDraft]:
    """Drafts in id order after ``after_id`` (the API's cursor pages), with their variants."""
    drafts = CopyDraft.objects.for_workspace(workspace)
    if product_id is not None:
        drafts = drafts.filter(product_id=product_id)
    if copy_type:
        drafts = drafts.filter(copy_type=copy_type)
    if review_state:
        drafts = drafts.filter(review_state=review_state)
    if job_id is not None:
        drafts = drafts.filter(job_id=job_id)
    variants = CopyVariant.objects.for_workspace(workspace).order_by("position")
    return list(
        drafts.filter(pk__gt=after_id)
        .order_by("pk")
        .select_related("product")
        .prefetch_related(Prefetch("variants", queryset=variants))[:limit]
    )


def copy_run_units(
    *,
    workspace: Workspace,
    product_ids: list[int],
    copy_types: list[str],
    variants: int,
    skip_approved: bool,
) -> int:
    """Copy variants a run would write (each one unit of credit): products × kinds of copy ×
    variants, less the products the run will skip because their copy of that kind is already
    approved."""
    ids = set(product_ids)
    kinds = [code for code in dict.fromkeys(copy_types) if code in channels.SPECS]
    items = Product.objects.for_workspace(workspace).filter(pk__in=ids).count() * len(kinds)
    if skip_approved and items:
        items -= (
            ApprovedCopy.objects.for_workspace(workspace)
            .filter(product_id__in=ids, copy_type__in=kinds)
            .count()
        )
    return max(0, items) * max(0, variants)


def draft_counts_of_author(*, workspace: Workspace, author: User) -> dict[str, int]:
    """How many of this author's drafts are in each review state (every state present)."""
    return review_state_counts(CopyDraft.objects.for_workspace(workspace).filter(author=author))
