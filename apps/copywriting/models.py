from django.conf import settings
from django.db import models

from apps.copywriting.channels import COPY_TYPE_CHOICES
from apps.core.tenancy import TenantModel, TimestampedTenantModel
from apps.gateway.models import GenerationProvenance
from apps.reviews.models import Reviewable


class CopySettings(TenantModel):
    """A workspace's choices for its copy: description length, Amazon bullet length, tone."""

    description_target_words = models.PositiveIntegerField(default=120)
    amazon_bullet_max_chars = models.PositiveIntegerField(
        default=250, help_text="250 for most categories; some allow 500."
    )
    default_tone = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="copy_settings_one_per_workspace")
        ]


class CopyDraft(TimestampedTenantModel, Reviewable):
    """The copy of one type for one product, with its variants, on its way through review."""

    product = models.ForeignKey(
        "catalog.Product", on_delete=models.CASCADE, related_name="copy_drafts"
    )
    copy_type = models.CharField(max_length=40, choices=COPY_TYPE_CHOICES)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    job = models.ForeignKey(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Makes generation idempotent: a job item run twice finds its draft instead of making one.
    source_key = models.CharField(max_length=120, blank=True)
    chosen_variant = models.ForeignKey(
        "CopyVariant", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    brief = models.JSONField(default=dict, blank=True)  # instructions, keywords, tone, profile
    facts_note = models.CharField(max_length=300, blank=True)
    # The brand voice applied ("Acme v3"); empty when the draft was written without a profile.
    voice_label = models.CharField(max_length=200, blank=True)
    # Submitted although the chosen variant carried unsupported claims: who decided, and when.
    claims_override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    claims_override_at = models.DateTimeField(null=True, blank=True)
    claims_overridden = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "source_key"],
                condition=~models.Q(source_key=""),
                name="copy_draft_unique_source",
            )
        ]
        indexes = [
            models.Index(fields=["workspace", "review_state", "submitted_at"], name="copy_queue"),
            models.Index(fields=["workspace", "author", "review_state"], name="copy_author"),
        ]

    def __str__(self) -> str:
        return f"{self.get_copy_type_display()} for {self.product}"


class CopyVariant(TimestampedTenantModel, GenerationProvenance):
    draft = models.ForeignKey(CopyDraft, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveSmallIntegerField()
    data = models.JSONField(default=dict)  # field name -> text, or list of lines
    brand_score = models.FloatField(null=True, blank=True)
    score_explanation = models.JSONField(default=dict, blank=True)
    repaired = models.BooleanField(
        default=False, help_text="Trimmed or cleaned to meet a hard limit after generation."
    )
    # The claim guard's verdict: claims the product's facts do not support
    # ([{"kind": "name", "text": "Air technology"}]), and what it removed to get there.
    claims = models.JSONField(default=list, blank=True)
    removed = models.JSONField(default=list, blank=True)
    # What the brief asked that this variant does not do, and why.
    notes = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "draft", "position"], name="copy_variant_unique_position"
            )
        ]


class VersionSource(models.TextChoices):
    GENERATED = "generated", "Generated"
    EDITED = "edited", "Edited"
    REGENERATED = "regenerated", "Regenerated with feedback"
    REVIEWER_EDIT = "reviewer_edit", "Edited by the reviewer"


class CopyVersion(TimestampedTenantModel):
    """Every state a variant's text has had, with who made it and when."""

    variant = models.ForeignKey(CopyVariant, on_delete=models.CASCADE, related_name="versions")
    data = models.JSONField(default=dict)
    source = models.CharField(max_length=20, choices=VersionSource.choices)
    feedback = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
