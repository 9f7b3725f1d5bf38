"""The photo studio's records: uploaded photos, recipes and processed outputs under review. The
brand's lighting profiles (layer 3) live in ``apps/brand/models.py``.

Files live in Django's default storage (MEDIA_ROOT, or S3 when configured) and are never served
from a public media URL: pages fetch them through workspace-scoped views, and only approved
outputs get a signed public address (for the Shopify export).
"""

from django.conf import settings
from django.db import models

from apps.core.tenancy import TenantModel, TimestampedTenantModel
from apps.reviews.models import Reviewable


class PhotoStatus(models.TextChoices):
    PROCESSING = "processing", "Being checked"
    READY = "ready", "Ready"


class Photo(TenantModel):
    """A product photo as uploaded (or picked from the catalog), made safe: sRGB, upright,
    without metadata.

    An upload is stored as it came (``processing``) until its job item has checked and
    normalised it; only then (``ready``) is it shown, served or processed.
    """

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="photos"
    )
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="photos",
    )
    source_image = models.ForeignKey(
        "catalog.ProductImage", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="photos/originals/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    source_format = models.CharField(max_length=10)
    has_alpha = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=PhotoStatus.choices, default=PhotoStatus.READY, db_index=True
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.JSONField(default=list, blank=True)
    # Preset code → checker report (apps.photos.checker.CheckReport.as_dict()).
    checks = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["workspace", "-created_at"], name="photo_ws_created")]

    def __str__(self) -> str:
        return self.original_name

    @property
    def is_ready(self) -> bool:
        return self.status == PhotoStatus.READY


class PhotoRecipe(TimestampedTenantModel):
    """Operations (``[{"op": ..., "params": {...}}]``) and a channel preset, saved by name."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="photo_recipes"
    )
    name = models.CharField(max_length=120)
    steps = models.JSONField(default=list)
    preset = models.CharField(max_length=40, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="photo_recipe_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PhotoOutput(Reviewable, TenantModel):
    """A processed photo: one recipe applied to one photo. Goes through the shared review
    lifecycle; approved outputs are downloaded and exported."""

    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="photo_outputs"
    )
    photo = models.ForeignKey(Photo, on_delete=models.CASCADE, related_name="outputs")
    product = models.ForeignKey(
        "catalog.Product",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="photo_outputs",
    )
    recipe = models.ForeignKey(
        PhotoRecipe, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    recipe_name = models.CharField(max_length=120, blank=True)
    steps = models.JSONField(default=list)  # the recipe as it was applied
    preset = models.CharField(max_length=40, blank=True)
    profile = models.ForeignKey(
        "brand.LightingProfile", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    file = models.FileField(upload_to="photos/outputs/%Y/%m/")
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The job item that made it: a retried item finds its output instead of making another.
    job_item = models.OneToOneField(
        "jobs.JobItem", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    check_report = models.JSONField(default=dict, blank=True)
    notes = models.JSONField(default=list, blank=True)
    report = models.JSONField(default=dict, blank=True)
    provenance = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["workspace", "review_state"], name="photo_output_ws_state"),
            models.Index(fields=["workspace", "product"], name="photo_output_ws_product"),
        ]

    def __str__(self) -> str:
        return f"{self.photo.original_name} · {self.recipe_name or self.preset or 'output'}"
