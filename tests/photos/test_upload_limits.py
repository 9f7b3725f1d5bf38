"""Memory exhaustion through uploads (issue 13, point 5).

The probe: 40 photos of 20 MB in one request raised a web worker from 346 MB to 1,146 MB, and
the lighting-reference upload had no file-count cap. Now files stream to disk, services read
them in pieces, and every request is capped in files and bytes before its body is read.
"""

import io
import tracemalloc

import pytest
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.test import RequestFactory
from django.urls import reverse

from apps.brand import lighting_services
from apps.brand.models import LightingProfile
from apps.brand.services import profiles as brand_profiles
from apps.core.errors import ServiceError
from apps.core.uploads import UploadLimitMiddleware
from apps.photos.models import Photo
from apps.photos.services import uploads
from tests.factories import actor_for
from tests.photos.conftest import encode, product_pixels, upload

MB = 1024 * 1024


def padded_jpeg(size: int, seed: int = 0) -> bytes:
    """A real (small) JPEG followed by padding up to ``size`` bytes: decoders stop at the end
    marker, so it reads as the small image while weighing what a camera file weighs."""
    content = encode(product_pixels(120, 90, seed=seed))
    return content + b"\0" * (size - len(content))


def on_disk(name: str, content: bytes) -> TemporaryUploadedFile:
    """An uploaded file as Django now hands it over: a temporary file on disk."""
    upload_file = TemporaryUploadedFile(name, "image/jpeg", len(content), None)
    upload_file.write(content)
    upload_file.seek(0)
    return upload_file


def brand_of(workspace, actor):
    return brand_profiles.profile_create(actor=actor_for(workspace, actor), name="Harbor")


def peak_python_memory(function) -> int:
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_many_large_photos_are_not_read_into_memory(workspace, member, settings):
    editor = member("photo_editor")
    files = [on_disk(f"big-{n}.jpg", padded_jpeg(3 * MB, seed=n)) for n in range(10)]
    outcome = {}

    def upload_them():
        outcome["result"] = uploads.photo_upload(actor=actor_for(workspace, editor), uploads=files)

    peak = peak_python_memory(upload_them)
    assert outcome["result"].errors == []
    assert Photo.objects.for_workspace(workspace).count() == 10
    assert peak < 8 * MB, f"{peak / MB:.0f} MB held for 30 MB of photos"
    stored = Photo.objects.for_workspace(workspace).first()
    assert stored.file.size == 3 * MB  # stored whole, from disk, in pieces


def test_reference_photos_are_not_read_into_memory(workspace, member):
    manager = member("brand_manager")
    brand = brand_of(workspace, manager)
    files = [on_disk(f"ref-{n}.jpg", padded_jpeg(3 * MB, seed=n)) for n in range(6)]
    peak = peak_python_memory(
        lambda: lighting_services.lighting_profile_train(
            actor=actor_for(workspace, manager), brand_id=brand.pk, uploads=files
        )
    )
    assert LightingProfile.objects.for_workspace(workspace).count() == 1
    assert peak < 8 * MB, f"{peak / MB:.0f} MB held for 18 MB of reference photos"


def test_uploaded_files_stream_to_disk():
    request = RequestFactory().post("/", {"files": [upload("a.jpg", encode(product_pixels()))]})
    assert isinstance(request.FILES["files"], TemporaryUploadedFile)


def test_a_request_over_the_byte_limit_is_refused_before_its_body_is_read(settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 10 * MB

    class Body(io.BytesIO):
        reads = 0

        def read(self, *args):
            Body.reads += 1
            return super().read(*args)

    request = RequestFactory().post(
        "/w/x/photos/upload/",
        data=b"--x\r\n",
        content_type="multipart/form-data; boundary=x",
        CONTENT_LENGTH=str(800 * MB),  # what 40 photos of 20 MB declare
    )
    request._stream = Body(b"--x\r\n")
    reached = []
    response = UploadLimitMiddleware(lambda r: reached.append(r))(request)
    assert response.status_code == 413
    assert "This upload is 800 MB; at most 10 MB can be sent at once." in response.content.decode()
    assert reached == [] and Body.reads == 0


def test_the_byte_limit_holds_for_every_upload_form(client, workspace, member, settings):
    settings.UPLOAD_MAX_REQUEST_BYTES = 1 * MB
    editor = member("owner")
    brand = brand_of(workspace, editor)
    client.force_login(editor)
    photos = [upload(f"p{n}.jpg", padded_jpeg(600 * 1024, seed=n)) for n in range(2)]
    for name, kwargs in (
        ("photo_upload", {}),
        ("brand_lighting", {"profile_id": brand.pk}),
        ("catalog_import", {}),
    ):
        response = client.post(
            reverse(name, kwargs={"slug": workspace.slug, **kwargs}),
            {"files": photos, "file": upload("c.csv", b"Handle,Title\n" + b"x" * 1_200_000)},
        )
        for f in photos:
            f.seek(0)
        assert response.status_code == 413, name
        assert "at most 1 MB can be sent at once" in response.content.decode()
    assert not Photo.objects.for_workspace(workspace).exists()
    assert not LightingProfile.objects.for_workspace(workspace).exists()


def test_the_lighting_reference_upload_is_capped_in_files(client, workspace, member):
    manager = member("brand_manager")
    brand = brand_of(workspace, manager)
    client.force_login(manager)
    tiny = encode(product_pixels(60, 45))
    response = client.post(
        reverse("brand_lighting", kwargs={"slug": workspace.slug, "profile_id": brand.pk}),
        {"files": [upload(f"ref-{n}.jpg", tiny) for n in range(51)]},
    )
    assert response.status_code == 413
    assert "At most 50 files can be uploaded at once." in response.content.decode()
    assert not LightingProfile.objects.for_workspace(workspace).exists()


def test_the_service_caps_reference_photos_too(workspace, member, settings):
    settings.PHOTOS_MAX_FILES_PER_UPLOAD = 6
    manager = member("brand_manager")
    brand = brand_of(workspace, manager)
    files = [upload(f"ref-{n}.jpg", encode(product_pixels(60, 45, seed=n))) for n in range(7)]
    with pytest.raises(ServiceError, match="7 reference photos at once is more than"):
        lighting_services.lighting_profile_train(
            actor=actor_for(workspace, manager), brand_id=brand.pk, uploads=files
        )
    assert not LightingProfile.objects.for_workspace(workspace).exists()
