"""The seams through which other apps hand the brand layer what it needs (apps.brand.registry):
the brand layer never imports them."""

from django.utils import timezone

from apps.brand import registry, selectors
from apps.brand.models import MaterialSource, MaterialText
from apps.catalog.models import ApprovedCopy
from apps.catalog.selectors import workspace_copy
from tests import factories as f


def test_the_catalog_registers_its_copy_as_the_workspace_copy(workspace, other_workspace):
    assert workspace_copy in registry.workspace_copy_sources()  # from CatalogConfig.ready()
    shirt = f.ProductFactory(
        workspace=workspace, title="Aster Shirt", body_html="<p>We cut it <b>by hand</b>.</p>"
    )
    f.ProductFactory(workspace=workspace, title="No copy yet", body_html="")
    f.ProductFactory(workspace=other_workspace, title="Elsewhere", body_html="<p>Not ours.</p>")
    ApprovedCopy.objects.create(
        workspace=workspace,
        product=shirt,
        copy_type="seo_title",
        content="Aster Shirt, cut by hand",
        approved_at=timezone.now(),
    )
    assert selectors.workspace_copy_items(workspace=workspace) == [
        ("Aster Shirt", "We cut it by hand."),
        ("Aster Shirt", "Aster Shirt, cut by hand"),
    ]


def test_a_profile_learns_from_every_registered_source_only_when_it_uses_workspace_copy(
    workspace, profile, monkeypatch
):
    seen = []

    def catalog(*, workspace):
        seen.append(workspace)
        return [("Aster Shirt", "<p>Linen, <em>washed</em>.</p>")]

    monkeypatch.setattr(
        registry,
        "_WORKSPACE_COPY_SOURCES",
        {"catalog": catalog, "other": lambda *, workspace: [("Birch Mug", "Stoneware.")]},
    )
    MaterialText.objects.create(
        workspace=workspace,
        profile=profile,
        source=MaterialSource.PASTE,
        source_key="p:1",
        text="Own.",
    )
    assert selectors.material_items(workspace=workspace, profile=profile) == [("", "Own.", "")]
    assert seen == []  # not asked: the sources are not even read
    profile.use_workspace_copy = True
    profile.save()
    assert selectors.material_items(workspace=workspace, profile=profile) == [
        ("", "Own.", ""),
        ("Aster Shirt", "Linen, washed."),
        ("Birch Mug", "Stoneware."),
    ]
    assert seen == [workspace]
