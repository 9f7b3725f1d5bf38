"""What a product's description states, extracted at import, shown on the product page and
editable there; imports keep what a person corrected."""

import pytest
from django.urls import reverse

from apps.catalog import services
from apps.catalog.facts import extract_description_facts
from apps.catalog.models import Product
from apps.catalog.vocabulary import meaningful_tags
from apps.core.errors import ServiceError
from apps.workspaces.actors import NotAllowed
from tests.catalog.samples import OLD_HEADERS, shopify_rows, to_csv
from tests.factories import MembershipFactory, ProductFactory, actor_for

pytestmark = pytest.mark.django_db

PRINT_SHOP_BODY = """
<p>Colors may appear different on computer screen than on object. Due to complications with
manufacturers as a result of Covid, we are NOT ABLE to offer gift wrapping on this item.</p>
<p>This loose fit tee has a fashionable look, with a crew neck and short sleeves. Perfect for
lazy weekends.</p>
<p>.: 50% Polyester; 25% Soft cotton; 25% Rayon<br>.: Light fabric (4.3 oz/yd² (146 g/m²))<br>
.: Runs true to size<br>.: Sewn in label<br>.: Not waterproof<br>.: Machine wash cold</p>
<p>Made in Portugal. Designer: Lisa Hilland/Brand of Sweden.</p>
<p>All orders are shipped out the next business day. I donate 10% of profits to charity.</p>
"""


def test_the_description_is_read_into_kinds_of_facts_without_shop_boilerplate():
    facts = extract_description_facts(PRINT_SHOP_BODY)
    assert facts["materials"][0] == "50% Polyester; 25% Soft cotton; 25% Rayon"
    assert {"polyester", "cotton", "rayon"} <= set(facts["materials"])
    assert facts["fit"] == ["loose fit", "Runs true to size"]
    # "a fashionable look" says how it looks, not what it has: no feature.
    assert facts["features"] == ["crew neck", "short sleeves", "Sewn in label", "Not waterproof"]
    assert facts["dimensions"] == ["Light fabric (4.3 oz/yd² (146 g/m²))"]
    assert facts["care"] == ["Machine wash cold"]
    assert facts["uses"] == ["lazy weekends"]
    assert facts["origin"] == ["Portugal"]
    # "Not waterproof" is no claim of waterproofing; boilerplate and credits say nothing.
    assert "waterproof" not in facts["claims"]
    everything = " ".join(v for values in facts.values() for v in values).lower()
    for noise in ("covid", "gift", "shipped", "profits", "screen", "hilland", "sweden"):
        assert noise not in everything


def test_materials_and_colours_in_passing_are_not_the_products():
    facts = extract_description_facts(
        "<p>A cotton tote bag in navy.</p><p>It fits a laptop and pairs well with white "
        "sneakers and a leather belt.</p>"
    )
    assert facts["materials"] == ["cotton"] and facts["colours"] == ["navy"]


def test_operational_tags_are_not_facts():
    tags = ["import_2021_02_11_033502", "review-inventory", "ReviewInventory", "summer", "linen"]
    assert meaningful_tags(tags) == ["summer", "linen"]


def test_import_keeps_the_facts_and_a_person_s_corrections_survive_a_reimport(
    client, workspace, owner, run_import
):
    rows = shopify_rows()
    rows[0]["Body (HTML)"] = "<p>A relaxed fit shirt in linen with a camp collar.</p>"
    run_import(workspace, owner, to_csv(rows, OLD_HEADERS))
    product = Product.objects.for_workspace(workspace).get(handle="linen-shirt")
    assert product.description_facts["features"] == ["camp collar"]
    assert product.description_facts["fit"] == ["relaxed fit"]

    client.force_login(owner)
    url = reverse(
        "catalog_product_facts", kwargs={"slug": workspace.slug, "product_id": product.pk}
    )
    response = client.post(url, {"features": "camp collar\nmother-of-pearl buttons", "fit": ""})
    assert response.status_code == 302
    product.refresh_from_db()
    assert product.description_facts["features"] == ["camp collar", "mother-of-pearl buttons"]
    assert product.description_facts["fit"] == [] and product.description_facts_edited

    rows[0]["Body (HTML)"] = "<p>A slim fit shirt with a button-down collar.</p>"
    run_import(workspace, owner, to_csv(rows, OLD_HEADERS))
    product.refresh_from_db()
    assert product.description_facts["features"] == ["camp collar", "mother-of-pearl buttons"]

    client.post(url, {"reset": "1"})  # extract again from the live description
    product.refresh_from_db()
    assert product.description_facts["features"] == ["button-down collar"]
    assert not product.description_facts_edited


def test_the_product_page_shows_the_facts_and_only_catalog_editors_may_change_them(
    client, workspace, owner
):
    product = ProductFactory(
        workspace=workspace, body_html="<p>A wool scarf with fringed ends.</p>"
    )
    product.description_facts = extract_description_facts(product.body_html)
    product.save()
    page = reverse(
        "catalog_product_detail", kwargs={"slug": workspace.slug, "product_id": product.pk}
    )
    client.force_login(owner)
    html = client.get(page).content.decode()
    assert "What the description states" in html and "fringed ends" in html
    assert "Correct or add facts" in html
    editor = MembershipFactory(workspace=workspace, role="photo_editor").user
    client.force_login(editor)
    assert "Correct or add facts" not in client.get(page).content.decode()
    url = reverse(
        "catalog_product_facts", kwargs={"slug": workspace.slug, "product_id": product.pk}
    )
    assert client.post(url, {"features": "silk lining"}).status_code == 403
    product.refresh_from_db()
    assert product.description_facts["features"] == ["fringed ends"]


def test_the_facts_services_refuse_a_role_that_may_not_edit_the_catalog(workspace, other_workspace):
    product = ProductFactory(workspace=workspace, body_html="<p>A wool scarf.</p>")
    reviewer = actor_for(workspace, role="reviewer")
    with pytest.raises(NotAllowed, match=r"Your role \(Reviewer\) may not do this"):
        services.product_facts_update(
            actor=reviewer, product_id=product.pk, facts={"features": ["silk lining"]}
        )
    with pytest.raises(NotAllowed):
        services.product_facts_reset(actor=reviewer, product_id=product.pk)
    product.refresh_from_db()
    assert not product.description_facts_edited
    # Another workspace's product is not found, whatever the role.
    with pytest.raises(ServiceError, match="no longer exists"):
        services.product_facts_update(
            actor=actor_for(other_workspace, role="owner"), product_id=product.pk, facts={}
        )
    edited = services.product_facts_update(
        actor=actor_for(workspace, role="copywriter"),
        product_id=product.pk,
        facts={"features": ["silk lining"]},
    )
    assert edited.description_facts_edited and edited.description_facts["features"] == [
        "silk lining"
    ]
