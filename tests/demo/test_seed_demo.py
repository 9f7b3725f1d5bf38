"""`manage.py seed_demo`: Demo Outfitters with work on every desk, made through the services;
running it again adds nothing; each role's dashboard shows its queue with the real numbers."""

import io
import re
from collections import Counter

import pytest
from django.core.management import call_command

from apps.accounts.models import User
from apps.billing.plans import PlanCode
from apps.billing.selectors import billing_account_get
from apps.brand.models import BrandProfile, LightingProfile, MaterialText, ProfileVersion
from apps.catalog.models import ApprovedCopy, ImportBatch, Product, ProductVariant
from apps.copywriting.models import CopyDraft
from apps.demo.seeding import DEMO_PASSWORD, DEMO_WORKSPACE_SLUG, demo_products
from apps.jobs import handlers
from apps.jobs.models import Job
from apps.photos.models import Photo, PhotoOutput, PhotoRecipe
from apps.reviews.lifecycle import ReviewState
from apps.workspaces.models import Membership, Workspace
from apps.workspaces.roles import Role

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

COUNTED = (
    (Product, "products"),
    (ProductVariant, "variants"),
    (ImportBatch, "imports"),
    (Photo, "photos"),
    (PhotoOutput, "photo outputs"),
    (PhotoRecipe, "recipes"),
    (BrandProfile, "brand profiles"),
    (ProfileVersion, "profile versions"),
    (MaterialText, "material"),
    (LightingProfile, "lights"),
    (CopyDraft, "drafts"),
    (ApprovedCopy, "approved copy"),
    (Job, "jobs"),
    (Membership, "members"),
)


@pytest.fixture(autouse=True)
def _item_threads_closed():
    """The seed's jobs run here, their items in this process's pool threads: close those
    threads' connections so the test database can be dropped."""
    yield
    handlers.job_item_pool_shutdown()


def counts(workspace):
    return {label: model.objects.for_workspace(workspace).count() for model, label in COUNTED}


def states(model, workspace):
    return Counter(model.objects.for_workspace(workspace).values_list("review_state", flat=True))


def desk(client, role):
    client.logout()
    assert client.login(email=f"{role.replace('_', '-')}@demo.atelier.test", password=DEMO_PASSWORD)
    response = client.get(f"/w/{DEMO_WORKSPACE_SLUG}/")
    assert response.status_code == 200
    return response.content.decode()


def figure(page, testid):
    found = re.findall(rf'data-testid="{testid}">([^<]*)<', page)
    assert found, f"{testid} is not on the page"
    return found[0].strip()


def test_seed_demo_fills_every_desk_and_runs_again_without_duplicates(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    printed = out.getvalue()
    for role in Role:
        assert f"{role.value.replace('_', '-')}@demo.atelier.test" in printed
    assert f"Password for all of them: {DEMO_PASSWORD}" in printed

    workspace = Workspace.objects.get(slug=DEMO_WORKSPACE_SLUG)
    first = counts(workspace)
    products = demo_products()
    # The catalog, imported from the shipped fixture, with a rendered photo per product.
    assert first["products"] == len(products) >= 24
    assert first["variants"] == sum(len(p["colours"]) * len(p["sizes"] or [None]) for p in products)
    mug = Product.objects.for_workspace(workspace).get(handle="stoneware-mug")
    assert mug.vendor == "Demo Outfitters"
    assert "glazed stoneware" in " ".join(mug.description_facts.get("materials", []))
    assert first["photos"] == len(products)
    assert set(Photo.objects.for_workspace(workspace).values_list("status", flat=True)) == {"ready"}
    # Unlimited: every member has a seat, and the owner may invite more.
    assert billing_account_get(workspace=workspace).plan == PlanCode.UNLIMITED
    assert first["members"] == len(Role)
    # The brand profile, trained with a score, and its light, learned.
    version = ProfileVersion.objects.for_workspace(workspace).get()
    assert version.status == "ready" and version.profile.active_version_id == version.pk
    assert 0 <= version.evaluation["mean_heldout_score"] <= 100
    assert LightingProfile.objects.for_workspace(workspace).get().status == "ready"
    assert first["recipes"] == 2
    # Work in every state, written and processed for real.
    copy_states = states(CopyDraft, workspace)
    photo_states = states(PhotoOutput, workspace)
    for state in (ReviewState.DRAFT, ReviewState.IN_REVIEW, ReviewState.CHANGES_REQUESTED,
                  ReviewState.APPROVED):  # fmt: skip
        assert copy_states[state] >= 1, state
        assert photo_states[state] >= 1, state
    draft = CopyDraft.objects.for_workspace(workspace).filter(review_state="approved").first()
    assert ApprovedCopy.objects.for_workspace(workspace).filter(product=draft.product).exists()
    assert draft.chosen_variant.gen_provider == "local"
    assert draft.chosen_variant.gen_brand_profile_version == version.pk  # written in its voice
    assert all(o.file and o.width for o in PhotoOutput.objects.for_workspace(workspace))

    out = io.StringIO()
    call_command("seed_demo", stdout=out)
    assert counts(workspace) == first
    assert User.objects.filter(email__endswith="@demo.atelier.test").count() == len(Role)
    assert "Imported" not in out.getvalue() and "Wrote" not in out.getvalue()

    # Each role's desk shows its queue, with the numbers the data holds.
    page = desk(client, Role.COPYWRITER)
    writer = User.objects.get(email="copywriter@demo.atelier.test")
    mine = states(CopyDraft, workspace)
    assert figure(page, "count-returned") == str(mine[ReviewState.CHANGES_REQUESTED])
    assert figure(page, "count-drafts") == str(mine[ReviewState.DRAFT])
    assert figure(page, "count-in-review") == str(mine[ReviewState.IN_REVIEW])
    returned = CopyDraft.objects.for_workspace(workspace).filter(
        author=writer, review_state=ReviewState.CHANGES_REQUESTED
    )
    assert returned.first().product.title in page
    assert "Fix “" in page

    page = desk(client, Role.PHOTO_EDITOR)
    assert figure(page, "count-returned") == str(photo_states[ReviewState.CHANGES_REQUESTED])
    assert figure(page, "count-approved") == str(photo_states[ReviewState.APPROVED])
    batch = Job.objects.for_workspace(workspace).get(kind="photos.process")
    assert batch.label in page
    assert "Fix the returned photo of" in page

    page = desk(client, Role.BRAND_MANAGER)
    assert figure(page, "brand-score") == f"{round(version.evaluation['mean_heldout_score'])}/100"
    assert "Studio daylight" in page  # the light, by name

    page = desk(client, Role.REVIEWER)
    assert figure(page, "copy-review-count") == str(copy_states[ReviewState.IN_REVIEW])
    assert figure(page, "photo-review-count") == str(photo_states[ReviewState.IN_REVIEW])
    assert f"{copy_states[ReviewState.IN_REVIEW]} under a day" in page
    assert "Review the oldest copy" in page and "Review the oldest photo" in page

    page = desk(client, Role.ADMIN)
    calls = figure(page, "usage-calls")
    assert int(calls) >= first["drafts"]  # one model call per draft at least
    assert "Unlimited" in page
    assert "will appear here" not in page
    assert 'data-testid="first-steps"' not in page  # everything on it is done
