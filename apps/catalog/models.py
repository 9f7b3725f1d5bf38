from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models

from apps.core.tenancy import TenantModel, TimestampedTenantModel


class ProductStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    DRAFT = "draft", "Draft"
    ARCHIVED = "archived", "Archived"


class WorkStatus(models.TextChoices):
    """Where a product's generated copy or photos stand; kept on the product for filtering."""

    NONE = "none", "None yet"
    DRAFT = "draft", "Draft"
    IN_REVIEW = "in_review", "In review"
    CHANGES_REQUESTED = "changes_requested", "Changes requested"
    APPROVED = "approved", "Approved"


class Product(TimestampedTenantModel):
    workspace = models.ForeignKey(
        "workspaces.Workspace", on_delete=models.CASCADE, related_name="products"
    )
    handle = models.CharField(max_length=255)
    title = models.CharField(max_length=500)
    vendor = models.CharField(max_length=255, blank=True)
    product_type = models.CharField(max_length=255, blank=True)
    category = models.CharField(max_length=500, blank=True)
    tags = models.JSONField(default=list, blank=True)
    # Lower-cased ", tag, tag, " so a tag filter is one indexed-friendly LIKE on every database.
    tags_text = models.TextField(blank=True, default="")
    attributes = models.JSONField(default=dict, blank=True)
    option_names = models.JSONField(default=list, blank=True)
    body_html = models.TextField("live description (HTML)", blank=True)
    # What the description states (apps.catalog.facts), extracted at import; copy is written
    # from and checked against it. Once a person edits it, imports stop replacing it.
    description_facts = models.JSONField(default=dict, blank=True)
    description_facts_edited = models.BooleanField(default=False)
    seo_title = models.CharField(max_length=500, blank=True)
    seo_description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=ProductStatus.choices, default="active")
    published = models.BooleanField(default=True)
    copy_status = models.CharField(max_length=20, choices=WorkStatus.choices, default="none")
    photo_status = models.CharField(max_length=20, choices=WorkStatus.choices, default="none")
    # Denormalised at import so the product list needs no join or subquery per row.
    variant_count = models.PositiveIntegerField(default=0)
    price_min = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    price_max = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    featured_image_src = models.URLField(max_length=2000, blank=True)
    # The rows as they came from a Shopify export, so the export can give them back unchanged
    # but for the approved copy: [{"Handle": ..., "Title": ..., ...}, ...].
    source_rows = models.JSONField(default=list, blank=True)
    source_format = models.CharField(max_length=20, blank=True)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["title", "id"]
        constraints = [
            models.UniqueConstraint(fields=["workspace", "handle"], name="product_unique_handle")
        ]
        indexes = [
            # With the id, an ORDER BY title, id LIMIT n is a plain index scan, not a sort.
            models.Index(fields=["workspace", "title", "id"], name="product_ws_title"),
            models.Index(fields=["workspace", "updated_at", "id"], name="product_ws_updated"),
            models.Index(fields=["workspace", "vendor"], name="product_ws_vendor"),
            models.Index(fields=["workspace", "product_type"], name="product_ws_type"),
        ]

    def __str__(self) -> str:
        return self.title


class ProductVariant(TenantModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="variants")
    position = models.PositiveIntegerField(default=1)
    option_values = models.JSONField(default=list, blank=True)
    sku = models.CharField(max_length=255, blank=True)
    barcode = models.CharField(max_length=255, blank=True)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    compare_at_price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    grams = models.PositiveIntegerField(null=True, blank=True)
    inventory_quantity = models.IntegerField(null=True, blank=True)

    class Meta:
        ordering = ["product", "position", "id"]

    def __str__(self) -> str:
        return " / ".join(v for v in self.option_values if v) or self.sku or f"#{self.position}"


class ProductImage(TenantModel):
    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="images")
    position = models.PositiveIntegerField(default=1)
    src = models.URLField(max_length=2000, blank=True)
    file = models.FileField(upload_to="products/%Y/%m/", blank=True)
    alt_text = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["product", "position", "id"]

    @property
    def url(self) -> str:
        return self.file.url if self.file else self.src


class ApprovedCopy(TenantModel):
    """The reviewed copy of one type for a product; the catalog export writes it back out.

    The copy studio writes these when a reviewer approves; the catalog only reads them.
    """

    product = models.ForeignKey(Product, on_delete=models.CASCADE, related_name="approved_copy")
    copy_type = models.CharField(max_length=40)
    content = models.TextField()
    approved_at = models.DateTimeField()
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "product", "copy_type"], name="approved_copy_unique_type"
            )
        ]


class ColumnMapping(TenantModel):
    """The generic-CSV mapping a workspace used last (field -> column), offered again next time."""

    mapping = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["workspace"], name="column_mapping_one_per_workspace")
        ]


class ImportFormat(models.TextChoices):
    SHOPIFY = "shopify", "Shopify product CSV"
    GENERIC = "generic", "Other CSV (map the columns)"


class ImportBatch(TenantModel):
    """One uploaded file, transcoded to UTF-8 and split into chunks of whole products."""

    format = models.CharField(max_length=20, choices=ImportFormat.choices)
    original_name = models.CharField(max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/")
    detected_encoding = models.CharField(max_length=40)
    delimiter = models.CharField(max_length=4)
    headers = models.JSONField(default=list)
    mapping = models.JSONField(default=dict, blank=True)
    row_count = models.PositiveIntegerField(default=0)
    product_count = models.PositiveIntegerField(default=0)
    # [{"start": byte, "end": byte, "first_row": n, "products": n}, ...] of the UTF-8 file.
    chunks = models.JSONField(default=list)
    job = models.OneToOneField(
        "jobs.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="import_batch"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class ImportRowError(TenantModel):
    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="row_errors")
    row_number = models.PositiveIntegerField(help_text="Line of the file, the header being 1.")
    column = models.CharField(max_length=255, blank=True)
    message = models.CharField(max_length=500)

    class Meta:
        ordering = ["row_number", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["workspace", "batch", "row_number", "column"],
                name="import_row_error_unique",
            )
        ]
