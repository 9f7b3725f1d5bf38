from django.contrib import admin

from apps.catalog.models import ImportBatch, Product
from apps.workspaces.admin import TenantAdmin


@admin.register(Product)
class ProductAdmin(TenantAdmin):
    list_display = ["title", "handle", "workspace", "vendor", "product_type", "status"]
    search_fields = ["title", "handle", "vendor"]
    list_filter = ["status", "copy_status", "photo_status"]
    raw_id_fields = ["workspace"]


@admin.register(ImportBatch)
class ImportBatchAdmin(TenantAdmin):
    list_display = ["original_name", "workspace", "format", "product_count", "created_at"]
    raw_id_fields = ["workspace", "job", "created_by"]
