"""Brand lights: learned per brand profile (a workspace with two brands has two lights),
versioned and activated per brand, shown on the brand pages, the studio and the dashboard;
existing workspace-wide lighting profiles are carried over by the migration."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from apps.audit.models import AuditEvent
from apps.brand import lighting_selectors, lighting_services
from apps.brand.models import LightingProfile
from apps.core.errors import ServiceError
from apps.jobs.models import Job
from apps.workspaces.actors import NotAllowed
from tests import factories as f
from tests.factories import actor_for
from tests.photos.conftest import encode, product_pixels, upload

pytestmark = pytest.mark.django_db


def references(count=5, **kwargs):
    return [
        upload(f"ref-{i}.jpg", encode(product_pixels(200, 150, seed=i, **kwargs)))
        for i in range(count)
    ]


@pytest.fixture
def learn(django_capture_on_commit_callbacks):
    def run(workspace, actor, brand, uploads, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            light = lighting_services.lighting_profile_train(
                actor=actor_for(workspace, actor), brand_id=brand.pk, uploads=uploads, **kwargs
            )
        light.refresh_from_db()
        return light

    return run


def test_each_brand_has_its_own_light_and_versions(workspace, brand_manager, learn):
    harbor = f.BrandProfileFactory(workspace=workspace, name="Harbor", is_default=True)
    dune = f.BrandProfileFactory(workspace=workspace, name="Dune")
    first = learn(workspace, brand_manager, harbor, references(backdrop=(250, 250, 250)))
    assert (first.brand, first.version, first.status, first.is_active) == (harbor, 1, "ready", True)
    assert first.stats["references"] == 5 and "white_point" in first.stats
    assert first.job.kind == "brand.lighting_learn" and first.job.status == "succeeded"
    assert [r.file.name.endswith(".jpg") for r in first.references.all()] == [True] * 5
    warm = learn(workspace, brand_manager, dune, references(backdrop=(235, 200, 150)))
    # Dune's light is version 1 of Dune, and learning it left Harbor's light active.
    first.refresh_from_db()
    assert (warm.version, warm.is_active, first.is_active) == (1, True, True)
    assert warm.stats["colour_temperature"] < first.stats["colour_temperature"]
    second = learn(workspace, brand_manager, harbor, references(), name="Spring")
    first.refresh_from_db()
    assert (second.version, second.is_active, first.is_active) == (2, True, False)
    # Rolling back is one call, and touches only that brand.
    lighting_services.lighting_profile_activate(
        actor=actor_for(workspace, brand_manager), profile_id=first.pk
    )
    assert lighting_selectors.lighting_profile_active(workspace=workspace, brand_id=harbor.pk) == (
        first
    )
    assert lighting_selectors.lighting_profile_active(workspace=workspace, brand_id=dune.pk) == (
        warm
    )
    # Without a brand named: the workspace's default brand's light.
    assert lighting_selectors.lighting_profile_active(workspace=workspace) == first
    with pytest.raises(ServiceError, match="already the brand's active light"):
        lighting_services.lighting_profile_activate(
            actor=actor_for(workspace, brand_manager), profile_id=first.pk
        )


def test_several_brands_and_no_default_means_no_light_is_guessed(workspace, brand_manager, learn):
    one = f.BrandProfileFactory(workspace=workspace, name="One")
    two = f.BrandProfileFactory(workspace=workspace, name="Two")
    learn(workspace, brand_manager, one, references())
    assert lighting_selectors.lighting_profile_active(workspace=workspace).brand == one
    learn(workspace, brand_manager, two, references())
    assert lighting_selectors.lighting_profile_active(workspace=workspace) is None


def test_too_few_usable_references_save_nothing(workspace, brand_manager):
    brand = f.BrandProfileFactory(workspace=workspace)
    uploads = references(4)
    uploads.append(upload("broken.jpg", b"\xff\xd8\xff\xe0 not really"))
    with pytest.raises(ServiceError) as refused:
        lighting_services.lighting_profile_train(
            actor=actor_for(workspace, brand_manager), brand_id=brand.pk, uploads=uploads
        )
    assert refused.value.message.startswith(
        "A lighting profile needs at least 5 usable reference photos; 4 of 5 could be used. "
        "“broken.jpg” looks like a JPEG file but cannot be read"
    )
    assert not LightingProfile.objects.for_workspace(workspace).exists()
    assert not Job.objects.for_workspace(workspace).exists()


def test_a_reference_that_fails_in_the_job_fails_the_version_and_says_why(
    workspace, brand_manager, learn
):
    brand = f.BrandProfileFactory(workspace=workspace)
    whole = encode(product_pixels(120, 90, seed=9))
    light = learn(
        workspace,
        brand_manager,
        brand,
        [*references(4), upload("half.jpg", whole[: -len(whole) // 2])],
    )
    assert (light.status, light.is_active) == ("failed", False)
    assert light.error == (
        "A lighting profile needs at least 5 usable reference photos; 4 could be used. "
        "“half.jpg” looks like a JPEG file but cannot be read: it is damaged or incomplete."
    )
    assert (
        lighting_selectors.lighting_profile_active(workspace=workspace, brand_id=brand.pk) is None
    )
    with pytest.raises(ServiceError, match="is not learned yet"):
        lighting_services.lighting_profile_activate(
            actor=actor_for(workspace, brand_manager), profile_id=light.pk
        )


def _url(name, workspace, **kwargs):
    return reverse(name, kwargs={"slug": workspace.slug, **kwargs})


def test_the_brand_light_page_learns_and_shows_the_numbers(
    client, workspace, brand_manager, django_capture_on_commit_callbacks
):
    brand = f.BrandProfileFactory(workspace=workspace, name="Harbor")
    client.force_login(brand_manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            _url("brand_lighting", workspace, profile_id=brand.pk), {"files": references()}
        )
    assert response.status_code == 302
    html = client.get(response["Location"]).content.decode()
    assert html.count('class="reference-thumb"') == 5
    assert 'data-testid="light-numbers"' in html and "White point" in html and " K" in html
    # The dashboard's panel shows each brand with its light.
    dashboard = client.get(reverse("workspace_dashboard", kwargs={"slug": workspace.slug}))
    panel = dashboard.content.decode()
    assert 'data-testid="panel-brand-lights"' in panel
    assert "Harbor" in panel and "Light v1 · 5 references" in panel


def test_photo_editors_see_lights_but_do_not_learn_them(client, workspace):
    brand = f.BrandProfileFactory(workspace=workspace, name="Harbor")
    light = f.LightingProfileFactory(workspace=workspace, brand=brand, is_active=True)
    f.LightingReferenceFactory(profile=light)
    editor = f.MembershipFactory(workspace=workspace, role="photo_editor").user
    client.force_login(editor)
    overview = client.get(_url("photo_lighting", workspace)).content.decode()
    assert 'data-testid="brand-light"' in overview and "Harbor" in overview
    assert "Learn its light" not in overview and "Versions and a new version" not in overview
    response = client.post(
        _url("brand_lighting", workspace, profile_id=brand.pk), {"files": references()}
    )
    assert response.status_code == 403
    assert LightingProfile.objects.for_workspace(workspace).count() == 1


def test_another_workspaces_light_is_404(client, workspace, other_workspace, stranger):
    light = f.LightingProfileFactory(workspace=workspace)
    f.LightingProfileFactory(workspace=workspace, brand=light.brand, is_active=True)
    client.force_login(stranger)
    response = client.post(
        _url("brand_lighting_activate", other_workspace, lighting_profile_id=light.pk)
    )
    assert response.status_code == 404
    light.refresh_from_db()
    assert light.is_active is False


@pytest.mark.django_db(transaction=True)
def test_the_migration_hangs_existing_lighting_profiles_off_a_brand_profile():
    """Rows of the old workspace-wide table arrive under the workspace's default brand profile
    (or one made for them), with their ids, references and the outputs that point at them."""
    executor = MigrationExecutor(connection)
    old_state = [("photos", "0002_processing_jobs"), ("brand", "0001_initial")]
    executor.migrate(old_state)
    apps = executor.loader.project_state(old_state).apps
    Workspace = apps.get_model("workspaces", "Workspace")
    BrandProfile = apps.get_model("brand", "BrandProfile")
    OldProfile = apps.get_model("photos", "LightingProfile")
    OldReference = apps.get_model("photos", "LightingReference")
    Photo = apps.get_model("photos", "Photo")
    PhotoOutput = apps.get_model("photos", "PhotoOutput")
    with_brand = Workspace.objects.create(name="Harbor Goods", slug="harbor-goods")
    BrandProfile.objects.create(workspace=with_brand, name="Other")
    house = BrandProfile.objects.create(workspace=with_brand, name="House", is_default=True)
    without = Workspace.objects.create(name="Dune Supply", slug="dune-supply")
    old_one = OldProfile.objects.create(
        workspace=with_brand, version=1, is_active=True, stats={"references": 5}
    )
    old_two = OldProfile.objects.create(workspace=without, version=1, stats={"references": 6})
    OldReference.objects.create(
        workspace=with_brand, profile=old_one, original_name="r.jpg", file="photos/lighting/r.jpg"
    )
    photo = Photo.objects.create(
        workspace=with_brand, original_name="p.jpg", file="p.jpg", width=1, height=1
    )
    output = PhotoOutput.objects.create(
        workspace=with_brand, photo=photo, profile=old_one, file="o.jpg", width=1, height=1
    )

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    moved = LightingProfile.objects.all_workspaces().order_by("pk")
    assert [(m.pk, m.brand.name, m.is_active, m.stats) for m in moved] == [
        (old_one.pk, "House", True, {"references": 5}),
        (old_two.pk, "Dune Supply", False, {"references": 6}),
    ]
    assert moved[0].brand_id == house.pk
    assert [r.original_name for r in moved[0].references.all()] == ["r.jpg"]
    from apps.photos.models import PhotoOutput as CurrentOutput

    assert CurrentOutput.objects.all_workspaces().get(pk=output.pk).profile_id == old_one.pk
    # New rows get fresh ids (the id sequence was moved past the copied ones).
    fresh = f.LightingProfileFactory()
    assert fresh.pk > old_two.pk


def test_a_batch_relights_in_the_chosen_brands_light(
    workspace, brand_manager, learn, django_capture_on_commit_callbacks
):
    from apps.photos.models import Photo, PhotoOutput
    from apps.photos.services import processing, recipes, uploads
    from tests.billing.support import set_balance

    set_balance(workspace, 100)
    harbor = f.BrandProfileFactory(workspace=workspace, name="Harbor")
    dune = f.BrandProfileFactory(workspace=workspace, name="Dune")
    learn(workspace, brand_manager, harbor, references())
    dune_light = learn(workspace, brand_manager, dune, references(backdrop=(235, 200, 150)))
    with django_capture_on_commit_callbacks(execute=True):
        uploads.photo_upload(
            actor=actor_for(workspace, brand_manager),
            uploads=[upload("shoe.jpg", encode(product_pixels(240, 180)))],
        )
    photo = Photo.objects.for_workspace(workspace).get()
    relit = recipes.recipe_save(
        actor=actor_for(workspace, brand_manager),
        name="Relit",
        steps=[{"op": "remove_background"}, {"op": "relight"}],
    )
    # Two brands with a light and no default: the person must choose.
    with pytest.raises(ServiceError, match="the chosen brand has none yet"):
        processing.photo_batch_start(
            actor=actor_for(workspace, brand_manager), photo_ids=[photo.pk], recipe_key=relit.pk
        )
    with django_capture_on_commit_callbacks(execute=True):
        processing.photo_batch_start(
            actor=actor_for(workspace, brand_manager),
            photo_ids=[photo.pk],
            recipe_key=relit.pk,
            brand_id=dune.pk,
        )
        # A built-in recipe that does not relight keeps no light with its output.
        processing.photo_batch_start(
            actor=actor_for(workspace, brand_manager),
            photo_ids=[photo.pk],
            recipe_key="builtin:google-merchant",
            brand_id=dune.pk,
        )
    outputs = list(PhotoOutput.objects.for_workspace(workspace).order_by("pk"))
    assert [(o.recipe_name, o.profile_id) for o in outputs] == [
        ("Relit", dune_light.pk),
        ("Google Merchant Center", None),
    ]
    assert outputs[0].report["relight"]["colour_shift_applied"] <= 3.0 + 0.01


def _trail(workspace):
    return list(
        AuditEvent.objects.for_workspace(workspace)
        .filter(action__startswith="brand.lighting")
        .order_by("created_at", "id")
        .values_list("action", "actor_email", "target", "details")
    )


def test_activations_by_learning_and_by_a_person_are_audited(workspace, brand_manager, learn):
    harbor = f.BrandProfileFactory(workspace=workspace, name="Harbor")
    first = learn(workspace, brand_manager, harbor, references())
    second = learn(workspace, brand_manager, harbor, references())
    manager = actor_for(workspace, brand_manager)
    lighting_services.lighting_profile_activate(actor=manager, profile_id=first.pk)
    lighting_services.lighting_profile_activate(actor=manager, profile_id=second.pk)
    email = brand_manager.email
    assert _trail(workspace) == [
        (
            "brand.lighting_activated",
            "",
            "Harbor: light v1",
            {"from": None, "to": 1, "by": "learning"},
        ),
        (
            "brand.lighting_activated",
            "",
            "Harbor: light v2",
            {"from": 1, "to": 2, "by": "learning"},
        ),
        ("brand.lighting_rolled_back", email, "Harbor: light v1", {"from": 2, "to": 1}),
        ("brand.lighting_activated", email, "Harbor: light v2", {"from": 1, "to": 2}),
    ]


def test_a_role_without_brand_management_is_refused_by_the_services(workspace):
    brand = f.BrandProfileFactory(workspace=workspace, name="Harbor")
    active = f.LightingProfileFactory(workspace=workspace, brand=brand, version=1, is_active=True)
    spare = f.LightingProfileFactory(workspace=workspace, brand=brand, version=2, is_active=False)
    editor = actor_for(workspace, role="photo_editor")
    with pytest.raises(NotAllowed, match=r"Your role \(Photo editor\) may not do this"):
        lighting_services.lighting_profile_activate(actor=editor, profile_id=spare.pk)
    with pytest.raises(NotAllowed):
        lighting_services.lighting_profile_train(
            actor=editor, brand_id=brand.pk, uploads=references()
        )
    active.refresh_from_db()
    spare.refresh_from_db()
    assert (active.is_active, spare.is_active) == (True, False)
    assert LightingProfile.objects.for_workspace(workspace).count() == 2
    assert not Job.objects.for_workspace(workspace).exists()
    assert _trail(workspace) == []


def test_another_workspaces_light_is_not_found_by_the_service(workspace, other_workspace):
    brand = f.BrandProfileFactory(workspace=workspace)
    light = f.LightingProfileFactory(workspace=workspace, brand=brand, is_active=False)
    stranger = actor_for(other_workspace, role="owner")
    with pytest.raises(ServiceError, match="This lighting profile no longer exists") as caught:
        lighting_services.lighting_profile_activate(actor=stranger, profile_id=light.pk)
    assert caught.value.code == "not_found"
    light.refresh_from_db()
    assert light.is_active is False
