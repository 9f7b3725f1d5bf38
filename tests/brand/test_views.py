"""The brand pages: who may use them, what they show, what their forms do."""

import pytest
from django.urls import reverse

from apps.brand.models import BrandProfile, MaterialText, MaterialUpload, ProfileVersion
from tests import factories as f
from tests.brand.conftest import add_material, csv_upload


def url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


@pytest.mark.parametrize("role", ["copywriter", "photo_editor", "reviewer"])
def test_roles_without_brand_manage_get_403(client, workspace, profile, role):
    client.force_login(f.MembershipFactory(workspace=workspace, role=role).user)
    assert client.get(url("brand_profile_list", workspace)).status_code == 403
    response = client.post(url("brand_profile_list", workspace), {"name": "Sneaky"})
    assert response.status_code == 403
    response = client.post(
        url("brand_material_paste", workspace, profile_id=profile.pk), {"content": "Some text."}
    )
    assert response.status_code == 403
    assert BrandProfile.objects.for_workspace(workspace).count() == 1
    assert not MaterialText.objects.for_workspace(workspace).exists()


def test_other_workspace_gets_404_for_every_object(client, workspace, stranger, trained):
    client.force_login(stranger)
    upload = f.MaterialUploadFactory(profile=trained.profile, workspace=workspace)
    for name, kwargs in [
        ("brand_profile_detail", {"profile_id": trained.profile_id}),
        ("brand_profile_train", {"profile_id": trained.profile_id}),
        ("brand_version_activate", {"version_id": trained.pk}),
        ("brand_upload_detail", {"upload_id": upload.pk}),
    ]:
        assert client.post(url(name, workspace, **kwargs)).status_code == 404
        # Their own workspace's address with this workspace's ids: still not found.
        other = stranger.memberships.first().workspace
        assert client.post(url(name, other, **kwargs)).status_code == 404
    assert ProfileVersion.objects.for_workspace(workspace).count() == 1


def test_list_and_create(client, workspace, brand_manager):
    client.force_login(brand_manager)
    assert client.get(url("brand_profile_list", workspace)).status_code == 200
    response = client.post(url("brand_profile_list", workspace), {"name": "Harbor"})
    profile = BrandProfile.objects.for_workspace(workspace).get()
    assert response["Location"] == url("brand_profile_detail", workspace, profile_id=profile.pk)
    response = client.post(url("brand_profile_list", workspace), {"name": "harbor"})
    assert response.status_code == 400
    assert "already a profile" in response.content.decode()


def test_detail_page_shows_versions_evaluation_trend_and_lexicon(
    client, workspace, brand_manager, trained
):
    client.force_login(brand_manager)
    response = client.get(url("brand_profile_detail", workspace, profile_id=trained.profile_id))
    page = response.content.decode()
    assert response.status_code == 200
    for marker in ('data-testid="versions"', 'data-testid="score-trend"', 'data-testid="lexicon"'):
        assert marker in page
    assert f"{trained.evaluation['roc_auc']:.3f}" in page
    assert "harbour" in page
    assert "style=" not in page.split("<body", 1)[1]  # the CSP allows no inline styles


def test_style_guide_form_with_regex_like_and_empty_banned_entries(
    client, workspace, brand_manager, profile
):
    client.force_login(brand_manager)
    data = {
        "tone_words": "calm",
        "banned": "(sale\n\n.*\ncheap => affordable\n   ",
        "preferred_terms": "",
        "person": "we",
        "reading_grade_target": "",
        "emoji_policy": "never",
        "exclamation_policy": "sparingly",
        "auto_train_min_new": "20",
    }
    response = client.post(url("brand_profile_detail", workspace, profile_id=profile.pk), data)
    assert response.status_code == 302
    profile.refresh_from_db()
    assert [b["term"] for b in profile.banned_terms] == ["(sale", ".*", "cheap"]
    data["reading_grade_target"] = "99"
    response = client.post(url("brand_profile_detail", workspace, profile_id=profile.pk), data)
    assert response.status_code == 400
    profile.refresh_from_db()
    assert profile.reading_grade_target is None


def test_paste_upload_and_map(client, workspace, brand_manager, profile):
    client.force_login(brand_manager)
    client.post(
        url("brand_material_paste", workspace, profile_id=profile.pk),
        {"content": "One.\nTwo texts here.\nThree texts here.", "split": "line"},
    )
    assert MaterialText.objects.for_workspace(workspace).count() == 3
    response = client.post(
        url("brand_material_upload", workspace, profile_id=profile.pk),
        {"file": csv_upload("title,copy\nA,First copy.\nB,\n")},
    )
    upload = MaterialUpload.objects.for_workspace(workspace).get()
    assert response["Location"] == url("brand_upload_detail", workspace, upload_id=upload.pk)
    page = client.get(response["Location"]).content.decode()
    assert "First copy." in page
    response = client.post(response["Location"], {"text": "copy", "title": "title"})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "row 3" in page and "“copy” cell is empty" in page
    assert MaterialText.objects.for_workspace(workspace).count() == 4


def test_upload_errors_name_the_file(client, workspace, brand_manager, profile):
    client.force_login(brand_manager)
    response = client.post(
        url("brand_material_upload", workspace, profile_id=profile.pk),
        {"file": csv_upload("%PDF-1.4 not a table", name="report.csv")},
    )
    assert response.status_code == 400
    assert "“report.csv” is not a CSV file: it looks like a PDF" in response.content.decode()
    assert not MaterialUpload.objects.for_workspace(workspace).exists()


def test_train_button_refuses_too_little_material_with_the_count(
    client, workspace, brand_manager, profile
):
    client.force_login(brand_manager)
    add_material(workspace, profile, count=5)
    response = client.post(
        url("brand_profile_train", workspace, profile_id=profile.pk), follow=True
    )
    page = response.content.decode()
    assert "Add 15 more" in page
    assert "Training needs at least 20 texts: add 15 more." in page
    assert not ProfileVersion.objects.for_workspace(workspace).exists()


def test_train_button_starts_a_job_with_a_progress_bar(
    client, workspace, brand_manager, profile, django_capture_on_commit_callbacks
):
    client.force_login(brand_manager)
    add_material(workspace, profile, count=25)
    with django_capture_on_commit_callbacks(execute=False):
        client.post(url("brand_profile_train", workspace, profile_id=profile.pk))
    version = ProfileVersion.objects.for_workspace(workspace).get()
    assert version.status == "training"
    page = client.get(url("brand_profile_detail", workspace, profile_id=profile.pk))
    assert 'data-testid="job-progress"' in page.content.decode()


def test_rollback_is_one_click(
    client, workspace, brand_manager, profile, trained, django_capture_on_commit_callbacks
):
    client.force_login(brand_manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url("brand_profile_train", workspace, profile_id=profile.pk))
    profile.refresh_from_db()
    assert profile.active_version.number == 2
    page = client.get(url("brand_profile_detail", workspace, profile_id=profile.pk)).content
    assert b"Roll back to v1" in page
    client.post(url("brand_version_activate", workspace, version_id=trained.pk))
    profile.refresh_from_db()
    assert profile.active_version_id == trained.pk
