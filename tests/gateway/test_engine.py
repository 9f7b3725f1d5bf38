"""Routes, retries, fallback, cool-down, cache, limits and usage rows, on the local provider
(with the gateway's error switch standing in for a failing model)."""

from decimal import Decimal

import pytest

from apps.core.errors import ServiceError
from apps.gateway import limits, model_settings, services
from apps.gateway.errors import ErrorClass, GatewayError
from apps.gateway.limits import keys as limit_keys
from apps.gateway.limits.redis_store import RedisLimits
from apps.gateway.models import Outcome, RouteEntry, UsageRecord
from apps.gateway.selectors import route_cache_clear, usage_summary
from apps.gateway.types import EmbedRequest, ImageEditRequest, TaskKind, TextRequest
from tests.factories import ModelEntryFactory, ModelPriceFactory, actor_for

PROMPT = "Write a product description.\nProduct: Alma Tote\nMaterial: Canvas"


def ask(workspace, actor=None, task=TaskKind.COPY_GENERATE, prompt=PROMPT, **kwargs):
    return services.gateway_generate_text(
        workspace=workspace,
        actor=actor,
        task=task,
        request=TextRequest.from_prompt(prompt, **kwargs),
    )


def rows(workspace):
    return list(UsageRecord.objects.for_workspace(workspace).order_by("id"))


@pytest.fixture
def second_local(db):
    """Another local text model, so a route can fall back from one local model to another."""
    model = ModelEntryFactory(provider="local", name="local-copy-b")
    ModelPriceFactory(model=model, input_per_million="0", output_per_million="0")
    return model


def force(workspace, task, position, error_class):
    RouteEntry.objects.for_workspace(workspace).filter(route__task=task, position=position).update(
        force_error=error_class
    )
    route_cache_clear(workspace_id=workspace.pk, task=task)  # as the admin does on save


def test_a_workspace_without_routes_uses_the_local_provider(workspace, owner):
    result = ask(workspace, owner, n=2)
    assert len(result.candidates) == 2 and result.provider == "local"
    [row] = rows(workspace)
    assert (row.provider, row.model_name, row.route_entry_id) == ("local", "local-copy", None)
    assert (row.outcome, row.error_class, row.cached, row.attempt) == ("success", "", False, 1)
    assert row.user == owner and row.task == "copy.generate" and row.operation == "text"
    assert row.input_tokens > 0 and row.output_tokens > 0
    assert row.cost == Decimal(0)  # the local model is priced at zero, not unpriced
    prov = result.provenance
    assert prov.usage_id == row.pk and prov.model == "local-copy" and prov.prompt_hash
    assert prov.prompt_hash == row.prompt_hash and prov.parameters["n"] == 2


def test_embeddings_go_through_the_embed_route(workspace, owner):
    result = services.gateway_embed(
        workspace=workspace, actor=owner, request=EmbedRequest(texts=("a", "b c"))
    )
    assert len(result.vectors) == 2
    [row] = rows(workspace)
    assert (row.task, row.model_name, row.operation) == ("embed", "local-embed", "embed")


def test_a_task_with_no_model_fails_clearly_without_a_usage_row(workspace, owner):
    with pytest.raises(GatewayError) as caught:
        services.gateway_edit_image(
            workspace=workspace, actor=owner, request=ImageEditRequest(image=b"png", prompt="x")
        )
    assert "No model is set up for photo editing" in caught.value.message
    assert rows(workspace) == []


def test_a_route_change_applies_to_the_next_call(workspace, owner, set_route, second_local):
    assert ask(workspace, owner, prompt="one").provenance.model == "local-copy"
    set_route(workspace, "copy.generate", second_local)
    assert ask(workspace, owner, prompt="two").provenance.model == "local-copy-b"
    set_route(workspace, "copy.generate")
    assert ask(workspace, owner, prompt="three").provenance.model == "local-copy"


# --- Cache -------------------------------------------------------------------------------------


def test_an_identical_request_is_served_from_the_cache_and_costs_nothing(workspace, owner):
    first = ask(workspace, owner)
    second = ask(workspace, owner)
    assert second.text == first.text
    assert (first.cached, second.cached) == (False, True)
    fresh, hit = rows(workspace)
    assert hit.cached and hit.outcome == Outcome.SUCCESS
    assert (hit.input_tokens, hit.output_tokens, hit.cost) == (0, 0, Decimal(0))
    assert hit.prompt_hash == fresh.prompt_hash and hit.call_id != fresh.call_id
    assert second.provenance.cached and second.provenance.usage_id == hit.pk


def test_the_cache_is_not_used_for_other_parameters_workspaces_or_when_off(
    workspace, other_workspace, owner, settings
):
    ask(workspace, owner)
    ask(workspace, owner, n=2)
    ask(workspace, owner, cache=False)
    ask(other_workspace)  # never another tenant's answer
    assert [r.cached for r in rows(workspace)] == [False, False, False]
    assert [r.cached for r in rows(other_workspace)] == [False]
    settings.GATEWAY_CACHE_SECONDS = 0
    ask(workspace, owner)
    assert rows(workspace)[-1].cached is False


# --- Retries, fallback, failure ----------------------------------------------------------------


def test_server_errors_are_retried_with_backoff_then_fall_back(
    workspace, owner, set_route, second_local, waits
):
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.SERVER_ERROR)
    result = ask(workspace, owner)
    assert result.provenance.model == "local-copy-b" and result.provenance.route_position == 1
    recorded = rows(workspace)
    assert [(r.route_position, r.attempt, r.outcome, r.error_class) for r in recorded] == [
        (0, 1, "error", "server_error"),
        (0, 2, "error", "server_error"),
        (0, 3, "error", "server_error"),
        (1, 1, "success", ""),
    ]
    assert len({r.call_id for r in recorded}) == 1
    # Exponential backoff with jitter: base 0.5 s, then 1 s, each between half and all of it.
    assert len(waits) == 2
    assert 0.25 <= waits[0] <= 0.5 and 0.5 <= waits[1] <= 1.0
    assert all(r.route_entry_id for r in recorded)


def test_an_authentication_error_falls_back_without_retrying(
    workspace, owner, set_route, second_local, waits
):
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.AUTHENTICATION)
    ask(workspace, owner)
    assert [(r.route_position, r.error_class) for r in rows(workspace)] == [
        (0, "authentication"),
        (1, ""),
    ]
    assert waits == []


def test_a_content_policy_refusal_fails_at_once_without_fallback(
    workspace, owner, set_route, second_local
):
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.CONTENT_POLICY)
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    assert caught.value.error_class == ErrorClass.CONTENT_POLICY
    assert "content policy" in caught.value.message.lower()
    assert [r.route_position for r in rows(workspace)] == [0]


def test_when_every_entry_fails_the_message_says_what_was_tried(
    workspace, owner, set_route, second_local
):
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.AUTHENTICATION)
    force(workspace, "copy.generate", 1, ErrorClass.BAD_RESPONSE)
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    message = caught.value.message
    assert "local/local-copy:" in message and "local/local-copy-b:" in message
    assert caught.value.error_class == ErrorClass.BAD_RESPONSE
    assert caught.value.attempts == 2
    assert [r.outcome for r in rows(workspace)] == ["error", "error"]


def test_each_model_is_tried_at_most_once_per_call(workspace, owner, registry):
    route = model_settings.route_save(
        actor=actor_for(workspace, owner),
        task="copy.generate",
        model_ids=[registry["local-copy"].pk],
    )
    RouteEntry.objects.create(
        workspace=workspace, route=route, position=1, model=registry["local-copy"]
    )
    force(workspace, "copy.generate", 0, ErrorClass.AUTHENTICATION)
    force(workspace, "copy.generate", 1, ErrorClass.AUTHENTICATION)
    with pytest.raises(GatewayError):
        ask(workspace, owner)
    assert len(rows(workspace)) == 1


def test_the_settings_switch_forces_an_error_class_per_provider_or_model(
    workspace, owner, settings, set_route, second_local
):
    settings.GATEWAY_FORCE_ERRORS = {"local:local-copy": "context_window"}
    set_route(workspace, "copy.generate", "local-copy", second_local)
    ask(workspace, owner)
    assert [r.error_class for r in rows(workspace)] == ["context_window", ""]
    settings.GATEWAY_FORCE_ERRORS = {"local": "bad_request"}
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner, prompt="Something else")
    assert caught.value.error_class == ErrorClass.BAD_REQUEST
    assert "test switch" in caught.value.message


def test_the_call_deadline_bounds_all_attempts(workspace, owner, settings):
    settings.GATEWAY_CALL_DEADLINE_SECONDS = 0.2
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner, latency_ms=5000)
    assert caught.value.error_class == ErrorClass.TIMEOUT
    assert "0.2 s limit" in caught.value.message
    assert [r.error_class for r in rows(workspace)] == ["timeout"]


# --- Cool-down ---------------------------------------------------------------------------------


def test_a_model_that_keeps_failing_rests_and_is_skipped(
    workspace, owner, settings, set_route, second_local
):
    settings.GATEWAY_COOLDOWN_FAILURES = 3
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.TIMEOUT)
    ask(workspace, owner)
    assert [r.route_position for r in rows(workspace)] == [0, 0, 0, 1]
    UsageRecord.objects.for_workspace(workspace).delete()
    ask(workspace, owner, prompt="Another product")
    # The resting model is not called at all: one attempt, at the fallback.
    assert [r.route_position for r in rows(workspace)] == [1]
    scope = "local:site:local-copy"
    resting, _ = limits.backend().health([scope])[scope]
    assert resting > 0


def test_a_success_ends_a_failure_streak(workspace, owner, settings, set_route, second_local):
    settings.GATEWAY_COOLDOWN_FAILURES = 10
    settings.GATEWAY_MAX_RETRIES = 0
    set_route(workspace, "copy.generate", "local-copy", second_local)
    force(workspace, "copy.generate", 0, ErrorClass.SERVER_ERROR)
    ask(workspace, owner)
    scope = "local:site:local-copy"
    assert limits.backend().health([scope])[scope] == (0.0, 1)
    force(workspace, "copy.generate", 0, "")
    ask(workspace, owner, prompt="New")
    assert limits.backend().health([scope])[scope] == (0.0, 0)


# --- Limits ------------------------------------------------------------------------------------


def test_a_full_workspace_concurrency_limit_refuses_in_time_without_calling(
    workspace, owner, settings
):
    settings.GATEWAY_WORKSPACE_CONCURRENCY = 1
    settings.GATEWAY_CALL_DEADLINE_SECONDS = 0.05
    held = limit_keys.concurrency_slots(workspace_id=workspace.pk, model_scope="x", model_limit=0)
    assert limits.backend().acquire(held, "someone-else", 60)
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    assert "too many calls in flight" in caught.value.message
    assert rows(workspace) == []
    limits.backend().release(held, "someone-else")
    settings.GATEWAY_CALL_DEADLINE_SECONDS = 5
    ask(workspace, owner)
    assert len(rows(workspace)) == 1
    assert limits.backend().in_flight(held[0].key) == 0  # the call gave its slot back


def test_a_per_minute_limit_holds_calls_back(workspace, owner, settings, monkeypatch):
    settings.GATEWAY_WORKSPACE_RPM = 2
    monkeypatch.setattr(limit_keys, "seconds_to_next_minute", lambda: 1000.0)
    ask(workspace, owner, prompt="one")
    ask(workspace, owner, prompt="two")
    with pytest.raises(GatewayError):
        ask(workspace, owner, prompt="three")
    assert len(rows(workspace)) == 2


def test_model_concurrency_comes_from_the_registry_when_set():
    [ws_slot, model_slot] = limit_keys.concurrency_slots(
        workspace_id=1, model_scope="openai:site:m", model_limit=3
    )
    assert (ws_slot.key.endswith("conc:ws:1"), model_slot.limit) == (True, 3)


@pytest.mark.redis
def test_redis_limits_are_shared_and_leases_expire(settings):
    backend = RedisLimits(settings.REDIS_URL)
    backend.reset()
    slot = [limit_keys.Slot(limit_keys.PREFIX + "conc:test", 1)]
    assert backend.acquire(slot, "a", 60)
    other_process = RedisLimits(settings.REDIS_URL)
    assert not other_process.acquire(slot, "b", 60)
    backend.release(slot, "a")
    assert other_process.acquire(slot, "b", 0.01)
    import time

    time.sleep(0.05)
    assert backend.acquire(slot, "c", 60)  # b's lease ran out: a dead worker frees its slot
    assert (
        backend.record_failure(
            "atelier:gw:fail:t", "atelier:gw:cool:t", threshold=2, window=60, cooldown=30
        )
        is False
    )
    assert (
        backend.record_failure(
            "atelier:gw:fail:t", "atelier:gw:cool:t", threshold=2, window=60, cooldown=30
        )
        is True
    )
    assert backend.health(["t"])["t"][0] > 25
    assert backend.take_rate(limit_keys.PREFIX + "rpm:t", 1, 60)
    assert not backend.take_rate(limit_keys.PREFIX + "rpm:t", 1, 60)
    backend.reset()


# --- Costs -------------------------------------------------------------------------------------


def test_costs_come_from_the_price_version_in_force(workspace, owner, set_route):
    model = ModelEntryFactory(provider="local", name="local-priced")
    ModelPriceFactory(model=model, input_per_million="1000", output_per_million="3000")
    newest = ModelPriceFactory(model=model, input_per_million="2000", output_per_million="4000")
    set_route(workspace, "copy.generate", model)
    ask(workspace, owner)
    [row] = rows(workspace)
    expected = (Decimal(row.input_tokens) * 2000 + Decimal(row.output_tokens) * 4000) / 1_000_000
    assert row.cost == expected.quantize(Decimal("0.00000001"))
    assert row.price_id == newest.pk


def test_a_model_without_a_price_is_recorded_as_unpriced_never_free(workspace, owner, set_route):
    model = ModelEntryFactory(provider="local", name="local-unpriced")
    set_route(workspace, "copy.generate", model)
    ask(workspace, owner)
    ask(workspace, owner)  # a cache hit on an unpriced model is still unpriced
    assert [r.cost for r in rows(workspace)] == [None, None]
    summary = usage_summary(workspace=workspace, days=7)
    assert summary.totals["unpriced"] == 2
    assert summary.totals["cost"] == Decimal(0)


# --- Provenance --------------------------------------------------------------------------------


def test_provenance_helpers(workspace, owner):
    result = ask(workspace, owner)
    record = services.provenance_record(result, brand_profile_version=4)
    assert record["model"] == "local-copy" and record["brand_profile_version"] == 4
    assert record["usage_id"] == rows(workspace)[0].pk
    fields = services.provenance_fields(result)
    assert fields["gen_model"] == "local-copy" and fields["gen_usage_id"] == record["usage_id"]
    assert fields["gen_brand_profile_version"] is None
    with pytest.raises(ValueError):
        services.provenance_record(object())


# --- Route editing -----------------------------------------------------------------------------


def test_route_save_validates_before_writing(workspace, owner, registry):
    text, embed = registry["local-copy"], registry["local-embed"]
    cases = [
        ([text.pk, text.pk], "each model may appear once"),
        ([embed.pk], "cannot do copy generation"),
        ([999999], "not in the model registry"),
        ([text.pk, *[m.pk for m in list(registry.values())[:4]]], "at most 3 fallbacks"),
    ]
    for ids, message in cases:
        with pytest.raises(ServiceError) as caught:
            model_settings.route_save(
                actor=actor_for(workspace, owner), task="copy.generate", model_ids=ids
            )
        assert message in caught.value.message
    assert not RouteEntry.objects.for_workspace(workspace).exists()


def test_route_save_orders_entries_and_an_empty_route_restores_the_default(
    workspace, owner, registry
):
    ids = [registry["gpt-4o-mini"].pk, None, registry["local-copy"].pk]
    model_settings.route_save(
        actor=actor_for(workspace, owner), task="copy.generate", model_ids=ids
    )
    entries = RouteEntry.objects.for_workspace(workspace).order_by("position")
    assert [(e.position, e.model.name) for e in entries] == [(0, "gpt-4o-mini"), (1, "local-copy")]
    model_settings.route_save(actor=actor_for(workspace, owner), task="copy.generate", model_ids=[])
    assert not RouteEntry.objects.for_workspace(workspace).exists()
