import codecs

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog import services
from apps.catalog.models import ApprovedCopy, ImportBatch, ImportRowError, Product
from apps.core.errors import ServiceError
from apps.jobs.models import Job
from apps.workspaces.actors import NotAllowed
from tests.catalog import samples
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


def products(workspace):
    return Product.objects.for_workspace(workspace)


def test_a_shopify_export_folds_variant_and_image_rows_into_products(workspace, owner, run_import):
    batch = run_import(workspace, owner, samples.shopify_csv())
    assert (batch.row_count, batch.product_count) == (4, 2)
    assert Job.objects.for_workspace(workspace).get(pk=batch.job_id).status == "succeeded"
    shirt = products(workspace).get(handle="linen-shirt")
    assert shirt.title == "Linen Shirt"
    assert shirt.vendor == "Harbor" and shirt.product_type == "Shirts"
    assert shirt.category == "Apparel > Shirts"
    assert shirt.tags == ["linen", "summer"]
    assert shirt.option_names == ["Size", "Color"]
    assert shirt.attributes == {"Gender": "unisex", "Fabric": "European flax linen"}
    assert shirt.seo_title == "Linen Shirt | Harbor"
    variants = list(shirt.variants.all())
    assert [(v.option_values, v.sku, str(v.price), v.grams) for v in variants] == [
        (["S", "Sand"], "LS-S-SAND", "59.00", 210),
        (["M", "Sand"], "LS-M-SAND", "59.00", 220),
    ]
    assert variants[0].compare_at_price == 79 and variants[0].barcode == "0123456789012"
    assert variants[0].inventory_quantity == 4
    assert [i.src.rsplit("/", 1)[1] for i in shirt.images.all()] == [
        "linen-1.jpg",
        "linen-2.jpg",
        "linen-3.jpg",
    ]
    assert (shirt.variant_count, str(shirt.price_min), shirt.featured_image_src) == (
        2,
        "59.00",
        "https://cdn.example.com/linen-1.jpg",
    )
    tote = products(workspace).get(handle="canvas-tote")
    assert [v.option_values for v in tote.variants.all()] == [["Default Title"]]
    assert ImportRowError.objects.for_workspace(workspace).count() == 0


def test_current_shopify_column_names_are_accepted(workspace, owner, run_import):
    run_import(workspace, owner, samples.shopify_csv_new_headers())
    shirt = products(workspace).get(handle="linen-shirt")
    assert shirt.body_html == "<p>Breezy <strong>linen</strong> shirt.</p>"
    variant = shirt.variants.first()
    assert (variant.sku, variant.grams, variant.inventory_quantity) == ("LS-S-SAND", 210, 4)
    assert str(variant.compare_at_price) == "79.00"
    assert shirt.images.count() == 3 and shirt.seo_description == "A breezy linen shirt."


@pytest.mark.parametrize(
    ("encoding", "expected"),
    [
        ("utf-8", "utf-8"),
        ("utf-8-sig", "utf-8-sig"),
        ("utf-16", "utf-16"),
        ("utf-16-le", "utf-16-le"),
        ("cp1252", "cp1252"),
    ],
)
def test_encodings_are_detected(workspace, owner, run_import, encoding, expected):
    content = samples.shopify_csv().replace("Breezy", "Brèèzy — café")
    batch = run_import(workspace, owner, content, encoding=encoding)
    assert batch.detected_encoding == expected
    assert "Brèèzy — café" in products(workspace).get(handle="linen-shirt").body_html


@pytest.mark.parametrize(("delimiter", "name"), [(";", "semicolon"), ("\t", "tab"), (",", "comma")])
def test_delimiters_are_sniffed(workspace, owner, run_import, delimiter, name):
    batch = run_import(workspace, owner, samples.shopify_csv(delimiter))
    assert batch.delimiter == delimiter
    assert products(workspace).count() == 2


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "is empty"),
        (b"   \n\n", "is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "looks like a PNG image"),
        (b"PK\x03\x04\x14\x00\x06\x00", "Excel workbook"),
        (b"Handle,Title\nx,\x00\x01\x02\x03binary\x00\x00garbage", "binary file"),
        (b"Name,Price\nShirt,10\n", "has neither a Title nor a Handle column"),
        (b"Handle,Title\n", "has a header row but no products"),
    ],
)
def test_files_that_cannot_be_imported_are_refused_and_nothing_is_saved(
    workspace, owner, data, message
):
    with pytest.raises(ServiceError, match=message) as refused:
        services.catalog_import_upload(
            actor=actor_for(workspace, owner),
            upload=SimpleUploadedFile("bad.csv", data),
            fmt="shopify",
        )
    assert "bad.csv" in refused.value.message
    assert ImportBatch.objects.for_workspace(workspace).count() == 0
    assert Job.objects.for_workspace(workspace).count() == 0


def test_only_roles_that_may_import_can_upload_or_start_an_import(workspace, owner):
    reviewer = actor_for(workspace, role="reviewer")
    with pytest.raises(NotAllowed, match=r"Your role \(Reviewer\) may not do this: import"):
        services.catalog_import_upload(
            actor=reviewer,
            upload=SimpleUploadedFile("products.csv", samples.shopify_csv().encode()),
            fmt="shopify",
        )
    assert not ImportBatch.objects.for_workspace(workspace).exists()
    batch = services.catalog_import_upload(
        actor=actor_for(workspace, owner),
        upload=SimpleUploadedFile("products.csv", samples.shopify_csv().encode()),
        fmt="shopify",
    )
    with pytest.raises(NotAllowed):
        services.catalog_import_confirm(actor=reviewer, batch_id=batch.pk)
    batch.refresh_from_db()
    assert batch.job is None and not Job.objects.for_workspace(workspace).exists()


def test_a_file_over_the_size_limit_is_refused(workspace, owner, settings):
    settings.CATALOG_IMPORT_MAX_BYTES = 100
    data = samples.shopify_csv().encode()
    with pytest.raises(ServiceError, match=r"“big.csv” is 1 KB; the limit is 0 KB"):
        services.catalog_import_upload(
            actor=actor_for(workspace, owner),
            upload=SimpleUploadedFile("big.csv", data),
            fmt="shopify",
        )
    assert ImportBatch.objects.for_workspace(workspace).count() == 0


def test_bad_rows_are_listed_and_the_good_ones_saved(workspace, owner, run_import):
    rows = samples.shopify_rows()
    rows[1]["Variant Price"] = "fifty"
    rows[3]["Title"] = ""  # the tote has no title anywhere
    rows.append({"Handle": "mug", "Title": "Mug", "Variant Grams": "-5", "Variant Price": "12"})
    rows.append({"Handle": "cap", "Title": "Cap", "Image Src": "not-a-url"})
    run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    assert sorted(products(workspace).values_list("handle", flat=True)) == [
        "cap",
        "linen-shirt",
        "mug",
    ]
    errors = list(
        ImportRowError.objects.for_workspace(workspace).values_list(
            "row_number", "column", "message"
        )
    )
    assert errors == [
        (3, "Variant Price", "“fifty” is not a price; left empty."),
        (5, "Title", "Product “canvas-tote” is not in the catalog yet and has no title; skipped."),
        (6, "Variant Grams", "A weight cannot be negative (-5); left empty."),
        (7, "Image Src", "“not-a-url” is not a web address; skipped."),
    ]
    shirt = products(workspace).get(handle="linen-shirt")
    assert [str(v.price) if v.price else None for v in shirt.variants.all()] == ["59.00", None]


def test_reimport_updates_by_handle_and_keeps_approved_copy(workspace, owner, run_import):
    run_import(workspace, owner, samples.shopify_csv())
    shirt = products(workspace).get(handle="linen-shirt")
    services.approved_copy_set(
        workspace=workspace,
        actor=owner,
        product_id=shirt.pk,
        copy_type="product_description",
        content="<p>Approved words.</p>",
    )
    Product.objects.for_workspace(workspace).filter(pk=shirt.pk).update(copy_status="approved")
    rows = samples.shopify_rows()
    rows[0]["Title"] = "Linen Shirt, relaxed fit"
    rows[1]["Variant Price"] = "64.00"
    run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    assert products(workspace).count() == 2
    shirt.refresh_from_db()
    assert shirt.title == "Linen Shirt, relaxed fit"
    assert shirt.copy_status == "approved"
    assert [str(v.price) for v in shirt.variants.all()] == ["59.00", "64.00"]
    assert shirt.variants.count() == 2 and shirt.images.count() == 3  # replaced, not doubled
    assert ApprovedCopy.objects.for_workspace(workspace).get().content == "<p>Approved words.</p>"


def test_a_chunk_imported_twice_changes_nothing(workspace, owner, run_import):
    rows = samples.shopify_rows()
    rows[1]["Variant Price"] = "fifty"
    batch = run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    services.catalog_import_chunk(workspace=workspace, batch_id=batch.pk, chunk=batch.chunks[0])
    assert products(workspace).count() == 2
    assert products(workspace).get(handle="linen-shirt").variants.count() == 2
    assert ImportRowError.objects.for_workspace(workspace).count() == 1


def test_large_files_are_split_into_chunks_of_whole_products(
    workspace, owner, run_import, monkeypatch
):
    monkeypatch.setattr("apps.catalog.chunking.CHUNK_PRODUCTS", 3)
    rows = []
    for n in range(10):
        rows.append(
            {
                "Handle": f"p{n}",
                "Title": f"Product {n}",
                "Variant SKU": f"A{n}",
                "Variant Price": "1",
            }
        )
        rows.append({"Handle": f"p{n}", "Variant SKU": f"B{n}", "Variant Price": "2"})
    batch = run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    assert [c["products"] for c in batch.chunks] == [3, 3, 3, 1]
    assert [c["first_row"] for c in batch.chunks] == [2, 8, 14, 20]
    assert products(workspace).count() == 10
    assert all(p.variants.count() == 2 for p in products(workspace))
    assert Job.objects.for_workspace(workspace).get(pk=batch.job_id).done == 4


def test_generic_csv_waits_for_a_mapping_then_imports_and_remembers_it(
    workspace, owner, django_capture_on_commit_callbacks
):
    batch = services.catalog_import_upload(
        actor=actor_for(workspace, owner),
        upload=SimpleUploadedFile("northfolk.csv", codecs.BOM_UTF8 + samples.GENERIC.encode()),
        fmt="generic",
    )
    assert batch.job is None and products(workspace).count() == 0
    mapping = {
        "title": "Name",
        "vendor": "Brand",
        "sku": "Article number",
        "price": "RRP",
        "body_html": "Long text",
    }
    with django_capture_on_commit_callbacks(execute=True):
        services.catalog_import_confirm(
            actor=actor_for(workspace, owner), batch_id=batch.pk, mapping=mapping
        )
    beanie = products(workspace).get(handle="wool-beanie")
    assert (beanie.title, beanie.vendor, beanie.body_html) == (
        "Wool Beanie",
        "Northfolk",
        "Warm merino beanie.",
    )
    assert beanie.attributes == {"Colour": "Charcoal"}
    variant = beanie.variants.get()
    assert (variant.sku, str(variant.price)) == ("WB-01", "19.90")

    again = services.catalog_import_upload(
        actor=actor_for(workspace, owner),
        upload=SimpleUploadedFile("n2.csv", samples.GENERIC.encode()),
        fmt="generic",
    )
    from apps.catalog.selectors import column_mapping_for

    assert column_mapping_for(workspace=workspace, headers=again.headers) == mapping


def test_a_mapping_without_title_is_refused(workspace, owner):
    batch = services.catalog_import_upload(
        actor=actor_for(workspace, owner),
        upload=SimpleUploadedFile("n.csv", samples.GENERIC.encode()),
        fmt="generic",
    )
    with pytest.raises(ServiceError, match="Choose the column that holds the product title"):
        services.catalog_import_confirm(
            actor=actor_for(workspace, owner), batch_id=batch.pk, mapping={"vendor": "Brand"}
        )
    batch.refresh_from_db()
    assert batch.job is None


def test_a_finished_import_tells_listeners_what_it_brought(
    workspace, owner, run_import, heard_events
):
    rows = samples.shopify_rows()
    rows[3]["Title"] = ""  # one product skipped with a row error
    batch = run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    imported = [e for e in heard_events if e.name == "product.imported"]
    assert [(e.key, e.payload["products"], e.payload["row_errors"]) for e in imported] == [
        (f"product.imported:batch-{batch.pk}", 1, 1)
    ]
    assert [e.name for e in heard_events] == ["job.finished", "product.imported"]
