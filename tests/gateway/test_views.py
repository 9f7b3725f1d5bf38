import csv
import io
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from apps.gateway import model_settings, services
from apps.gateway.models import ProviderCredential, RouteEntry, UsageRecord
from apps.gateway.types import TextRequest
from tests.factories import MembershipFactory, ModelEntryFactory, actor_for
from tests.gateway.conftest import OPENAI_BASE, SECRET_KEY, error_json, reply

PAGES = ["gateway_models", "gateway_usage", "gateway_usage_csv"]
ACTIONS = [
    "gateway_route_save",
    "gateway_credential_save",
    "gateway_credential_remove",
    "gateway_test_connection",
]


def url(name, workspace, **query):
    path = reverse(name, kwargs={"slug": workspace.slug})
    if query:
        path += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return path


@pytest.fixture
def owner_client(member_client, owner):
    return member_client(owner)


def generate(workspace, actor, prompt="Write a description."):
    return services.gateway_generate_text(
        workspace=workspace,
        actor=actor,
        request=TextRequest.from_prompt(f"{prompt}\nProduct: Mira Vase"),
    )


# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", PAGES + ACTIONS)
def test_another_workspace_gets_404(client, workspace, stranger, name):
    client.force_login(stranger)
    assert client.get(url(name, workspace)).status_code == 404
    assert client.post(url(name, workspace), {"provider": "openai"}).status_code == 404


@pytest.mark.parametrize("role", ["copywriter", "reviewer", "brand_manager", "photo_editor"])
@pytest.mark.parametrize("name", PAGES)
def test_roles_without_models_permission_get_403(client, workspace, role, name):
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    assert client.get(url(name, workspace)).status_code == 403


@pytest.mark.parametrize("role", ["copywriter", "reviewer"])
def test_roles_without_permission_cannot_change_routes_or_keys(client, workspace, role, registry):
    client.force_login(MembershipFactory(workspace=workspace, role=role).user)
    response = client.post(
        url("gateway_route_save", workspace),
        {"task": "copy.generate", "primary": registry["gpt-4o-mini"].pk},
    )
    assert response.status_code == 403
    response = client.post(
        url("gateway_credential_save", workspace), {"provider": "openai", "api_key": SECRET_KEY}
    )
    assert response.status_code == 403
    assert not RouteEntry.objects.for_workspace(workspace).exists()
    assert not ProviderCredential.objects.for_workspace(workspace).exists()


def test_admins_may_manage_models(member_client, workspace):
    admin = MembershipFactory(workspace=workspace, role="admin").user
    assert member_client(admin).get(url("gateway_models", workspace)).status_code == 200


# --- Models page -------------------------------------------------------------------------------


def test_models_page_lists_routes_providers_and_the_registry(owner_client, workspace):
    ModelEntryFactory(provider="openai", name="self-hosted-llm", label="Self-hosted LLM")
    response = owner_client.get(url("gateway_models", workspace))
    html = response.content.decode()
    assert response.status_code == 200
    for label in ("Copy generation", "Copy scoring", "Photo editing", "Embeddings", "Fine-tuning"):
        assert label in html
    assert "Uses local-copy (built in)." in html
    assert "GPT-4o mini" in html and "$0.15" in html and "$0.075" in html and "$10<" in html
    assert re.search(r"Self-hosted LLM.*?unpriced", html, re.S)
    assert 'style="' not in html  # the CSP forbids inline styles


def test_saving_a_route(owner_client, workspace, registry):
    response = owner_client.post(
        url("gateway_route_save", workspace),
        {
            "task": "copy.generate",
            "primary": registry["gpt-4o-mini"].pk,
            "fallback_1": registry["local-copy"].pk,
            "fallback_2": "",
        },
    )
    assert response.status_code == 302
    entries = RouteEntry.objects.for_workspace(workspace).order_by("position")
    assert [e.model.name for e in entries] == ["gpt-4o-mini", "local-copy"]
    page = owner_client.get(url("gateway_models", workspace)).content.decode()
    assert "Route for copy generation saved." in page


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"task": "copy.generate", "primary": 999999}, "is not in the model registry"),
        ({"task": "embed", "primary": "text"}, "Choose models from the lists"),
        ({"task": "nope", "primary": ""}, "Choose models from the lists"),
    ],
)
def test_a_bad_route_shows_a_message_and_changes_nothing(owner_client, workspace, data, message):
    response = owner_client.post(url("gateway_route_save", workspace), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not RouteEntry.objects.for_workspace(workspace).exists()


def test_a_route_with_a_model_unfit_for_the_task_is_refused(owner_client, workspace, registry):
    response = owner_client.post(
        url("gateway_route_save", workspace),
        {"task": "embed", "primary": registry["gpt-4o-mini"].pk},
    )
    assert response.status_code == 400
    assert "GPT-4o mini cannot do embeddings" in response.content.decode()


def test_saving_a_key_stores_it_encrypted_and_never_shows_it(owner_client, workspace):
    response = owner_client.post(
        url("gateway_credential_save", workspace),
        {"provider": "openai", "api_key": SECRET_KEY, "base_url": OPENAI_BASE},
    )
    assert response.status_code == 302
    credential = ProviderCredential.objects.for_workspace(workspace).get()
    assert credential.base_url == OPENAI_BASE and credential.api_key_last4 == "WXYZ"
    html = owner_client.get(url("gateway_models", workspace)).content.decode()
    assert "••••WXYZ" in html
    assert SECRET_KEY not in html and credential.api_key_encrypted not in html


def test_a_refused_key_form_does_not_echo_the_key(owner_client, workspace):
    response = owner_client.post(
        url("gateway_credential_save", workspace),
        {"provider": "openai", "api_key": SECRET_KEY, "base_url": "not a url"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "The base URL must start with http:// or https://" in html
    assert SECRET_KEY not in html
    assert not ProviderCredential.objects.for_workspace(workspace).exists()


def test_removing_a_key(owner_client, workspace, openai_key):
    response = owner_client.post(
        url("gateway_credential_remove", workspace), {"provider": "openai"}
    )
    assert response.status_code == 302
    assert not ProviderCredential.objects.for_workspace(workspace).exists()


def test_test_connection_for_the_local_provider_over_htmx(owner_client, workspace):
    response = owner_client.post(
        url("gateway_test_connection", workspace), {"provider": "local"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "alert-success" in html and "always available" in html


def test_test_connection_with_a_wrong_key_explains_it(
    httpx2_mock, owner_client, workspace, openai_key
):
    httpx2_mock.get(f"{OPENAI_BASE}/models").mock(
        return_value=reply(401, json=error_json(f"Incorrect API key provided: {SECRET_KEY}"))
    )
    response = owner_client.post(
        url("gateway_test_connection", workspace), {"provider": "openai"}, HTTP_HX_REQUEST="true"
    )
    html = response.content.decode()
    assert "alert-danger" in html and "rejected this workspace&#x27;s API key" in html
    assert SECRET_KEY not in html
    # Without htmx: back to the page, with the message.
    response = owner_client.post(
        url("gateway_test_connection", workspace), {"provider": "openai"}, follow=True
    )
    assert "rejected this workspace&#x27;s API key" in response.content.decode()


def test_test_connection_with_an_unreachable_server(owner_client, workspace, owner, settings):
    settings.OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]  # the operator allows this (loopback) host
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", base_url="http://127.0.0.1:9/v1"
    )
    response = owner_client.post(
        url("gateway_test_connection", workspace), {"provider": "openai"}, HTTP_HX_REQUEST="true"
    )
    assert "Could not connect to The OpenAI-compatible server at http://127.0.0.1:9/v1" in (
        response.content.decode()
    )


# --- Usage -------------------------------------------------------------------------------------


def test_usage_page_totals_chart_and_tables(owner_client, workspace, owner, other_workspace):
    generate(workspace, owner)
    generate(workspace, owner)  # cached
    generate(workspace, owner, prompt="Another")
    generate(other_workspace, None, prompt="Not ours")
    response = owner_client.get(url("gateway_usage", workspace))
    html = response.content.decode()
    assert response.status_code == 200
    totals = response.context["summary"].totals
    assert (totals["calls"], totals["attempts"], totals["cached_hits"], totals["failures"]) == (
        3,
        3,
        1,
        0,
    )
    assert '<svg class="usage-chart"' in html
    assert html.count('class="usage-bar usage-attempt-ok"') == 1
    assert html.count('class="usage-bar usage-attempt-cached"') == 1
    assert "local-copy" in html and "Copy generation" in html
    assert 'style="' not in html


def test_usage_page_period_and_empty_state(owner_client, workspace):
    response = owner_client.get(url("gateway_usage", workspace, days=7))
    assert response.context["days"] == 7 and len(response.context["summary"].by_day) == 7
    assert "No model calls in this period yet." in response.content.decode()
    assert owner_client.get(url("gateway_usage", workspace, days=12345)).context["days"] == 30


def test_usage_csv_has_one_row_per_attempt_of_this_workspace_only(
    owner_client, workspace, owner, other_workspace
):
    generate(workspace, owner)
    generate(other_workspace, None)
    UsageRecord.objects.for_workspace(workspace).update(error_message="=HYPERLINK(evil)")
    response = owner_client.get(url("gateway_usage_csv", workspace))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment;" in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode()
    records = list(csv.DictReader(io.StringIO(body)))
    assert len(records) == 1
    [record] = records
    assert record["provider"] == "local" and record["model"] == "local-copy"
    assert record["user"] == owner.email and record["outcome"] == "success"
    assert Decimal(record["cost_usd"]) == 0 and record["priced"] == "yes"
    assert record["error_message"] == "'=HYPERLINK(evil)"  # not a formula in a spreadsheet
