from django.contrib import admin

from apps.notifications.models import Digest, Notification, NotificationPreference


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "workspace", "kind", "created_at", "read_at", "email"]
    list_filter = ["kind", "email"]
    search_fields = ["title", "recipient__email", "event_key"]
    raw_id_fields = ["recipient", "workspace", "digest"]

    def get_queryset(self, request):
        return Notification.objects.all_workspaces()


@admin.register(Digest)
class DigestAdmin(admin.ModelAdmin):
    list_display = ["recipient", "workspace", "day", "sent_at"]
    raw_id_fields = ["recipient", "workspace"]

    def get_queryset(self, request):
        return Digest.objects.all_workspaces()


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin):
    list_display = ["user", "kind", "delivery", "updated_at"]
    raw_id_fields = ["user"]
