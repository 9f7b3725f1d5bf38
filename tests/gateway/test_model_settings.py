"""The Models page's services decide who may change models themselves, and leave an audit row
in the acting member's name (whoever calls them: a view, a task, a shell)."""

import pytest

from apps.audit.models import AuditEvent
from apps.core.errors import ServiceError
from apps.gateway import model_settings, services
from apps.gateway.models import ModelEntry, ProviderCredential, Route
from apps.workspaces.actors import NotAllowed
from tests.factories import actor_for

CHANGES = {
    "route_save": lambda actor, model: model_settings.route_save(
        actor=actor, task="copy.generate", model_ids=[model.pk]
    ),
    "credential_save": lambda actor, model: model_settings.credential_save(
        actor=actor, provider="openai", api_key="sk-not-theirs-1234"
    ),
    "credential_remove": lambda actor, model: model_settings.credential_remove(
        actor=actor, provider="openai"
    ),
    "model_entry_add_own": lambda actor, model: model_settings.model_entry_add_own(
        actor=actor, provider="openai", name="ft:gpt-4o-mini:x::9", label="x", capabilities=[]
    ),
    "test_connection": lambda actor, model: services.gateway_test_connection(
        actor=actor, provider="local"
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
@pytest.mark.parametrize("role", ["brand_manager", "copywriter", "photo_editor", "reviewer"])
def test_a_role_that_may_not_manage_models_is_refused_and_nothing_changes(
    workspace, owner, registry, role, change
):
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key="sk-owners-key-0000"
    )
    before = list(AuditEvent.objects.for_workspace(workspace).values_list("id", flat=True))
    with pytest.raises(NotAllowed, match="may not do this: model routes, provider keys"):
        CHANGES[change](actor_for(workspace, role=role), registry["local-copy"])
    assert not Route.objects.for_workspace(workspace).exists()
    credential = ProviderCredential.objects.for_workspace(workspace).get()
    assert credential.api_key_last4 == "0000"
    assert not ModelEntry.objects.filter(owner_workspace=workspace).exists()
    assert list(AuditEvent.objects.for_workspace(workspace).values_list("id", flat=True)) == before


def test_an_admin_adds_the_workspaces_own_model_once_with_an_audit_row(workspace):
    admin = actor_for(workspace, role="admin")
    first = model_settings.model_entry_add_own(
        actor=admin,
        provider="openai",
        name=" ft:gpt-4o-mini:acme::1 ",
        label="Acme voice (fine-tuned)",
        capabilities=["text", "json_schema"],
    )
    again = model_settings.model_entry_add_own(
        actor=admin, provider="openai", name="ft:gpt-4o-mini:acme::1", label="", capabilities=[]
    )
    assert again == first
    assert (first.name, first.owner_workspace_id) == ("ft:gpt-4o-mini:acme::1", workspace.pk)
    events = list(AuditEvent.objects.for_workspace(workspace))
    assert [(e.action, e.actor_id, e.target) for e in events] == [
        ("models.model_added", admin.user.pk, first.display_name)
    ]
    with pytest.raises(ServiceError, match="not a provider Atelier knows"):
        model_settings.model_entry_add_own(
            actor=admin, provider="acme", name="x", label="x", capabilities=[]
        )
