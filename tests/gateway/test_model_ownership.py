"""A workspace's fine-tuned models are its own (issue 13, point 2).

The probe: after workspace A routed copy generation to its fine-tuned model, workspace B's
Models page listed that model and B could save it as a route.
"""

import pytest
from django.urls import reverse

from apps.brand.services import fine_tuning as brand_fine_tuning
from apps.core.errors import ServiceError
from apps.gateway import model_settings, selectors
from apps.gateway.models import ModelEntry, Route, RouteEntry
from apps.gateway.types import TaskKind
from tests import factories as f
from tests.factories import actor_for

FINE_TUNED = "ft:gpt-4o-mini:acme::Ab12"


@pytest.fixture
def routed_fine_tune(workspace, owner):
    """Workspace A fine-tuned a model and routed its copy generation to it."""
    run = f.FineTuneRunFactory(
        profile=f.BrandProfileFactory(workspace=workspace),
        status="succeeded",
        fine_tuned_model=FINE_TUNED,
    )
    brand_fine_tuning.fine_tune_route(actor=actor_for(workspace, owner), run_id=run.pk)
    return ModelEntry.objects.get(name=FINE_TUNED)


def models_page(client, user, workspace):
    client.force_login(user)
    return client.get(reverse("gateway_models", kwargs={"slug": workspace.slug}))


def test_the_fine_tuned_model_belongs_to_its_workspace(
    client, workspace, owner, other_workspace, stranger, routed_fine_tune
):
    model = routed_fine_tune
    assert model.owner_workspace_id == workspace.pk
    assert FINE_TUNED in models_page(client, owner, workspace).content.decode()
    page = models_page(client, stranger, other_workspace).content.decode()
    assert FINE_TUNED not in page
    task = TaskKind.COPY_GENERATE
    assert model not in selectors.model_choices_for_task(workspace=other_workspace, task=task)
    assert model in selectors.model_choices_for_task(workspace=workspace, task=task)


def test_another_workspace_cannot_route_to_it(client, other_workspace, stranger, routed_fine_tune):
    model = routed_fine_tune
    with pytest.raises(ServiceError, match="not in the model registry"):
        model_settings.route_save(
            actor=actor_for(other_workspace, stranger),
            task=TaskKind.COPY_GENERATE,
            model_ids=[model.pk],
        )
    client.force_login(stranger)
    response = client.post(
        reverse("gateway_route_save", kwargs={"slug": other_workspace.slug}),
        {"task": TaskKind.COPY_GENERATE, "primary": model.pk},
    )
    assert response.status_code == 400
    assert not Route.objects.for_workspace(other_workspace).exists()
    assert not RouteEntry.objects.for_workspace(other_workspace).exists()


def test_a_route_saved_to_it_before_the_fix_is_not_used(other_workspace, routed_fine_tune):
    """A stale route entry in another workspace is skipped: its key never calls the model."""
    route = Route.objects.create(workspace=other_workspace, task=TaskKind.COPY_GENERATE)
    RouteEntry.objects.create(
        workspace=other_workspace, route=route, position=0, model=routed_fine_tune
    )
    steps = selectors.route_steps(workspace=other_workspace, task=TaskKind.COPY_GENERATE)
    assert FINE_TUNED not in [step.model for step in steps]


def test_two_workspaces_may_own_models_of_the_same_name(workspace, owner, other_workspace):
    """Fine-tuned names are per provider account; two workspaces' rows never merge."""
    for ws in (workspace, other_workspace):
        run = f.FineTuneRunFactory(
            profile=f.BrandProfileFactory(workspace=ws),
            status="succeeded",
            fine_tuned_model=FINE_TUNED,
        )
        actor = owner if ws == workspace else f.MembershipFactory(workspace=ws, role="owner").user
        brand_fine_tuning.fine_tune_route(actor=actor_for(ws, actor), run_id=run.pk)
    owners = set(ModelEntry.objects.filter(name=FINE_TUNED).values_list("owner_workspace_id"))
    assert owners == {(workspace.pk,), (other_workspace.pk,)}
