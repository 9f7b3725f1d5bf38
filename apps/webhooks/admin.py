from django.contrib import admin

from apps.webhooks.models import WebhookDelivery, WebhookEndpoint
from apps.workspaces.admin import TenantAdmin


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(TenantAdmin):
    list_display = ("url", "workspace", "enabled", "disabled_reason", "created_at")
    list_filter = ("enabled",)
    # The secrets are never shown, not even encrypted.
    exclude = ("secret_encrypted", "previous_secret_encrypted")
    readonly_fields = ("secret_hint",)
    raw_id_fields = ("workspace", "created_by")


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(TenantAdmin):
    list_display = ("pk", "workspace", "endpoint", "status", "attempt_count", "created_at")
    list_filter = ("status",)
    raw_id_fields = ("workspace", "endpoint", "event", "manual_requested_by")
