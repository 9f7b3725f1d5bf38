"""Brand profile pages (brand managers, owners, admins). Thin: forms in, one service or
selector call, render."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_POST

from apps.brand import selectors, services
from apps.brand.forms import (
    PasteForm,
    ProfileCreateForm,
    StyleGuideForm,
    UploadForm,
    UploadMappingForm,
)
from apps.brand.models import UploadStatus
from apps.core.errors import ServiceError
from apps.jobs.selectors import job_progress
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action, role_can


def _to_profile(request: HttpRequest, profile_id: int) -> HttpResponse:
    return redirect("brand_profile_detail", slug=request.workspace.slug, profile_id=profile_id)


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def profile_list(request: WorkspaceRequest) -> HttpResponse:
    form = ProfileCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            profile = services.profile_create(
                workspace=request.workspace,
                actor=request.user,
                name=form.cleaned_data["name"],
                description=form.cleaned_data["description"],
            )
        except ServiceError as error:
            form.add_error("name" if error.field == "name" else None, error.message)
        else:
            messages.success(request, f"Brand profile “{profile.name}” created: add its material.")
            return _to_profile(request, profile.pk)
    context = {"profiles": selectors.profile_list(workspace=request.workspace), "form": form}
    return render(request, "brand/profile_list.html", context, status=400 if form.errors else 200)


def _detail_context(request: HttpRequest, profile, style_form=None) -> dict:
    workspace = request.workspace
    versions = selectors.version_list(workspace=workspace, profile=profile)
    training = next((v for v in versions if v.status == "training"), None)
    active = next((v for v in versions if v.pk == profile.active_version_id), None)
    context = {
        "profile": profile,
        "style_form": style_form or StyleGuideForm.for_profile(profile),
        "paste_form": PasteForm(),
        "upload_form": UploadForm(),
        "versions": versions,
        "active": active,
        "training": training,
        "material": selectors.material_summary(workspace=workspace, profile=profile),
        "recent_material": selectors.material_recent(workspace=workspace, profile=profile),
        "uploads": selectors.upload_list(workspace=workspace, profile=profile),
        "trend": selectors.score_trend(versions),
        "fine_tunes": selectors.fine_tune_list(workspace=workspace, profile=profile),
        "min_texts": services.training.MIN_TEXTS,
        "may_route": role_can(request.membership.role, Action.MANAGE_MODELS),
    }
    context["texts_needed"] = max(0, services.training.MIN_TEXTS - context["material"].total)
    if training is not None and training.job is not None:
        context["job"] = training.job
        context["progress"] = job_progress(job=training.job)
    return context


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def profile_detail(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    form = StyleGuideForm.for_profile(profile, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.profile_update_style(
                workspace=request.workspace,
                actor=request.user,
                profile_id=profile.pk,
                tone_words=data["tone_words"],
                banned=data["banned"],
                preferred_terms=data["preferred_terms"],
                own_names=data["own_names"],
                person=data["person"],
                reading_grade_target=data["reading_grade_target"],
                emoji_policy=data["emoji_policy"],
                exclamation_policy=data["exclamation_policy"],
                use_workspace_copy=data["use_workspace_copy"],
                auto_train_min_new=data["auto_train_min_new"],
            )
        except ServiceError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, "Style guide saved.")
            return _to_profile(request, profile.pk)
    status = 400 if form.errors else 200
    return render(
        request, "brand/profile_detail.html", _detail_context(request, profile, form), status=status
    )


def _act(request: HttpRequest, profile_id: int, action, done: str) -> HttpResponse:
    try:
        action()
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, done)
    return _to_profile(request, profile_id)


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def profile_train(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    return _act(
        request,
        profile.pk,
        lambda: services.profile_train(
            workspace=request.workspace, actor=request.user, profile_id=profile.pk
        ),
        "Training started: the new version becomes active when it is ready.",
    )


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def version_activate(request: WorkspaceRequest, version_id: int) -> HttpResponse:
    version = selectors.version_get(workspace=request.workspace, version_id=version_id)
    return _act(
        request,
        version.profile_id,
        lambda: services.version_activate(
            workspace=request.workspace, actor=request.user, version_id=version.pk
        ),
        f"Version {version.number} is now active.",
    )


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def profile_default(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    """Mark (or unmark) the profile as the voice the copy studio applies by default."""
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    make_default = request.POST.get("default") == "1"
    message = (
        f"“{profile.name}” is now the workspace's default voice: new copy runs use it unless "
        "the copywriter chooses otherwise."
        if make_default
        else f"“{profile.name}” is no longer the default voice: runs use no profile unless one "
        "is chosen."
    )
    return _act(
        request,
        profile.pk,
        lambda: services.profile_set_default(
            workspace=request.workspace,
            actor=request.user,
            profile_id=profile.pk,
            is_default=make_default,
        ),
        message,
    )


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def material_paste(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    form = PasteForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Paste some copy first: the box is empty.")
        return _to_profile(request, profile.pk)
    try:
        added = services.material_paste(
            workspace=request.workspace,
            actor=request.user,
            profile_id=profile.pk,
            content=form.cleaned_data["content"],
            split=form.cleaned_data["split"],
        )
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, f"{added} new text{'s' if added != 1 else ''} added.")
    return _to_profile(request, profile.pk)


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def material_upload(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            record = services.material_upload(
                workspace=request.workspace,
                actor=request.user,
                profile_id=profile.pk,
                upload=form.cleaned_data["file"],
            )
        except ServiceError as error:
            form.add_error("file", error.message)
        else:
            return redirect("brand_upload_detail", slug=request.workspace.slug, upload_id=record.pk)
    return render(
        request,
        "brand/material_upload.html",
        {"profile": profile, "form": form},
        status=400 if form.errors else 200,
    )


@workspace_view(Action.MANAGE_BRAND)
@require_http_methods(["GET", "POST"])
def upload_detail(request: WorkspaceRequest, upload_id: int) -> HttpResponse:
    record = selectors.upload_get(workspace=request.workspace, upload_id=upload_id)
    context: dict = {"upload": record, "profile": record.profile}
    if record.status == UploadStatus.MAPPING:
        data = request.POST if request.method == "POST" else (request.GET or None)
        form = UploadMappingForm(data, headers=record.headers, initial_mapping=record.mapping)
        mapping = form.cleaned_data if form.is_bound and form.is_valid() else record.mapping
        if request.method == "POST" and form.is_valid():
            try:
                record = services.material_upload_confirm(
                    workspace=request.workspace,
                    actor=request.user,
                    upload_id=record.pk,
                    text_column=mapping["text"],
                    title_column=mapping.get("title", ""),
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    f"{record.imported} text{'s' if record.imported != 1 else ''} imported from "
                    f"{record.original_name}.",
                )
                return redirect(
                    "brand_upload_detail", slug=request.workspace.slug, upload_id=record.pk
                )
        context.update(form=form, preview=services.upload_preview(record, mapping or {}))
        status = 400 if form.errors else 200
        return render(request, "brand/upload_detail.html", context, status=status)
    return render(request, "brand/upload_detail.html", context)


@workspace_view(Action.MANAGE_BRAND)
@require_POST
def fine_tune_start(request: WorkspaceRequest, profile_id: int) -> HttpResponse:
    profile = selectors.profile_get(workspace=request.workspace, profile_id=profile_id)
    return _act(
        request,
        profile.pk,
        lambda: services.fine_tune_start(
            workspace=request.workspace, actor=request.user, profile_id=profile.pk
        ),
        "Fine-tuning queued: the approved copy is uploaded and the job started.",
    )


# Changing a model route is the Models page's permission (owners, admins), not the brand's.
@workspace_view(Action.MANAGE_MODELS)
@require_POST
def fine_tune_route(request: WorkspaceRequest, run_id: int) -> HttpResponse:
    run = selectors.fine_tune_get(workspace=request.workspace, run_id=run_id)
    return _act(
        request,
        run.profile_id,
        lambda: services.fine_tune_route(actor=request.actor, run_id=run.pk),
        "Copy generation now uses the fine-tuned model (the previous models stay as fallbacks).",
    )
