"""Server-side request forgery through a workspace's provider base URL (issue 13, point 1).

The probe: an owner set the base URL to an internal address and pressed *Test connection*; the
server sent the request (with the key as a bearer token) and showed the 4xx body. Here the
"internal service" is a real HTTP server on loopback that records every request reaching it;
the real ``openai`` client makes the calls through the gateway.
"""

from __future__ import annotations

import ipaddress
import json

import pytest

from apps.core import netguard
from apps.core.errors import ServiceError
from apps.gateway import model_settings, services
from apps.gateway.models import ProviderCredential
from apps.gateway.types import TaskKind, TextRequest
from tests.factories import actor_for
from tests.gateway.conftest import SECRET_KEY

INTERNAL_BODY = b'{"error": {"message": "internal admin console: secret-token-42"}}'


def internal_answer(path):
    return 400, {"Content-Type": "application/json"}, INTERNAL_BODY


@pytest.fixture(autouse=True)
def _no_allowances(settings):
    settings.OUTBOUND_ALLOWED_HOSTS = []


@pytest.fixture
def dns(monkeypatch):
    """Answers for names the guard looks up: ``dns["host"] = "1.2.3.4"``."""
    table: dict[str, str] = {}

    def resolve(host, port):
        if host not in table:
            raise netguard.OutboundRefused(f"The server “{host}” could not be found.", host=host)
        return [ipaddress.ip_address(table[host])]

    monkeypatch.setattr(netguard, "resolve", resolve)
    return table


def stored_credential(workspace, base_url):
    """A credential as it may sit in the database already (saved before the guard existed)."""
    from apps.gateway import encryption

    return ProviderCredential.objects.create(
        workspace=workspace,
        provider="openai",
        base_url=base_url,
        api_key_encrypted=encryption.encrypt(SECRET_KEY),
        api_key_last4=SECRET_KEY[-4:],
    )


def test_an_internal_base_url_is_refused_when_saved(client, workspace, owner, loopback_servers):
    internal = loopback_servers(internal_answer)
    client.force_login(owner)
    response = client.post(
        f"/w/{workspace.slug}/models/credentials/",
        {"provider": "openai", "api_key": SECRET_KEY, "base_url": internal.url() + "/v1"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "loopback address" in page and "OUTBOUND_ALLOWED_HOSTS" in page
    assert not ProviderCredential.objects.for_workspace(workspace).exists()
    assert internal.hits == []


@pytest.mark.parametrize(
    "base_url",
    [
        "http://10.0.0.5/v1",
        "http://169.254.169.254/latest",
        "http://[::1]:8080/v1",
        "http://metadata.google.internal/v1",
        "http://internal.example.test/v1",  # resolves to a private address
    ],
)
def test_private_and_metadata_base_urls_are_refused(workspace, owner, dns, base_url):
    dns["internal.example.test"] = "192.168.1.20"
    with pytest.raises(ServiceError) as refused:
        model_settings.credential_save(
            actor=actor_for(workspace, owner), provider="openai", base_url=base_url
        )
    assert refused.value.field == "base_url"
    assert "Atelier connects only to public addresses" in refused.value.message or (
        "metadata" in refused.value.message
    )
    assert not ProviderCredential.objects.for_workspace(workspace).exists()


def test_test_connection_to_a_stored_internal_url_sends_nothing(
    client, workspace, owner, loopback_servers
):
    internal = loopback_servers(internal_answer)
    stored_credential(workspace, internal.url() + "/v1")
    client.force_login(owner)
    response = client.post(
        f"/w/{workspace.slug}/models/test-connection/",
        {"provider": "openai"},
        HTTP_HX_REQUEST="true",
    )
    page = response.content.decode()
    assert internal.hits == []  # no request, so no key went out as a bearer token
    assert "did not connect" in page and "loopback address" in page
    assert "secret-token-42" not in page and SECRET_KEY not in page


def test_a_name_that_turns_internal_after_it_was_saved_is_not_connected_to(
    workspace, owner, dns, loopback_servers
):
    internal = loopback_servers(internal_answer)
    dns["models.example.test"] = "93.184.215.14"  # public when saved
    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=f"http://models.example.test:{internal.port}/v1",
    )
    dns["models.example.test"] = "127.0.0.1"  # DNS rebinding: now it points inside
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert not check.ok
    assert "resolves to 127.0.0.1" in check.message
    assert internal.hits == []


def test_a_redirect_inward_is_not_followed(workspace, owner, dns, settings, loopback_servers):
    internal = loopback_servers(internal_answer)
    public = loopback_servers(
        lambda path: (307, {"Location": f"http://inside.example.test:{internal.port}/x"}, b"")
    )
    settings.OUTBOUND_ALLOWED_HOSTS = ["models.example.test"]  # the operator trusts this one
    dns["models.example.test"] = "127.0.0.1"
    dns["inside.example.test"] = "127.0.0.1"
    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=f"http://models.example.test:{public.port}/v1",
    )
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert public.hits == ["/v1/models"]
    assert internal.hits == []
    assert not check.ok and "inside.example.test" in check.message


def test_a_providers_answer_is_never_echoed(workspace, owner, settings, loopback_servers):
    """An allowed server's error body stays out of Test connection and of generation errors."""
    server = loopback_servers(internal_answer)
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=server.url() + "/v1",
    )
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert server.hits == ["/v1/models"]
    assert not check.ok and "(HTTP 400)" in check.message
    assert "secret-token-42" not in check.message and "admin console" not in check.message

    from apps.gateway.models import ModelEntry

    model = ModelEntry.objects.get(provider="openai", name="gpt-4o-mini")
    model_settings.route_save(
        actor=actor_for(workspace, owner), task=TaskKind.COPY_GENERATE, model_ids=[model.pk]
    )
    with pytest.raises(ServiceError) as failed:
        services.gateway_generate_text(
            workspace=workspace, actor=owner, request=TextRequest.from_prompt("Describe a shirt.")
        )
    assert "(HTTP 400)" in failed.value.message
    assert "secret-token-42" not in failed.value.message
    from apps.gateway.models import UsageRecord

    logged = json.dumps(list(UsageRecord.objects.for_workspace(workspace).values("error_message")))
    assert "secret-token-42" not in logged
