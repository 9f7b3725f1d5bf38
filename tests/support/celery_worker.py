"""Start a real Celery worker process against the test database and Redis.

Used by tests where a flow crosses the queue. The worker runs ``celery -A config worker`` with
the test database's URL, so what it writes is visible to the test (which must use
``transactional_db`` so its own rows are committed and visible to the worker).
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

ROOT = Path(__file__).resolve().parents[2]


def test_database_url() -> str:
    db = connection.settings_dict
    auth = quote(db["USER"] or "")
    if db.get("PASSWORD"):
        auth += ":" + quote(db["PASSWORD"])
    host = db.get("HOST") or "127.0.0.1"
    port = db.get("PORT") or 5432
    return f"postgres://{auth}@{host}:{port}/{db['NAME']}"


class WorkerProcess:
    def __init__(
        self, log_path: Path, concurrency: int = 2, pool: str = "prefork", beat: bool = False
    ) -> None:
        self.log_path = log_path
        self.concurrency = concurrency
        self.pool = pool
        # Run beat inside the worker (-B): periodic tasks such as the webhook sweep fire too.
        self.beat = beat
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> "WorkerProcess":
        env = {
            **os.environ,
            "DATABASE_URL": test_database_url(),
            "REDIS_URL": settings.REDIS_URL,
            "CELERY_BROKER_URL": settings.REDIS_URL,
            "CELERY_TASK_ALWAYS_EAGER": "false",
            "EMAIL_URL": "consolemail://",
            "PYTHONUNBUFFERED": "1",
        }
        offset = self.log_path.stat().st_size if self.log_path.exists() else 0
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                f"--pool={self.pool}",
                f"--concurrency={self.concurrency}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
                *(
                    ["--beat", f"--schedule={self.log_path.parent / 'beat-schedule'}"]
                    if self.beat
                    else []
                ),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.log_path.read_bytes()[offset:].decode(errors="replace")
            if " ready." in text:
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"Celery worker exited early:\n{text[-3000:]}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("Celery worker did not become ready in time")

    def kill(self) -> None:
        """Kill the worker and its children at once, as a crash or an OOM kill would."""
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def purge_broker() -> None:
    """Drop messages left in the test broker by an earlier run."""
    with celery_app.connection_for_write() as conn:
        conn.default_channel.client.flushdb()
