"""The embedded defaults (`make run` without Redis): what the web server and the worker share."""

import os
import subprocess
import sys
import uuid
from pathlib import Path

from django.core.mail import EmailMessage

from apps.core.mail import ReadableConsoleBackend

ROOT = Path(__file__).resolve().parents[2]


def _django(code: str) -> str:
    env = {**os.environ, "REDIS_URL": "", "DJANGO_SETTINGS_MODULE": "config.settings"}
    env.pop("DATABASE_URL", None)
    script = "import django; django.setup()\nfrom django.core.cache import cache\n" + code
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_without_redis_two_processes_share_one_cache():
    """A facet list one process drops after an import is not kept alive by the other."""
    key = f"shared-{uuid.uuid4().hex}"
    _django(f"cache.set({key!r}, 'written by the worker', 60)")
    assert _django(f"print(cache.get({key!r})); cache.delete({key!r})") == "written by the worker"


def test_the_console_mailer_prints_links_whole():
    import io

    link = "http://127.0.0.1:8000/invitations/" + "eyJpIjoxLCJuIjoiYWJj" * 4 + ":1v2x3y:" + "a" * 43
    stream = io.StringIO()
    ReadableConsoleBackend(stream=stream).send_messages(
        [EmailMessage("Join Demo Outfitters — café", f"Bonjour café,\n\n{link}\n", to=["a@b.c"])]
    )
    printed = stream.getvalue()
    assert link in printed.splitlines()
    assert "Subject: Join Demo Outfitters — café" in printed and "Bonjour café," in printed
