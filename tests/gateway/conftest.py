"""Gateway fixtures: a quiet, fast, offline gateway.

Nothing here may reach the network: tests/conftest.py refuses sockets to anything but loopback,
and OpenAI's HTTP goes to pytest-httpx2's router (respx on httpcore2), which fails any
request it was not told about.
"""

import httpx
import pytest

from apps.gateway import engine, limits, model_settings
from apps.gateway.models import ModelEntry
from apps.gateway.providers.openai_adapter.clients import reset_clients
from apps.gateway.selectors import route_cache_clear
from apps.gateway.types import TaskKind
from tests.factories import actor_for

OPENAI_BASE = "https://llm.example.test/v1"
SECRET_KEY = "sk-test-SECRETKEY-0123456789abcdWXYZ"


@pytest.fixture(autouse=True)
def _gateway_settings(settings):
    settings.GATEWAY_OPENAI_API_KEY = ""  # a developer's own key in the environment stays out
    settings.GATEWAY_OPENAI_BASE_URL = ""
    settings.GATEWAY_FORCE_ERRORS = {}
    settings.GATEWAY_LOCAL_LATENCY_MS = 0
    settings.GATEWAY_CACHE_SECONDS = 3600
    settings.GATEWAY_MAX_RETRIES = 2
    settings.GATEWAY_BACKOFF_BASE_SECONDS = 0.5
    settings.GATEWAY_BACKOFF_MAX_SECONDS = 20
    settings.GATEWAY_COOLDOWN_FAILURES = 5
    settings.GATEWAY_CALL_DEADLINE_SECONDS = 120
    settings.GATEWAY_ATTEMPT_TIMEOUT_SECONDS = 60
    settings.ATELIER_ENCRYPTION_KEYS = []
    # The test servers' names resolve nowhere: the operator allows them (the outbound guard's
    # own tests, tests/core/test_netguard.py and tests/gateway/test_outbound_guard.py, do not).
    settings.OUTBOUND_ALLOWED_HOSTS = ["llm.example.test", "x.test"]
    limits.backend().reset()
    reset_clients()
    route_cache_clear()
    yield
    limits.backend().reset()
    reset_clients()


@pytest.fixture(autouse=True)
def waits(monkeypatch):
    """The backoff waits the gateway asked for, in order; nobody actually sleeps."""
    asked: list[float] = []
    monkeypatch.setattr(engine, "sleep", asked.append)
    return asked


@pytest.fixture
def registry(db):
    """The seeded model registry by name."""
    return {m.name: m for m in ModelEntry.objects.all()}


@pytest.fixture
def set_route(registry):
    def make(workspace, task, *models, actor=None):
        ids = [m.pk if isinstance(m, ModelEntry) else registry[m].pk for m in models]
        return model_settings.route_save(
            actor=actor_for(workspace, actor), task=task, model_ids=ids
        )

    return make


@pytest.fixture
def openai_key(workspace, owner):
    """This workspace's own OpenAI-compatible server and key."""
    return model_settings.credential_save(
        actor=actor_for(workspace, owner),
        provider="openai",
        api_key=SECRET_KEY,
        base_url=OPENAI_BASE,
    )


def chat_json(*texts, model="gpt-4o-mini", prompt_tokens=120, completion_tokens=40, cached=0):
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 1700000000,
        "model": model,
        "choices": [
            {
                "index": i,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": text},
            }
            for i, text in enumerate(texts)
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": cached},
        },
    }


def reply(status=200, *, json=None, headers=None, text=None):
    """A canned HTTP answer for pytest-httpx2's router (respx speaks httpx's types)."""
    if text is not None:
        return httpx.Response(status, text=text, headers=headers)
    return httpx.Response(status, json=json, headers=headers)


def error_json(message, *, code=None, type_="invalid_request_error"):
    return {"error": {"message": message, "type": type_, "code": code, "param": None}}


TASKS = TaskKind
