"""Site administrators keep the model registry and its prices here (never fetched at run time).

Prices are versioned: a change is a new price row with the date it takes effect; existing rows
are read-only, so the cost of every past usage row can still be explained.
"""

from typing import Any

from django.contrib import admin
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest

from apps.gateway.models import (
    ModelEntry,
    ModelPrice,
    ProviderCredential,
    Route,
    RouteEntry,
    UsageRecord,
)
from apps.gateway.selectors import route_cache_clear
from apps.workspaces.admin import AllWorkspacesMixin, TenantAdmin

PRICE_FIELDS = (
    "effective_from",
    "currency",
    "input_per_million",
    "output_per_million",
    "cached_input_per_million",
    "image_prices",
    "note",
)


class ModelPriceInline(admin.StackedInline):
    """Past versions read-only; one empty form adds the next version."""

    model = ModelPrice
    extra = 1
    fields = PRICE_FIELDS
    ordering = ["-effective_from", "-id"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # a price change is a new version, so past costs stay explainable

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(ModelEntry)
class ModelEntryAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "provider",
        "label",
        "owner_workspace",
        "capability_list",
        "current_price",
        "active",
    ]
    list_filter = ["provider", "active"]
    raw_id_fields = ["owner_workspace"]
    search_fields = ["name", "label"]
    inlines = [ModelPriceInline]

    @admin.display(description="capabilities")
    def capability_list(self, obj: ModelEntry) -> str:
        return ", ".join(obj.capabilities or [])

    @admin.display(description="price in force")
    def current_price(self, obj: ModelEntry) -> str:
        price = obj.prices.order_by("-effective_from", "-id").first()
        if price is None:
            return "unpriced"
        if price.input_per_million is not None:
            return f"{price.input_per_million} / {price.output_per_million} per 1M"
        return "per image" if price.image_prices else "unpriced"

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            if isinstance(instance, ModelPrice) and instance.created_by_id is None:
                instance.created_by_id = request.user.pk  # the admin is signed in
            instance.save()
        formset.save_m2m()


class RouteEntryInline(AllWorkspacesMixin, admin.TabularInline):
    model = RouteEntry
    extra = 0
    fields = ["position", "model", "force_error"]
    raw_id_fields = ["model"]


@admin.register(Route)
class RouteAdmin(TenantAdmin):
    list_display = ["workspace", "task", "updated_at"]
    list_filter = ["task"]
    raw_id_fields = ["workspace", "updated_by"]
    inlines = [RouteEntryInline]

    def save_formset(
        self, request: HttpRequest, form: ModelForm, formset: BaseInlineFormSet, change: bool
    ) -> None:
        instances = formset.save(commit=False)
        for instance in instances:
            instance.workspace_id = form.instance.workspace_id
            instance.save()
        for obj in formset.deleted_objects:
            obj.delete()
        # Running workers see the edited route (a forced error, say) on their next call.
        route_cache_clear(workspace_id=form.instance.workspace_id, task=form.instance.task)


@admin.register(ProviderCredential)
class ProviderCredentialAdmin(TenantAdmin):
    """Keys are write-only everywhere: the admin shows the masked form and nothing else."""

    list_display = ["workspace", "provider", "masked_key", "base_url", "updated_at"]
    fields = ["workspace", "provider", "masked_key", "base_url", "updated_at"]
    readonly_fields = ["workspace", "provider", "masked_key", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(UsageRecord)
class UsageRecordAdmin(TenantAdmin):
    list_display = [
        "created_at",
        "workspace",
        "task",
        "provider",
        "model_name",
        "outcome",
        "error_class",
        "cached",
        "cost",
        "latency_ms",
    ]
    list_filter = ["outcome", "error_class", "cached", "task", "provider"]
    search_fields = ["model_name", "workspace__name", "call_id"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
