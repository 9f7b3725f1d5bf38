"""Uploads are checked by content, limited in size and pixels, turned upright, stripped of
metadata, converted to sRGB; a bad file is named and the rest of the batch goes on."""

import io
import re
from pathlib import Path

import numpy as np
import pytest
from django.urls import reverse
from PIL import Image

from apps.core.errors import ServiceError
from apps.imaging import files
from apps.jobs.models import JobItem
from apps.photos.models import Photo
from apps.photos.services import processing, uploads
from tests.factories import PhotoRecipeFactory, actor_for
from tests.photos.conftest import bomb_png, encode, product_pixels, swapped_primaries_icc, upload


def _open(content: bytes) -> Image.Image:
    return Image.open(io.BytesIO(content))


def test_content_decides_not_the_name():
    png = encode(product_pixels(40, 30), "PNG")
    normalised = files.normalise_upload(png, name="holiday.jpg")
    assert normalised.source_format == "PNG"
    assert (normalised.width, normalised.height) == (40, 30)


@pytest.mark.parametrize(
    ("content", "what"),
    [
        (b"%PDF-1.7 fake", "a PDF document"),
        (b"GIF89a\x01\x00\x01\x00", "a GIF image"),
        (b"Handle,Title\nshirt,Shirt\n", "text, not an image"),
    ],
)
def test_other_content_is_refused_by_name(content, what):
    with pytest.raises(ServiceError) as refused:
        files.normalise_upload(content, name="product.jpg")
    assert refused.value.message == (
        f"“product.jpg” is not a JPEG, PNG or WebP image (its content is {what}), whatever its "
        "name says."
    )


def test_a_truncated_jpeg_is_refused():
    content = encode(product_pixels(120, 90))
    with pytest.raises(
        ServiceError, match=re.escape("“cut.jpg” looks like a JPEG file but cannot be read")
    ):
        files.normalise_upload(content[: len(content) // 2], name="cut.jpg")


def test_a_decompression_bomb_is_refused_before_decoding():
    with pytest.raises(
        ServiceError, match=re.escape("“bomb.png” declares more pixels than the 50-megapixel")
    ):
        files.normalise_upload(bomb_png(), name="bomb.png")


def test_pixel_and_size_limits_are_settings(settings):
    settings.PHOTOS_MAX_PIXELS = 10_000
    with pytest.raises(ServiceError) as refused:
        files.normalise_upload(encode(product_pixels(200, 100)), name="big.jpg")
    assert "“big.jpg” is 200×100 pixels" in refused.value.message
    assert "refused without being decoded" in refused.value.message
    settings.PHOTOS_UPLOAD_MAX_BYTES = 100
    with pytest.raises(
        ServiceError, match=re.escape("“big.jpg” is 0.0 MB; the limit is 0 MB per photo")
    ):
        files.normalise_upload(encode(product_pixels(60, 40)), name="big.jpg")


def test_exif_orientation_is_applied_and_location_removed():
    pixels = product_pixels(60, 40)
    pixels[:, :30] = (220, 20, 20)  # left half red
    pixels[:, 30:] = (20, 20, 220)  # right half blue
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: rotate 90° clockwise to view
    exif[0x010F] = "TestCam"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 39.0)}
    content = encode(pixels, "JPEG", exif=exif.tobytes(), quality=95)
    assert _open(content).getexif().get_ifd(0x8825)  # the fixture really carries a location

    normalised = files.normalise_upload(content, name="phone.jpg")
    image = _open(normalised.content)
    assert image.size == (40, 60)  # upright: portrait now
    top, bottom = image.getpixel((20, 5)), image.getpixel((20, 55))
    assert top[0] > 180 and top[2] < 80  # the left (red) half is at the top
    assert bottom[2] > 180 and bottom[0] < 80
    assert len(image.getexif()) == 0  # no EXIF at all: no location, no camera, no orientation
    assert b"TestCam" not in normalised.content
    assert "Location (GPS) data removed." in normalised.notes
    assert "Turned upright as its camera recorded (EXIF orientation)." in normalised.notes


def test_colour_profiles_are_converted_to_srgb():
    content = encode(
        product_pixels(16, 16, product=(255, 0, 0), backdrop=(255, 0, 0)),
        "JPEG",
        icc_profile=swapped_primaries_icc(),
        quality=95,
    )
    normalised = files.normalise_upload(content, name="wide.jpg")
    red, green, _blue = _open(normalised.content).getpixel((8, 8))
    assert green > 200 and red < 60  # that profile's "red" is sRGB's green
    assert "icc_profile" not in _open(normalised.content).info
    assert normalised.notes == ["Colours converted to sRGB from “Swapped test RGB”."]


def test_transparency_is_kept_as_a_cutout():
    pixels = product_pixels(40, 30)
    rgba = Image.fromarray(pixels).convert("RGBA")
    rgba.putalpha(Image.new("L", (40, 30), 0))
    rgba.paste((10, 20, 30, 255), (10, 10, 30, 20))
    normalised = files.normalise_upload(encode(np.asarray(rgba), "PNG"), name="a.png")
    assert normalised.has_alpha and normalised.extension == "png"


def test_a_bad_file_is_named_and_the_batch_goes_on(workspace, editor, ingest, settings):
    good = encode(product_pixels(120, 90))
    cut = encode(product_pixels(120, 90, seed=3))
    outcome = ingest(
        workspace,
        editor,
        [
            upload("first.jpg", good),
            upload("notes.jpg", b"not an image at all"),
            upload("second.webp", encode(product_pixels(90, 120), "WEBP"), "image/webp"),
            upload("cut.jpg", cut[: len(cut) // 2]),  # its header is fine; its pixels are not
        ],
    )
    # Refused at once, by name: the file whose content is not an image.
    assert outcome.errors == [
        "“notes.jpg” is not a JPEG, PNG or WebP image (its content is text, not an image), "
        "whatever its name says."
    ]
    # Refused by the checking job, by name; the others were made ready.
    job = outcome.job
    job.refresh_from_db()
    assert (job.kind, job.status, job.done, job.failed) == (
        "photos.ingest",
        "finished_with_errors",
        2,
        1,
    )
    failed = JobItem.objects.for_workspace(workspace).get(job=job, status="failed")
    assert failed.error == (
        "“cut.jpg” looks like a JPEG file but cannot be read: it is damaged or incomplete."
    )
    photos = Photo.objects.for_workspace(workspace).order_by("pk")
    assert [(p.original_name, p.status, p.width, p.height) for p in photos] == [
        ("first.jpg", "ready", 120, 90),
        ("second.webp", "ready", 90, 120),
    ]
    stored = photos[0]
    assert stored.file.name.endswith(".jpg")
    assert set(stored.checks) == {
        "amazon-main",
        "shopify-square",
        "instagram-portrait",
        "instagram-square",
        "google-merchant",
    }
    assert stored.checks["amazon-main"]["passed"] is False  # a 120×90 upload on beige
    # The files as they came (metadata and all) are gone once checked or refused.
    assert list(Path(settings.MEDIA_ROOT).rglob("*.upload")) == []


def test_a_photo_being_checked_is_not_shown_or_processed(client, workspace, editor):
    outcome = uploads.photo_upload(
        actor=actor_for(workspace, editor), uploads=[upload("a.jpg", encode(product_pixels()))]
    )  # its job has not run (the transaction's callbacks were not executed)
    photo = outcome.photos[0]
    assert photo.status == "processing" and photo.file.name.endswith(".upload")
    client.force_login(editor)
    image = reverse("photo_image", kwargs={"slug": workspace.slug, "photo_id": photo.pk})
    assert client.get(image).status_code == 404
    recipe = PhotoRecipeFactory(workspace=workspace)
    with pytest.raises(ServiceError, match="still being checked"):
        processing.photo_batch_start(
            actor=actor_for(workspace, editor), photo_ids=[photo.pk], recipe_key=recipe.pk
        )


def test_an_oversized_upload_is_refused_from_its_size(workspace, editor, settings):
    settings.PHOTOS_UPLOAD_MAX_BYTES = 1024 * 1024
    big = upload("huge.jpg", b"\xff\xd8\xff" + b"\0" * (1024 * 1024 + 10))
    outcome = uploads.photo_upload(actor=actor_for(workspace, editor), uploads=[big])
    assert outcome.photos == []
    assert outcome.errors == ["“huge.jpg” is 1.0 MB; the limit is 1 MB per photo."]
    assert not Photo.objects.for_workspace(workspace).exists()


def test_uploading_nothing_or_for_another_workspaces_product(workspace, editor, other_workspace):
    from tests.factories import ProductFactory

    with pytest.raises(ServiceError, match=re.escape("Choose one or more photos to upload.")):
        uploads.photo_upload(actor=actor_for(workspace, editor), uploads=[])
    foreign = ProductFactory(workspace=other_workspace)
    with pytest.raises(ServiceError, match=re.escape("That product is not in this workspace.")):
        uploads.photo_upload(
            actor=actor_for(workspace, editor),
            uploads=[upload("a.jpg", encode(product_pixels(40, 30)))],
            product_id=foreign.pk,
        )
    assert not Photo.objects.for_workspace(workspace).exists()


def test_catalog_images_stored_or_remote(workspace, editor, django_capture_on_commit_callbacks):
    from django.core.files.base import ContentFile

    from apps.catalog.models import ProductImage
    from tests.factories import ProductFactory

    product = ProductFactory(workspace=workspace, title="Linen shirt")
    stored = ProductImage.objects.create(
        workspace=workspace,
        product=product,
        position=1,
        file=ContentFile(encode(product_pixels(80, 60)), name="shirt.jpg"),
    )
    remote = ProductImage.objects.create(
        workspace=workspace, product=product, position=2, src="https://cdn.example.com/s.jpg"
    )
    with django_capture_on_commit_callbacks(execute=True):
        outcome = uploads.photo_import_from_catalog(
            actor=actor_for(workspace, editor), image_ids=[stored.pk, remote.pk]
        )
    photos = Photo.objects.for_workspace(workspace)
    assert [(p.product_id, p.source_image_id, p.status) for p in photos] == [
        (product.pk, stored.pk, "ready")
    ]
    assert outcome.errors == [
        "Linen shirt, image 2 is only a link to https://cdn.example.com/s.jpg: this server does "
        "not download images from the internet. Save the image and upload the file."
    ]
