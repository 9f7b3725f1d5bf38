import pytest

from tests.factories import MembershipFactory, ProductFactory


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
                workspace=workspace,
                actor=actor,
                product_ids=product_ids,
                brief=services.CopyBrief(**brief),
            )
        job.refresh_from_db()
        return job

    return run
