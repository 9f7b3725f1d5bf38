import pytest
from django.db import models

from apps.audit.models import AuditEvent
from apps.core import trail
from tests.factories import actor_for

pytestmark = pytest.mark.django_db


class ExampleAction(models.TextChoices):
    TRIED = "example.tried", "Something was tried"


def test_an_app_registers_an_action_and_the_trail_shows_its_label(workspace):
    trail.register_actions(ExampleAction.choices)
    actor = actor_for(workspace, role="owner")
    actor.record(ExampleAction.TRIED, target="the thing", details={"how": "carefully"})
    event = AuditEvent.objects.for_workspace(workspace).get()
    assert (event.action, event.action_label, event.target) == (
        "example.tried",
        "Something was tried",
        "the thing",
    )
    assert event.actor == actor.user


def test_an_unregistered_action_is_refused_and_nothing_is_written(workspace):
    actor = actor_for(workspace, role="owner")
    with pytest.raises(ValueError, match="not registered"):
        actor.record("example.misspelt")
    assert not AuditEvent.objects.for_workspace(workspace).exists()


def test_one_code_cannot_mean_two_things():
    trail.register_actions([("example.twice", "First meaning")])
    with pytest.raises(ValueError, match="registered twice"):
        trail.register_actions([("example.twice", "Second meaning")])
