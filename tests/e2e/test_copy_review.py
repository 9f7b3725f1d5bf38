"""Browser journey: a copywriter writes descriptions for three products and submits them; a
reviewer approves two and returns one with a comment; the copywriter sees the comment; the
Shopify export carries exactly the two approved descriptions."""

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from apps.catalog import services as catalog
from apps.catalog.models import ApprovedCopy
from tests.catalog import samples
from tests.factories import PASSWORD, MembershipFactory, WorkspaceFactory, actor_for

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in(page, email):
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    expect(page.get_by_test_id("dashboard-role")).to_be_visible()


def test_write_review_and_export(new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    writer = MembershipFactory(workspace=workspace, role="copywriter").user
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    rows = samples.shopify_rows()
    rows.append({"Handle": "sun-hat", "Title": "Straw Sun Hat", "Vendor": "Harbor", "Type": "Hats",
                 "Body (HTML)": "<p>Wide brim.</p>", "Variant Price": "35.00"})  # fmt: skip
    source = samples.to_csv(rows, samples.OLD_HEADERS)
    batch = catalog.catalog_import_upload(
        actor=actor_for(workspace, writer),
        upload=SimpleUploadedFile("shop.csv", source.encode()),
        fmt="shopify",
    )
    catalog.catalog_import_confirm(actor=actor_for(workspace, writer), batch_id=batch.pk)

    page = new_page()
    sign_in(page, writer.email)
    page.get_by_role("link", name="Catalog").click()
    page.get_by_label("Select all on this page").check()
    page.get_by_test_id("write-copy").click()
    expect(page.get_by_role("heading", name="Write copy for 3 products")).to_be_visible()
    page.get_by_label("Variants").fill("2")
    page.get_by_role("button", name="Write copy").click()
    drafts = page.get_by_test_id("run-drafts")
    expect(drafts.get_by_role("link", name="Open")).to_have_count(3)

    for n in range(3):
        page.get_by_test_id("run-drafts").get_by_role("link", name="Open").nth(n).click()
        expect(page.get_by_test_id("variant-2")).to_be_visible()
        page.get_by_role("button", name="Submit for review").click()
        expect(page.get_by_test_id("draft-state")).to_have_text("In review")
        page.go_back()
        page.go_back()

    review = new_page()
    sign_in(review, reviewer.email)
    review.get_by_role("link", name="Review queue").click()
    expect(review.get_by_test_id("review-queue").locator("tbody tr")).to_have_count(3)
    review.get_by_test_id("review-queue").get_by_role(
        "link", name="Review", exact=True
    ).first.click()
    expect(review.get_by_test_id("diff")).to_be_visible()
    review.keyboard.press("a")  # the approve shortcut
    expect(review.get_by_text("approved.", exact=False)).to_be_visible()
    review.get_by_role("button", name="Approve").click()
    review.get_by_label("Comment (required to ask for changes)").fill("Say it is made of straw.")
    review.get_by_role("button", name="Request changes").click()
    expect(review.get_by_text("Nothing waiting for review")).to_be_visible()

    page.goto(f"/w/{workspace.slug}/")
    expect(page.get_by_test_id("panel-returned")).to_contain_text("Say it is made of straw.")

    approved = {
        a.product.handle: a.content
        for a in ApprovedCopy.objects.for_workspace(workspace).select_related("product")
    }
    assert len(approved) == 2
    with page.expect_download() as download:
        page.goto(f"/w/{workspace.slug}/catalog/")
        page.get_by_role("link", name="Export Shopify CSV").click()
    exported = list(csv.DictReader(io.StringIO(download.value.path().read_text())))
    original = {r["Handle"]: r for r in csv.DictReader(io.StringIO(source)) if r["Title"]}
    bodies = {r["Handle"]: r["Body (HTML)"] for r in exported if r["Title"]}
    for handle, body in bodies.items():
        expected = approved.get(handle, original[handle]["Body (HTML)"])
        assert body == expected, handle
    assert sum(bodies[h] != original[h]["Body (HTML)"] for h in bodies) == 2
