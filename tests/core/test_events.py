import pytest
from django.db import transaction

from apps.core import events

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def heard():
    events.register_events([("example.happened", "Something happened")])
    received: list[events.Event] = []
    events.subscribe("test.recorder", received.append)
    yield received
    events._listeners.pop("test.recorder", None)


def test_listeners_hear_an_event_once_its_transaction_commits(heard):
    with transaction.atomic():
        events.emit("example.happened", workspace_id=7, key="thing-1", payload={"n": 1})
        assert heard == []  # not before the commit
    assert [(e.name, e.key, e.payload) for e in heard] == [
        ("example.happened", "example.happened:thing-1", {"n": 1})
    ]


def test_a_rolled_back_change_tells_no_one(heard):
    with pytest.raises(RuntimeError), transaction.atomic():
        events.emit("example.happened", workspace_id=7, key="thing-2")
        raise RuntimeError("the change failed")
    assert heard == []


def test_one_failing_listener_does_not_silence_the_others(heard):
    def broken(event):
        raise ConnectionError("broker down")

    events.subscribe("test.broken", broken)
    try:
        events.emit("example.happened", workspace_id=7, key="thing-3")
    finally:
        events._listeners.pop("test.broken", None)
    assert len(heard) == 1


def test_an_unregistered_event_is_refused():
    with pytest.raises(ValueError, match="not registered"):
        events.emit("example.misspelt", workspace_id=7, key="x")
