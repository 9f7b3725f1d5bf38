"""Catalog import and product list at scale (issue 4).

Generates a Shopify product CSV of 100,000 rows (20,000 products, each with variant and image
rows), imports it through the real path (upload service, job, Celery worker on Redis, PostgreSQL)
and then times the product list page with those 20,000 products.

    python bench/catalog_import.py [--products 20000] [--real DATA/shopify]

Last line: import_s=<x> peak_rss_mb=<y> list_p95_ms=<z> list_queries=<n>
Goals: import <= 60 s, peak RSS <= 400 MB, list p95 <= 100 ms, queries independent of page size.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
import tempfile
import time
from pathlib import Path

from _support import Worker, bench_environment, peak_rss_mb, percentile

HEADERS = [
    "Handle", "Title", "Body (HTML)", "Vendor", "Product Category", "Type", "Tags", "Published",
    "Option1 Name", "Option1 Value", "Variant SKU", "Variant Grams", "Variant Price",
    "Variant Compare At Price", "Variant Barcode", "Image Src", "Image Position", "Image Alt Text",
    "SEO Title", "SEO Description", "Fabric (product.metafields.custom.fabric)", "Status",
]  # fmt: skip
WORDS = [
    "soft", "organic", "cotton", "linen", "wool", "merino", "recycled", "relaxed", "tailored",
    "breathable", "classic", "everyday", "lightweight", "warm", "durable", "woven", "knit",
    "brushed", "washed", "heritage", "minimal", "coastal",
]  # fmt: skip
TYPES = ["Shirts", "Trousers", "Jackets", "Knitwear", "Dresses", "Bags", "Hats", "Shoes"]
VENDORS = ["Harbor", "Northfolk", "Atelier Nord", "Linea", "Coastline"]


def write_catalog(path: Path, products: int) -> int:
    rng = random.Random(7)
    rows = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        for n in range(products):
            words = rng.sample(WORDS, 3)
            title = f"{words[0].title()} {words[1]} {TYPES[n % len(TYPES)][:-1].lower()} {n}"
            handle_ = f"product-{n}"
            body = f"<p>{' '.join(rng.choices(WORDS, k=40))}.</p><ul><li>{words[2]}</li></ul>"
            base = {h: "" for h in HEADERS}
            sizes = ["S", "M", "L", "XL"]
            for i in range(5):
                row = dict(base, Handle=handle_)
                if i == 0:
                    row.update(
                        {
                            "Title": title,
                            "Body (HTML)": body,
                            "Vendor": VENDORS[n % len(VENDORS)],
                            "Product Category": "Apparel & Accessories > Clothing",
                            "Type": TYPES[n % len(TYPES)],
                            "Tags": ", ".join(rng.sample(WORDS, 3)),
                            "Published": "true",
                            "Option1 Name": "Size",
                            "SEO Title": title,
                            "SEO Description": body[3:120],
                            "Fabric (product.metafields.custom.fabric)": words[0],
                            "Status": "active",
                        }
                    )
                if i < 4:
                    row.update(
                        {
                            "Option1 Value": sizes[i],
                            "Variant SKU": f"SKU-{n}-{sizes[i]}",
                            "Variant Grams": str(200 + i * 10),
                            "Variant Price": f"{20 + n % 80}.{i}0",
                            "Variant Barcode": f"{10**12 + n * 10 + i}",
                        }
                    )
                if i in (0, 1, 4):
                    position = {0: 1, 1: 2, 4: 3}[i]
                    row.update(
                        {
                            "Image Src": f"https://cdn.example.com/{handle_}-{position}.jpg",
                            "Image Position": str(position),
                            "Image Alt Text": f"{title}, view {position}",
                        }
                    )
                writer.writerow(row[h] for h in HEADERS)
                rows += 1
    return rows


def wait_for_job(job_model, workspace, job_id: int, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = job_model.objects.for_workspace(workspace).get(pk=job_id)
        if job.finished_at:
            if job.failed:
                raise SystemExit(f"import job finished with {job.failed} failed chunks")
            return
        time.sleep(0.2)
    raise SystemExit("import job did not finish in time")


def import_file(services, actor, path: Path, name: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with path.open("rb") as stream:
        upload = SimpleUploadedFile(name, b"")
        upload.file = stream
        upload.size = path.stat().st_size
        batch = services.catalog_import_upload(actor=actor, upload=upload, fmt="shopify")
        return services.catalog_import_confirm(actor=actor, batch_id=batch.pk)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--real", type=Path, help="a folder of real Shopify exports to import too")

    args = parser.parse_args()

    with bench_environment(database="atelier_bench_catalog", redis_db=6):
        from django.db import connection
        from django.test import Client
        from django.test.utils import CaptureQueriesContext

        from apps.accounts.models import User
        from apps.catalog import services
        from apps.catalog.models import ImportRowError, Product
        from apps.jobs.models import Job
        from apps.workspaces.actors import Actor
        from apps.workspaces.models import Membership, Workspace

        user = User.objects.create_user(email="bench@example.com", password="bench-pass-123")
        workspace = Workspace.objects.create(name="Bench", slug="bench")
        actor = Actor(Membership.objects.create(workspace=workspace, user=user, role="owner"))

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "catalog.csv"
            rows = write_catalog(path, args.products)
            size_mb = path.stat().st_size / 1024 / 1024
            print(f"generated {rows} rows, {args.products} products, {size_mb:.1f} MB")
            with Worker(concurrency=2):
                started = time.perf_counter()
                batch = import_file(services, actor, path, "catalog.csv")
                scanned = time.perf_counter() - started
                wait_for_job(Job, workspace, batch.job_id)
                import_s = time.perf_counter() - started
                print(f"upload and scan {scanned:.1f} s; whole import {import_s:.1f} s")

                if args.real:
                    for real in sorted(args.real.glob("*.csv")):
                        real_batch = import_file(services, actor, real, real.name)
                        wait_for_job(Job, workspace, real_batch.job_id)
                        errors = ImportRowError.objects.for_workspace(workspace).filter(
                            batch=real_batch
                        )
                        print(
                            f"real file {real.name}: {real_batch.row_count} rows, "
                            f"{real_batch.product_count} products, encoding "
                            f"{real_batch.detected_encoding}, {errors.count()} row errors"
                        )

        total = Product.objects.for_workspace(workspace).count()
        print(f"products in the workspace: {total}")

        client = Client()
        client.force_login(user)
        base = f"/w/{workspace.slug}/catalog/"
        pages = [
            "",
            "?page=2",
            "?page=200",
            "?q=linen",
            "?q=merino+relaxed",
            "?vendor=Harbor",
            "?product_type=Jackets&sort=-price",
            "?tag=cotton",
            "?sort=-updated",
        ]
        client.get(base)  # warm caches and the sign-in record
        timings = []
        by_page: dict[str, list[float]] = {query: [] for query in pages}
        for _ in range(8):
            for query in pages:
                started = time.perf_counter()
                response = client.get(base + query)
                elapsed = (time.perf_counter() - started) * 1000
                timings.append(elapsed)
                by_page[query].append(elapsed)
                assert response.status_code == 200, (query, response.status_code)
        for query, values in by_page.items():
            print(f"  {query or '(first page)':<40} median {percentile(values, 0.5):6.1f} ms")
        with CaptureQueriesContext(connection) as captured:
            client.get(base)
        list_queries = len(captured)
        print(f"list page: median {percentile(timings, 0.5):.1f} ms over {len(timings)} requests")

    print(
        f"import_s={import_s:.1f} peak_rss_mb={peak_rss_mb():.0f} "
        f"list_p95_ms={percentile(timings, 0.95):.1f} list_queries={list_queries}"
    )


if __name__ == "__main__":
    sys.exit(main())
