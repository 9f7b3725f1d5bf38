"""Throughput of the whole gateway path against a bare loop over the same provider.

For each injected latency (0 ms and 200 ms by default) it runs:

* **bare**: ``--concurrency`` threads calling the local provider directly, ``--items`` times;
* **job**: a job of ``--items`` items of kind ``gateway.bench_text`` through the whole path:
  chunk tasks on Celery over Redis, a real worker process, item claims and progress counters in
  PostgreSQL, and for every item a gateway call (route, limits in Redis, provider, usage row),
  with ``--concurrency`` calls in flight (worker processes × handler threads).

It prints items per second of both and their ratio; the last line is
``ratio_200ms=<x> overhead_ms_per_item_0ms=<y>``, where the overhead is the wall-clock time per
item the job path adds to the bare loop at 0 ms latency (1/job_rate − 1/bare_rate).

It sets up its own throw-away database (``DATABASE_URL``, default
postgres://postgres@127.0.0.1:5432/atelier_bench, dropped at the end) and Redis database
(``REDIS_URL``, default redis://127.0.0.1:6379/12, flushed before and after), starts its own
worker and stops it. Run it from the repository root:
``.venv/bin/python bench/gateway_throughput.py``.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/atelier_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/12"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=8, help="model calls in flight")
    parser.add_argument(
        "--worker-processes",
        type=int,
        default=2,
        help="Celery prefork processes; each runs concurrency/processes handler threads",
    )
    parser.add_argument("--latencies", default="0,200", help="injected latencies in ms")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per job at most")
    parser.add_argument(
        "--baseline",
        action="store_true",
        help="also run the jobs path without the gateway (jobs.bench_sleep), to tell the "
        "gateway's share of the overhead from the job machinery's",
    )
    return parser.parse_args()


# --- Environment -------------------------------------------------------------------------------


def prepare_environment(args: argparse.Namespace) -> dict[str, str]:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    threads = max(1, args.concurrency // args.worker_processes)
    env = {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DEBUG": "false",
        "LOG_LEVEL": "WARNING",
        "JOB_ITEM_CONCURRENCY": str(threads),
        "ATELIER_VAR_DIR": str(Path(tempfile.mkdtemp(prefix="atelier-bench-"))),
        "OPENAI_API_KEY": "",
        "GATEWAY_FORCE_ERRORS": "",
    }
    os.environ.update(env)
    return env


def _admin_url(database_url: str) -> tuple[str, str]:
    parts = urlsplit(database_url)
    return urlunsplit(parts._replace(path="/postgres")), parts.path.lstrip("/")


def recreate_database(database_url: str, *, drop_only: bool = False) -> None:
    import psycopg

    admin_url, name = _admin_url(database_url)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            conn.execute(f'CREATE DATABASE "{name}"')


def flush_redis(redis_url: str) -> None:
    import redis

    redis.Redis.from_url(redis_url).flushdb()


class Worker:
    """A Celery worker in its own process group, started and stopped by this script."""

    def __init__(self, env: dict[str, str], processes: int, log_path: Path) -> None:
        self.env = {**os.environ, **env}
        self.processes = processes
        self.log_path = log_path
        self.process: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> Worker:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--pool=prefork",
                f"--concurrency={self.processes}",
                "--loglevel=INFO",
                "--without-gossip",
                "--without-mingle",
                "--without-heartbeat",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log_path.read_text(errors="replace"):
                return self
            if self.process.poll() is not None:
                raise RuntimeError(f"The worker exited early:\n{self.log_tail()}")
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"The worker did not become ready:\n{self.log_tail()}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=30)

    def log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]


# --- The two measurements ----------------------------------------------------------------------


def bare_loop(items: int, concurrency: int, latency_ms: int) -> float:
    """Items per second of the local provider called directly, ``concurrency`` at a time."""
    from apps.gateway.providers import ProviderConfig
    from apps.gateway.providers.local import LocalProvider
    from apps.gateway.types import TextRequest

    provider = LocalProvider(ProviderConfig())

    def one(index: int) -> int:
        request = TextRequest.from_prompt(
            "Write a product description for the online shop.\n"
            f"Product: Bench shirt {index}\nType: Shirt",
            latency_ms=latency_ms,
        )
        return len(provider.generate_text(request, model="local-copy", timeout=60).text)

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        produced = list(pool.map(one, range(items)))
    elapsed = time.perf_counter() - started
    assert len(produced) == items and all(produced)
    return items / elapsed


def job_run(
    workspace,
    actor,
    items: int,
    latency_ms: int,
    timeout: float,
    tag: str,
    kind: str = "gateway.bench_text",
) -> float:
    """Items per second of a job of ``kind``, from its creation to its last item."""
    from django.utils import timezone

    from apps.gateway.models import UsageRecord
    from apps.jobs.models import Job, JobStatus
    from apps.jobs.services import job_create

    created = timezone.now()
    job = job_create(
        workspace=workspace,
        created_by=actor,
        kind=kind,
        items=[(f"{tag}-{i}", {"title": f"Bench shirt {tag} {i}"}) for i in range(items)],
        params={"latency_ms": latency_ms},
        label=f"Gateway throughput {tag}",
    )
    deadline = time.monotonic() + timeout
    while True:
        job = Job.objects.for_workspace(workspace).get(pk=job.pk)
        if job.finished_at is not None:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"Job {tag} did not finish in {timeout:.0f} s: {job.done}/{items}")
        time.sleep(0.05)
    if job.status != JobStatus.SUCCEEDED or job.done != items:
        errors = list(job.items.exclude(error="").values_list("error", flat=True)[:3])
        raise RuntimeError(f"Job {tag} ended {job.status} with {job.done}/{items}: {errors}")
    if kind == "gateway.bench_text":
        calls = UsageRecord.objects.for_workspace(workspace).filter(created_at__gte=created)
        successes = calls.filter(outcome="success", cached=False).count()
        if successes != items:
            raise RuntimeError(f"Job {tag}: {successes} usage rows for {items} items")
    return items / (job.finished_at - created).total_seconds()


def main() -> int:
    args = parse_args()
    latencies = [int(x) for x in args.latencies.split(",") if x.strip()]
    env = prepare_environment(args)
    recreate_database(env["DATABASE_URL"])
    flush_redis(env["REDIS_URL"])
    log_path = Path(env["ATELIER_VAR_DIR"]) / "worker.log"
    worker = None
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connections

        call_command("migrate", verbosity=0)
        from apps.accounts.models import User
        from apps.workspaces.services import workspace_create

        actor = User.objects.create_user(email="bench@example.com", password=None)
        workspace = workspace_create(user=actor, name="Gateway bench", slug="gateway-bench")
        worker = Worker(env, args.worker_processes, log_path).start()
        print(
            f"gateway throughput: {args.items} items, {args.concurrency} calls in flight "
            f"({args.worker_processes} worker processes × "
            f"{env['JOB_ITEM_CONCURRENCY']} threads), local provider",
            flush=True,
        )
        job_run(workspace, actor, 100, 0, args.timeout, "warm-up")  # imports, pools, caches
        bare_loop(100, args.concurrency, 0)
        results: dict[int, tuple[float, float]] = {}
        for latency in latencies:
            bare = bare_loop(args.items, args.concurrency, latency)
            job = job_run(workspace, actor, args.items, latency, args.timeout, f"{latency}ms")
            results[latency] = (bare, job)
            print(
                f"latency {latency:>4} ms: bare {bare:9.1f} items/s   job {job:9.1f} items/s   "
                f"ratio {job / bare:.3f}   per item: bare {1000 / bare:.2f} ms, "
                f"job {1000 / job:.2f} ms",
                flush=True,
            )
            if args.baseline:
                plain = job_run(
                    workspace, actor, args.items, latency, args.timeout, f"plain-{latency}ms",
                    kind="jobs.bench_sleep",
                )  # fmt: skip
                print(
                    f"                 jobs without the gateway (jobs.bench_sleep) "
                    f"{plain:9.1f} items/s   ratio {plain / bare:.3f}   per item "
                    f"{1000 / plain:.2f} ms",
                    flush=True,
                )
        connections.close_all()
    finally:
        if worker is not None:
            worker.stop()
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # Django may not have started
            pass
        flush_redis(env["REDIS_URL"])
        recreate_database(env["DATABASE_URL"], drop_only=True)
    ratio = results[200][1] / results[200][0] if 200 in results else float("nan")
    overhead = 1000 / results[0][1] - 1000 / results[0][0] if 0 in results else float("nan")
    print(f"ratio_200ms={ratio:.3f} overhead_ms_per_item_0ms={overhead:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
