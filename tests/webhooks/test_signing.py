"""The signature a receiver checks, verified by an implementation written from the header's
spec in this test (tests/webhooks/conftest.py: hmac and hashlib directly), not the app's."""

import json
import time

import pytest
from django.db import transaction

from apps.core import events
from apps.webhooks import services
from tests.factories import actor_for
from tests.webhooks.conftest import verify_signature

pytestmark = pytest.mark.django_db(transaction=True)


def _emit(workspace, key):
    with transaction.atomic():
        events.emit("job.failed", workspace_id=workspace.pk, key=key, payload={"job_id": 9})


def test_the_signature_verifies_independently_and_fails_when_anything_changes(
    workspace, allow_loopback, loopback_servers
):
    receiver = loopback_servers()
    _, secret = services.endpoint_create(
        actor=actor_for(workspace, role="owner"), url=receiver.url(), events=["job.failed"]
    )
    before = int(time.time())
    _emit(workspace, "job-9")
    [(_, headers, body)] = receiver.posts
    header = headers["Atelier-Signature"]
    timestamp = int(header.split(",")[0].removeprefix("t="))
    assert before <= timestamp <= int(time.time())
    assert header.count("v1=") == 1
    assert len(verify_signature(header, body, secret)) == 1
    # A changed body, another secret or a replayed header with another time: no match.
    tampered = body.replace(b'"job_id":9', b'"job_id":8')
    assert tampered != body and verify_signature(header, tampered, secret) == []
    assert verify_signature(header, body, secret + "x") == []
    replayed = header.replace(f"t={timestamp}", f"t={timestamp + 1}")
    assert verify_signature(replayed, body, secret) == []
    # The body is compact UTF-8 JSON, as signed: what arrived is what was signed.
    assert json.loads(body)["type"] == "job.failed"


def test_after_a_rotation_both_secrets_sign_for_the_grace_period(
    workspace, allow_loopback, loopback_servers
):
    receiver = loopback_servers()
    actor = actor_for(workspace, role="owner")
    endpoint, old = services.endpoint_create(actor=actor, url=receiver.url(), events=["job.failed"])
    _, new = services.endpoint_rotate_secret(actor=actor, endpoint_id=endpoint.pk)
    _emit(workspace, "job-10")
    [(_, headers, body)] = receiver.posts
    header = headers["Atelier-Signature"]
    assert header.count("v1=") == 2
    assert len(verify_signature(header, body, new)) == 1
    assert len(verify_signature(header, body, old)) == 1

    # When the grace period is over, only the new secret signs.
    type(endpoint).objects.for_workspace(workspace).filter(pk=endpoint.pk).update(
        previous_secret_expires_at=endpoint.updated_at
    )
    _emit(workspace, "job-11")
    header, body = receiver.posts[1][1]["Atelier-Signature"], receiver.posts[1][2]
    assert header.count("v1=") == 1
    assert verify_signature(header, body, old) == []
    assert len(verify_signature(header, body, new)) == 1
