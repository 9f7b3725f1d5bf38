from django.contrib import admin

from apps.photos.models import Photo, PhotoOutput, PhotoRecipe
from apps.workspaces.admin import TenantAdmin as _SiteWide


@admin.register(Photo)
class PhotoAdmin(_SiteWide):
    list_display = ["original_name", "workspace", "product", "width", "height", "created_at"]
    raw_id_fields = ["product", "source_image", "created_by"]


@admin.register(PhotoOutput)
class PhotoOutputAdmin(_SiteWide):
    list_display = ["photo", "workspace", "preset", "review_state", "created_at"]
    list_filter = ["review_state", "preset"]
    raw_id_fields = ["photo", "product", "recipe", "profile", "job", "job_item", "created_by"]


@admin.register(PhotoRecipe)
class PhotoRecipeAdmin(_SiteWide):
    list_display = ["name", "workspace", "preset", "updated_at"]
