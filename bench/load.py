"""Load: signed-in users on gunicorn and PostgreSQL while a copy run proceeds (issue 13).

Sets up a throw-away database (``DATABASE_URL``, dropped at the end) with 20,000 products, 300
drafts waiting in the review queue and 20 signed-in users, starts gunicorn on 127.0.0.1 and a
Celery worker, starts a copy run of 1,000 items (the local provider: real generation and brand
checks on the worker's CPU), and meanwhile lets the users browse, each in turn: the catalog list
(a random page, sometimes a filter), a product page, the copy studio and the review queue, with
a pause between pages as people take, for as long as the run lasts (after an unmeasured
warm-up of every page, so that each web process has compiled its templates). It is bounded: at most
``--requests`` per user and ``--seconds`` of load, then at most ``--job-timeout`` seconds
waiting for the run. Loopback only: every request goes to 127.0.0.1.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_load REDIS_URL=redis://127.0.0.1:6379/9 \\
        .venv/bin/python bench/load.py [--users 20] [--products 20000] [--copy-items 1000]

Last line: ``rps=<x> p95_ms=<x> errors=<n> job_done=<p>/<t>``
Goals: p95 <= 300 ms, 0 errors, the job complete.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal
from urllib.parse import urlencode

from _support import ROOT, Worker, bench_environment, percentile

HOST = "127.0.0.1"  # loopback only
WORDS = ["linen", "merino", "organic", "cotton", "canvas", "relaxed", "tailored", "washed",
         "coastal", "heritage", "everyday", "recycled", "woven", "brushed", "classic"]  # fmt: skip
TYPES = ["Shirts", "Trousers", "Jackets", "Knitwear", "Bags", "Hats", "Shoes", "Dresses"]
VENDORS = ["Harbor", "Northfolk", "Linea", "Coastline", "Atelier Nord"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--copy-items", type=int, default=1_000)
    parser.add_argument("--requests", type=int, default=150, help="page views per user at most")
    parser.add_argument("--seconds", type=float, default=240, help="load phase at most")
    parser.add_argument("--think-ms", default="500,1500", help="pause between pages: min,max")
    parser.add_argument("--job-timeout", type=float, default=900)
    parser.add_argument("--web-workers", type=int, default=3)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--worker-processes", type=int, default=2)
    parser.add_argument(
        "--worker-nice",
        type=int,
        default=10,
        help="CPU priority of the worker below the web server's, as docker-compose.yml runs it",
    )
    return parser.parse_args()


# --- set-up -----------------------------------------------------------------------------------


def create_catalog(workspace, count: int) -> list[int]:
    from apps.catalog.models import Product, ProductVariant
    from apps.catalog.services import product_search_refresh

    rng = random.Random(13)
    products = []
    for n in range(count):
        words = rng.sample(WORDS, 3)
        kind = TYPES[n % len(TYPES)]
        products.append(
            Product(
                workspace=workspace,
                handle=f"product-{n}",
                title=f"{words[0].title()} {words[1]} {kind[:-1].lower()} {n}",
                vendor=VENDORS[n % len(VENDORS)],
                product_type=kind,
                tags=[words[2], kind.lower()],
                tags_text=f", {words[2]}, {kind.lower()}, ",
                attributes={"Material": words[1], "Fit": "relaxed"},
                body_html=f"<p>{' '.join(rng.choices(WORDS, k=40))}.</p>",
                variant_count=2,
                price_min=Decimal(20 + n % 80),
                price_max=Decimal(25 + n % 80),
            )
        )
    Product.objects.bulk_create(products, batch_size=2000)
    ids = list(Product.objects.for_workspace(workspace).order_by("pk").values_list("pk", flat=True))
    ProductVariant.objects.bulk_create(
        [
            ProductVariant(
                workspace=workspace,
                product_id=pid,
                position=position,
                option_values=[size],
                sku=f"SKU-{pid}-{size}",
                price=Decimal(20 + pid % 80 + 5 * (position - 1)),
            )
            for pid in ids
            for position, size in ((1, "M"), (2, "L"))
        ],
        batch_size=5000,
    )
    for start in range(0, len(ids), 2000):
        product_search_refresh(workspace=workspace, product_ids=ids[start : start + 2000])
    return ids


def create_review_queue(workspace, author, product_ids: list[int], count: int) -> None:
    from django.utils import timezone

    from apps.copywriting.models import CopyDraft, CopyVariant

    now = timezone.now()
    drafts = CopyDraft.objects.bulk_create(
        [
            CopyDraft(
                workspace=workspace,
                product_id=pid,
                copy_type="product_description",
                author=author,
                review_state="in_review",
                submitted_at=now,
            )
            for pid in product_ids[-count:]
        ]
    )
    variants = CopyVariant.objects.bulk_create(
        [
            CopyVariant(
                workspace=workspace,
                draft=draft,
                position=1,
                data={"text": "<p>A relaxed linen shirt for warm days.</p>"},
            )
            for draft in drafts
        ]
    )
    for draft, variant in zip(drafts, variants, strict=True):
        draft.chosen_variant = variant
    CopyDraft.objects.for_workspace(workspace).bulk_update(drafts, ["chosen_variant"])


def signed_in_cookies(users) -> list[str]:
    """A real session for each user, as signing in leaves it (Django's session store)."""
    from django.test import Client

    cookies = []
    for user in users:
        client = Client()
        client.force_login(user)
        cookies.append(f"sessionid={client.cookies['sessionid'].value}")
    return cookies


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


class Gunicorn:
    def __init__(self, port: int, workers: int, threads: int) -> None:
        self.port = port
        self.args = [
            sys.executable, "-m", "gunicorn", "config.wsgi:application",
            "--bind", f"{HOST}:{port}", "--workers", str(workers),
            "--worker-class", "gthread", "--threads", str(threads), "--timeout", "60",
        ]  # fmt: skip
        self.log = ROOT / "var" / "bench-gunicorn.log"
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Gunicorn:
        env = {**os.environ, "ALLOWED_HOSTS": HOST, "DEBUG": "false"}
        self.process = subprocess.Popen(
            self.args,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                status, _ = get(self.port, "/accounts/login/", "")
                if status == 200:
                    return self
            except OSError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(self.log.read_text()[-3000:])
            time.sleep(0.3)
        raise RuntimeError("gunicorn did not start")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def get(port: int, path: str, cookie: str, connection=None) -> tuple[int, float]:
    started = time.perf_counter()
    conn = connection or http.client.HTTPConnection(HOST, port, timeout=30)
    conn.request("GET", path, headers={"Cookie": cookie, "Host": HOST})
    response = conn.getresponse()
    response.read()
    if connection is None:
        conn.close()
    return response.status, (time.perf_counter() - started) * 1000


# --- the load -----------------------------------------------------------------------------------


def user_pages(slug: str, product_ids: list[int], rng: random.Random):
    pages = max(1, len(product_ids) // 50)
    while True:
        query = "?" + urlencode({"page": rng.randint(1, pages)})
        if rng.random() < 0.3:
            query = "?" + urlencode(
                {"vendor": rng.choice(VENDORS), "product_type": rng.choice(TYPES)}
            )
        yield "catalog list", f"/w/{slug}/catalog/{query}"
        yield "product page", f"/w/{slug}/catalog/products/{rng.choice(product_ids)}/"
        yield "copy studio", f"/w/{slug}/copy/"
        yield "review queue", f"/w/{slug}/review/"


def run_user(n, port, cookie, slug, product_ids, args, deadline, stop, results, lock) -> None:
    rng = random.Random(n)
    think_min, think_max = (int(x) / 1000 for x in args.think_ms.split(","))
    time.sleep(rng.uniform(0, think_max))  # users do not all start on the same click
    connection = http.client.HTTPConnection(HOST, port, timeout=30)
    pages = user_pages(slug, product_ids, rng)
    for _ in range(rng.randrange(4)):  # users are not all on the same page
        next(pages)
    for _ in range(args.requests):
        if time.monotonic() >= deadline or stop.is_set():
            break
        name, path = next(pages)
        try:
            status, ms = get(port, path, cookie, connection)
        except (OSError, http.client.HTTPException) as error:
            status, ms = f"{type(error).__name__}", 0.0
            connection.close()
            connection = http.client.HTTPConnection(HOST, port, timeout=30)
        with lock:
            results.append((name, status, ms, time.monotonic(), path))
        time.sleep(rng.uniform(think_min, think_max))
    connection.close()


def warm_up(port: int, cookies: list[str], slug: str, product_ids: list[int], width: int) -> None:
    """Not measured: a few rounds of every page, ``width`` at once, so each web process has
    compiled its templates and the caches are filled, as on a server that has been up a while
    (a server just started pays that once per process: about a second under this load)."""
    rng = random.Random(0)
    paths = [path for _, path in itertools.islice(user_pages(slug, product_ids, rng), 4 * 3)]

    def visit(n: int) -> None:
        for path in paths:
            get(port, path, cookies[n % len(cookies)])

    with ThreadPoolExecutor(max_workers=width) as pool:
        list(pool.map(visit, range(width)))


def main() -> None:
    args = parse_args()
    with bench_environment(database="atelier_bench_load", redis_db=9):
        from apps.accounts.models import User
        from apps.billing.models import BillingAccount
        from apps.billing.services.accounts import billing_account_ensure
        from apps.copywriting.services import CopyBrief, copy_generation_start
        from apps.jobs.models import Job
        from apps.workspaces.actors import Actor
        from apps.workspaces.models import Membership, Workspace

        started = time.monotonic()
        workspace = Workspace.objects.create(name="Load", slug="load")
        users = [
            User.objects.create_user(email=f"user{n}@load.example", password="bench-pass-123")
            for n in range(args.users)
        ]
        for n, user in enumerate(users):
            Membership.objects.create(
                workspace=workspace, user=user, role="owner" if n == 0 else "brand_manager"
            )
        billing_account_ensure(workspace=workspace)
        BillingAccount.objects.for_workspace(workspace).update(plan="unlimited", status="active")
        product_ids = create_catalog(workspace, args.products)
        create_review_queue(workspace, users[0], product_ids, 300)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
        cookies = signed_in_cookies(users)
        print(
            f"set-up: {args.products} products, {args.users} users, 300 drafts in review "
            f"({time.monotonic() - started:.0f} s)",
            flush=True,
        )

        port = free_port()
        assert HOST == "127.0.0.1"
        with (
            Worker(concurrency=args.worker_processes, nice=args.worker_nice),
            Gunicorn(port, args.web_workers, args.web_threads),
        ):
            warm_up(port, cookies, workspace.slug, product_ids, args.web_workers * args.web_threads)
            job = copy_generation_start(
                actor=Actor(
                    membership=Membership.objects.for_workspace(workspace)
                    .select_related("workspace", "user")
                    .get(user=users[0])
                ),
                product_ids=product_ids[: args.copy_items],
                brief=CopyBrief(copy_types=("product_description",), variants=1),
            )
            results: list = []
            lock = threading.Lock()
            load_started = time.monotonic()
            deadline = load_started + args.seconds
            # The load lasts while the copy run does (bounded by --seconds and --requests).
            stop = threading.Event()

            def watch_job() -> None:
                from django.db import connection as thread_connection

                while not stop.is_set() and time.monotonic() < deadline:
                    status = Job.objects.for_workspace(workspace).get(pk=job.pk).status
                    if status not in ("queued", "running"):
                        stop.set()
                    time.sleep(1)
                thread_connection.close()

            watcher = threading.Thread(target=watch_job)
            watcher.start()
            threads = [
                threading.Thread(
                    target=run_user,
                    args=(
                        n,
                        port,
                        cookies[n],
                        workspace.slug,
                        product_ids,
                        args,
                        deadline,
                        stop,
                        results,
                        lock,
                    ),
                )
                for n in range(args.users)
            ]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=args.seconds + 120)
            stop.set()
            watcher.join()
            load_seconds = max(r[3] for r in results) - load_started if results else 0
            job.refresh_from_db()
            during = f"{job.done + job.failed + job.skipped}/{job.total}"
            job_deadline = time.monotonic() + args.job_timeout
            while job.status in ("queued", "running") and time.monotonic() < job_deadline:
                time.sleep(1)
                job.refresh_from_db()
            job = Job.objects.for_workspace(workspace).get(pk=job.pk)
            job_seconds = (
                (job.finished_at - job.created_at).total_seconds() if job.finished_at else None
            )

    latencies = [ms for _, status, ms, *_ in results if status == 200]
    errors = [(name, status) for name, status, *_ in results if status != 200]
    for name in ("catalog list", "product page", "copy studio", "review queue"):
        page = [ms for n, status, ms, *_ in results if n == name and status == 200]
        if page:
            print(
                f"{name:13s} n={len(page):4d} p50_ms={percentile(page, 0.5):7.1f} "
                f"p95_ms={percentile(page, 0.95):7.1f} max_ms={max(page):7.1f}"
            )
    slowest = sorted(results, key=lambda r: -r[2])[:5]
    print(
        "slowest:",
        ", ".join(f"{r[4]} {r[2]:.0f} ms at +{r[3] - load_started:.0f} s" for r in slowest),
    )
    if errors:
        print("errors:", errors[:20])
    print(
        f"load: {len(results)} requests in {load_seconds:.1f} s; copy run {during} done when "
        f"the load ended, {job.status} after "
        + (f"{job_seconds:.0f} s" if job_seconds else "the timeout")
    )
    rps = len(results) / load_seconds if load_seconds else 0.0
    p95 = percentile(latencies, 0.95) if latencies else 0.0
    done = job.done + job.skipped
    print(f"rps={rps:.1f} p95_ms={p95:.0f} errors={len(errors)} job_done={done}/{job.total}")


if __name__ == "__main__":
    main()
