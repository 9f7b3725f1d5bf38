"""The guide's Python verification snippet works on a real delivery (and refuses a bad one)."""

import re
from pathlib import Path

import pytest
from django.db import transaction

from apps.core import events
from apps.webhooks import services
from tests.factories import actor_for

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "guide" / "webhooks.md"


def _snippet():
    text = GUIDE.read_text()
    match = re.search(
        r"<!-- verified by tests/webhooks/test_docs_snippet.py -->\n```python\n(.*?)```", text, re.S
    )
    assert match, "the guide's Python snippet is missing its marker"
    namespace: dict = {}
    exec(match.group(1), namespace)
    return namespace["verify_atelier_signature"]


@pytest.mark.django_db(transaction=True)
def test_the_guides_snippet_verifies_a_real_delivery(workspace, allow_loopback, loopback_servers):
    verify = _snippet()
    receiver = loopback_servers()
    _, secret = services.endpoint_create(
        actor=actor_for(workspace, role="owner"), url=receiver.url(), events=["credits.low"]
    )
    with transaction.atomic():
        events.emit("credits.low", workspace_id=workspace.pk, key="p1", payload={"balance": 3})
    [(_, headers, body)] = receiver.posts
    header = headers["Atelier-Signature"]
    assert verify(header, body, secret)
    assert not verify(header, body + b" ", secret)
    assert not verify(header, body, "whsec_other")
    t = int(header.split(",")[0][2:])
    assert not verify(header.replace(f"t={t}", f"t={t - 3600}"), body, secret)
