import pytest

from apps.brand import training
from apps.brand.models import MaterialText
from apps.brand.services import profiles as brand_profiles
from apps.brand.services import versions as brand_versions
from tests.brand.corpus import brand_rows
from tests.factories import MembershipFactory, ProductFactory, actor_for


@pytest.fixture
def copywriter(workspace):
    return MembershipFactory(workspace=workspace, role="copywriter").user


@pytest.fixture
def reviewer(workspace):
    return MembershipFactory(workspace=workspace, role="reviewer").user


@pytest.fixture
def products(workspace):
    return [
        ProductFactory(
            workspace=workspace,
            title="Linen Shirt",
            handle="linen-shirt",
            product_type="Shirts",
            vendor="Harbor",
            tags=["linen", "summer"],
            attributes={"Material": "European flax linen", "Fit": "relaxed", "Colour": "sand"},
            body_html="<p>A shirt.</p>",
        ),
        ProductFactory(
            workspace=workspace,
            title="Wool Beanie",
            handle="wool-beanie",
            product_type="Hats",
            vendor="Harbor",
            attributes={"Material": "merino wool"},
        ),
        ProductFactory(
            workspace=workspace, title="Mystery Item", handle="mystery", product_type=""
        ),
    ]


@pytest.fixture
def run_job(django_capture_on_commit_callbacks):
    """Start generation and run its job through the real job path (tasks run eagerly)."""
    from apps.copywriting import services

    def run(workspace, actor, product_ids, **brief):
        brief.setdefault("copy_types", ("product_description",))
        with django_capture_on_commit_callbacks(execute=True):
            job = services.copy_generation_start(
                actor=actor_for(workspace, actor),
                product_ids=product_ids,
                brief=services.CopyBrief(**brief),
            )
        job.refresh_from_db()
        return job

    return run


@pytest.fixture
def trained_profile(
    workspace, owner, django_capture_on_commit_callbacks, monkeypatch, settings, tmp_path
):
    monkeypatch.setattr(training, "MAX_OTHER_TEXTS", 600)
    settings.MEDIA_ROOT = tmp_path / "media"
    profile = brand_profiles.profile_create(actor=actor_for(workspace, owner), name="Harbor")
    for i, (title, body) in enumerate(brand_rows("Harbor", 40, seed=0)):
        MaterialText.objects.create(
            workspace=workspace,
            profile=profile,
            source="csv",
            source_key=f"t:{i}",
            title=title,
            text=body,
        )
    with django_capture_on_commit_callbacks(execute=True):
        version = brand_versions.profile_train(
            actor=actor_for(workspace, owner), profile_id=profile.pk
        )
    version.refresh_from_db()
    assert version.status == "ready", version.error
    brand_profiles.profile_set_default(
        actor=actor_for(workspace, owner), profile_id=profile.pk, is_default=True
    )
    return version
