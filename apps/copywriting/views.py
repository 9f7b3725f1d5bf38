from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from apps.billing.plans import WorkKind
from apps.billing.selectors import credit_estimate
from apps.brand.selectors import profile_default, profile_list
from apps.catalog.forms import ProductFilterForm
from apps.catalog.selectors import product_facets, product_ids_matching
from apps.copywriting import channels, selectors, services
from apps.copywriting.forms import (
    BriefForm,
    CopySettingsForm,
    DecisionForm,
    FeedbackForm,
    QueueFilterForm,
)
from apps.copywriting.models import CopyDraft
from apps.core.errors import ServiceError
from apps.core.views import act
from apps.jobs.selectors import job_progress
from apps.reviews.lifecycle import ReviewDecision, ReviewState, decisions_available
from apps.reviews.services import review_decide_many
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action, role_can


def _selected_product_ids(request: WorkspaceRequest) -> list[int]:
    """Products chosen on the catalog list (ticked, or all matching its filters), the product
    page (one), or "the whole catalog"."""
    data = request.POST if request.method == "POST" else request.GET
    if data.get("scope") == "all":
        return selectors.all_product_ids(workspace=request.workspace)
    if data.get("all_matching"):
        facets = product_facets(workspace=request.workspace)
        form = ProductFilterForm(QueryDict(data.get("filter_query", "")), facets=facets)
        return product_ids_matching(workspace=request.workspace, filters=form.filters())
    return [int(v) for v in data.getlist("product") if str(v).isdigit()]


@workspace_view(Action.WRITE_COPY)
def studio(request: WorkspaceRequest) -> HttpResponse:
    context = {
        "runs": selectors.copy_runs(workspace=request.workspace),
        "returned": selectors.drafts_returned_to(workspace=request.workspace, author=request.user),
        "drafts": selectors.drafts_of_author(
            workspace=request.workspace, author=request.user, states=(ReviewState.DRAFT,)
        ),
        "in_review": selectors.drafts_of_author(
            workspace=request.workspace, author=request.user, states=(ReviewState.IN_REVIEW,)
        ),
        "product_count": selectors.product_count(workspace=request.workspace),
        "may_configure": request.actor.can(Action.MANAGE_BRAND),
    }
    return render(request, "copywriting/studio.html", context)


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def copy_settings(request: WorkspaceRequest) -> HttpResponse:
    """The workspace's copy settings: description length, Amazon bullet length, tone."""
    current = selectors.copy_settings_for(workspace=request.workspace)
    initial = {
        "description_target_words": current.description_target_words,
        "amazon_bullet_max_chars": current.amazon_bullet_max_chars,
        "default_tone": current.default_tone,
    }
    form = CopySettingsForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.copy_settings_update(actor=request.actor, **form.cleaned_data)
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Copy settings saved.")
            return redirect("copy_settings", slug=request.workspace.slug)
    status = 400 if form.errors else 200
    return render(request, "copywriting/settings.html", {"form": form}, status=status)


@workspace_view(Action.WRITE_COPY)
@require_http_methods(["GET", "POST"])
def run_new(request: WorkspaceRequest) -> HttpResponse:
    """Step 2 of a run: the brief for the products chosen in the catalog (or all of them)."""
    product_ids = _selected_product_ids(request)
    confirming = request.method == "POST" and "copy_types" in request.POST
    default_profile = profile_default(workspace=request.workspace)
    form = BriefForm(
        request.POST if confirming else None,
        profiles=profile_list(workspace=request.workspace),
        default_profile=default_profile,
    )
    if confirming and form.is_valid():
        try:
            job = services.copy_generation_start(
                actor=request.actor,
                product_ids=product_ids,
                brief=form.brief(),
            )
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, f"Writing copy: {job.label}.")
            return redirect("copy_run_detail", slug=request.workspace.slug, job_id=job.pk)
    products = selectors.products_named(workspace=request.workspace, product_ids=product_ids)
    context = {
        "form": form,
        "products": products[:50],
        "product_ids": [p.pk for p in products],
        "product_total": len(products),
        "specs": channels.SPECS,
        "estimate": _run_estimate(request, product_ids, request.POST if confirming else None),
    }
    return render(request, "copywriting/run_new.html", context, status=400 if form.errors else 200)


def _run_estimate(request: WorkspaceRequest, product_ids: list[int], data: QueryDict | None):
    """The credits the brief as it stands would use (the form's first values before it is
    sent): read loosely, since the form may be half filled."""
    if data is None:
        copy_types = list(BriefForm.base_fields["copy_types"].initial)
        variants, skip_approved = BriefForm.base_fields["variants"].initial, True
    else:
        copy_types = data.getlist("copy_types")
        raw = data.get("variants", "")
        most = BriefForm.base_fields["variants"].max_value  # type: ignore[attr-defined]
        variants = min(int(raw), most) if raw.isdigit() else 0
        skip_approved = bool(data.get("skip_approved"))
    units = selectors.copy_run_units(
        workspace=request.workspace,
        product_ids=product_ids,
        copy_types=copy_types,
        variants=variants,
        skip_approved=skip_approved,
    )
    return credit_estimate(workspace=request.workspace, kind=WorkKind.COPY_VARIANT, units=units)


@workspace_view(Action.WRITE_COPY)
@require_POST
def run_cost(request: WorkspaceRequest) -> HttpResponse:
    """The brief form's cost line, again after each change (htmx). A POST because the form
    carries the chosen products' ids, thousands of them for "the whole catalog"."""
    estimate = _run_estimate(request, _selected_product_ids(request), request.POST)
    context = {"estimate": estimate, "unit_label": "copy variant"}
    return render(request, "partials/credit_estimate.html", context)


@workspace_view(Action.WRITE_COPY)
def run_detail(request: WorkspaceRequest, job_id: int) -> HttpResponse:
    job = selectors.copy_run_get(workspace=request.workspace, job_id=job_id)
    if job.kind != selectors.GENERATE_JOB_KIND:  # another kind of job: its own page
        return redirect("job_detail", slug=request.workspace.slug, job_id=job.pk)
    context = {
        "job": job,
        "progress": job_progress(job=job),
        "drafts": selectors.copy_drafts_of_run(workspace=request.workspace, job=job),
    }
    return render(request, "copywriting/run_detail.html", context)


def _draft_context(request: WorkspaceRequest, draft: CopyDraft) -> dict:
    role = request.actor.role
    variants = selectors.variant_views(workspace=request.workspace, draft=draft)
    chosen = next((v.variant for v in variants if v.chosen), None)
    return {
        "draft": draft,
        "chosen_claims": chosen.claims if chosen is not None else [],
        "spec": selectors.spec_for_workspace(workspace=request.workspace, code=draft.copy_type),
        "variants": variants,
        "history": selectors.draft_history(workspace=request.workspace, draft=draft),
        "versions": selectors.copy_versions(workspace=request.workspace, draft=draft),
        "editable": draft.review_state in (ReviewState.DRAFT, ReviewState.CHANGES_REQUESTED)
        and role_can(role, Action.WRITE_COPY),
        "decisions": [
            t
            for t in decisions_available(
                state=draft.review_state, role=role, author_action=Action.WRITE_COPY
            )
            if t.side == "author"
        ],
    }


@workspace_view(Action.VIEW_CATALOG)
def draft_detail(request: WorkspaceRequest, draft_id: int) -> HttpResponse:
    draft = selectors.copy_draft_get(workspace=request.workspace, draft_id=draft_id)
    return render(request, "copywriting/draft_detail.html", _draft_context(request, draft))


def _variant_field_data(request: HttpRequest, spec: channels.CopySpec) -> dict:
    return {f.name: request.POST.get(f"field_{f.name}", "") for f in spec.fields}


@workspace_view(Action.WRITE_COPY)
@require_POST
def variant_autosave(request: WorkspaceRequest, variant_id: int) -> HttpResponse:
    variant = selectors.copy_variant_get(workspace=request.workspace, variant_id=variant_id)
    spec = selectors.spec_for_workspace(workspace=request.workspace, code=variant.draft.copy_type)
    status = 200
    try:
        variant = services.copy_variant_edit(
            actor=request.actor,
            variant_id=variant.pk,
            data=_variant_field_data(request, spec),
        )
        saved = True
    except ServiceError as error:
        messages.error(request, error.message)
        saved, status = False, 400
    view = selectors.variant_view(
        spec=spec, variant=variant, chosen=variant.draft.chosen_variant_id == variant.pk
    )
    return render(
        request,
        "copywriting/partials/variant_checks.html",
        {"v": view, "saved": saved},
        status=status,
    )


@workspace_view(Action.WRITE_COPY)
@require_POST
def variant_regenerate(request: WorkspaceRequest, variant_id: int) -> HttpResponse:
    variant = selectors.copy_variant_get(workspace=request.workspace, variant_id=variant_id)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what should change (for example “shorter”).")
        return redirect("copy_draft_detail", slug=request.workspace.slug, draft_id=variant.draft_id)
    return act(
        request,
        lambda: services.copy_variant_regenerate(
            actor=request.actor, variant_id=variant.pk, feedback=form.cleaned_data["feedback"]
        ),
        success=f"Variant {variant.position} was rewritten.",
        then="copy_draft_detail",
        draft_id=variant.draft_id,
    )


@workspace_view(Action.WRITE_COPY)
@require_POST
def variant_choose(request: WorkspaceRequest, variant_id: int) -> HttpResponse:
    variant = selectors.copy_variant_get(workspace=request.workspace, variant_id=variant_id)
    return act(
        request,
        lambda: services.copy_variant_choose(actor=request.actor, variant_id=variant.pk),
        success=f"Variant {variant.position} is the one to submit.",
        then="copy_draft_detail",
        draft_id=variant.draft_id,
    )


@workspace_view(Action.VIEW_CATALOG)
@require_POST
def draft_decide(request: WorkspaceRequest, draft_id: int) -> HttpResponse:
    """Every move through the review lifecycle; the service checks the role for each."""
    draft = selectors.copy_draft_get(workspace=request.workspace, draft_id=draft_id)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "That is not a decision this page offers.")
        return redirect("copy_draft_detail", slug=request.workspace.slug, draft_id=draft.pk)
    decision = form.cleaned_data["decision"]
    try:
        services.copy_review_decide(
            actor=request.actor,
            draft_id=draft.pk,
            decision=decision,
            comment=form.cleaned_data["comment"],
            override_claims=form.cleaned_data["override_claims"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
        if request.POST.get("from_review"):
            return redirect("review_item", slug=request.workspace.slug, draft_id=draft.pk)
        return redirect("copy_draft_detail", slug=request.workspace.slug, draft_id=draft.pk)
    messages.success(
        request,
        f"{draft.get_copy_type_display()} for {draft.product.title}: "
        f"{ReviewDecision(decision).label.lower()}.",
    )
    if request.POST.get("from_review"):
        following = selectors.review_queue_next(workspace=request.workspace, after=draft)
        if following is not None:
            return redirect("review_item", slug=request.workspace.slug, draft_id=following.pk)
        return redirect("review_queue", slug=request.workspace.slug)
    return redirect("copy_draft_detail", slug=request.workspace.slug, draft_id=draft.pk)


# --- review ------------------------------------------------------------------------------------


def _queue_form(request: WorkspaceRequest) -> QueueFilterForm:
    authors = selectors.review_authors(workspace=request.workspace)
    return QueueFilterForm(request.GET or None, authors=authors)


@workspace_view(Action.REVIEW)
def review_queue(request: WorkspaceRequest) -> HttpResponse:
    form = _queue_form(request)
    filters = selectors.QueueFilters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = selectors.QueueFilters(
            copy_type=data["copy_type"],
            q=data["q"].strip(),
            author_id=data["author"],
            older_than_days=data["older_than_days"],
        )
    page = selectors.review_queue_page(
        workspace=request.workspace, filters=filters, page=request.GET.get("page", 1)
    )
    return render(request, "copywriting/review_queue.html", {"form": form, "page": page})


@workspace_view(Action.REVIEW)
def review_item(request: WorkspaceRequest, draft_id: int) -> HttpResponse:
    draft = selectors.copy_draft_get(workspace=request.workspace, draft_id=draft_id)
    spec = selectors.spec_for_workspace(workspace=request.workspace, code=draft.copy_type)
    live = selectors.live_copy(workspace=request.workspace, draft=draft)
    chosen = draft.chosen_variant
    proposed = channels.render(spec, chosen.data) if chosen else ""
    following = selectors.review_queue_next(workspace=request.workspace, after=draft)
    context = {
        "draft": draft,
        "spec": spec,
        "live": live,
        "proposed": proposed,
        "diff": selectors.word_diff(live, proposed),
        "chosen": selectors.variant_view(spec=spec, variant=chosen, chosen=True)
        if chosen
        else None,
        "history": selectors.draft_history(workspace=request.workspace, draft=draft),
        "next": following,
        "decisions": [
            t
            for t in decisions_available(
                state=draft.review_state,
                role=request.actor.role,
                author_action=Action.WRITE_COPY,
            )
            if t.side == "reviewer"
        ],
    }
    return render(request, "copywriting/review_item.html", context)


@workspace_view(Action.REVIEW)
@require_POST
def review_edit(request: WorkspaceRequest, draft_id: int) -> HttpResponse:
    """The reviewer's own edit of the chosen variant, kept as a version, before approving."""
    draft = selectors.copy_draft_get(workspace=request.workspace, draft_id=draft_id)
    if draft.chosen_variant_id is None:
        raise PermissionDenied("Nothing to edit.")
    spec = selectors.spec_for_workspace(workspace=request.workspace, code=draft.copy_type)
    chosen_id = draft.chosen_variant_id
    return act(
        request,
        lambda: services.copy_variant_edit(
            actor=request.actor,
            variant_id=chosen_id,
            data=_variant_field_data(request, spec),
            reviewer_edit=True,
        ),
        success="Your edit is saved (and kept as a version).",
        then="review_item",
        draft_id=draft.pk,
    )


@workspace_view(Action.REVIEW)
@require_POST
def review_bulk_approve(request: WorkspaceRequest) -> HttpResponse:
    ids = [int(v) for v in request.POST.getlist("draft") if v.isdigit()]
    try:
        outcome = review_decide_many(
            actor=request.actor, kind="copy", ids=ids, decision=ReviewDecision.APPROVE
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        if outcome.done:
            messages.success(
                request, f"Approved {outcome.done} draft{'s' if outcome.done != 1 else ''}."
            )
        for problem in outcome.problems[:5]:
            messages.error(request, problem)
        if outcome.refused > 5:
            messages.error(request, f"… and {outcome.refused - 5} more could not be approved.")
    return redirect(reverse("review_queue", kwargs={"slug": request.workspace.slug}))
