"""Browser journey through issue 15's small things and exports: the brief's credit cost follows
the form, a description's preview follows its editor (and never runs a script), and the
export page names what it skips and downloads the Google Ads Editor file."""

import csv
import io

import pytest
from playwright.sync_api import expect

from tests.billing.support import set_balance
from tests.copywriting.test_exports import RSA, approve
from tests.e2e.test_copy_review import sign_in
from tests.factories import (
    CopyDraftFactory,
    CopyVariantFactory,
    MembershipFactory,
    ProductFactory,
    WorkspaceFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_cost_preview_and_export(new_page):
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    writer = MembershipFactory(workspace=workspace, role="copywriter").user
    set_balance(workspace, 300)
    shirt = ProductFactory(workspace=workspace, title="Linen Shirt", handle="linen-shirt")
    mug = ProductFactory(workspace=workspace, title="Birch Mug", handle="birch-mug")
    ProductFactory(workspace=workspace, title="Wool Beanie", handle="wool-beanie")
    approve(workspace, shirt, "google_rsa", RSA)
    approve(workspace, mug, "seo_title", {"text": "Birch Mug | Harbor"})
    draft = CopyDraftFactory(
        workspace=workspace, product=mug, copy_type="product_description", author=writer
    )
    variant = CopyVariantFactory(workspace=workspace, draft=draft, data={"text": "<p>A mug.</p>"})

    page = new_page()
    sign_in(page, writer.email)

    # The brief: 3 products × 1 kind × 3 variants, then as the form changes.
    page.goto("/w/harbor/copy/new/?scope=all")
    cost = page.get_by_test_id("credit-estimate")
    expect(cost).to_contain_text("This run will use 9 credits of your 300.")
    page.get_by_label("SEO title").check()
    # 3 × 2 kinds × 3 variants, less the mug's approved SEO title (skipped by the run).
    expect(cost).to_contain_text("This run will use 15 credits of your 300.")
    page.get_by_label("Variants").fill("1")
    expect(cost).to_contain_text("This run will use 5 credits of your 300.")

    # The description's preview follows the editor; the script is shown as nothing, never run.
    page.goto(f"/w/harbor/copy/drafts/{draft.pk}/")
    preview = page.locator(f"#preview-f-{variant.pk}-text")
    expect(preview.locator("p")).to_have_text("A mug.")
    page.locator(f"#f-{variant.pk}-text").fill(
        "<p>Birch <strong>handle</strong></p><script>document.title='hacked'</script>"
    )
    expect(preview.locator("strong")).to_have_text("handle")
    expect(preview.locator("script")).to_have_count(0)
    # The draft saved as typed beside it (the preview is its own request, its own target).
    expect(page.get_by_text("Saved.")).to_be_visible()
    assert page.title() != "hacked"

    # The export page: skipped products named; the file downloaded and read back.
    page.goto("/w/harbor/catalog/exports/")
    page.get_by_label("Google Ads Editor: responsive search ads").check()
    summary = page.get_by_test_id("export-summary")
    # Products with approved copy (the default filter): the beanie has none, the mug has no ad.
    expect(summary).to_contain_text("1 of 2 products exported")
    expect(page.get_by_test_id("export-skipped")).to_contain_text(
        "Birch Mug: no approved Google Ads responsive search ad"
    )
    page.get_by_role("textbox", name="Campaign").fill("Summer")
    page.get_by_role("textbox", name="Store address").fill("https://shop.example.com")
    with page.expect_download() as download_info:
        page.get_by_test_id("export-download").click()
    download = download_info.value
    assert download.suggested_filename.startswith("harbor-google_ads-")
    with open(download.path(), encoding="utf-8") as file:
        rows = list(csv.DictReader(io.StringIO(file.read())))
    assert [(r["Campaign"], r["Ad group"], r["Headline 1"], r["Final URL"]) for r in rows] == [
        ("Summer", "Linen Shirt", "Linen Shirt", "https://shop.example.com/products/linen-shirt")
    ]
