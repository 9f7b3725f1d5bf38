"""API throughput (issue 16): upsert 10,000 products through the bulk endpoint, read them back
by cursor.

Sets up a throw-away database (``DATABASE_URL``, dropped at the end) with one workspace and an
admin API key, starts gunicorn on 127.0.0.1 (the whole stack: the API gate with its key lookup,
rate limit in Redis and idempotency row, Django Ninja, the catalog's upsert service), then

1. upserts ``--products`` products in bulk requests of ``--batch`` (each with variants, tags
   and an Idempotency-Key) from ``--clients`` threads, timing the whole upsert;
2. reads every product back through ``GET /api/v1/products`` page by page (``--page`` per
   page) following ``next_cursor``, timing each request.

Loopback only. The rate limit is lifted for the run (it would otherwise throttle the reads).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_api REDIS_URL=redis://127.0.0.1:6379/10 \\
        .venv/bin/python bench/api_throughput.py [--products 10000] [--batch 500]

Last line: ``upsert_per_s=<x> read_p95_ms=<x>``
Goals: upsert_per_s >= 500, read_p95_ms <= 100.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

from _support import bench_environment, percentile
from load import HOST, Gunicorn, free_port

VENDORS = ["Harbor", "Northfolk", "Linea", "Coastline", "Atelier Nord"]
TYPES = ["Shirts", "Trousers", "Jackets", "Knitwear", "Bags"]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="products per bulk request")
    parser.add_argument("--clients", type=int, default=2, help="concurrent bulk requests")
    parser.add_argument("--page", type=int, default=100, help="products per page read")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--web-threads", type=int, default=2)
    return parser.parse_args()


def product(n: int) -> dict:
    return {
        "handle": f"bench-product-{n:06d}",
        "title": f"Bench product {n}",
        "body_html": f"<p>A soft linen shirt, number {n}, with a relaxed fit.</p>",
        "vendor": VENDORS[n % len(VENDORS)],
        "product_type": TYPES[n % len(TYPES)],
        "tags": ["linen", f"batch-{n // 1000}"],
        "option_names": ["Size"],
        "variants": [
            {"option_values": [size], "sku": f"B{n}-{size}", "price": "39.90"}
            for size in ("S", "M", "L")
        ],
    }


def request(port: int, method: str, path: str, secret: str, body: dict | None = None, **headers):
    connection = http.client.HTTPConnection(HOST, port, timeout=120)
    payload = json.dumps(body).encode() if body is not None else None
    started = time.perf_counter()
    connection.request(
        method,
        path,
        body=payload,
        headers={
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            **headers,
        },
    )
    response = connection.getresponse()
    data = response.read()
    elapsed_ms = (time.perf_counter() - started) * 1000
    connection.close()
    if response.status != 200:
        raise RuntimeError(f"{method} {path}: {response.status} {data[:500]!r}")
    return json.loads(data), elapsed_ms


def main() -> None:
    args = parse_args()
    os.environ["API_RATE_LIMIT_PER_MINUTE"] = "0"
    with bench_environment(database="bench_api", redis_db=10):
        from django.contrib.auth import get_user_model

        from apps.api.services import api_key_create
        from apps.catalog.models import Product
        from apps.workspaces.actors import Actor
        from apps.workspaces.models import Membership, Workspace
        from apps.workspaces.roles import Role

        user = get_user_model().objects.create_user(email="bench@example.com", password="x")
        workspace = Workspace.objects.create(name="API bench", slug="api-bench", created_by=user)
        membership = Membership.objects.create(workspace=workspace, user=user, role=Role.OWNER)
        secret = api_key_create(
            actor=Actor(membership=membership), name="bench", role=Role.ADMIN
        ).secret

        port = free_port()
        with Gunicorn(port, args.web_workers, args.web_threads):
            # Warm up each web process's routes and schemas (unmeasured).
            for _ in range(2 * args.web_workers):
                request(port, "GET", "/api/v1/products?limit=1", secret)
            batches = [
                [product(n) for n in range(start, min(start + args.batch, args.products))]
                for start in range(0, args.products, args.batch)
            ]

            def send(batch: list[dict]) -> float:
                result, ms = request(
                    port,
                    "POST",
                    "/api/v1/products/bulk",
                    secret,
                    {"products": batch},
                    **{"Idempotency-Key": str(uuid.uuid4())},
                )
                assert len(result["saved"]) == len(batch), result["refused"][:3]
                return ms

            started = time.perf_counter()
            with ThreadPoolExecutor(args.clients) as pool:
                batch_ms = list(pool.map(send, batches))
            upsert_s = time.perf_counter() - started
            stored = Product.objects.for_workspace(workspace).count()
            assert stored == args.products, stored

            read_ms: list[float] = []
            seen = 0
            cursor = ""
            while True:
                path = f"/api/v1/products?limit={args.page}" + (
                    f"&cursor={cursor}" if cursor else ""
                )
                page, ms = request(port, "GET", path, secret)
                read_ms.append(ms)
                seen += len(page["items"])
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert seen == args.products, seen

        upsert_per_s = args.products / upsert_s
        print(
            f"products={args.products} batch={args.batch} clients={args.clients} "
            f"upsert_s={upsert_s:.1f} batch_p50_ms={percentile(batch_ms, 0.5):.0f} "
            f"batch_max_ms={max(batch_ms):.0f}"
        )
        print(
            f"pages={len(read_ms)} page_size={args.page} "
            f"read_p50_ms={percentile(read_ms, 0.5):.1f} read_max_ms={max(read_ms):.1f}"
        )
        print(f"upsert_per_s={upsert_per_s:.0f} read_p95_ms={percentile(read_ms, 0.95):.1f}")


if __name__ == "__main__":
    main()
