import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.catalog import services
from apps.catalog.models import ImportBatch, Product
from tests.catalog import samples
from tests.factories import MembershipFactory, ProductFactory

pytestmark = pytest.mark.django_db


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


def read_csv(response) -> list[dict[str, str]]:
    text = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(text)))


def test_uploading_a_shopify_export_through_the_page(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    upload = SimpleUploadedFile("shop.csv", samples.shopify_csv().encode(), content_type="text/csv")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url("catalog_import", workspace), {"file": upload, "format": "shopify"}
        )
    batch = ImportBatch.objects.for_workspace(workspace).get()
    assert response["Location"] == url("catalog_import_detail", workspace, batch_id=batch.pk)
    preview = client.get(response["Location"]).content.decode()
    assert "2 products in 4 rows" in preview and "read as utf-8, comma-separated" in preview
    assert "<strong>2</strong> new products" in preview
    assert not Product.objects.for_workspace(workspace).exists()  # nothing until confirmed
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    page = client.get(response["Location"]).content.decode()
    assert "2 / 1" not in page  # progress counts chunks of products
    assert Product.objects.for_workspace(workspace).count() == 2


def test_a_refused_file_shows_the_reason_on_the_page(client, workspace, owner):
    client.force_login(owner)
    upload = SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n....", content_type="text/csv")
    response = client.post(url("catalog_import", workspace), {"file": upload, "format": "shopify"})
    assert response.status_code == 400
    assert "“photo.csv” is not a CSV file: it looks like a PNG image." in response.content.decode()
    assert not ImportBatch.objects.for_workspace(workspace).exists()


def test_generic_csv_mapping_preview_and_confirm(
    client, workspace, owner, django_capture_on_commit_callbacks
):
    client.force_login(owner)
    upload = SimpleUploadedFile("n.csv", samples.GENERIC.encode(), content_type="text/csv")
    response = client.post(url("catalog_import", workspace), {"file": upload, "format": "generic"})
    detail = response["Location"]
    page = client.get(detail).content.decode()
    assert "Match your columns" in page
    assert "Wool Beanie" in page  # guessed: Name -> title
    preview = client.get(
        detail, {"title": "Brand", "sku": "Article number"}, headers={"HX-Request": "true"}
    ).content.decode()
    assert "Northfolk" in preview and "WB-01" in preview
    with django_capture_on_commit_callbacks(execute=True):
        client.post(detail, {"title": "Name", "vendor": "Brand", "price": "RRP"})
    assert sorted(Product.objects.for_workspace(workspace).values_list("title", flat=True)) == [
        "Rain Jacket",
        "Wool Beanie",
    ]


def test_row_errors_download_as_csv(client, workspace, owner, run_import):
    rows = samples.shopify_rows()
    rows[1]["Variant Price"] = "=HYPERLINK(1)"
    batch = run_import(workspace, owner, samples.to_csv(rows, samples.OLD_HEADERS))
    client.force_login(owner)
    page = client.get(url("catalog_import_detail", workspace, batch_id=batch.pk)).content.decode()
    assert "Rows with problems (1)" in page
    response = client.get(url("catalog_import_errors_csv", workspace, batch_id=batch.pk))
    assert read_csv(response) == [
        {
            "row": "3",
            "column": "Variant Price",
            "problem": "“=HYPERLINK(1)” is not a price; left empty.",
        }
    ]


@pytest.mark.parametrize("role", ["photo_editor", "reviewer"])
def test_roles_that_may_not_import_get_403(client, workspace, role):
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    upload = SimpleUploadedFile("shop.csv", samples.shopify_csv().encode())
    response = client.post(url("catalog_import", workspace), {"file": upload, "format": "shopify"})
    assert response.status_code == 403
    assert not ImportBatch.objects.for_workspace(workspace).exists()
    assert client.get(url("catalog_product_list", workspace)).status_code == 200  # may browse


def test_search_filter_and_sort(client, workspace, owner):
    ProductFactory(
        workspace=workspace, title="Linen Shirt", vendor="Harbor", tags_text=", summer, "
    )
    ProductFactory(workspace=workspace, title="Wool Coat", vendor="Northfolk", product_type="Coats")
    ProductFactory(workspace=workspace, title="Linen Trousers", vendor="Northfolk")
    ids = list(Product.objects.for_workspace(workspace).values_list("pk", flat=True))
    services.product_search_refresh(workspace=workspace, product_ids=ids)  # as an import does
    client.force_login(owner)
    list_url = url("catalog_product_list", workspace)

    def titles(**params):
        response = client.get(list_url, params, headers={"HX-Request": "true"})
        return [p.title for p in response.context["page"]]

    assert titles(q="linen", sort="title") == ["Linen Shirt", "Linen Trousers"]
    assert titles(q="lin", sort="title") == ["Linen Shirt", "Linen Trousers"]  # still typing
    assert titles(vendor="Northfolk", sort="-title") == ["Wool Coat", "Linen Trousers"]
    assert titles(product_type="Coats") == ["Wool Coat"]
    assert titles(tag="Summer") == ["Linen Shirt"]
    assert titles(copy_status="approved") == []


def test_the_list_query_count_does_not_grow_with_the_page(client, workspace, owner):
    for n in range(60):
        ProductFactory(workspace=workspace, featured_image_src=f"https://cdn.example.com/{n}.jpg")
    client.force_login(owner)
    client.get(url("catalog_product_list", workspace))  # warm the session/sign-in audit

    def queries(page_size):
        from apps.catalog import selectors

        original = selectors.product_page

        def sized(**kwargs):
            return original(**kwargs, per_page=page_size)

        selectors.product_page = sized
        try:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(url("catalog_product_list", workspace)).status_code == 200
        finally:
            selectors.product_page = original
        return len(captured)

    assert queries(5) == queries(50)


def test_product_text_is_escaped(client, workspace, owner):
    product = ProductFactory(
        workspace=workspace,
        title="<script>alert('x')</script>",
        body_html='<p onclick="steal()">Soft <script>alert(1)</script>cotton</p>',
    )
    client.force_login(owner)
    listing = client.get(url("catalog_product_list", workspace)).content.decode()
    detail = client.get(
        url("catalog_product_detail", workspace, product_id=product.pk)
    ).content.decode()
    for html in (listing, detail):
        assert "<script>alert('x')</script>" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
    assert "<p>Soft cotton</p>" in detail and "steal()" not in detail


def test_shopify_export_gives_back_the_rows_with_approved_copy_in_place(
    client, workspace, owner, run_import
):
    source = samples.shopify_csv()
    run_import(workspace, owner, source)
    shirt = Product.objects.for_workspace(workspace).get(handle="linen-shirt")
    services.approved_copy_set(
        workspace=workspace,
        actor=owner,
        product_id=shirt.pk,
        copy_type="product_description",
        content="<p>New words.</p>",
    )
    services.approved_copy_set(
        workspace=workspace,
        actor=owner,
        product_id=shirt.pk,
        copy_type="seo_title",
        content="Linen Shirt — Harbor",
    )
    client.force_login(owner)
    exported = read_csv(client.get(url("catalog_export", workspace), {"format": "shopify"}))
    original = list(csv.DictReader(io.StringIO(source)))
    assert len(exported) == len(original)
    assert list(exported[0]) == samples.OLD_HEADERS
    for before, after in zip(original, exported, strict=True):
        changed = {k for k in before if before[k] != after[k]}
        if before is original[0]:
            assert changed == {"Body (HTML)", "SEO Title"}
            assert after["Body (HTML)"] == "<p>New words.</p>"
            assert after["SEO Title"] == "Linen Shirt — Harbor"
        else:
            assert changed == set()


def test_generic_export_of_selected_products_neutralises_formulas(client, workspace, owner):
    chosen = ProductFactory(workspace=workspace, title="=cmd|' /C calc'!A0", vendor="+Harbor")
    ProductFactory(workspace=workspace, title="Not chosen")
    client.force_login(owner)
    response = client.post(
        url("catalog_export", workspace), {"format": "generic", "product": [chosen.pk]}
    )
    rows = read_csv(response)
    assert [r["title"] for r in rows] == ["'=cmd|' /C calc'!A0"]
    assert rows[0]["vendor"] == "'+Harbor"


def test_bulk_select_all_matching_a_filter(client, workspace, owner):
    for n in range(55):
        ProductFactory(workspace=workspace, vendor="Harbor" if n % 2 else "Other")
    client.force_login(owner)
    response = client.post(
        url("catalog_export", workspace),
        {"format": "generic", "all_matching": "1", "filter_query": "vendor=Harbor"},
    )
    assert len(read_csv(response)) == 27


@pytest.mark.postgres
def test_full_text_search_finds_words_in_the_description(client, workspace, owner, run_import):
    run_import(workspace, owner, samples.shopify_csv())
    client.force_login(owner)
    response = client.get(url("catalog_product_list", workspace), {"q": "sturdy"})
    assert [p.handle for p in response.context["page"]] == ["canvas-tote"]
    response = client.get(url("catalog_product_list", workspace), {"q": "breezy -sturdy"})
    assert [p.handle for p in response.context["page"]] == ["linen-shirt"]
