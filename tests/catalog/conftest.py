import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.catalog import services
from tests.factories import actor_for


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def run_import(django_capture_on_commit_callbacks):
    """Upload a CSV and run its job through the real job path (tasks run eagerly)."""

    def run(
        workspace,
        actor,
        content,
        *,
        name="products.csv",
        fmt="shopify",
        encoding="utf-8",
        mapping=None,
    ):
        """A Shopify file (or another CSV with ``mapping``) is uploaded, then confirmed as its
        preview page would; another CSV without a mapping only waits for one."""
        data = content.encode(encoding) if isinstance(content, str) else content
        with django_capture_on_commit_callbacks(execute=True):
            batch = services.catalog_import_upload(
                actor=actor_for(workspace, actor),
                upload=SimpleUploadedFile(name, data, content_type="text/csv"),
                fmt=fmt,
            )
            if fmt == "shopify" or mapping is not None:
                services.catalog_import_confirm(
                    actor=actor_for(workspace, actor), batch_id=batch.pk, mapping=mapping
                )
        batch.refresh_from_db()
        return batch

    return run
