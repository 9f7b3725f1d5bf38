"""Browser journey through the photo studio: a photo editor uploads two product photos, runs the
built-in Amazon recipe on them as a batch, looks at an output and submits both for review; a
reviewer approves one and asks for changes on the other; the editor downloads the approved
photos as a ZIP holding exactly the approved one, a 2000×2000 JPEG on pure white."""

import io
import zipfile

import pytest
from playwright.sync_api import expect

from apps.photos.models import PhotoOutput
from tests.billing.support import set_balance
from tests.e2e.test_copy_review import sign_in
from tests.factories import MembershipFactory, WorkspaceFactory
from tests.photos.conftest import encode, product_pixels

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_upload_recipe_batch_review_and_zip(new_page, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    workspace = WorkspaceFactory(name="Harbor", slug="harbor")
    set_balance(workspace, 100)
    editor = MembershipFactory(workspace=workspace, role="photo_editor").user
    reviewer = MembershipFactory(workspace=workspace, role="reviewer").user
    shots = []
    for name, colour in (("mug.jpg", (40, 90, 160)), ("vase.jpg", (160, 50, 40))):
        path = tmp_path / name
        path.write_bytes(encode(product_pixels(480, 360, product=colour, seed=len(shots))))
        shots.append(str(path))

    page = new_page()
    sign_in(page, editor.email)
    page.get_by_role("link", name="Photo studio").first.click()
    page.get_by_test_id("upload-form").locator('input[type="file"]').set_input_files(shots)
    page.get_by_test_id("upload-form").get_by_role("button", name="Upload").click()
    expect(page.get_by_text("2 photos uploaded")).to_be_visible()
    page.goto("/w/harbor/photos/")  # the checking job has run: the photos are ready
    for name in ("mug.jpg", "vase.jpg"):
        page.get_by_label(name).check()
    page.get_by_test_id("recipe-select").select_option(label="Amazon main image")
    page.get_by_role("button", name="Process the ticked photos").click()
    expect(page.get_by_text("Started: Amazon main image: 2 photos")).to_be_visible()
    cards = page.get_by_test_id("output-card")
    expect(cards).to_have_count(2)
    expect(cards.first.get_by_test_id("verdict")).to_have_text("amazon-main meets")

    cards.first.get_by_role("link").click()
    expect(page.get_by_test_id("before-after")).to_be_visible()
    expect(page.get_by_test_id("cutout-confidence")).to_contain_text("Cut-out confidence")
    expect(page.get_by_test_id("preset-check")).to_contain_text("in frame: the whole subject")
    page.go_back()
    for checkbox in page.locator('input[name="outputs"]').all():
        checkbox.check()
    page.get_by_role("button", name="Submit the ticked photos for review").click()
    expect(page.get_by_text("2 photos sent for review.")).to_be_visible()

    review = new_page()
    sign_in(review, reviewer.email)
    review.goto("/w/harbor/photos/review/")
    queue = review.get_by_test_id("photo-review-queue")
    expect(queue.locator("tbody tr")).to_have_count(2)
    queue.get_by_role("link", name="mug.jpg").click()
    # The buttons say what they do.
    decide = review.get_by_test_id("decide-form")
    for label in ("Approve", "Request changes", "Reject"):
        expect(decide.get_by_role("button", name=label, exact=True)).to_be_visible()
    decide.get_by_role("button", name="Approve", exact=True).click()
    expect(review.get_by_text("is now approved.")).to_be_visible()
    review.get_by_test_id("photo-review-queue").get_by_role("link", name="vase.jpg").click()
    review.get_by_label("Comment (required to return it)").fill("The shadow is too dark.")
    review.get_by_test_id("decide-form").get_by_role("button", name="Request changes").click()
    expect(review.get_by_text("is now changes requested.")).to_be_visible()

    page.goto("/w/harbor/photos/outputs/")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download approved (ZIP)").click()
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert archive.namelist() == ["mug-amazon-main-1.jpg"]
    from apps.imaging import files
    from apps.photos import checker

    pixels = files.decode(archive.read("mug-amazon-main-1.jpg"))
    assert pixels.shape[:2] == (2000, 2000)
    assert checker.check(pixels[..., :3], "amazon-main").passed
    states = sorted(
        PhotoOutput.objects.for_workspace(workspace).values_list("review_state", flat=True)
    )
    assert states == ["approved", "changes_requested"]
