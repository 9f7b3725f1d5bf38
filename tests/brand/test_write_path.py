"""The brand's one write path: services take the acting member, refuse a role that may not,
and write activations, rollbacks and routing to the audit trail."""

import pytest

from apps.audit.models import AuditEvent
from apps.brand.models import BrandProfile, MaterialText
from apps.brand.services import fine_tuning, material, profiles, versions
from apps.core.errors import ServiceError
from apps.gateway.models import RouteEntry
from apps.workspaces.actors import NotAllowed
from tests import factories as f
from tests.brand.conftest import add_material
from tests.factories import actor_for


def trail(workspace):
    return list(
        AuditEvent.objects.for_workspace(workspace)
        .order_by("created_at", "id")
        .values_list("action", "actor_email", "target", "details")
    )


def test_a_role_without_brand_management_is_refused_and_nothing_is_written(
    workspace, profile, trained
):
    writer = actor_for(workspace, role="copywriter")
    with pytest.raises(NotAllowed, match=r"Your role \(Copywriter\) may not do this: brand"):
        profiles.profile_create(actor=writer, name="Tideline")
    with pytest.raises(NotAllowed):
        profiles.profile_set_default(actor=writer, profile_id=profile.pk, is_default=True)
    with pytest.raises(NotAllowed):
        material.material_paste(actor=writer, profile_id=profile.pk, content="Our own words.")
    with pytest.raises(NotAllowed):
        versions.profile_train(actor=writer, profile_id=profile.pk)
    with pytest.raises(NotAllowed):
        versions.version_activate(actor=writer, version_id=trained.pk)
    assert list(BrandProfile.objects.for_workspace(workspace)) == [profile]
    profile.refresh_from_db()
    assert not profile.is_default
    assert not MaterialText.objects.for_workspace(workspace).filter(text="Our own words.").exists()
    assert [row[0] for row in trail(workspace)] == ["brand.version_activated"]  # the training's


def test_another_workspaces_profile_is_not_found(workspace, other_workspace, profile):
    stranger = actor_for(other_workspace, role="owner")
    with pytest.raises(ServiceError, match="This brand profile no longer exists") as caught:
        profiles.profile_update_style(actor=stranger, profile_id=profile.pk, tone_words="loud")
    assert caught.value.code == "not_found"
    profile.refresh_from_db()
    assert profile.tone_words == ""


def test_activation_by_training_and_rollback_by_a_person_are_audited(
    workspace, brand_manager, profile, trained, django_capture_on_commit_callbacks
):
    manager = actor_for(workspace, brand_manager)
    assert trail(workspace) == [
        ("brand.version_activated", "", "Harbor v1", {"from": None, "to": 1, "by": "training"})
    ]
    add_material(workspace, profile, count=10, seed=1)
    with django_capture_on_commit_callbacks(execute=True):
        second = versions.profile_train(actor=manager, profile_id=profile.pk)
    versions.version_activate(actor=manager, version_id=trained.pk)
    versions.version_activate(actor=manager, version_id=second.pk)
    email = brand_manager.email
    assert trail(workspace)[1:] == [
        ("brand.version_activated", "", "Harbor v2", {"from": 1, "to": 2, "by": "training"}),
        ("brand.version_rolled_back", email, "Harbor v1", {"from": 2, "to": 1}),
        ("brand.version_activated", email, "Harbor v2", {"from": 1, "to": 2}),
    ]


def test_routing_to_a_fine_tuned_model_needs_model_management_and_is_audited(
    workspace, owner, brand_manager, profile
):
    run = f.FineTuneRunFactory(
        profile=profile, status="succeeded", fine_tuned_model="ft:gpt-4o-mini:harbor::1"
    )
    with pytest.raises(NotAllowed, match="model routes"):
        fine_tuning.fine_tune_route(actor=actor_for(workspace, brand_manager), run_id=run.pk)
    run.refresh_from_db()
    assert run.routed_at is None and not trail(workspace)
    fine_tuning.fine_tune_route(actor=actor_for(workspace, owner), run_id=run.pk)
    routed = (
        RouteEntry.objects.for_workspace(workspace)
        .filter(route__task="copy.generate")
        .values_list("model__name", flat=True)
    )
    assert list(routed) == ["ft:gpt-4o-mini:harbor::1"]
    assert trail(workspace) == [
        (
            "models.model_added",
            owner.email,
            "ft:gpt-4o-mini:harbor::1 (fine-tuned)",
            {"provider": "openai", "capabilities": ["text", "json_schema"]},
        ),
        ("models.route_changed", owner.email, "Copy generation", {"models": [
            "ft:gpt-4o-mini:harbor::1 (fine-tuned)"]}),
        (
            "brand.fine_tune_routed",
            owner.email,
            "ft:gpt-4o-mini:harbor::1",
            {"profile": "Harbor", "run": run.pk, "fallbacks": 0},
        ),
    ]  # fmt: skip
