import csv

from django.conf import settings
from django.contrib import messages
from django.http import HttpResponse, QueryDict, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from apps.catalog import exporting, registry, selectors, services
from apps.catalog.forms import (
    BUILTIN_EXPORTS,
    ColumnMappingForm,
    ExportForm,
    ImportUploadForm,
    ProductFactsForm,
    ProductFilterForm,
)
from apps.catalog.models import ImportFormat
from apps.catalog.previews import import_preview
from apps.core.errors import ServiceError
from apps.core.views import act
from apps.jobs.selectors import job_progress
from apps.workspaces.access import WorkspaceRequest, workspace_view
from apps.workspaces.roles import Action


def _filter_form(request: WorkspaceRequest) -> ProductFilterForm:
    facets = selectors.product_facets(workspace=request.workspace)
    return ProductFilterForm(request.GET or None, facets=facets)


@workspace_view(Action.VIEW_CATALOG)
def product_list(request: WorkspaceRequest) -> HttpResponse:
    form = _filter_form(request)
    filters = form.filters()
    page = selectors.product_page(
        workspace=request.workspace, filters=filters, page=request.GET.get("page", 1)
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "may_import": request.actor.can(Action.IMPORT_CATALOG),
        "may_write_copy": request.actor.can(Action.WRITE_COPY),
        # One reverse() for the page instead of one per row.
        "product_url_prefix": reverse(
            "catalog_product_detail", kwargs={"slug": request.workspace.slug, "product_id": 0}
        )[:-2],
        "imports": selectors.import_batch_list(workspace=request.workspace, limit=3),
    }
    template = (
        "catalog/partials/product_table.html" if request.htmx else "catalog/product_list.html"
    )
    return render(request, template, context)


@workspace_view(Action.VIEW_CATALOG)
def product_detail(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    product = selectors.product_get(workspace=request.workspace, product_id=product_id)
    approved = {copy.copy_type: copy for copy in product.approved_copy.all()}
    context = {
        "product": product,
        "approved": approved,
        "may_write_copy": request.actor.can(Action.WRITE_COPY),
        "may_edit_facts": request.actor.can(Action.IMPORT_CATALOG),
        "stated_facts": selectors.stated_facts(product=product),
        "facts_form": ProductFactsForm.for_product(product),
    }
    return render(request, "catalog/product_detail.html", context)


@workspace_view(Action.IMPORT_CATALOG)
@require_POST
def product_facts(request: WorkspaceRequest, product_id: int) -> HttpResponse:
    """Correct what the description states (copy is written from and checked against it), or
    extract it again from the live description."""
    product = selectors.product_get(workspace=request.workspace, product_id=product_id)
    if request.POST.get("reset"):
        return act(
            request,
            lambda: services.product_facts_reset(actor=request.actor, product_id=product.pk),
            success="The facts were extracted again from the live description.",
            then="catalog_product_detail",
            product_id=product.pk,
        )
    form = ProductFactsForm(request.POST)
    form.is_valid()  # every field is optional free text
    return act(
        request,
        lambda: services.product_facts_update(
            actor=request.actor, product_id=product.pk, facts=form.facts()
        ),
        success="Facts saved: new copy is written from them and checked against them.",
        then="catalog_product_detail",
        product_id=product.pk,
    )


@workspace_view(Action.IMPORT_CATALOG)
@require_http_methods(["GET", "POST"])
def import_upload(request: WorkspaceRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.catalog_import_upload(
                actor=request.actor,
                upload=form.cleaned_data["file"],
                fmt=form.cleaned_data["format"],
            )
        except ServiceError as error:
            form.add_error("file" if error.field == "file" else None, error.message)
        else:
            return redirect("catalog_import_detail", slug=request.workspace.slug, batch_id=batch.pk)
    status = 400 if form.errors else 200
    context = {
        "form": form,
        "imports": selectors.import_batch_list(workspace=request.workspace),
        "max_mb": settings.CATALOG_IMPORT_MAX_BYTES // (1024 * 1024),
    }
    return render(request, "catalog/import_upload.html", context, status=status)


@workspace_view(Action.IMPORT_CATALOG)
@require_http_methods(["GET", "POST"])
def import_detail(request: WorkspaceRequest, batch_id: int) -> HttpResponse:
    batch = selectors.import_batch_get(workspace=request.workspace, batch_id=batch_id)
    context: dict = {"batch": batch}
    if batch.job_id is None:
        # Not started yet: the preview of what the file changes (and, for another CSV, the
        # column mapping); the person confirms.
        form = None
        mapping: dict[str, str] = {}
        if batch.format == ImportFormat.GENERIC:
            initial = batch.mapping or selectors.column_mapping_for(
                workspace=request.workspace, headers=batch.headers
            )
            data = request.POST if request.method == "POST" else (request.GET or None)
            form = ColumnMappingForm(data, headers=batch.headers, initial_mapping=initial)
            mapping = form.mapping() if form.is_bound and form.is_valid() else initial
        if request.method == "POST" and (form is None or form.is_valid()):
            try:
                services.catalog_import_confirm(
                    actor=request.actor,
                    batch_id=batch.pk,
                    mapping=mapping,
                )
            except ServiceError as error:
                if form is None:
                    messages.error(request, error.message)
                else:
                    field = error.field if error.field in form.fields else None
                    form.add_error(field, error.message)
            else:
                batch.refresh_from_db()
                messages.success(
                    request, f"Importing {batch.product_count} products from {batch.original_name}."
                )
                return redirect(
                    "catalog_import_detail", slug=request.workspace.slug, batch_id=batch.pk
                )
        context.update(form=form, preview=import_preview(batch=batch, mapping=mapping))
        if request.htmx:
            return render(request, "catalog/partials/import_preview.html", context)
    elif batch.job is not None:
        errors = selectors.import_row_errors(workspace=request.workspace, batch=batch)
        context.update(
            job=batch.job,
            progress=job_progress(job=batch.job),
            errors=errors[:200],
            error_count=errors.count(),
        )
    return render(request, "catalog/import_detail.html", context)


def selected_product_ids(request: WorkspaceRequest) -> list[int]:
    """The products ticked on the list, or every product matching its filters."""
    if request.POST.get("all_matching"):
        facets = selectors.product_facets(workspace=request.workspace)
        form = ProductFilterForm(QueryDict(request.POST.get("filter_query", "")), facets=facets)
        return selectors.product_ids_matching(workspace=request.workspace, filters=form.filters())
    return [int(v) for v in request.POST.getlist("product") if v.isdigit()]


class _Echo:
    def write(self, value: str) -> str:
        return value


@workspace_view(Action.IMPORT_CATALOG)
def import_errors_csv(request: WorkspaceRequest, batch_id: int) -> StreamingHttpResponse:
    batch = selectors.import_batch_get(workspace=request.workspace, batch_id=batch_id)
    errors = selectors.import_row_errors(workspace=request.workspace, batch=batch)
    writer = csv.writer(_Echo(), lineterminator="\r\n")
    lines = (
        writer.writerow([exporting.neutralise(v) for v in (e.row_number, e.column, e.message)])
        for e in errors.iterator()
    )
    header = writer.writerow(["row", "column", "problem"])
    response = StreamingHttpResponse(
        (line for chunk in ([header], lines) for line in chunk), content_type="text/csv"
    )
    name = batch.original_name.rsplit(".", 1)[0]
    response["Content-Disposition"] = f'attachment; filename="{name}-errors.csv"'
    return response


@workspace_view(Action.IMPORT_CATALOG)
@require_http_methods(["GET", "POST"])
def export_csv(request: WorkspaceRequest) -> StreamingHttpResponse | HttpResponse:
    """The whole catalog (GET) or the products ticked on the list (POST)."""
    kind = request.POST.get("format") or request.GET.get("format", "shopify")
    product_ids = None
    if request.method == "POST":
        product_ids = selected_product_ids(request)
        if not product_ids:
            messages.error(request, "Tick the products to export first.")
            return redirect("catalog_product_list", slug=request.workspace.slug)
    kind = "generic" if kind == "generic" else "shopify"
    return _download(request, _builtin_lines(request, kind, product_ids), kind, "csv")


def _builtin_lines(request: WorkspaceRequest, kind: str, product_ids: list[int] | None):
    products = selectors.products_for_export(
        workspace=request.workspace, product_ids=product_ids
    ).iterator(chunk_size=500)
    if kind == "generic":
        return exporting.generic_csv(products)
    headers = exporting.shopify_headers(
        selectors.shopify_export_headers(workspace=request.workspace)
    )
    return exporting.shopify_csv(products, headers)


def _download(
    request: WorkspaceRequest,
    lines,
    kind: str,
    extension: str,
    content_type: str = "text/csv; charset=utf-8",
) -> StreamingHttpResponse:
    response = StreamingHttpResponse(lines, content_type=content_type)
    stamp = timezone.now().strftime("%Y%m%d-%H%M")
    response["Content-Disposition"] = (
        f'attachment; filename="{request.workspace.slug}-{kind}-{stamp}.{extension}"'
    )
    return response


PREVIEW_MAX_CHARS = 200_000
PREVIEW_FIELDS = ("html", "field_text", "body_html")


@workspace_view(Action.VIEW_CATALOG)
@require_POST
def description_preview(request: WorkspaceRequest) -> HttpResponse:
    """A product description as it will look, beside its editor (htmx): the HTML cleaned on
    the server by nh3 (the ``sanitized_html`` filter), so scripts, handlers and styles never
    reach the page."""
    html = next((request.POST[name] for name in PREVIEW_FIELDS if name in request.POST), "")
    context = {"html": html[:PREVIEW_MAX_CHARS]}
    return render(request, "catalog/partials/description_preview.html", context)


# --- the export page: every format, the catalog's own and those other apps registered --------

SKIPPED_SHOWN = 100


def _export_form(request: WorkspaceRequest) -> tuple[ExportForm, registry.ExportFormat | None]:
    formats = registry.export_formats()
    form = ExportForm(
        request.GET if "format" in request.GET else None,
        facets=selectors.product_facets(workspace=request.workspace),
        formats=[(f.code, f.label) for f in formats],
        initial={"format": BUILTIN_EXPORTS[0][0]},
    )
    code = request.GET.get("format", "")
    return form, registry.export_format_get(code)


def _draft_options(chosen: registry.ExportFormat, data: QueryDict) -> dict[str, str]:
    """The options as typed so far (or the fields' initial values): enough to count what the
    file will hold before the form is complete."""
    assert chosen.options_form is not None
    form = chosen.options_form(prefix="opt")
    return {
        name: data.get(f"opt-{name}", "") or str(field.initial or "")
        for name, field in form.fields.items()
    }


def _export_product_ids(request: WorkspaceRequest, form: ExportForm) -> list[int]:
    return selectors.export_product_ids(
        workspace=request.workspace,
        filters=form.filters(),
        approved_only=form.cleaned_data.get("approved_only", False),
    )


def _build(
    request: WorkspaceRequest, chosen: registry.ExportFormat, ids: list[int], options: dict
) -> registry.ExportFile:
    products = list(selectors.products_for_export(workspace=request.workspace, product_ids=ids))
    return chosen.build(workspace=request.workspace, products=products, options=options)


def _export_page(
    request: WorkspaceRequest,
    form: ExportForm,
    chosen: registry.ExportFormat | None,
    options_form=None,
    status: int = 200,
) -> HttpResponse:
    """The page, with what the chosen file will hold: products written, products skipped
    (and why), notes on rows with a gap."""
    summary: dict = {}
    if form.is_valid():
        ids = _export_product_ids(request, form)
        summary["products"] = len(ids)
        if chosen is not None:
            draft = _draft_options(chosen, request.GET) if chosen.options_form else {}
            built = _build(request, chosen, ids, draft)
            summary.update(
                exported=built.exported,
                rows=len(built.rows),
                skipped=built.skipped[:SKIPPED_SHOWN],
                skipped_count=len(built.skipped),
                notes=built.notes[:SKIPPED_SHOWN],
                note_count=len(built.notes),
            )
    if chosen is not None and chosen.options_form is not None and options_form is None:
        # Unbound, with what was typed so far: no "required" errors before a download.
        options_form = chosen.options_form(
            prefix="opt", initial=_draft_options(chosen, request.GET)
        )
    context = {
        "form": form,
        "chosen": chosen,
        "options_form": options_form,
        "summary": summary,
        "formats": registry.export_formats(),
        "builtins": BUILTIN_EXPORTS,
    }
    template = "catalog/partials/export_form.html" if request.htmx else "catalog/exports.html"
    return render(request, template, context, status=status)


@workspace_view(Action.IMPORT_CATALOG)
def export_page(request: WorkspaceRequest) -> HttpResponse:
    form, chosen = _export_form(request)
    return _export_page(request, form, chosen)


@workspace_view(Action.IMPORT_CATALOG)
def export_download(request: WorkspaceRequest) -> HttpResponse | StreamingHttpResponse:
    form, chosen = _export_form(request)
    options_form = None
    if chosen is not None and chosen.options_form is not None:
        options_form = chosen.options_form(request.GET, prefix="opt")
    if not form.is_bound or not form.is_valid():
        return _export_page(request, form, chosen, status=400)
    if options_form is not None and not options_form.is_valid():
        return _export_page(request, form, chosen, options_form, status=400)
    ids = _export_product_ids(request, form)
    code = form.cleaned_data["format"]
    if chosen is None:  # the catalog's own Shopify or generic CSV
        return _download(request, _builtin_lines(request, code, ids), code, "csv")
    options = options_form.cleaned_data if options_form is not None else {}
    built = _build(request, chosen, ids, options)
    if not built.rows:
        messages.error(
            request,
            f"Nothing to export: none of these {len(ids)} products has approved copy for "
            f"the {chosen.label}.",
        )
        return _export_page(request, form, chosen, options_form, status=400)
    return _download(request, built.lines(), chosen.code, chosen.extension, chosen.content_type)
