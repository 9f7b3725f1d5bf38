"""The channel exports (apps/copywriting/exports): each file read back with its format's
columns, only approved copy in it, and every product left out named with the reason."""

import csv
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from apps.catalog import registry, selectors
from apps.catalog.models import ApprovedCopy, ProductImage, ProductVariant
from apps.copywriting import channels, services
from apps.copywriting.exports.selectors import approved_channel_copy, parse_rendered
from apps.copywriting.models import CopyDraft, CopyVariant
from apps.reviews.lifecycle import ReviewState
from tests.factories import MembershipFactory, ProductFactory, actor_for

pytestmark = pytest.mark.postgres

RSA = {
    "headlines": ["Linen Shirt", "Relaxed Linen Shirt", "Harbor Linen", "Shop Linen Shirts"],
    "descriptions": ["A relaxed shirt in European flax linen.", "Cool on warm days."],
    "path1": "shirts",
    "path2": "linen",
}
BULLETS = [
    "MATERIAL: European flax linen.",
    'FIT: Relaxed, with a 12" drop hem.',
    "CARE: Machine wash cold.",
    "COLOUR: Sand.",
    "USE: Warm days.",
]
DESCRIPTION_HTML = (
    "<p>A relaxed linen shirt for warm days.</p><ul><li>European flax linen</li>"
    "<li>Relaxed fit</li></ul><script>alert(1)</script>"
)


def approve(workspace, product, copy_type, data, *, keywords=()):
    """Approved copy as the review flow leaves it: the approved draft's chosen variant, and
    the catalog's ApprovedCopy holding its rendered text."""
    spec = channels.SPECS[copy_type]
    draft = CopyDraft.objects.create(
        workspace=workspace,
        product=product,
        copy_type=copy_type,
        review_state=ReviewState.APPROVED,
        decided_at=timezone.now(),
        brief={"keywords": list(keywords)},
    )
    variant = CopyVariant.objects.create(workspace=workspace, draft=draft, position=1, data=data)
    draft.chosen_variant = variant
    draft.save(update_fields=["chosen_variant"])
    ApprovedCopy.objects.create(
        workspace=workspace,
        product=product,
        copy_type=copy_type,
        content=channels.render(spec, data),
        approved_at=timezone.now(),
    )


def build(code, workspace, **options):
    products = list(selectors.products_for_export(workspace=workspace))
    return registry.export_format_get(code).build(
        workspace=workspace, products=products, options=options
    )


def read_csv(export_file):
    return list(csv.DictReader(io.StringIO("".join(export_file.lines()))))


@pytest.fixture
def shirt(workspace):
    product = ProductFactory(
        workspace=workspace,
        handle="linen-shirt",
        title="Linen Shirt",
        vendor="Harbor",
        product_type="Shirts",
        tags=["linen", "summer wear", "import_2024_01", "needs-photo", "sale"],
        featured_image_src="https://cdn.example.com/linen.jpg",
        price_min=Decimal("49.00"),
    )
    for position, (sku, size, qty) in enumerate(
        [("LS-S", "S", 3), ("LS-M", "M", 0), ("", "L", 2)], start=1
    ):
        ProductVariant.objects.create(
            workspace=workspace,
            product=product,
            position=position,
            option_values=[size],
            sku=sku,
            price=Decimal("49.00"),
            inventory_quantity=qty,
        )
    return product


@pytest.fixture
def mug(workspace):
    return ProductFactory(workspace=workspace, handle="birch-mug", title="Birch Mug")


def test_every_channel_format_is_registered_with_the_catalog():
    codes = [f.code for f in registry.export_formats()]
    assert codes == ["amazon", "google_ads", "meta_catalog", "meta_ads", "social", "email"]


def test_amazon_listing_is_a_tab_delimited_flat_file_keyed_by_variant_sku(workspace, shirt, mug):
    approve(
        workspace,
        shirt,
        "amazon_title",
        {"text": "Harbor Linen Shirt, Relaxed Fit, Sand"},
        keywords=["breathable", "Beach shirt"],
    )
    approve(workspace, shirt, "amazon_bullets", {"bullets": BULLETS})
    approve(workspace, shirt, "product_description", {"text": DESCRIPTION_HTML})
    approve(workspace, mug, "seo_title", {"text": "Birch Mug | Harbor"})  # not Amazon copy
    built = build("amazon", workspace)

    text = "".join(built.lines())
    assert text.splitlines()[0].split("\t") == [
        "item_sku", "update_delete", "item_name", "product_description",
        "bullet_point1", "bullet_point2", "bullet_point3", "bullet_point4", "bullet_point5",
        "generic_keywords",
    ]  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(text), delimiter="\t", quoting=csv.QUOTE_NONE))
    # One row per variant SKU; the variant without a SKU cannot be listed.
    assert [r["item_sku"] for r in rows] == ["LS-S", "LS-M"]
    row = rows[0]
    assert row["update_delete"] == "PartialUpdate"
    assert row["item_name"] == "Harbor Linen Shirt, Relaxed Fit, Sand"
    assert [row[f"bullet_point{n}"] for n in range(1, 6)] == BULLETS  # the quote kept as is
    # Plain text (Amazon takes no HTML): the list items as sentences, the script dropped whole.
    assert row["product_description"] == (
        "A relaxed linen shirt for warm days. European flax linen. Relaxed fit."
    )
    # Search terms: the brief's keywords, describing tags and the type; never a title word,
    # the brand or a store's workflow tag.
    assert row["generic_keywords"] == "breathable beach summer wear shirts"
    assert [(s.title, s.reason) for s in built.skipped] == [
        ("Birch Mug", "no approved Amazon title or Amazon bullet points")
    ]
    assert built.exported == 1


def test_amazon_listing_names_products_without_a_sku_and_rows_with_gaps(workspace, mug):
    approve(workspace, mug, "amazon_bullets", {"bullets": BULLETS[:2]})
    assert [s.reason for s in build("amazon", workspace).skipped] == [
        "no SKU (Amazon keys every listing by its SKU)"
    ]
    ProductVariant.objects.create(workspace=workspace, product=mug, sku="BM-1")
    built = build("amazon", workspace)
    rows = list(
        csv.DictReader(io.StringIO("".join(built.lines())), delimiter="\t", quoting=csv.QUOTE_NONE)
    )
    assert [
        (r["item_sku"], r["item_name"], r["bullet_point2"], r["bullet_point3"]) for r in rows
    ] == [("BM-1", "", BULLETS[1], "")]
    assert built.notes == [
        "Birch Mug: no approved item_name, product_description; left blank, so Amazon keeps "
        "what it has."
    ]


def test_google_ads_editor_csv_has_one_responsive_search_ad_per_product(workspace, shirt, mug):
    approve(workspace, shirt, "google_rsa", RSA)
    built = build(
        "google_ads",
        workspace,
        campaign="Summer linen",
        ad_group="{product} – exact",
        store_url="https://shop.example.com",
    )
    rows = read_csv(built)
    assert list(rows[0]) == [
        "Campaign", "Ad group", "Ad type", *[f"Headline {n}" for n in range(1, 16)],
        *[f"Description {n}" for n in range(1, 5)], "Path 1", "Path 2", "Final URL",
    ]  # fmt: skip
    (row,) = rows
    assert (row["Campaign"], row["Ad group"], row["Ad type"]) == (
        "Summer linen",
        "Linen Shirt – exact",
        "Responsive search ad",
    )
    assert [row[f"Headline {n}"] for n in range(1, 6)] == [*RSA["headlines"], ""]
    assert [row[f"Description {n}"] for n in range(1, 4)] == [*RSA["descriptions"], ""]
    assert (row["Path 1"], row["Path 2"]) == ("shirts", "linen")
    assert row["Final URL"] == "https://shop.example.com/products/linen-shirt"
    assert [(s.title, s.reason) for s in built.skipped] == [
        ("Birch Mug", "no approved Google Ads responsive search ad")
    ]


def test_meta_catalog_feed_has_the_commerce_columns_per_variant(workspace, shirt, mug):
    approve(workspace, shirt, "product_description", {"text": DESCRIPTION_HTML})
    approve(workspace, mug, "product_description", {"text": "<p>A mug.</p>"})
    built = build("meta_catalog", workspace, store_url="https://shop.example.com", currency="EUR")
    rows = read_csv(built)
    assert list(rows[0]) == [
        "id", "item_group_id", "title", "description", "availability", "condition", "price",
        "link", "image_link", "brand",
    ]  # fmt: skip
    assert [(r["id"], r["availability"], r["price"]) for r in rows] == [
        ("LS-S", "in stock", "49.00 EUR"),
        ("LS-M", "out of stock", "49.00 EUR"),
        ("linen-shirt-3", "in stock", "49.00 EUR"),
    ]
    row = rows[0]
    assert row["item_group_id"] == "linen-shirt"
    assert row["title"] == "Linen Shirt"
    assert row["description"].startswith("A relaxed linen shirt for warm days.\nEuropean flax")
    assert "<" not in row["description"]
    assert (row["condition"], row["brand"]) == ("new", "Harbor")
    assert row["link"] == "https://shop.example.com/products/linen-shirt"
    assert row["image_link"] == "https://cdn.example.com/linen.jpg"
    assert [(s.title, s.reason) for s in built.skipped] == [
        ("Birch Mug", "no image (Meta needs an image_link)")
    ]
    ProductImage.objects.create(
        workspace=workspace, product=mug, src="https://cdn.example.com/m.jpg"
    )
    assert [
        s.reason
        for s in build(
            "meta_catalog", workspace, store_url="https://s.test", currency="USD"
        ).skipped
    ] == ["no price"]


def test_meta_ad_text_csv(workspace, shirt, mug):
    ad = {
        "primary_text": "=Linen for warm days.",
        "headline": "Linen Shirt",
        "description": "Harbor",
    }
    approve(workspace, shirt, "meta_ad", ad)
    built = build("meta_ads", workspace)
    rows = read_csv(built)
    assert rows == [
        {
            "handle": "linen-shirt",
            "product": "Linen Shirt",
            "primary_text": "'=Linen for warm days.",  # not run as a formula in a spreadsheet
            "headline": "Linen Shirt",
            "description": "Harbor",
        }
    ]
    assert [s.reason for s in built.skipped] == ["no approved Meta ad"]


def test_social_captions_carry_hashtags_never_workflow_tags(workspace, shirt, mug):
    approve(workspace, shirt, "x_post", {"text": "Linen for warm days. #linen #import_2024"})
    approve(workspace, shirt, "instagram_caption", {"text": "Meet the Linen Shirt."})
    built = build("social", workspace)
    rows = read_csv(built)
    assert list(rows[0]) == ["handle", "product", "network", "caption", "hashtags"]
    assert [(r["network"], r["caption"], r["hashtags"]) for r in rows] == [
        ("X", "Linen for warm days. #linen #import_2024", "#linen"),
        # No hashtag in the caption: the product's describing tags, not "needs-photo" or "sale".
        ("Instagram", "Meet the Linen Shirt.", "#linen #SummerWear"),
    ]
    assert [(s.title, s.reason) for s in built.skipped] == [
        ("Birch Mug", "no approved X post or Instagram caption")
    ]


def test_email_subjects_with_preview_text_from_the_meta_description(workspace, shirt, mug):
    approve(workspace, shirt, "email_subject", {"text": "Your new summer shirt is here"})
    approve(
        workspace,
        shirt,
        "seo_description",
        {"text": "A relaxed shirt in European flax linen that stays cool on warm days, with a "
         "drop hem and a soft collar. Shop the Linen Shirt."},
    )  # fmt: skip
    approve(workspace, mug, "email_subject", {"text": "Morning coffee, upgraded"})
    built = build("email", workspace)
    rows = read_csv(built)
    assert list(rows[0]) == ["handle", "product", "subject", "preview_text"]
    assert [(r["handle"], r["subject"]) for r in rows] == [
        ("linen-shirt", "Your new summer shirt is here"),
        ("birch-mug", "Morning coffee, upgraded"),
    ]
    assert rows[0]["preview_text"] == (
        "A relaxed shirt in European flax linen that stays cool on warm days, with a drop hem"
    )
    assert rows[1]["preview_text"] == ""
    assert built.notes == ["Birch Mug: no approved meta description, so no preview text."]
    assert built.skipped == []


def test_rendered_copy_is_read_back_into_fields_when_no_draft_has_them(workspace, shirt):
    spec = channels.SPECS["google_rsa"]
    assert parse_rendered(spec, channels.render(spec, RSA)) == RSA
    meta = channels.SPECS["meta_ad"]
    ad = {"primary_text": "Line one.\n\nLine two.", "headline": "Linen", "description": "Sand"}
    assert parse_rendered(meta, channels.render(meta, ad)) == ad
    # Approved copy with no approved draft behind it (set before drafts kept their fields).
    ApprovedCopy.objects.create(
        workspace=workspace,
        product=shirt,
        copy_type="google_rsa",
        content=channels.render(spec, RSA),
        approved_at=timezone.now(),
    )
    products = list(selectors.products_for_export(workspace=workspace))
    found = approved_channel_copy(workspace=workspace, products=products, copy_types=["google_rsa"])
    assert found[shirt.pk]["google_rsa"].data == RSA


def test_only_approved_copy_leaves_through_the_review_flow(
    workspace, shirt, mug, run_job, django_capture_on_commit_callbacks
):
    """Written by the offline writer, one draft approved and one only submitted: the file has
    the approved one, word for word, and names the other product as skipped."""
    copywriter = MembershipFactory(workspace=workspace, role="copywriter").user
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    run_job(workspace, copywriter, [shirt.pk, mug.pk], copy_types=("google_rsa",), variants=1)
    drafts = {d.product_id: d for d in CopyDraft.objects.for_workspace(workspace)}
    for draft in drafts.values():
        services.copy_review_decide(
            actor=actor_for(workspace, copywriter),
            draft_id=draft.pk,
            decision="submit",
            override_claims=True,
        )
    services.copy_review_decide(
        actor=actor_for(workspace, reviewer), draft_id=drafts[shirt.pk].pk, decision="approve"
    )
    chosen = CopyVariant.objects.for_workspace(workspace).get(pk=drafts[shirt.pk].chosen_variant_id)
    built = build(
        "google_ads", workspace, campaign="C", ad_group="{product}", store_url="https://s.test"
    )
    (row,) = read_csv(built)
    assert row["Ad group"] == "Linen Shirt"
    headlines = channels.normalise(channels.SPECS["google_rsa"], chosen.data)["headlines"]
    assert [row[f"Headline {n}"] for n in range(1, len(headlines) + 1)] == headlines
    assert [(s.title, s.reason) for s in built.skipped] == [
        ("Birch Mug", "no approved Google Ads responsive search ad")
    ]


# --- the export page ---------------------------------------------------------------------------


def test_the_export_page_lists_what_is_skipped_and_downloads_the_file(
    workspace, owner, shirt, mug, member_client
):
    approve(workspace, shirt, "google_rsa", RSA)
    client = member_client(owner)
    url = reverse("catalog_exports", kwargs={"slug": workspace.slug})
    page = client.get(url, {"format": "google_ads", "approved_only": ""})
    assert page.status_code == 200
    body = page.content.decode()
    assert "<strong>1</strong> of 2 products exported" in body
    assert "Birch Mug</a>: no approved Google Ads responsive search ad" in body
    assert 'name="opt-campaign"' in body and "is required" not in body

    download = reverse("catalog_export_download", kwargs={"slug": workspace.slug})
    refused = client.get(download, {"format": "google_ads", "opt-campaign": ""})
    assert refused.status_code == 400
    assert "This field is required." in refused.content.decode()

    response = client.get(
        download,
        {
            "format": "google_ads",
            "opt-campaign": "Summer",
            "opt-ad_group": "{product}",
            "opt-store_url": "https://shop.example.com/",
        },
    )
    assert response.status_code == 200
    disposition = response["Content-Disposition"]
    assert disposition.startswith(f'attachment; filename="{workspace.slug}-google_ads-')
    assert disposition.endswith('.csv"')
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert [(r["Campaign"], r["Ad group"], r["Final URL"]) for r in rows] == [
        ("Summer", "Linen Shirt", "https://shop.example.com/products/linen-shirt")
    ]


def test_the_amazon_download_is_a_text_file_and_an_empty_export_says_why(
    workspace, owner, shirt, mug, member_client
):
    client = member_client(owner)
    download = reverse("catalog_export_download", kwargs={"slug": workspace.slug})
    empty = client.get(download, {"format": "amazon"})
    assert empty.status_code == 400
    assert "Nothing to export: none of these 2 products has approved copy" in empty.content.decode()
    approve(workspace, shirt, "amazon_title", {"text": "Harbor Linen Shirt"})
    response = client.get(download, {"format": "amazon", "vendor": "Harbor"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/tab-separated-values")
    assert response["Content-Disposition"].endswith('.txt"')
    lines = b"".join(response.streaming_content).decode().splitlines()
    assert [line.split("\t")[0] for line in lines] == ["item_sku", "LS-S", "LS-M"]


def test_the_shopify_export_from_the_page_can_leave_out_products_without_approved_copy(
    workspace, owner, shirt, mug, member_client
):
    approve(workspace, shirt, "product_description", {"text": "<p>Approved.</p>"})
    client = member_client(owner)
    download = reverse("catalog_export_download", kwargs={"slug": workspace.slug})
    response = client.get(download, {"format": "shopify", "approved_only": "on"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["Handle"] for r in rows} == {"linen-shirt"}
    assert rows[0]["Body (HTML)"] == "<p>Approved.</p>"
    response = client.get(download, {"format": "shopify"})
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["Handle"] for r in rows} == {"linen-shirt", "birch-mug"}


def test_the_export_page_is_refused_to_roles_without_export_and_strangers(
    workspace, shirt, member_client, stranger
):
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    url = reverse("catalog_exports", kwargs={"slug": workspace.slug})
    download = reverse("catalog_export_download", kwargs={"slug": workspace.slug})
    client = member_client(reviewer)
    assert client.get(url).status_code == 403
    assert client.get(download, {"format": "amazon"}).status_code == 403
    client = member_client(stranger)
    assert client.get(download, {"format": "amazon"}).status_code == 404
