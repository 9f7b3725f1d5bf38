"""Brand profiles (layer 3, "hyperlocal models"): a workspace's voice, learned from its own copy,
and its light, learned from its reference photos.

A :class:`BrandProfile` holds a style guide and its :class:`MaterialText` (past copy from a CSV,
pasted text, approved copy from the copy studio; optionally also the catalog's live and approved
copy, read at training time). Training makes a :class:`ProfileVersion`: style statistics, a
distinctive lexicon, an exemplar pool, a calibrated scorer and its evaluation. One version per
profile is active; activating an older one is the rollback.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from apps.core.tenancy import TenantModel, TimestampedTenantModel


class Person(models.TextChoices):
    ANY = "any", "No rule"
    WE = "we", "We (the brand speaks as “we”)"
    YOU = "you", "You (addresses the reader, never “we”)"
    THIRD = "third", "Neither (no “we”, no “I”)"


class Policy(models.TextChoices):
    ALLOWED = "allowed", "Allowed"
    SPARINGLY = "sparingly", "At most one per text"
    NEVER = "never", "Never"


class BrandProfile(TimestampedTenantModel):
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    # Style guide.
    tone_words = models.CharField(
        max_length=300, blank=True, help_text="Comma-separated, e.g. warm, plain, confident."
    )
    banned_terms = models.JSONField(
        default=list, blank=True, help_text='[{"term": "cheap", "replacement": "affordable"}]'
    )
    preferred_terms = models.JSONField(default=list, blank=True)
    # Names the brand states as its own (product lines, technologies, trademarks): copy may
    # use them although no product's facts mention them.
    own_names = models.JSONField(default=list, blank=True)
    person = models.CharField(max_length=10, choices=Person.choices, default=Person.ANY)
    reading_grade_target = models.FloatField(null=True, blank=True)
    emoji_policy = models.CharField(max_length=10, choices=Policy.choices, default=Policy.NEVER)
    exclamation_policy = models.CharField(
        max_length=10, choices=Policy.choices, default=Policy.SPARINGLY
    )
    use_workspace_copy = models.BooleanField(
        default=False,
        help_text="Also learn from the catalog's live descriptions and approved copy.",
    )
    auto_train_min_new = models.PositiveIntegerField(
        default=20, help_text="Train a new version automatically once this many new texts arrived."
    )
    # Marked by a brand manager: the voice the copy studio applies unless a run says otherwise.
    is_default = models.BooleanField(default=False)
    active_version = models.ForeignKey(
        "brand.ProfileVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "name"], name="brand_profile_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class MaterialSource(models.TextChoices):
    CSV = "csv", "CSV upload"
    PASTE = "paste", "Pasted text"
    APPROVED = "approved", "Approved in the copy studio"


class MaterialText(TimestampedTenantModel):
    profile = models.ForeignKey(BrandProfile, on_delete=models.CASCADE, related_name="material")
    source = models.CharField(max_length=10, choices=MaterialSource.choices)
    # Names the text's origin (csv:<upload>:<row>, paste:<hash>, the caller's key for approved
    # copy): adding the same key again updates instead of duplicating.
    source_key = models.CharField(max_length=255)
    title = models.CharField(max_length=500, blank=True)
    text = models.TextField()
    # The kind of copy (a copy studio code such as "email_subject"); blank: long copy.
    copy_type = models.CharField(max_length=40, blank=True, default="")

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "profile", "source_key"], name="brand_material_unique_key"
            )
        ]
        indexes = [models.Index(fields=["profile", "updated_at"], name="brand_material_updated")]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.text[:60]}"


class UploadStatus(models.TextChoices):
    MAPPING = "mapping", "Waiting for the column mapping"
    IMPORTED = "imported", "Imported"


class MaterialUpload(TenantModel):
    profile = models.ForeignKey(BrandProfile, on_delete=models.CASCADE, related_name="uploads")
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="brand/uploads/%Y/%m/")
    detected_encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=4)
    headers = models.JSONField(default=list)
    row_count = models.PositiveIntegerField(default=0)
    mapping = models.JSONField(default=dict, blank=True)
    status = models.CharField(
        max_length=10, choices=UploadStatus.choices, default=UploadStatus.MAPPING
    )
    imported = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, column, message}]")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class VersionStatus(models.TextChoices):
    TRAINING = "training", "Training"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class ProfileVersion(TenantModel):
    profile = models.ForeignKey(BrandProfile, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(
        max_length=10, choices=VersionStatus.choices, default=VersionStatus.TRAINING
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    error = models.TextField(blank=True)
    # What it learnt from: counts by source, words, the material watermark.
    summary = models.JSONField(default=dict, blank=True)
    stats = models.JSONField(default=dict, blank=True)
    lexicon = models.JSONField(default=list, blank=True)
    exemplar_pool = models.JSONField(default=list, blank=True)
    scorer = models.BinaryField(null=True, blank=True, editable=False)
    evaluation = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    trained_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "profile", "number"], name="brand_version_unique_number"
            )
        ]

    def __str__(self) -> str:
        return f"{self.profile} v{self.number}"

    @property
    def is_ready(self) -> bool:
        return self.status == VersionStatus.READY


class FineTuneStatus(models.TextChoices):
    PENDING = "pending", "Waiting to upload"
    RUNNING = "running", "Fine-tuning"
    SUCCEEDED = "succeeded", "Ready"
    FAILED = "failed", "Failed"


class FineTuneRun(TimestampedTenantModel):
    """A fine-tuning job at the workspace's OpenAI(-compatible) provider, from approved copy."""

    profile = models.ForeignKey(BrandProfile, on_delete=models.CASCADE, related_name="fine_tunes")
    status = models.CharField(
        max_length=10, choices=FineTuneStatus.choices, default=FineTuneStatus.PENDING
    )
    examples = models.PositiveIntegerField(default=0)
    training_file = models.TextField(blank=True, help_text="The JSONL sent (chat format).")
    file_id = models.CharField(max_length=200, blank=True)
    provider_job_id = models.CharField(max_length=200, blank=True)
    provider_status = models.CharField(max_length=40, blank=True)
    base_model = models.CharField(max_length=200, blank=True)
    fine_tuned_model = models.CharField(max_length=200, blank=True)
    error = models.TextField(blank=True)
    routed_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Fine-tune {self.pk} ({self.status})"


class LightingStatus(models.TextChoices):
    TRAINING = "training", "Learning"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


class LightingProfile(TenantModel):
    """One version of a brand's lighting profile (the visual half of the brand profile),
    learned from its reference photos: ``stats`` is what :func:`apps.brand.lighting.learn`
    returns. Each brand profile has its own versions; one of them is active."""

    brand = models.ForeignKey(BrandProfile, on_delete=models.CASCADE, related_name="lights")
    version = models.PositiveIntegerField()
    name = models.CharField(max_length=120, blank=True)
    is_active = models.BooleanField(default=False)
    status = models.CharField(
        max_length=12, choices=LightingStatus.choices, default=LightingStatus.READY
    )
    error = models.TextField(blank=True)
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    stats = models.JSONField(default=dict)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["brand", "-version", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "brand", "version"], name="brand_light_unique_version"
            ),
            models.UniqueConstraint(
                fields=["brand"], condition=Q(is_active=True), name="brand_light_one_active"
            ),
        ]

    def __str__(self) -> str:
        return self.name or f"Light v{self.version}"


class LightingReference(TenantModel):
    profile = models.ForeignKey(
        LightingProfile, on_delete=models.CASCADE, related_name="references"
    )
    position = models.PositiveIntegerField(default=1)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="photos/lighting/%Y/%m/")
    stats = models.JSONField(default=dict)

    class Meta:
        ordering = ["profile", "position", "id"]

    def __str__(self) -> str:
        return self.original_name
