"""Benchmark: is the offline writer's copy publishable? Measured with checks independent of
the writer's own, on real Shopify exports and real brand copy.

    python bench/copy_quality.py SHOPIFY_DIR BRAND_COPY_CSV [--brands a,b,c] [--variants N]
                                 [--sample K] [--out DIR]

For example ``python bench/copy_quality.py DATA/shopify DATA/brand_copy/brand_copy.csv``, where
DATA is a folder of real exports. In a throw-away PostgreSQL database (from
``DATABASE_URL``, default the local server) it:

1. imports every ``*.csv`` export in SHOPIFY_DIR through the catalog's real import path;
2. trains one brand profile for each of ``--brands`` (default Nike, Zara, Topshop) on that
   brand's rows of BRAND_COPY_CSV, through the real training service;
3. writes every kind of copy for every product with the local provider — without a profile and
   with each profile — through the copy studio's generation pipeline (the gateway, the brand's
   rules engine, the claim guard, the checks), with a brief carrying two keywords
   ("timeless", "everyday wear");
4. for a sample of drafts, asks for a "shorter" rewrite and for one that mentions one of the
   product's own features;
5. counts, with :mod:`apps.copywriting.evaluation` (its own vocabularies, the CMU pronouncing
   dictionary; it imports nothing of the writer or the guard) and against the product's raw
   fields (title, vendor, type, tags, attributes, options, the description's text):
   unsupported claims per 100 drafts, grammar errors per 100 drafts, the share of keywords
   found, the share of feedback followed, and drafts that break a hard channel limit.

It saves ``OUT/copy_sample.md`` (default ``bench/out/``): drafts of every kind for a few
products, and every draft the checks flag, to read. Goals: 0, ≤ 1, ≥ 0.95, ≥ 0.95, 0. The last
line is ``unsupported_per_100=<x> grammar_per_100=<x> keyword_hit=<x> feedback_followed=<x>
limit_violations=<n>``.
"""

from __future__ import annotations

import argparse
import csv
import html
import random
import re
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._support import ROOT, bench_environment

KEYWORDS = ("timeless", "everyday wear")
DEFAULT_BRANDS = "Nike,Zara,Topshop"


def product_text(product) -> str:
    """Everything the product's own data states, read from its fields (not from the writer's
    facts): what a claim must be found in."""
    body = html.unescape(re.sub(r"<[^>]+>", " ", product.body_html or ""))
    options = " ".join(" ".join(v.option_values) for v in product.variants.all())
    attributes = " ".join(f"{k} {v}" for k, v in (product.attributes or {}).items())
    parts = [product.title, product.vendor, product.product_type, product.category]
    parts += [" ".join(product.tags or []), attributes, options, body]
    return "\n".join(p for p in parts if p)


def field_texts(spec, data) -> list[str]:
    from apps.copywriting import channels

    out = []
    for f in spec.fields:
        value = data.get(f.name)
        out += value if isinstance(value, list) else [channels.html_text(str(value or ""))]
    return [t for t in out if t]


def train_profiles(workspace, actor, path: Path, brands: list[str]):
    from apps.brand.models import MaterialText
    from apps.brand.services import profiles
    from apps.brand.services.versions import profile_train

    rows = defaultdict(list)
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["brand"]].append((row.get("title", ""), row["description"]))
    versions = []
    for name in brands:
        if name not in rows:
            raise SystemExit(f"No rows for {name} in {path.name} (brands: {', '.join(rows)}).")
        profile = profiles.profile_create(actor=actor, name=name)
        MaterialText.objects.bulk_create(
            MaterialText(
                workspace=workspace,
                profile=profile,
                source="csv",
                source_key=f"bench:{name}:{i}",
                title=title[:500],
                text=text,
            )
            for i, (title, text) in enumerate(rows[name])
        )
        # The training job runs (eagerly) when the service's transaction commits.
        version = profile_train(actor=actor, profile_id=profile.pk)
        version.refresh_from_db()
        print(f"trained {name}: {len(rows[name])} texts, status {version.status}", flush=True)
        versions.append(version)
    return versions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("shopify_dir", type=Path)
    parser.add_argument("brand_copy", type=Path)
    parser.add_argument("--brands", default=DEFAULT_BRANDS)
    parser.add_argument("--variants", type=int, default=1)
    parser.add_argument("--sample", type=int, default=120, help="drafts asked to be rewritten")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out")
    args = parser.parse_args()
    exports = sorted(args.shopify_dir.glob("*.csv"))
    if not exports:
        raise SystemExit(f"No CSV files in {args.shopify_dir}.")
    if not args.brand_copy.is_file():
        raise SystemExit(f"{args.brand_copy} does not exist.")

    with bench_environment(database="atelier_bench_copy", redis_db=7):
        from django.conf import settings
        from django.core.files.uploadedfile import SimpleUploadedFile

        settings.CELERY_TASK_ALWAYS_EAGER = True
        from config.celery import app as celery_app

        celery_app.conf.update(task_always_eager=True, task_eager_propagates=True)

        from apps.accounts.models import User
        from apps.billing.services.plan_changes import billing_plan_assign
        from apps.catalog import services as catalog
        from apps.catalog.models import Product
        from apps.copywriting import channels, evaluation, generation, prompting
        from apps.copywriting.brief import mentions
        from apps.copywriting.facts import product_facts
        from apps.copywriting.selectors import foreign_brand_names
        from apps.workspaces.actors import Actor
        from apps.workspaces.models import Membership, Workspace

        user = User.objects.create_user(email="bench@example.com", password="bench-password")
        workspace = Workspace.objects.create(name="Copy bench", slug="copy-bench")
        owner = Actor(Membership.objects.create(workspace=workspace, user=user, role="owner"))
        billing_plan_assign(workspace=workspace, site_admin=None, plan_code="unlimited")
        started = time.monotonic()
        for path in exports:
            batch = catalog.catalog_import_upload(
                actor=owner,
                upload=SimpleUploadedFile(path.name, path.read_bytes(), content_type="text/csv"),
                fmt="shopify",
            )
            catalog.catalog_import_confirm(actor=owner, batch_id=batch.pk)
        products = list(
            Product.objects.for_workspace(workspace).prefetch_related("variants").order_by("pk")
        )
        print(f"imported {len(products)} products from {len(exports)} files", flush=True)
        if not products:
            raise SystemExit("No products were imported; see the import errors above.")
        versions = train_profiles(
            workspace, owner, args.brand_copy, [b.strip() for b in args.brands.split(",")]
        )
        voices = [None, *versions]
        other_names = tuple(v.profile.name for v in versions)

        counts = Counter()
        per_voice = defaultdict(Counter)
        per_type = defaultdict(Counter)
        flagged: list[str] = []
        samples: list[str] = []
        rewrites: list[tuple] = []
        rng = random.Random(0)
        for voice in voices:
            label = voice.profile.name if voice else "no profile"
            for index, product in enumerate(products):
                facts_text = product_text(product)
                foreign = foreign_brand_names(workspace=workspace, product=product)
                for code in channels.SPECS:
                    spec = channels.spec_for(code)
                    setting = generation.setting_for(
                        workspace=workspace,
                        spec=spec,
                        product=product,
                        brief=prompting.Brief(keywords=KEYWORDS),
                        version=voice,
                        foreign_names=foreign,
                    )
                    candidates = generation.generate(
                        workspace=workspace,
                        actor=user,
                        setting=setting,
                        n=args.variants,
                        seed=index,
                    )
                    for candidate in candidates:
                        data = candidate.data
                        texts = field_texts(spec, data)
                        rendered = " ".join(texts)
                        claims = [
                            c
                            for t in texts
                            for c in evaluation.unsupported_claims(
                                t, facts_text, other_names=other_names, allowed_words=KEYWORDS
                            )
                        ]
                        errors = [
                            e for t in texts for e in evaluation.grammar_errors(t, facts_text)
                        ]
                        hard = channels.check(spec, data).hard_violations
                        hits = sum(1 for k in KEYWORDS if k in rendered.lower())
                        for bucket in (counts, per_voice[label], per_type[code]):
                            bucket["drafts"] += 1
                            bucket["claims"] += len(claims)
                            bucket["grammar"] += len(errors)
                            bucket["limits"] += 1 if hard else 0
                            bucket["keywords"] += len(KEYWORDS)
                            bucket["keyword_hits"] += hits
                        if claims or errors or hard:
                            flagged.append(
                                f"- [{label}] {product.title[:60]} · {code}: claims {claims} "
                                f"grammar {errors} limits {[v.message for v in hard]}\n"
                                f"  > {rendered[:400]}"
                            )
                        if index < 3 and voice in (None, versions[0]):
                            samples.append(
                                f"### {product.title} · {code} · {label}\n\n{rendered}\n"
                            )
                        if rng.random() < args.sample / (
                            len(products) * len(channels.SPECS) * len(voices)
                        ):
                            rewrites.append((voice, product, spec, data))
            print(f"{label}: {per_voice[label]['drafts']} drafts", flush=True)

        followed, asked = 0, 0
        for voice, product, spec, data in rewrites:
            facts = product_facts(product)
            feature = next((f for f in facts.features if len(f.split()) <= 5), "")
            requests = [("shorter", None)] + (
                [(f"mention the {feature}", feature)] if feature else []
            )
            for feedback, wanted in requests:
                setting = generation.setting_for(
                    workspace=workspace,
                    spec=spec,
                    product=product,
                    brief=prompting.Brief(keywords=KEYWORDS, feedback=feedback, previous=data),
                    version=voice,
                )
                [rewrite] = generation.generate(
                    workspace=workspace, actor=user, setting=setting, n=1, seed=7
                )
                before = " ".join(field_texts(spec, data))
                after = " ".join(field_texts(spec, rewrite.data))
                ok = len(after) < len(before) if wanted is None else mentions(after, wanted)
                asked += 1
                followed += ok
                if not ok:
                    flagged.append(
                        f"- feedback “{feedback}” not followed · {product.title[:60]} · "
                        f"{spec.code}\n  before > {before[:300]}\n  after  > {after[:300]}"
                    )

        args.out.mkdir(parents=True, exist_ok=True)
        report = args.out / "copy_sample.md"
        report.write_text(
            "# Copy quality bench\n\n## Samples\n\n"
            + "\n".join(samples)
            + "\n\n## Flagged by the independent checks\n\n"
            + ("\n".join(flagged) or "(none)")
            + "\n",
            encoding="utf-8",
        )
        for label, bucket in per_voice.items():
            n = bucket["drafts"]
            print(
                f"{label}: drafts={n} unsupported_per_100={100 * bucket['claims'] / n:.2f} "
                f"grammar_per_100={100 * bucket['grammar'] / n:.2f} "
                f"keyword_hit={bucket['keyword_hits'] / bucket['keywords']:.3f} "
                f"limit_violations={bucket['limits']}"
            )
        for code, bucket in per_type.items():
            n = bucket["drafts"]
            print(
                f"  {code}: unsupported={bucket['claims']} grammar={bucket['grammar']} "
                f"keyword_hit={bucket['keyword_hits'] / bucket['keywords']:.3f} "
                f"limit_violations={bucket['limits']}"
            )
        print(f"samples and flagged drafts: {report}")
        print(f"elapsed_s={time.monotonic() - started:.0f} rewrites={asked}")
        n = counts["drafts"]
        print(
            f"unsupported_per_100={100 * counts['claims'] / n:.2f} "
            f"grammar_per_100={100 * counts['grammar'] / n:.2f} "
            f"keyword_hit={counts['keyword_hits'] / counts['keywords']:.3f} "
            f"feedback_followed={followed / asked if asked else float('nan'):.3f} "
            f"limit_violations={counts['limits']}"
        )


if __name__ == "__main__":
    main()
