"""The claim guard: every kind of claim, supported or not, and what it removes or flags."""

import pytest

from apps.copywriting import channels
from apps.copywriting.claims import Support, guard
from apps.copywriting.facts import build_facts

SHIRT = build_facts(
    title="Harbour Linen Shirt",
    body_html=(
        "<p>A relaxed linen shirt in sand with a camp collar.</p>"
        "<ul><li>100% linen</li><li>Not waterproof</li><li>Machine wash cold</li></ul>"
    ),
    vendor="Nordhavn",
    product_type="Shirts",
    options=(("Size", ("S", "M", "L")),),
)


@pytest.fixture
def support():
    return Support(SHIRT, own_names=("Nordhavn", "Tideweave"), foreign_names=("Aldercraft",))


def kinds(support, text):
    return [(c.kind, c.text) for c in support.unsupported(text)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Made of 100% linen.", []),
        ("A 2-pack in 3 sizes.", [("number", "2-pack"), ("number", "3 sizes")]),
        ("Cut from silk and linen.", [("material", "silk")]),
        ("The sand shirt, also in navy.", [("colour", "navy")]),
        ("Available in S, M, L and XL.", [("size", "XL")]),
        (
            "Organic and waterproof linen.",
            [("certification", "organic"), ("certification", "waterproof")],
        ),
        ("Our gravy is vegetarian.", [("certification", "vegetarian")]),
        ("It has Air technology.", [("name", "Air")]),
        ("Designed in Sweden for you.", [("name", "Sweden")]),
        ("Made with Primeknit yarn.", [("name", "Primeknit")]),
        ("Lightweight like an IKEA classic.", [("name", "IKEA")]),
        ("From our friends at Aldercraft.", [("name", "Aldercraft")]),
        ("Woven in Tideweave™ by Nordhavn.", []),
        ("A relaxed shirt with a camp collar, machine wash cold.", []),
        ("Harbour Linen Shirt With Camp Collar", []),  # Title Case: capitals say nothing
    ],
)
def test_each_kind_of_claim_must_be_in_the_facts(support, text, expected):
    assert kinds(support, text) == expected


def test_a_negative_in_the_facts_supports_nothing(support):
    assert kinds(support, "A waterproof shirt.") == [("certification", "waterproof")]


def test_the_guard_removes_what_the_copy_stands_without_and_flags_the_rest(support):
    description = channels.SPECS["product_description"]
    html = (
        "<p>A relaxed linen shirt with a camp collar. It has Air technology.</p>"
        "<ul><li>100% linen</li><li>GOTS-certified organic cotton</li></ul>"
    )
    guarded = guard({"text": html}, description.fields, support)
    assert guarded.data["text"] == (
        "<p>A relaxed linen shirt with a camp collar.</p><ul><li>100% linen</li></ul>"
    )
    assert guarded.removed == ("It has Air technology.", "GOTS-certified organic cotton")
    assert guarded.remaining == ()

    title = channels.SPECS["seo_title"]
    flagged = guard({"text": "Nike Air Linen Shirt | Nordhavn"}, title.fields, support)
    assert flagged.data == {"text": "Nike Air Linen Shirt | Nordhavn"}  # nothing to cut
    assert [c.describe() for c in flagged.remaining] == ["unsupported: ‘Nike’"]

    bullets = channels.SPECS["amazon_bullets"]
    items = ["MATERIAL: 100% linen.", "FIT: Relaxed.", "ORIGIN: Made in Italy."]
    kept = guard({"bullets": items}, bullets.fields, support)
    assert kept.data["bullets"] == items[:2] and kept.removed == ("ORIGIN: Made in Italy.",)
