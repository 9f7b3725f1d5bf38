"""Fixtures for the job tests: a job kind whose handler the test controls."""

from dataclasses import dataclass, field

import pytest

from apps.core.errors import ServiceError
from apps.jobs.registry import SkipItem, register_job_kind, unregister_job_kind

TEST_KIND = "tests.scripted"


@dataclass
class ScriptedKind:
    """Handler ``tests.scripted``: records each call; ``item.payload`` says what to do
    (``fail``: a message, ``crash``: true, ``skip``: a reason), unless ``overrides[key]``
    replaces the behaviour (a callable ``(workspace, job, item) -> dict``)."""

    kind: str = TEST_KIND
    calls: list[str] = field(default_factory=list)
    overrides: dict = field(default_factory=dict)
    healed: bool = False  # once True, "fail" items succeed (to test retrying)

    def __call__(self, workspace, job, item):
        self.calls.append(item.key)
        if item.key in self.overrides:
            return self.overrides[item.key](workspace, job, item)
        if item.payload.get("fail") and not self.healed:
            raise ServiceError(item.payload["fail"])
        if item.payload.get("crash"):
            raise KeyError("price_cents")
        if item.payload.get("skip"):
            raise SkipItem(item.payload["skip"])
        return {"output": f"copy for {item.key}"}


@pytest.fixture
def scripted_kind():
    handler = ScriptedKind()
    register_job_kind(TEST_KIND, handler, label="Scripted test step")
    yield handler
    unregister_job_kind(TEST_KIND)


@pytest.fixture
def sent_chunks(monkeypatch):
    """Capture chunk tasks instead of running them: a list of (kwargs, countdown)."""
    from apps.jobs.tasks import job_process_chunk

    sent = []

    def capture(*, kwargs, countdown=None, **options):
        sent.append((kwargs, countdown))

    monkeypatch.setattr(job_process_chunk, "apply_async", capture)
    return sent
