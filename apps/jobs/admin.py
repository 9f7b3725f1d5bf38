from django.contrib import admin

from apps.jobs.models import Job, JobItem
from apps.workspaces.admin import TenantAdmin


@admin.register(Job)
class JobAdmin(TenantAdmin):
    list_display = [
        "__str__",
        "workspace",
        "kind",
        "status",
        "total",
        "done",
        "failed",
        "created_at",
    ]
    list_filter = ["status", "kind"]
    search_fields = ["label", "kind", "workspace__name"]
    raw_id_fields = ["workspace", "created_by"]
    readonly_fields = ["total", "done", "failed", "skipped", "created_at"]


@admin.register(JobItem)
class JobItemAdmin(TenantAdmin):
    list_display = ["key", "job", "workspace", "status", "attempts", "finished_at"]
    list_filter = ["status"]
    search_fields = ["key", "error"]
    raw_id_fields = ["workspace", "job"]
