"""Shared set-up for the benchmark scripts: a throw-away PostgreSQL database, Django configured
against it and Redis, and a real Celery worker process.

Every script creates its own database (dropped at the end) and uses its own Redis database
number, so a benchmark never touches development or test data.
"""

from __future__ import annotations

import os
import resource
import signal
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    name = parts.path.lstrip("/")
    return urlunsplit(parts._replace(path="/postgres")), name


@contextmanager
def bench_environment(*, database: str, redis_db: int):
    """Point Django at a fresh PostgreSQL database and a Redis db; drop the database after."""
    import psycopg

    database_url = os.environ.get("DATABASE_URL", f"postgres://postgres@127.0.0.1:5432/{database}")
    redis_url = os.environ.get("REDIS_URL", f"redis://127.0.0.1:6379/{redis_db}")
    admin_url, name = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        CELERY_BROKER_URL=redis_url,
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="false",
        LOG_LEVEL="WARNING",
        MEDIA_ROOT=str(ROOT / "var" / "bench-media"),
    )
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    import redis

    redis.Redis.from_url(redis_url).flushdb()
    try:
        yield
    finally:
        from django.db import connections

        connections.close_all()
        redis.Redis.from_url(redis_url).flushdb()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Worker:
    """``celery -A config worker`` in its own process group, with the bench's environment."""

    def __init__(
        self,
        *,
        concurrency: int = 2,
        pool: str = "prefork",
        env: dict | None = None,
        nice: int = 0,
    ):
        # nice > 0: the worker yields the CPU to the web server, as the compose file runs it.
        self.args = (["nice", "-n", str(nice)] if nice else []) + [
            sys.executable, "-m", "celery", "-A", "config", "worker", f"--pool={pool}",
            f"--concurrency={concurrency}", "--loglevel=WARNING", "--without-gossip",
            "--without-mingle", "--without-heartbeat",
        ]  # fmt: skip
        self.env = {**os.environ, "CELERY_TASK_ALWAYS_EAGER": "false", **(env or {})}
        self.process: subprocess.Popen | None = None
        self.log = ROOT / "var" / "bench-worker.log"

    def __enter__(self) -> Worker:
        self.log.parent.mkdir(exist_ok=True)
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=self.env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        time.sleep(3)  # the worker connects and imports the project
        if self.process.poll() is not None:
            raise RuntimeError(self.log.read_text()[-3000:])
        return self

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def peak_rss_mb() -> float:
    """The largest resident set of this process and of any finished child (worker) process."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]
