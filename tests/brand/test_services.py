"""Profiles, material, training as a job, versions, and the public API other apps call."""

import pytest

from apps.billing.models import CreditEntry
from apps.brand import selectors, services
from apps.brand.models import (
    BrandProfile,
    MaterialSource,
    MaterialText,
    MaterialUpload,
    ProfileVersion,
)
from apps.brand.services import material, profiles, versions
from apps.core.errors import ServiceError
from apps.jobs.models import Job
from tests import factories as f
from tests.brand.conftest import add_material, csv_upload
from tests.brand.corpus import brand_rows
from tests.factories import actor_for


def train(workspace, actor, profile, capture):
    with capture(execute=True):
        version = versions.profile_train(actor=actor_for(workspace, actor), profile_id=profile.pk)
    version.refresh_from_db()
    return version


def test_profile_create_names_must_be_unique(workspace, brand_manager, profile):
    assert not profile.is_default  # a default is marked by a brand manager, never implied
    second = profiles.profile_create(actor=actor_for(workspace, brand_manager), name="Harbor Kids")
    assert not second.is_default
    with pytest.raises(ServiceError, match="already a profile called “harbor”"):
        profiles.profile_create(actor=actor_for(workspace, brand_manager), name="harbor")
    with pytest.raises(ServiceError, match="Give the profile a name"):
        profiles.profile_create(actor=actor_for(workspace, brand_manager), name="   ")
    assert BrandProfile.objects.for_workspace(workspace).count() == 2


def test_style_guide_is_saved_with_banned_entries_cleaned(workspace, brand_manager, profile):
    profiles.profile_update_style(
        actor=actor_for(workspace, brand_manager),
        profile_id=profile.pk,
        tone_words="calm,  plain",
        banned="cheap => affordable\n\n.*\n(new)\n   \ncheap",
        preferred_terms="jumper, harbour",
        person="we",
        reading_grade_target=8,
        emoji_policy="never",
        exclamation_policy="never",
    )
    profile.refresh_from_db()
    assert profile.banned_terms == [
        {"term": "cheap", "replacement": "affordable"},
        {"term": ".*", "replacement": ""},
        {"term": "(new)", "replacement": ""},
    ]
    assert profile.preferred_terms == ["jumper", "harbour"]
    assert services.tone_line(profile) == (
        "calm, plain; speak as “we”; no emoji; no exclamation marks; reading grade about 8"
    )
    with pytest.raises(ServiceError, match="school grade"):
        profiles.profile_update_style(
            actor=actor_for(workspace, brand_manager),
            profile_id=profile.pk,
            reading_grade_target=40,
        )
    profile.refresh_from_db()
    assert profile.reading_grade_target == 8  # nothing changed


def test_paste_splits_and_never_duplicates(workspace, brand_manager, profile):
    content = "First text about a shirt.\n\nSecond text about a mug.\n\nFirst text about a shirt."
    added = material.material_paste(
        actor=actor_for(workspace, brand_manager), profile_id=profile.pk, content=content
    )
    assert added == 2
    again = material.material_paste(
        actor=actor_for(workspace, brand_manager), profile_id=profile.pk, content=content
    )
    assert again == 0
    assert MaterialText.objects.for_workspace(workspace).count() == 2
    with pytest.raises(ServiceError, match="empty"):
        material.material_paste(
            actor=actor_for(workspace, brand_manager), profile_id=profile.pk, content="  \n "
        )


def test_csv_upload_maps_columns_and_names_bad_rows(workspace, brand_manager, profile):
    content = (
        "Name;Body;Price\nAster Shirt;We cut it from linen.;10\nBirch Mug;;12\nCove Cap;A cap.;3\n"
    )
    record = material.material_upload(
        actor=actor_for(workspace, brand_manager),
        profile_id=profile.pk,
        upload=csv_upload(content, encoding="utf-16"),
    )
    assert record.delimiter == ";" and record.headers == ["Name", "Body", "Price"]
    assert record.mapping == {"text": "Body", "title": "Name"}
    assert selectors.upload_preview(record, record.mapping)[0] == (
        2,
        "Aster Shirt",
        "We cut it from linen.",
    )
    with pytest.raises(ServiceError, match="no column “Copy”"):
        material.material_upload_confirm(
            actor=actor_for(workspace, brand_manager), upload_id=record.pk, text_column="Copy"
        )
    record = material.material_upload_confirm(
        actor=actor_for(workspace, brand_manager),
        upload_id=record.pk,
        text_column="Body",
        title_column="Name",
    )
    assert record.imported == 2
    assert record.errors == [
        {
            "row": 3,
            "column": "Body",
            "message": "“copy.csv”, row 3: the “Body” cell is empty; the row was skipped.",
        }
    ]
    titles = set(MaterialText.objects.for_workspace(workspace).values_list("title", flat=True))
    assert titles == {"Aster Shirt", "Cove Cap"}
    with pytest.raises(ServiceError, match="already been imported"):
        material.material_upload_confirm(
            actor=actor_for(workspace, brand_manager), upload_id=record.pk, text_column="Body"
        )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "is empty"),
        (b"%PDF-1.4 binary", "looks like a PDF"),
        (b"title,description\n", "no products"),
    ],
)
def test_csv_upload_refuses_files_in_the_wrong_shape(
    workspace, brand_manager, profile, content, message
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with pytest.raises(ServiceError, match=message) as caught:
        material.material_upload(
            actor=actor_for(workspace, brand_manager),
            profile_id=profile.pk,
            upload=SimpleUploadedFile("old.csv", content),
        )
    assert "old.csv" in caught.value.message
    assert not MaterialUpload.objects.for_workspace(workspace).exists()


def test_too_little_material_trains_nothing_and_says_how_much_more(
    workspace, brand_manager, profile, django_capture_on_commit_callbacks
):
    add_material(workspace, profile, count=13)
    with pytest.raises(ServiceError, match="has 13 texts of material; training needs at least 20"):
        train(workspace, brand_manager, profile, django_capture_on_commit_callbacks)
    with pytest.raises(ServiceError, match="Add 7 more"):
        train(workspace, brand_manager, profile, django_capture_on_commit_callbacks)
    assert not ProfileVersion.objects.for_workspace(workspace).exists()
    assert not Job.objects.for_workspace(workspace).exists()
    assert not CreditEntry.objects.for_workspace(workspace).filter(key__contains="brand").exists()


def test_training_is_a_job_that_makes_an_active_version_and_charges_once(
    workspace, brand_manager, profile, trained
):
    assert trained.number == 1 and trained.job.kind == "brand.train"
    trained.job.refresh_from_db()
    assert (trained.job.status, trained.job.done) == ("succeeded", 1)
    assert profile.active_version_id == trained.pk
    assert trained.summary["texts"] == 40
    assert trained.stats["person"] == "we"
    assert trained.evaluation["roc_auc"] > 0.95
    assert trained.evaluation["heldout_brand"] == 8
    assert {e["term"] for e in trained.lexicon} & {"harbour", "we", "our"}
    assert len(trained.exemplar_pool) == 40
    assert bytes(trained.scorer)
    charges = CreditEntry.objects.for_workspace(workspace).filter(key__contains="brand-train")
    assert charges.count() == 1
    # The job item run again (a redelivered task) trains and charges nothing more.
    version = versions.profile_version_train(workspace=workspace, version_id=trained.pk)
    assert version.pk == trained.pk
    assert charges.count() == 1


def test_versions_activation_and_one_click_rollback(
    workspace, brand_manager, profile, trained, django_capture_on_commit_callbacks
):
    add_material(workspace, profile, count=10, seed=1)
    second = train(workspace, brand_manager, profile, django_capture_on_commit_callbacks)
    profile.refresh_from_db()
    assert (second.number, profile.active_version_id) == (2, second.pk)
    assert second.summary["texts"] == 50
    versions.version_activate(actor=actor_for(workspace, brand_manager), version_id=trained.pk)
    profile.refresh_from_db()
    assert profile.active_version_id == trained.pk
    assert services.brand_profile_active_version(workspace, profile.pk).pk == trained.pk
    assert services.brand_profile_active_version(workspace) is None  # no default marked
    with pytest.raises(ServiceError, match="already the active version"):
        versions.version_activate(actor=actor_for(workspace, brand_manager), version_id=trained.pk)
    trend = selectors.score_trend(selectors.version_list(workspace=workspace, profile=profile))
    assert [t["number"] for t in trend] == [1, 2]


def test_a_version_in_training_cannot_be_activated_or_doubled(
    workspace, brand_manager, profile, django_capture_on_commit_callbacks
):
    add_material(workspace, profile, count=25)
    # Capture without running: the job stays queued, the version in training.
    with django_capture_on_commit_callbacks(execute=False):
        version = versions.profile_train(
            actor=actor_for(workspace, brand_manager), profile_id=profile.pk
        )
    with pytest.raises(ServiceError, match="already training"):
        versions.profile_train(actor=actor_for(workspace, brand_manager), profile_id=profile.pk)
    with pytest.raises(ServiceError, match="not trained"):
        versions.version_activate(actor=actor_for(workspace, brand_manager), version_id=version.pk)
    assert ProfileVersion.objects.for_workspace(workspace).count() == 1


def test_training_without_credits_is_refused(
    workspace, brand_manager, profile, django_capture_on_commit_callbacks
):
    from tests.billing.support import set_balance

    add_material(workspace, profile, count=25)
    set_balance(workspace, 10)
    with pytest.raises(ServiceError, match="Not enough credits"):
        train(workspace, brand_manager, profile, django_capture_on_commit_callbacks)
    assert not ProfileVersion.objects.for_workspace(workspace).exists()


def test_learning_from_the_workspace_copy(
    workspace, brand_manager, profile, django_capture_on_commit_callbacks
):
    for title, body in brand_rows("Harbor", 22, seed=4):
        f.ProductFactory(workspace=workspace, title=title, body_html=f"<p>{body}</p>")
    profiles.profile_update_style(
        actor=actor_for(workspace, brand_manager), profile_id=profile.pk, use_workspace_copy=True
    )
    version = train(workspace, brand_manager, profile, django_capture_on_commit_callbacks)
    assert version.status == "ready" and version.summary["texts"] == 22
    assert "<p>" not in version.exemplar_pool[0][1]


def test_approved_copy_joins_the_material_idempotently(workspace, profile, other_workspace):
    first = services.brand_material_add_approved(
        workspace=workspace, profile=profile, text="We cut it by hand.", source_key="copy:7"
    )
    again = services.brand_material_add_approved(
        workspace=workspace, profile=profile, text="We cut it by hand.", source_key="copy:7"
    )
    edited = services.brand_material_add_approved(
        workspace=workspace,
        profile=profile,
        text="We cut it by hand, at the harbour.",
        source_key="copy:7",
        title="Aster Shirt",
    )
    assert first.pk == again.pk == edited.pk
    material = MaterialText.objects.for_workspace(workspace).get()
    assert (material.source, material.text, material.title) == (
        MaterialSource.APPROVED,
        "We cut it by hand, at the harbour.",
        "Aster Shirt",
    )
    with pytest.raises(ServiceError):
        services.brand_material_add_approved(
            workspace=other_workspace, profile=profile, text="x", source_key="copy:8"
        )
    with pytest.raises(ServiceError, match="empty"):
        services.brand_material_add_approved(
            workspace=workspace, profile=profile, text="  ", source_key="copy:9"
        )
    assert MaterialText.objects.for_workspace(workspace).count() == 1


def test_brand_score_explains_itself(workspace, brand_manager, profile, trained):
    profiles.profile_update_style(
        actor=actor_for(workspace, brand_manager),
        profile_id=profile.pk,
        banned="cheap => affordable\n.*",
        person="we",
        emoji_policy="never",
        exclamation_policy="never",
    )
    harbor = brand_rows("Harbor", 3, seed=50)[0][1]
    novel = "We stitch this harbour scarf from soft wool for cold mornings on the quay."
    loud = brand_rows("Bramble", 3, seed=50)[0][1] + " So cheap!"
    copied = trained.exemplar_pool[0][1]
    scores = services.brand_score(
        workspace=workspace, version=trained, texts=[harbor, loud, copied, "", novel]
    )
    assert len(scores) == 5
    assert scores[0].score > 60 > scores[1].score
    assert scores[0].rules_broken == () and scores[0].brand_terms
    assert "Uses the banned term “cheap” (use “affordable”)." in scores[1].rules_broken
    assert "Uses exclamation marks; the style guide allows none." in scores[1].rules_broken
    assert scores[1].pulled_down_by
    assert scores[2].copied and not scores[4].copied
    ranked = sorted(scores[:3], key=lambda s: s.sort_key)
    assert ranked[0] is scores[0]
    assert "On-brand score" in scores[1].explanation
    assert 0 <= scores[3].score <= 100


def test_public_api_refuses_other_workspaces_versions(workspace, other_workspace, trained):
    with pytest.raises(ServiceError):
        services.brand_score(workspace=other_workspace, version=trained, texts=["x"])
    assert services.brand_profile_active_version(other_workspace) is None
    assert services.brand_profile_active_version(other_workspace, trained.profile_id) is None
    assert services.brand_profile_active_version(workspace, trained.profile_id).pk == trained.pk


def test_scheduled_training_when_enough_new_material_arrived(
    workspace, brand_manager, profile, trained, django_capture_on_commit_callbacks
):
    profiles.profile_update_style(
        actor=actor_for(workspace, brand_manager), profile_id=profile.pk, auto_train_min_new=5
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert versions.brand_train_due() == 0  # nothing new since v1
    for i in range(5):
        services.brand_material_add_approved(
            workspace=workspace,
            profile=profile,
            text=brand_rows("Harbor", 5, seed=9)[i][1],
            source_key=f"copy:{i}",
        )
    with django_capture_on_commit_callbacks(execute=True):
        assert versions.brand_train_due() == 1
    newest = ProfileVersion.objects.for_workspace(workspace).order_by("-number").first()
    assert (newest.number, newest.status) == (2, "ready")
    assert newest.evaluation["approved_count"] == 5
    assert newest.evaluation["approved_mean"] > 50
    with django_capture_on_commit_callbacks(execute=True):
        assert versions.brand_train_due() == 0
