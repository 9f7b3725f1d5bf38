"""Fixtures for the notification tests: the review seam's events, emitting an event the way an
app does (inside its transaction, delivered after the commit), and a team with every role."""

import pytest

from apps.core import events
from tests.factories import MembershipFactory

# Registered by apps.copywriting and apps.photos where they emit them (the review seam); until
# then the tests register the names the shared event contract fixes.
REVIEW_EVENTS = [
    (f"{kind}.{what}", f"{kind} {what}")
    for kind in ("copy", "photo")
    for what in ("submitted", "approved", "returned", "rejected")
]


@pytest.fixture(autouse=True)
def review_events():
    missing = [(name, label) for name, label in REVIEW_EVENTS if name not in events.event_names()]
    events.register_events(missing)
    yield
    for name, _ in missing:
        events._names.pop(name, None)


@pytest.fixture(autouse=True)
def site_url(settings):
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def emit(django_capture_on_commit_callbacks):
    """``emit(name, workspace, key=…, payload=…, actor=user)``: emitted and delivered as after a
    commit; the listener's task runs in-process (eager)."""

    def send(name, workspace, *, key, payload=None, actor=None):
        with django_capture_on_commit_callbacks(execute=True):
            return events.emit(
                name,
                workspace_id=workspace.pk,
                key=key,
                payload=payload or {},
                actor_user_id=actor.pk if actor else None,
            )

    return send


@pytest.fixture
def team(workspace):
    """One member of each role: ``team["reviewer"]`` is a user."""
    roles = ["owner", "admin", "brand_manager", "copywriter", "photo_editor", "reviewer"]
    return {role: MembershipFactory(workspace=workspace, role=role).user for role in roles}


def review_payload(workspace, *, kind="copy", author=None, object_id=12, comment=""):
    """A payload as the shared event contract fixes it."""
    payload = {
        "kind": kind,
        "id": object_id,
        "product_id": 3,
        "product_handle": "linen-shirt",
        "product_title": "Linen Shirt",
        "author_id": author.pk if author else None,
        "comment": comment,
        "url": f"/w/{workspace.slug}/copy/drafts/{object_id}/"
        if kind == "copy"
        else f"/w/{workspace.slug}/photos/outputs/{object_id}/",
    }
    if kind == "copy":
        payload |= {
            "channel": "amazon_title",
            "channel_label": "Amazon title",
            "content": {"text": "Linen Shirt"},
        }
    else:
        payload |= {"preset": "Amazon main image", "image_url": "/media/x.jpg"}
    return payload
