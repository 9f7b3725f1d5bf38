"""The gateway's records: the model registry and its prices (site-wide), routes and provider
credentials (per workspace), and one usage row per attempt (per workspace)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.db import models
from django.utils import timezone

from apps.core.tenancy import TenantModel
from apps.gateway.errors import ErrorClass
from apps.gateway.providers import CONFIGURABLE_PROVIDERS, ProviderName
from apps.gateway.types import Capability, TaskKind

if TYPE_CHECKING:
    from apps.workspaces.models import Workspace

MASK = "••••"


# --- Registry (site-wide, edited by site administrators in the Django admin) --------------------


class ModelEntry(models.Model):
    """A model a route may name. Site-wide: the same registry serves every workspace, except
    models that belong to one workspace (its fine-tuned models, reachable only with its key):
    those are listed and routable in that workspace only."""

    provider = models.CharField(max_length=20, choices=ProviderName.choices)
    owner_workspace = models.ForeignKey(
        "workspaces.Workspace",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text="Set for a workspace's own model (fine-tuned): only that workspace sees it.",
    )
    name = models.CharField(max_length=120, help_text="The provider's model id, e.g. gpt-4o-mini.")
    label = models.CharField(max_length=120, blank=True)
    capabilities = models.JSONField(
        default=list,
        blank=True,
        help_text="Any of: " + ", ".join(Capability.values),
    )
    context_window = models.PositiveIntegerField(null=True, blank=True)
    max_concurrency = models.PositiveIntegerField(
        null=True, blank=True, help_text="Calls in flight at once, all workers together."
    )
    requests_per_minute = models.PositiveIntegerField(null=True, blank=True)
    active = models.BooleanField(default=True, help_text="Inactive models cannot be routed to.")
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider", "name"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "name"],
                condition=models.Q(owner_workspace__isnull=True),
                name="gateway_model_unique_name",
            ),
            models.UniqueConstraint(
                fields=["owner_workspace", "provider", "name"],
                condition=models.Q(owner_workspace__isnull=False),
                name="gateway_model_unique_name_per_owner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} · {self.label or self.name}"

    @property
    def display_name(self) -> str:
        return self.label or self.name

    def can(self, capability: str) -> bool:
        return capability in (self.capabilities or [])

    def usable_by(self, workspace_id: int | None) -> bool:
        return self.owner_workspace_id is None or self.owner_workspace_id == workspace_id


def models_visible_to(workspace: Workspace | int) -> models.Q:
    """Registry rows a workspace may see and route to: site-wide ones and its own."""
    return models.Q(owner_workspace__isnull=True) | models.Q(owner_workspace=workspace)


class ModelPrice(models.Model):
    """One version of a model's price. Rows are only ever added: the newest row whose
    ``effective_from`` has passed is the price in force, and each usage row points at the
    version it was charged with. A price left empty means "unpriced", never "free"."""

    model = models.ForeignKey(ModelEntry, on_delete=models.PROTECT, related_name="prices")
    effective_from = models.DateTimeField(default=timezone.now)
    currency = models.CharField(max_length=3, default="USD")
    input_per_million = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="Per 1M input tokens."
    )
    output_per_million = models.DecimalField(
        max_digits=12, decimal_places=6, null=True, blank=True, help_text="Per 1M output tokens."
    )
    cached_input_per_million = models.DecimalField(
        max_digits=12,
        decimal_places=6,
        null=True,
        blank=True,
        help_text="Per 1M cached input tokens; empty means the input price.",
    )
    image_prices = models.JSONField(
        default=dict,
        blank=True,
        help_text='Per image by "size/quality", e.g. {"1024x1024/medium": "0.042"}.',
    )
    note = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["model", "-effective_from", "-id"]
        verbose_name = "price version"
        indexes = [models.Index(fields=["model", "-effective_from"], name="gateway_price_current")]

    def __str__(self) -> str:
        return f"{self.model} from {self.effective_from:%Y-%m-%d}"


# --- Per workspace -----------------------------------------------------------------------------


class ProviderCredential(TenantModel):
    """A workspace's own key and base URL for a provider. The key is stored encrypted
    (apps.gateway.encryption) and shown again only as •••• plus its last four characters."""

    provider = models.CharField(
        max_length=20,
        choices=[(p.value, p.label) for p in CONFIGURABLE_PROVIDERS],
    )
    base_url = models.URLField(max_length=300, blank=True)
    api_key_encrypted = models.TextField(blank=True, editable=False)
    api_key_last4 = models.CharField(max_length=4, blank=True, editable=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["provider"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "provider"], name="gateway_credential_unique_provider"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_provider_display()} key {self.masked_key or '(none)'}"

    def __repr__(self) -> str:
        return f"<ProviderCredential {self.provider} workspace={self.workspace_id}>"

    @property
    def has_key(self) -> bool:
        return bool(self.api_key_encrypted)

    @property
    def masked_key(self) -> str:
        return f"{MASK}{self.api_key_last4}" if self.api_key_encrypted else ""


class Route(TenantModel):
    """Which models serve one task kind in one workspace: entries in order, primary first."""

    task = models.CharField(max_length=20, choices=TaskKind.choices)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["task"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "task"], name="gateway_route_unique_task")
        ]

    def __str__(self) -> str:
        return f"{self.get_task_display()} route"


class RouteEntry(TenantModel):
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="entries")
    position = models.PositiveSmallIntegerField(help_text="0 is the primary, then fallbacks.")
    model = models.ForeignKey(ModelEntry, on_delete=models.PROTECT, related_name="+")
    # The switch for demos and tests: every call to this entry fails with this class.
    force_error = models.CharField(
        max_length=20,
        choices=ErrorClass.choices,
        blank=True,
        help_text="Make every call to this entry fail with this error (demos, tests).",
    )

    class Meta:
        ordering = ["route", "position"]
        verbose_name_plural = "route entries"
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "route", "position"], name="gateway_route_entry_position"
            )
        ]

    def __str__(self) -> str:
        return f"{self.route} #{self.position}: {self.model}"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    ERROR = "error", "Error"


class UsageRecord(TenantModel):
    """One attempt at one model: failures and cache hits included, so the page adds up."""

    call_id = models.UUIDField(db_index=True, help_text="Groups the attempts of one call.")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    task = models.CharField(max_length=20, choices=TaskKind.choices)
    operation = models.CharField(max_length=30)
    route_entry = models.ForeignKey(
        RouteEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    route_position = models.PositiveSmallIntegerField(default=0)
    provider = models.CharField(max_length=20)
    model_name = models.CharField(max_length=120)
    model = models.ForeignKey(
        ModelEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    price = models.ForeignKey(
        ModelPrice, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    attempt = models.PositiveSmallIntegerField(default=1)
    input_tokens = models.PositiveIntegerField(default=0)
    output_tokens = models.PositiveIntegerField(default=0)
    cached_input_tokens = models.PositiveIntegerField(default=0)
    images = models.PositiveSmallIntegerField(default=0)
    cost = models.DecimalField(
        max_digits=14, decimal_places=8, null=True, blank=True, help_text="Empty: unpriced."
    )
    latency_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=10, choices=Outcome.choices)
    error_class = models.CharField(max_length=20, choices=ErrorClass.choices, blank=True)
    error_message = models.CharField(max_length=500, blank=True)
    cached = models.BooleanField(default=False)
    prompt_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "created_at"], name="gateway_usage_ws_time")]

    def __str__(self) -> str:
        return f"{self.task} {self.provider}/{self.model_name} {self.outcome}"

    @property
    def priced(self) -> bool:
        return self.cost is not None


# --- Provenance for generated outputs ----------------------------------------------------------


class GenerationProvenance(models.Model):
    """Fields for any model that stores a generated output (copy, photos): inherit it and fill
    it with ``apps.gateway.services.provenance_fields(result, brand_profile_version=...)``."""

    gen_call_id = models.UUIDField(null=True, blank=True)
    gen_task = models.CharField(max_length=20, blank=True)
    gen_provider = models.CharField(max_length=20, blank=True)
    gen_model = models.CharField(max_length=120, blank=True)
    gen_route_entry = models.ForeignKey(
        RouteEntry, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gen_route_position = models.PositiveSmallIntegerField(null=True, blank=True)
    gen_prompt_hash = models.CharField(max_length=64, blank=True)
    gen_parameters = models.JSONField(default=dict, blank=True)
    gen_brand_profile_version = models.PositiveIntegerField(null=True, blank=True)
    gen_usage = models.ForeignKey(
        UsageRecord, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    gen_cached = models.BooleanField(default=False)

    class Meta:
        abstract = True
