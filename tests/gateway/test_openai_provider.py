"""The OpenAI provider through the real ``openai`` client, its HTTP answered by pytest-httpx2
(respx on httpcore2): anything not mocked fails the test instead of reaching the network."""

import base64
import json
import logging
from decimal import Decimal

import httpcore2
import pytest

from apps.gateway import model_settings, services
from apps.gateway.errors import ErrorClass, GatewayError
from apps.gateway.models import UsageRecord
from apps.gateway.types import (
    EmbedRequest,
    FineTuneFileRequest,
    FineTuneJobRequest,
    ImageEditRequest,
    JsonSchema,
    TextRequest,
)
from tests.factories import actor_for
from tests.gateway.conftest import OPENAI_BASE, SECRET_KEY, chat_json, error_json, reply

PROMPT = "Write a product description.\nProduct: Harbour Linen Shirt\nMaterial: Linen"
CHAT = f"{OPENAI_BASE}/chat/completions"


def ask(workspace, actor, prompt=PROMPT, **kwargs):
    return services.gateway_generate_text(
        workspace=workspace,
        actor=actor,
        task="copy.generate",
        request=TextRequest.from_prompt(prompt, **kwargs),
    )


def rows(workspace):
    return list(UsageRecord.objects.for_workspace(workspace).order_by("id"))


def sent(route, index=0):
    return json.loads(route.calls[index].request.content)


@pytest.fixture
def openai_route(workspace, owner, openai_key, set_route):
    set_route(workspace, "copy.generate", "gpt-4o-mini", "local-copy")


def test_chat_completion_with_candidates_and_json_schema(
    httpx2_mock, workspace, owner, openai_key, set_route
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    answers = [json.dumps({"headline": f"Linen, take {i}"}) for i in (1, 2)]
    route = httpx2_mock.post(CHAT).mock(
        return_value=reply(
            json=chat_json(*answers, prompt_tokens=120, completion_tokens=40, cached=20)
        )
    )
    schema = JsonSchema(
        name="copy",
        schema={
            "type": "object",
            "properties": {"headline": {"type": "string"}},
            "required": ["headline"],
            "additionalProperties": False,
        },
    )
    result = ask(workspace, owner, n=2, json_schema=schema, max_output_tokens=200, seed=3)

    assert [c.data for c in result.candidates] == [
        {"headline": "Linen, take 1"},
        {"headline": "Linen, take 2"},
    ]
    body = sent(route)
    assert body["model"] == "gpt-4o-mini" and body["n"] == 2 and body["seed"] == 3
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "copy", "schema": dict(schema.schema), "strict": True},
    }
    assert body["max_tokens"] == 200  # a compatible server: the widely supported name
    assert "Harbour Linen Shirt" in body["messages"][-1]["content"]
    assert route.calls[0].request.headers["authorization"] == f"Bearer {SECRET_KEY}"
    [row] = rows(workspace)
    assert (row.provider, row.model_name, row.outcome) == ("openai", "gpt-4o-mini", "success")
    assert (row.input_tokens, row.output_tokens, row.cached_input_tokens) == (120, 40, 20)
    # gpt-4o-mini: $0.15 in, $0.075 cached in, $0.60 out per 1M tokens.
    assert row.cost == Decimal("0.00004050")
    assert route.call_count == 1


def test_openai_itself_gets_max_completion_tokens(httpx2_mock, workspace, owner, set_route):
    model_settings.credential_save(
        actor=actor_for(workspace, owner), provider="openai", api_key=SECRET_KEY
    )
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    route = httpx2_mock.post("https://api.openai.com/v1/chat/completions").mock(
        return_value=reply(json=chat_json("Fine linen."))
    )
    assert ask(workspace, owner, max_output_tokens=50).text == "Fine linen."
    assert sent(route)["max_completion_tokens"] == 50


def test_rate_limited_with_retry_after_then_success(
    httpx2_mock, workspace, owner, openai_route, waits
):
    route = httpx2_mock.post(CHAT).mock(
        side_effect=[
            reply(
                429,
                json=error_json("Slow down", code="rate_limit_exceeded"),
                headers={"retry-after": "2"},
            ),
            reply(json=chat_json("Made for warm days.")),
        ]
    )
    result = ask(workspace, owner)
    assert result.text == "Made for warm days." and result.provider == "openai"
    assert route.call_count == 2  # the SDK retried nothing itself (max_retries=0)
    assert len(waits) == 1 and 2.0 <= waits[0] <= 2.2  # at least Retry-After, a little jitter
    assert [(r.attempt, r.outcome, r.error_class) for r in rows(workspace)] == [
        (1, "error", "rate_limited"),
        (2, "success", ""),
    ]


def test_a_retry_after_longer_than_the_backoff_cap_falls_back_at_once(
    httpx2_mock, workspace, owner, openai_route, waits
):
    httpx2_mock.post(CHAT).mock(
        return_value=reply(429, json=error_json("Later"), headers={"retry-after": "600"})
    )
    result = ask(workspace, owner)
    assert result.provider == "local" and waits == []


def test_server_error_is_retried_then_falls_back_to_the_next_route_entry(
    httpx2_mock, workspace, owner, openai_route, waits
):
    route = httpx2_mock.post(CHAT).mock(
        return_value=reply(500, json=error_json("boom", type_="server_error"))
    )
    result = ask(workspace, owner)
    assert result.provider == "local" and result.provenance.route_position == 1
    assert route.call_count == 3
    assert [(r.provider, r.route_position, r.error_class) for r in rows(workspace)] == [
        ("openai", 0, "server_error"),
        ("openai", 0, "server_error"),
        ("openai", 0, "server_error"),
        ("local", 1, ""),
    ]
    assert "had a server error (HTTP 500)" in rows(workspace)[0].error_message
    assert len(waits) == 2


def test_timeouts_are_retried_and_then_reported(
    httpx2_mock, workspace, owner, openai_key, set_route
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    route = httpx2_mock.post(CHAT).mock(side_effect=httpcore2.ReadTimeout("too slow"))
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    assert caught.value.error_class == ErrorClass.TIMEOUT
    assert "did not answer in time" in caught.value.message
    assert route.call_count == 3
    assert {r.error_class for r in rows(workspace)} == {"timeout"}


@pytest.mark.parametrize(
    "answer",
    [
        reply(
            text="<html><body>Bad gateway page</body></html>", headers={"content-type": "text/html"}
        ),
        reply(json={"unexpected": True}),
        reply(json={**chat_json("x"), "choices": []}),
    ],
    ids=["html", "wrong-shape", "no-choices"],
)
def test_a_malformed_answer_is_a_bad_response_and_falls_back(
    httpx2_mock, workspace, owner, openai_route, answer
):
    httpx2_mock.post(CHAT).mock(return_value=answer)
    result = ask(workspace, owner)
    assert result.provider == "local"
    first = rows(workspace)[0]
    assert first.error_class == "bad_response"
    assert "not a valid API response" in first.error_message


def test_structured_output_that_is_not_json_is_a_bad_response(
    httpx2_mock, workspace, owner, openai_key, set_route
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    httpx2_mock.post(CHAT).mock(return_value=reply(json=chat_json("not json at all")))
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner, json_schema=JsonSchema(name="x", schema={"type": "object"}))
    assert caught.value.error_class == ErrorClass.BAD_RESPONSE


def test_a_key_error_names_the_provider_but_never_the_key(
    httpx2_mock, workspace, owner, openai_key, set_route, caplog
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    leaky = error_json(f"Incorrect API key provided: {SECRET_KEY}.", code="invalid_api_key")
    httpx2_mock.post(CHAT).mock(return_value=reply(401, json=leaky))
    caplog.set_level(logging.DEBUG)
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    message = caught.value.message
    assert caught.value.error_class == ErrorClass.AUTHENTICATION
    assert f"OpenAI-compatible server at {OPENAI_BASE} rejected this workspace's API key" in message
    [row] = rows(workspace)
    for text in (message, str(caught.value), row.error_message, caplog.text):
        assert SECRET_KEY not in text
        assert SECRET_KEY[-12:] not in text and "sk-test" not in text


def test_an_unknown_model_fails_with_a_clear_message(httpx2_mock, workspace, owner, openai_route):
    httpx2_mock.post(CHAT).mock(
        return_value=reply(404, json=error_json("The model does not exist", code="model_not_found"))
    )
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    assert caught.value.error_class == ErrorClass.BAD_REQUEST
    assert "does not know the model “gpt-4o-mini”" in caught.value.message
    assert len(rows(workspace)) == 1  # a request problem: no fallback spends more


def test_a_context_window_error_falls_back(httpx2_mock, workspace, owner, openai_route, waits):
    httpx2_mock.post(CHAT).mock(
        return_value=reply(
            400,
            json=error_json(
                "This model's maximum context length is 128000 tokens.",
                code="context_length_exceeded",
            ),
        )
    )
    assert ask(workspace, owner).provider == "local"
    assert rows(workspace)[0].error_class == "context_window" and waits == []


def test_an_unreachable_server_is_a_connection_error(httpx2_mock, workspace, owner, openai_route):
    httpx2_mock.post(CHAT).mock(side_effect=httpcore2.ConnectError("connection refused"))
    assert ask(workspace, owner).provider == "local"
    assert rows(workspace)[0].error_class == "connection"
    assert f"Could not connect to The OpenAI-compatible server at {OPENAI_BASE}" in (
        rows(workspace)[0].error_message
    )


def test_without_any_key_openai_is_refused_before_any_request(
    httpx2_mock, workspace, owner, set_route
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    with pytest.raises(GatewayError) as caught:
        ask(workspace, owner)
    assert "No OpenAI API key is set for this workspace" in caught.value.message
    assert httpx2_mock.calls.call_count == 0


def test_the_sites_key_serves_workspaces_without_their_own(
    httpx2_mock, workspace, owner, set_route, settings
):
    settings.GATEWAY_OPENAI_API_KEY = "sk-site-key-000000000000"
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    route = httpx2_mock.post("https://api.openai.com/v1/chat/completions").mock(
        return_value=reply(json=chat_json("From the site account."))
    )
    assert ask(workspace, owner).text == "From the site account."
    assert route.calls[0].request.headers["authorization"] == "Bearer sk-site-key-000000000000"


def test_messages_go_as_given_and_hints_never_leave_the_server(
    httpx2_mock, workspace, owner, openai_key, set_route
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    route = httpx2_mock.post(CHAT).mock(return_value=reply(json=chat_json("Linen, washed.")))
    ask(
        workspace,
        owner,
        system="You write product copy.",
        hints={"writer": "copy", "secret_plan": "for the offline writer only"},
    )
    body = sent(route)
    assert body["messages"] == [
        {"role": "system", "content": "You write product copy."},
        {"role": "user", "content": PROMPT},
    ]
    assert "secret_plan" not in route.calls[0].request.content.decode()


def test_embeddings(httpx2_mock, workspace, owner, openai_key, set_route):
    set_route(workspace, "embed", "text-embedding-3-small")
    route = httpx2_mock.post(f"{OPENAI_BASE}/embeddings").mock(
        return_value=reply(
            json={
                "object": "list",
                "model": "text-embedding-3-small",
                "data": [
                    {"object": "embedding", "index": 1, "embedding": [0.0, 1.0]},
                    {"object": "embedding", "index": 0, "embedding": [1.0, 0.0]},
                ],
                "usage": {"prompt_tokens": 8, "total_tokens": 8},
            }
        )
    )
    result = services.gateway_embed(
        workspace=workspace, actor=owner, request=EmbedRequest(texts=("a", "b"), dimensions=2)
    )
    assert result.vectors == ((1.0, 0.0), (0.0, 1.0))
    assert sent(route)["dimensions"] == 2 and sent(route)["input"] == ["a", "b"]
    [row] = rows(workspace)
    assert row.cost == Decimal("0.00000016")  # 8 tokens at $0.02 per 1M


def test_image_edit_is_priced_per_image(httpx2_mock, workspace, owner, openai_key, set_route):
    set_route(workspace, "photo.edit", "gpt-image-1")
    png = b"\x89PNG-edited"
    route = httpx2_mock.post(f"{OPENAI_BASE}/images/edits").mock(
        return_value=reply(
            json={
                "created": 1,
                "data": [{"b64_json": base64.b64encode(png).decode()}] * 2,
            }
        )
    )
    result = services.gateway_edit_image(
        workspace=workspace,
        actor=owner,
        request=ImageEditRequest(
            image=b"\x89PNG-original",
            prompt="White background",
            n=2,
            size="1024x1024",
            quality="medium",
        ),
    )
    assert result.images == (png, png)
    assert b"\x89PNG-original" in route.calls[0].request.content  # sent as a multipart file
    [row] = rows(workspace)
    assert (row.images, row.cost) == (2, Decimal("0.08400000"))


def test_fine_tuning_files_and_jobs(httpx2_mock, workspace, owner, openai_key, set_route):
    set_route(workspace, "fine_tune", "gpt-4o-mini")
    httpx2_mock.post(f"{OPENAI_BASE}/files").mock(
        return_value=reply(
            json={
                "id": "file-1",
                "object": "file",
                "bytes": 12,
                "created_at": 1,
                "filename": "train.jsonl",
                "purpose": "fine-tune",
                "status": "processed",
            }
        )
    )
    job = {
        "id": "ftjob-1",
        "object": "fine_tuning.job",
        "created_at": 1,
        "model": "gpt-4o-mini",
        "fine_tuned_model": None,
        "status": "queued",
        "training_file": "file-1",
        "organization_id": "org",
        "result_files": [],
        "hyperparameters": {},
        "seed": 1,
        "validation_file": None,
        "trained_tokens": None,
        "error": None,
        "finished_at": None,
    }
    create = httpx2_mock.post(f"{OPENAI_BASE}/fine_tuning/jobs").mock(return_value=reply(json=job))
    httpx2_mock.get(f"{OPENAI_BASE}/fine_tuning/jobs/ftjob-1").mock(
        return_value=reply(
            json={**job, "status": "succeeded", "fine_tuned_model": "ft:gpt-4o-mini:acme::1"}
        )
    )
    uploaded = services.gateway_fine_tune_upload(
        workspace=workspace,
        actor=owner,
        request=FineTuneFileRequest(filename="train.jsonl", content=b'{"messages":[]}\n'),
    )
    assert uploaded.file_id == "file-1"
    started = services.gateway_fine_tune_start(
        workspace=workspace,
        actor=owner,
        request=FineTuneJobRequest(training_file_id="file-1", suffix="acme", epochs=2),
    )
    assert (started.job_id, started.status) == ("ftjob-1", "queued")
    body = json.loads(create.calls[0].request.content)
    assert body == {
        "model": "gpt-4o-mini",
        "training_file": "file-1",
        "suffix": "acme",
        "hyperparameters": {"n_epochs": 2},
    }
    done = services.gateway_fine_tune_status(workspace=workspace, actor=owner, job_id="ftjob-1")
    assert done.fine_tuned_model == "ft:gpt-4o-mini:acme::1"
    assert [r.operation for r in rows(workspace)] == [
        "fine_tune_file",
        "fine_tune_job",
        "fine_tune_status",
    ]


# --- Test connection ---------------------------------------------------------------------------

MODELS = f"{OPENAI_BASE}/models"


def models_json(*ids):
    return {
        "object": "list",
        "data": [{"id": i, "object": "model", "created": 1, "owned_by": "x"} for i in ids],
    }


def test_connection_ok(httpx2_mock, workspace, owner, openai_key, set_route):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    httpx2_mock.get(MODELS).mock(return_value=reply(json=models_json("gpt-4o-mini", "other")))
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert check.ok
    assert check.message.startswith(f"Connected to The OpenAI-compatible server at {OPENAI_BASE}")


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (reply(json=models_json("llama3")), "does not offer “gpt-4o-mini”, which your routes use"),
        (reply(401, json=error_json(f"bad key {SECRET_KEY}")), "rejected this workspace's API key"),
        (reply(text="garbage", headers={"content-type": "text/plain"}), "not a valid API response"),
        (httpcore2.ConnectError("refused"), "Could not connect to"),
    ],
    ids=["unknown-model", "wrong-key", "garbage", "unreachable"],
)
def test_connection_problems_are_explained(
    httpx2_mock, workspace, owner, openai_key, set_route, answer, expected
):
    set_route(workspace, "copy.generate", "gpt-4o-mini")
    if isinstance(answer, Exception):
        httpx2_mock.get(MODELS).mock(side_effect=answer)
    else:
        httpx2_mock.get(MODELS).mock(return_value=answer)
    check = services.gateway_test_connection(actor=actor_for(workspace, owner), provider="openai")
    assert not check.ok
    assert expected in check.message
    assert SECRET_KEY not in check.message and "sk-test" not in check.message
