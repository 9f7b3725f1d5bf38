"""The demo workspace that `make run` opens on: Demo Outfitters, with work on every desk.

Everything is made the way people make it, through the apps' own services and the job runner
(the jobs run here, in this process, one after another, instead of waiting for a worker): the
catalog is imported from a Shopify CSV written from ``demo_data/products.json``, the photos are
rendered by ``demo_data/render.py`` and uploaded to the studio, the brand profile learns from
``demo_data/brand_copy.txt``, its light from rendered reference photos, and the copy and photo
work is written by the configured model provider (the offline local one by default) and moved
through review by the demo's own members.

Safe to run again: each step looks for what it made before and does only what is missing.
"""

from __future__ import annotations

import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from allauth.account.models import EmailAddress
from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile, UploadedFile

from apps.accounts.models import User
from apps.billing.plans import PlanCode
from apps.billing.selectors import billing_account_get
from apps.billing.services.plan_changes import billing_plan_assign
from apps.brand import lighting_selectors, lighting_services
from apps.brand.models import BrandProfile, ProfileVersion, VersionStatus
from apps.brand.services import material, profiles, versions
from apps.catalog import services as catalog
from apps.catalog.models import Product
from apps.copywriting import services as copywriting
from apps.copywriting.models import CopyDraft
from apps.core.errors import ServiceError
from apps.demo.catalog_csv import demo_catalog_csv
from apps.demo.demo_data import render
from apps.photos.models import Photo, PhotoOutput, PhotoRecipe, PhotoStatus
from apps.photos.services import processing as photo_processing
from apps.photos.services import recipes as photo_recipes
from apps.photos.services import review as photo_review
from apps.photos.services import uploads as photo_uploads
from apps.reviews.lifecycle import ReviewDecision
from apps.workspaces import services as workspaces
from apps.workspaces.actors import Actor
from apps.workspaces.models import Membership, Workspace
from apps.workspaces.roles import Role
from config.celery import app as celery_app

DEMO_WORKSPACE_NAME = "Demo Outfitters"
DEMO_WORKSPACE_SLUG = "demo-outfitters"
DEMO_PASSWORD = "atelier-demo"
DEMO_EMAIL_DOMAIN = "demo.atelier.test"
DEMO_BRAND_NAME = "Demo Outfitters house voice"
DATA_DIR = Path(__file__).parent / "demo_data"
VIA = "seed_demo"

# Which products get which work (by position in products.json), so every state has some.
# Products whose photos go through a recipe: strong colours on the light backdrop, so the
# offline cut-out finds them (a chalk-white tee on an off-white backdrop needs a person's look).
PHOTO_BATCH_HANDLES = (
    "ridge-merino-jumper",
    "deck-waxed-weekender",
    "cedar-soy-candle",
    "fisherman-beanie",
    "hammam-beach-towel",
    "recycled-water-bottle",
)
LIGHT_REFERENCES = 6
COPY_PRODUCTS = 10


def demo_email(role: str) -> str:
    return f"{role.replace('_', '-')}@{DEMO_EMAIL_DOMAIN}"


@dataclass
class SeedReport:
    logins: list[tuple[str, str]] = field(default_factory=list)
    done: list[str] = field(default_factory=list)
    seconds: float = 0.0


@contextmanager
def jobs_run_here() -> Iterator[None]:
    """Run the jobs the services queue right here, as each transaction commits (Celery's eager
    mode), so the seed ends with its jobs finished rather than waiting for a worker."""
    was = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    # Each task would log a line as it finishes, and kombu warns about the broker's host name
    # while Celery prepares a producer it never uses in eager mode; the seed reports its own
    # steps instead.
    quieted = {name: logging.getLogger(name) for name in ("celery.app.trace", "kombu.connection")}
    levels = {name: logger.level for name, logger in quieted.items()}
    for logger in quieted.values():
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        celery_app.conf.task_always_eager = was
        for name, logger in quieted.items():
            logger.setLevel(levels[name])


def demo_products() -> list[dict[str, Any]]:
    return json.loads((DATA_DIR / "products.json").read_text(encoding="utf-8"))["products"]


def demo_seed(*, log: Callable[[str], None] = lambda line: None) -> SeedReport:
    """Create what is missing of the demo and leave the rest as it is."""
    started = time.monotonic()
    report = SeedReport()

    last = [started]

    def step(message: str) -> None:
        now = time.monotonic()
        line = f"{message} ({now - last[0]:.1f} s)"
        last[0] = now
        report.done.append(line)
        log(line)

    with jobs_run_here():
        # One hash for the one published password: hashing it six times costs seconds.
        password_hash = functools.cache(lambda: make_password(DEMO_PASSWORD))
        users = {role: _user(role, password_hash) for role in Role}
        workspace = _workspace(users[Role.OWNER])
        _unlimited_plan(workspace, step)
        actors = {role: _member(workspace, user, role) for role, user in users.items()}
        products = _catalog(actors[Role.ADMIN], step)
        profile = _brand(actors[Role.BRAND_MANAGER], step)
        photo_ids = _photos(actors[Role.PHOTO_EDITOR], products, step)
        _light(actors[Role.BRAND_MANAGER], profile, step)
        recipe = _recipes(actors[Role.PHOTO_EDITOR], step)
        _copy_work(actors, products, profile, step)
        _photo_work(actors, photo_ids, recipe, step)
    report.logins = [(role.label, demo_email(role.value)) for role in Role]
    report.seconds = time.monotonic() - started
    return report


# --- people and the workspace -----------------------------------------------------------------


def _user(role: Role, password_hash: Callable[[], str]) -> User:
    email = demo_email(role.value)
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email=email, password=None, name=f"Demo {role.label}")
        user.password = password_hash()
        user.save(update_fields=["password"])
    EmailAddress.objects.get_or_create(
        user=user, email=email, defaults={"verified": True, "primary": True}
    )
    return user


def _workspace(owner: User) -> Workspace:
    workspace = Workspace.objects.filter(slug=DEMO_WORKSPACE_SLUG).first()
    if workspace is None:
        workspace = workspaces.workspace_create(
            user=owner, name=DEMO_WORKSPACE_NAME, slug=DEMO_WORKSPACE_SLUG
        )
    return workspace


def _unlimited_plan(workspace: Workspace, step: Callable[[str], None]) -> None:
    """Self-hosted, so the site's own setup puts its demo on the Unlimited plan: every member
    has a seat and the work below costs no credits that could run out."""
    if billing_account_get(workspace=workspace).plan == PlanCode.UNLIMITED:
        return
    billing_plan_assign(workspace=workspace, site_admin=None, plan_code=PlanCode.UNLIMITED)
    step("Put the workspace on the Unlimited (self-hosted) plan.")


def _member(workspace: Workspace, user: User, role: Role) -> Actor:
    membership, _ = (
        Membership.objects.for_workspace(workspace)
        .select_related("workspace", "user")
        .get_or_create(user=user, defaults={"role": role, "workspace": workspace})
    )
    return Actor(membership=membership, via=VIA)


# --- the catalog and its photos ---------------------------------------------------------------


def _catalog(actor: Actor, step: Callable[[str], None]) -> list[Product]:
    data = json.loads((DATA_DIR / "products.json").read_text(encoding="utf-8"))
    wanted = [p["handle"] for p in data["products"]]
    existing = Product.objects.for_workspace(actor.workspace).filter(handle__in=wanted)
    if existing.count() < len(wanted):
        source = demo_catalog_csv(data["products"], data["vendor"])
        upload = SimpleUploadedFile("demo-outfitters-products.csv", source.encode(), "text/csv")
        batch = catalog.catalog_import_upload(actor=actor, upload=upload, fmt="shopify")
        catalog.catalog_import_confirm(actor=actor, batch_id=batch.pk)
        step(f"Imported {len(wanted)} products from a Shopify CSV.")
    by_handle = {
        p.handle: p
        for p in Product.objects.for_workspace(actor.workspace).filter(handle__in=wanted)
    }
    return [by_handle[handle] for handle in wanted if handle in by_handle]


def _photo_name(product: Product) -> str:
    return f"{product.handle}.jpg"


def _photos(actor: Actor, products: list[Product], step: Callable[[str], None]) -> list[int]:
    """One studio photo per product, rendered in its first colour."""
    shapes = {p["handle"]: p for p in demo_products()}
    have = set(
        Photo.objects.for_workspace(actor.workspace)
        .filter(product__in=products)
        .values_list("product_id", flat=True)
    )
    added = 0
    for product in products:
        if product.pk in have:
            continue
        spec = shapes[product.handle]
        content = render.render_jpeg(spec["shape"], spec["colours"][0][1])
        upload = SimpleUploadedFile(_photo_name(product), content, "image/jpeg")
        outcome = photo_uploads.photo_upload(actor=actor, uploads=[upload], product_id=product.pk)
        if outcome.errors:
            raise ServiceError(" ".join(outcome.errors))
        added += 1
    if added:
        step(f"Rendered and uploaded {added} product photos.")
    ready = (
        Photo.objects.for_workspace(actor.workspace)
        .filter(product__in=products, status=PhotoStatus.READY)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return list(ready)


# --- the brand: its voice and its light ---------------------------------------------------------


def _brand(actor: Actor, step: Callable[[str], None]) -> BrandProfile:
    workspace = actor.workspace
    profile = BrandProfile.objects.for_workspace(workspace).filter(name=DEMO_BRAND_NAME).first()
    if profile is None:
        profile = profiles.profile_create(
            actor=actor,
            name=DEMO_BRAND_NAME,
            description="Plain, warm and specific: what it is made of, where, and how to keep it.",
        )
        profile = profiles.profile_set_default(actor=actor, profile_id=profile.pk, is_default=True)
        step(f"Created the brand profile “{profile.name}”.")
    added = material.material_paste(
        actor=actor,
        profile_id=profile.pk,
        content=(DATA_DIR / "brand_copy.txt").read_text(encoding="utf-8"),
    )
    if added:
        step(f"Added {added} texts of the brand's own copy as material.")
    ready = ProfileVersion.objects.for_workspace(workspace).filter(
        profile=profile, status=VersionStatus.READY
    )
    if not ready.exists():
        version = versions.profile_train(actor=actor, profile_id=profile.pk)
        version.refresh_from_db()
        if version.status != VersionStatus.READY:
            raise ServiceError(f"The demo brand profile did not train: {version.error}")
        step(f"Trained {profile.name} v{version.number}.")
    return BrandProfile.objects.for_workspace(workspace).get(pk=profile.pk)


def _light(actor: Actor, profile: BrandProfile, step: Callable[[str], None]) -> None:
    workspace = actor.workspace
    if lighting_selectors.lighting_profile_list(workspace=workspace, brand=profile):
        return
    references: list[UploadedFile] = [
        SimpleUploadedFile(
            f"reference-{n}.jpg", render.render_jpeg(spec["shape"], spec["colours"][-1][1])
        )
        for n, spec in enumerate(demo_products()[::5][:LIGHT_REFERENCES], start=1)
    ]
    lighting_services.lighting_profile_train(
        actor=actor,
        brand_id=profile.pk,
        uploads=references,
        name="Studio daylight",
    )
    step(f"Learned the brand's light from {len(references)} reference photos.")


def _recipes(actor: Actor, step: Callable[[str], None]) -> PhotoRecipe:
    """The workspace's own copies of two built-in recipes (the built-ins are always listed)."""
    workspace = actor.workspace
    recipe = None
    for code, name in (
        ("amazon-main", "Amazon main image"),
        ("instagram-portrait", "Instagram portrait"),
    ):
        found = PhotoRecipe.objects.for_workspace(workspace).filter(name__startswith=name).first()
        if found is None:
            found = photo_recipes.recipe_copy_builtin(actor=actor, code=code)
            step(f"Saved the recipe “{found.name}”.")
        recipe = recipe or found
    assert recipe is not None
    return recipe


# --- work in every state ----------------------------------------------------------------------

RETURN_COMMENTS = [
    "Lead with what it is made of, and keep the first sentence under twenty words.",
    "Please say where it is made; our customers ask every time.",
    "Too formal for us. Read it aloud and cut what you would not say in the shop.",
]


def _copy_work(
    actors: dict[Role, Actor],
    products: list[Product],
    profile: BrandProfile,
    step: Callable[[str], None],
) -> None:
    """Descriptions for ten products by the copywriter: two approved, two returned with a
    comment, three waiting for review, the rest still drafts."""
    writer, reviewer = actors[Role.COPYWRITER], actors[Role.REVIEWER]
    workspace = writer.workspace
    if CopyDraft.objects.for_workspace(workspace).exists():
        return
    chosen = products[:COPY_PRODUCTS]
    job = copywriting.copy_generation_start(
        actor=writer,
        product_ids=[p.pk for p in chosen],
        brief=copywriting.CopyBrief(
            copy_types=("product_description",), variants=2, brand_profile_id=profile.pk
        ),
    )
    drafts = list(
        CopyDraft.objects.for_workspace(workspace).filter(job=job).order_by("product__title")
    )
    submitted = []
    for draft in drafts[:7]:
        if _copy_submit(writer, draft):
            submitted.append(draft)
    for n, draft in enumerate(submitted[:4]):
        returning = n % 2 == 1
        copywriting.copy_review_decide(
            actor=reviewer,
            draft_id=draft.pk,
            decision=ReviewDecision.REQUEST_CHANGES if returning else ReviewDecision.APPROVE,
            comment=RETURN_COMMENTS[n % len(RETURN_COMMENTS)] if returning else "",
        )
    decided = len(submitted[:4])
    step(
        f"Wrote {len(drafts)} product descriptions; submitted {len(submitted)}, "
        f"approved {(decided + 1) // 2} and returned {decided // 2} with comments."
    )


def _copy_submit(writer: Actor, draft: CopyDraft) -> bool:
    """Submit the first variant the rules let through (one stating nothing the facts do not
    support); a draft with none stays a draft."""
    for variant in draft.variants.order_by("position"):
        if variant.claims:
            continue
        copywriting.copy_variant_choose(actor=writer, variant_id=variant.pk)
        try:
            copywriting.copy_review_decide(
                actor=writer, draft_id=draft.pk, decision=ReviewDecision.SUBMIT
            )
        except ServiceError:
            continue
        return True
    return False


def _photo_work(
    actors: dict[Role, Actor],
    photo_ids: list[int],
    recipe: PhotoRecipe,
    step: Callable[[str], None],
) -> None:
    """A batch of six by the photo editor: two approved, two returned, one waiting for
    review, one not yet submitted."""
    editor, reviewer = actors[Role.PHOTO_EDITOR], actors[Role.REVIEWER]
    workspace = editor.workspace
    if PhotoOutput.objects.for_workspace(workspace).exists() or not photo_ids:
        return
    chosen = list(
        Photo.objects.for_workspace(workspace)
        .filter(pk__in=photo_ids, product__handle__in=PHOTO_BATCH_HANDLES)
        .values_list("pk", flat=True)
    )
    job = photo_processing.photo_batch_start(actor=editor, photo_ids=chosen, recipe_key=recipe.pk)
    outputs = list(PhotoOutput.objects.for_workspace(workspace).filter(job=job).order_by("pk"))
    to_submit = [o.pk for o in outputs[:5]]
    if to_submit:
        photo_review.photo_outputs_submit(actor=editor, output_ids=to_submit)
    for n, output_id in enumerate(to_submit[:4]):
        returning = n % 2 == 1
        photo_review.photo_review_decide(
            actor=reviewer,
            output_id=output_id,
            decision=ReviewDecision.REQUEST_CHANGES if returning else ReviewDecision.APPROVE,
            comment="The shadow is too heavy for our listings; soften it." if returning else "",
        )
    decided = len(to_submit[:4])
    step(
        f"Processed {len(outputs)} photos with “{recipe.name}”; submitted {len(to_submit)}, "
        f"approved {(decided + 1) // 2} and returned {decided // 2}."
    )
