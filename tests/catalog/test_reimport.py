"""Import faults found by the probe (issue 13, points 3, 4 and 12): one handle in two chunks,
imports writing the same products at once, partial re-imports erasing data, the preview, and
very wide files."""

import time
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from apps.catalog import services
from apps.catalog.models import ImportBatch, ImportRowError, Product
from apps.core.errors import ServiceError
from apps.jobs.models import Job
from tests.billing.concurrency import run_in_threads
from tests.catalog import samples
from tests.factories import MembershipFactory, WorkspaceFactory, actor_for


def products(workspace):
    return Product.objects.for_workspace(workspace)


def variants_of(workspace, handle):
    product = products(workspace).get(handle=handle)
    return [(v.option_values, v.sku, v.price) for v in product.variants.order_by("position")]


# --- One handle, one chunk (point 3) -------------------------------------------------------------

HANDLES = ["Handle", "Title", "Option1 Name", "Option1 Value", "Variant SKU", "Variant Price"]


def scattered_file() -> str:
    """Product "shirt" has a second variant row far below its first, past a chunk boundary."""
    rows = [{"Handle": "shirt", "Title": "Shirt", "Option1 Name": "Size", "Option1 Value": "S",
             "Variant SKU": "SH-S", "Variant Price": "10"}]  # fmt: skip
    for n in range(6):
        rows.append({"Handle": f"p{n}", "Title": f"Product {n}", "Variant SKU": f"P{n}",
                     "Variant Price": "5"})  # fmt: skip
    rows.append({"Handle": "shirt", "Option1 Value": "M", "Variant SKU": "SH-M",
                 "Variant Price": "12"})  # fmt: skip
    rows.append({"Handle": "p7", "Title": "Product 7", "Variant SKU": "P7", "Variant Price": "5"})
    return samples.to_csv(rows, HANDLES)


@pytest.mark.django_db
def test_rows_of_one_handle_are_read_by_one_chunk(workspace, owner, run_import, monkeypatch):
    """The probe: in turn, the later chunk silently replaced the product with its own rows."""
    monkeypatch.setattr("apps.catalog.chunking.CHUNK_PRODUCTS", 3)
    batch = run_import(workspace, owner, scattered_file())
    assert len(batch.chunks) == 3 and batch.product_count == 8
    assert batch.chunks[0]["extra"] and batch.chunks[2]["skip"] == [9]
    assert Job.objects.for_workspace(workspace).get(pk=batch.job_id).status == "succeeded"
    assert products(workspace).count() == 8
    assert variants_of(workspace, "shirt") == [
        (["S"], "SH-S", Decimal("10.00")),
        (["M"], "SH-M", Decimal("12.00")),
    ]
    assert not ImportRowError.objects.for_workspace(workspace).exists()
    # Each chunk run again (a retried job item) gives the same catalog.
    for chunk in batch.chunks:
        services.catalog_import_chunk(workspace=workspace, batch_id=batch.pk, chunk=chunk)
    assert products(workspace).count() == 8
    assert len(variants_of(workspace, "shirt")) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_chunks_run_in_parallel_lose_nothing(monkeypatch, settings, tmp_path):
    """The probe: run in parallel, one chunk failed with IntegrityError and its products were
    lost with no row error."""
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr("apps.catalog.chunking.CHUNK_PRODUCTS", 3)
    workspace = WorkspaceFactory()
    owner = MembershipFactory(workspace=workspace, role="owner").user
    batch = services.catalog_import_upload(
        actor=actor_for(workspace, owner),
        upload=SimpleUploadedFile("scattered.csv", scattered_file().encode()),
        fmt="shopify",
    )
    results = run_in_threads(
        lambda n: services.catalog_import_chunk(
            workspace=workspace, batch_id=batch.pk, chunk=batch.chunks[n]
        ),
        count=len(batch.chunks),
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert products(workspace).count() == 8
    assert len(variants_of(workspace, "shirt")) == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_imports_of_the_same_products_at_once_both_succeed(settings, tmp_path):
    """Two files (two people, or a retried upload) writing the same new products at the same
    moment take turns on each product instead of failing on the unique handle."""
    settings.MEDIA_ROOT = tmp_path
    workspace = WorkspaceFactory()
    owner = MembershipFactory(workspace=workspace, role="owner").user
    rows = [{"Handle": f"p{n}", "Title": f"Product {n}", "Variant SKU": f"P{n}",
             "Variant Price": "5"} for n in range(200)]  # fmt: skip
    batches = []
    for price in ("5", "7"):
        for row in rows:
            row["Variant Price"] = price
        batches.append(
            services.catalog_import_upload(
                actor=actor_for(workspace, owner),
                upload=SimpleUploadedFile(f"{price}.csv", samples.to_csv(rows, HANDLES).encode()),
                fmt="shopify",
            )
        )
    results = run_in_threads(
        lambda n: services.catalog_import_chunk(
            workspace=workspace, batch_id=batches[n % 2].pk, chunk=batches[n % 2].chunks[0]
        ),
        count=6,
    )
    assert not [r for r in results if isinstance(r, Exception)], results
    assert products(workspace).count() == 200
    for product in products(workspace).prefetch_related("variants"):
        prices = [v.price for v in product.variants.all()]
        assert len(prices) == 1 and prices[0] in (Decimal("5.00"), Decimal("7.00"))
        assert product.title == product.handle.replace("p", "Product ")


# --- Partial re-imports (point 4) ----------------------------------------------------------------


@pytest.fixture
def imported(workspace, owner, run_import):
    run_import(workspace, owner, samples.shopify_csv())
    return products(workspace).get(handle="linen-shirt")


def snapshot(product):
    product.refresh_from_db()
    return {
        "body_html": product.body_html,
        "vendor": product.vendor,
        "product_type": product.product_type,
        "tags": product.tags,
        "attributes": product.attributes,
        "seo_title": product.seo_title,
        "images": list(product.images.values_list("src", flat=True)),
        "variants": [(v.option_values, v.sku) for v in product.variants.all()],
    }


@pytest.mark.django_db
def test_a_three_column_file_changes_only_its_columns(workspace, owner, imported, run_import):
    """The probe: Handle, Title, Variant Price erased the description, vendor, type, tags, a
    variant and the images."""
    before = snapshot(imported)
    partial = "Handle,Title,Variant Price\nlinen-shirt,Linen Shirt II,65.00\n"
    run_import(workspace, owner, partial)
    after = snapshot(imported)
    assert after == before
    assert imported.title == "Linen Shirt II"
    assert [v.price for v in imported.variants.all()] == [Decimal("65.00"), Decimal("59.00")]
    assert imported.variant_count == 2 and imported.price_min == Decimal("59.00")
    assert products(workspace).get(handle="canvas-tote").title == "Canvas Tote"  # not in file


@pytest.mark.django_db
def test_what_the_file_says_is_applied_and_only_that(workspace, owner, imported, run_import):
    """An empty cell in a column the file has clears it; a file that lists variants by their
    options removes the ones it does not list; image links are replaced only with a column."""
    headers = ["Handle", "Vendor", "Option1 Value", "Option2 Value", "Variant SKU",
               "Fabric (product.metafields.custom.fabric)"]  # fmt: skip
    rows = [{"Handle": "linen-shirt", "Vendor": "", "Option1 Value": "M", "Option2 Value": "Sand",
             "Variant SKU": "LS-M-SAND-2",
             "Fabric (product.metafields.custom.fabric)": "Hemp"}]  # fmt: skip
    run_import(workspace, owner, samples.to_csv(rows, headers))
    imported.refresh_from_db()
    assert imported.vendor == ""  # the file said so
    assert imported.attributes == {"Gender": "unisex", "Fabric": "Hemp"}
    assert variants_of(workspace, "linen-shirt") == [
        (["M", "Sand"], "LS-M-SAND-2", Decimal("59.00"))
    ]
    assert imported.images.count() == 3  # no image column: left alone
    assert imported.body_html == "<p>Breezy <strong>linen</strong> shirt.</p>"


@pytest.mark.django_db
def test_the_preview_says_what_will_change_before_anything_does(client, workspace, owner, imported):
    client.force_login(owner)
    partial = (
        "Handle,Title,Variant Price\nlinen-shirt,Linen Shirt II,65.00\nnew-scarf,Wool Scarf,30.00\n"
    )
    response = client.post(
        reverse("catalog_import", kwargs={"slug": workspace.slug}),
        {"file": SimpleUploadedFile("prices.csv", partial.encode()), "format": "shopify"},
    )
    preview = client.get(response["Location"]).content.decode()
    assert "<strong>1</strong> new product, <strong>1</strong> already in the catalog" in preview
    assert "This file has no column for: Description, Vendor, Type, Category, Tags" in preview
    assert "images. Products already in the catalog keep theirs." in preview
    assert "Title: “Linen Shirt” → “Linen Shirt II”" in preview
    assert "Variant S / Sand: price 59.00 → 65.00" in preview
    assert "New product with 1 variant and 0 images" in preview
    imported.refresh_from_db()
    assert imported.title == "Linen Shirt"  # nothing changed yet
    assert not products(workspace).filter(handle="new-scarf").exists()


# --- Very wide files (point 12) ------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["shopify", "generic"])
def test_a_file_with_20000_columns_is_refused_at_once(workspace, owner, fmt):
    header = ",".join(["Handle", "Title", *[f"Extra {n}" for n in range(20_000)]])
    data = (header + "\nshirt,Shirt\n").encode()
    started = time.monotonic()
    with pytest.raises(ServiceError) as refused:
        services.catalog_import_upload(
            actor=actor_for(workspace, owner),
            upload=SimpleUploadedFile("wide.csv", data),
            fmt=fmt,
        )
    assert time.monotonic() - started < 2
    assert refused.value.message.startswith(
        "“wide.csv” is too wide to import: Its header has 20,002 columns; at most 500 are accepted."
    )
    assert not ImportBatch.objects.for_workspace(workspace).exists()


@pytest.mark.django_db
def test_a_row_wider_than_the_limit_is_refused_by_number(workspace, owner, settings):
    settings.CATALOG_IMPORT_MAX_COLUMNS = 10
    data = ("Handle,Title\nshirt,Shirt\nhat,Hat," + ",".join(["x"] * 20) + "\n").encode()
    with pytest.raises(ServiceError, match="Row 3 has 22 columns; at most 10 are accepted"):
        services.catalog_import_upload(
            actor=actor_for(workspace, owner),
            upload=SimpleUploadedFile("w.csv", data),
            fmt="shopify",
        )
