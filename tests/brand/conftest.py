"""Brand fixtures: synthetic material, fast training, a workspace with credits to train."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.brand import training
from apps.brand.models import MaterialSource, MaterialText
from apps.brand.services import profiles, versions
from tests import factories as f
from tests.brand.corpus import brand_rows
from tests.factories import actor_for


@pytest.fixture(autouse=True)
def _fast_training(monkeypatch, settings, tmp_path):
    # A smaller sample of "other" text keeps each training to about a second.
    monkeypatch.setattr(training, "MAX_OTHER_TEXTS", 600)
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def brand_manager(workspace):
    return f.MembershipFactory(workspace=workspace, role="brand_manager").user


@pytest.fixture
def profile(workspace, brand_manager):
    return profiles.profile_create(actor=actor_for(workspace, brand_manager), name="Harbor")


def add_material(workspace, profile, brand="Harbor", count=40, seed=0):
    for i, (title, body) in enumerate(brand_rows(brand, count, seed=seed)):
        MaterialText.objects.create(
            workspace=workspace,
            profile=profile,
            source=MaterialSource.CSV,
            source_key=f"test:{brand}:{seed}:{i}",
            title=title,
            text=body,
        )


@pytest.fixture
def trained(workspace, brand_manager, profile, django_capture_on_commit_callbacks):
    """``profile`` with Harbor material and a trained, active version 1."""
    add_material(workspace, profile)
    with django_capture_on_commit_callbacks(execute=True):
        version = versions.profile_train(
            actor=actor_for(workspace, brand_manager), profile_id=profile.pk
        )
    version.refresh_from_db()
    profile.refresh_from_db()
    assert version.status == "ready", version.error
    return version


def csv_upload(content: str, name: str = "copy.csv", encoding: str = "utf-8"):
    return SimpleUploadedFile(name, content.encode(encoding), content_type="text/csv")
