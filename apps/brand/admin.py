from django.contrib import admin

from apps.brand.models import BrandProfile, FineTuneRun, LightingProfile, ProfileVersion


@admin.register(BrandProfile)
class BrandProfileAdmin(admin.ModelAdmin):
    list_display = ("name", "workspace", "active_version", "updated_at")
    search_fields = ("name", "workspace__name")
    raw_id_fields = ("active_version", "created_by")

    def get_queryset(self, request):
        return BrandProfile.objects.all_workspaces().select_related("workspace", "active_version")


@admin.register(ProfileVersion)
class ProfileVersionAdmin(admin.ModelAdmin):
    list_display = ("profile", "number", "status", "trained_at")
    list_filter = ("status",)
    exclude = ("exemplar_pool",)
    raw_id_fields = ("profile", "job", "created_by")

    def get_queryset(self, request):
        return ProfileVersion.objects.all_workspaces().select_related("profile")


@admin.register(FineTuneRun)
class FineTuneRunAdmin(admin.ModelAdmin):
    list_display = ("profile", "status", "fine_tuned_model", "created_at")
    raw_id_fields = ("profile", "created_by")

    def get_queryset(self, request):
        return FineTuneRun.objects.all_workspaces().select_related("profile")


@admin.register(LightingProfile)
class LightingProfileAdmin(admin.ModelAdmin):
    list_display = ("__str__", "brand", "workspace", "version", "is_active", "created_at")
    raw_id_fields = ("brand", "job", "created_by")

    def get_queryset(self, request):
        return LightingProfile.objects.all_workspaces().select_related("brand", "workspace")
