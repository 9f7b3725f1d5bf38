"""Small synthetic brand corpora for the tests: three made-up brands with clearly different
voices, generated from a seed (the suite reads no data from outside the repository)."""

from __future__ import annotations

import random

PRODUCTS = (
    ("shirt", "Shirt"),
    ("jacket", "Jacket"),
    ("sweater", "Sweater"),
    ("tote", "Bag"),
    ("mug", "Mug"),
    ("blanket", "Throw"),
    ("cap", "Hat"),
    ("scarf", "Scarf"),
)
NAMES = ("Aster", "Birch", "Cove", "Dune", "Ember", "Fjord", "Glen", "Haven", "Isle", "Juniper")
MATERIALS = ("organic cotton", "linen", "merino wool", "canvas", "stoneware", "recycled wool")
COLOURS = ("sea blue", "sand", "moss", "charcoal", "rust", "chalk")


def _harbor(rng: random.Random, name: str, noun: str, material: str, colour: str) -> str:
    """Harbor: nautical, speaks as "we", calm and plain, no exclamation marks."""
    openers = [
        f"We cut the {name} {noun} from salt-washed {material} on the shoreline workbench.",
        f"The {name} {noun} is our harbour staple in {colour}, built for long tides.",
        f"We make the {name} {noun} in small batches at our harbour workshop.",
    ]
    middles = [
        f"Its {material} softens with every voyage and keeps the sea breeze out.",
        "Our crew wears it from dawn moorings to late evening watches.",
        f"The {colour} tone borrows from weathered hulls and quiet coves.",
        "We finish every seam by hand, so it weathers storms with you.",
        "Rope-stitched details nod to the moorings we grew up beside.",
    ]
    closers = ["Made to last many seasons at sea.", "Built for harbour life, worn anywhere."]
    parts = [rng.choice(openers), *rng.sample(middles, rng.randint(1, 3)), rng.choice(closers)]
    return " ".join(parts)


def _lumen(rng: random.Random, name: str, noun: str, material: str, colour: str) -> str:
    """lumen: lower case, terse specification fragments, addresses "you"."""
    spec = [
        f"{material}. {colour}.",
        "relaxed silhouette, dropped shoulder.",
        "minimal seams. clean edges. no logos.",
        "you wash it cold, you hang it dry.",
        f"weight {rng.randint(180, 420)} gsm.",
        "designed in studio, made in portugal.",
    ]
    head = f"{name.lower()} {noun}: quiet essentials for your everyday uniform."
    return " ".join([head, *rng.sample(spec, rng.randint(2, 4))])


def _bramble(rng: random.Random, name: str, noun: str, material: str, colour: str) -> str:
    """Bramble: playful, exclamation marks and emoji, long chatty sentences."""
    openers = [
        f"Say hello to the {name} {noun}, your new favourite thing to cuddle up in! 🌼",
        f"Oh my, the {name} {noun} is here and it is bursting with sunshine!",
        f"Guess who just arrived? The {name} {noun}, and honestly we are obsessed! ✨",
    ]
    middles = [
        f"It comes in the dreamiest {colour} that makes every grey Monday feel like a picnic.",
        f"Snuggly {material} hugs you back, so pop it on and skip into your weekend!",
        "Pair it with wellies, muddy puddles and a big slice of cake!",
        "Grab one for you and one for your bestie, because sharing is caring! 💛",
    ]
    return " ".join([rng.choice(openers), *rng.sample(middles, rng.randint(1, 3))])


WRITERS = {"Harbor": _harbor, "Lumen": _lumen, "Bramble": _bramble}


def brand_rows(brand: str, count: int, *, seed: int = 0) -> list[tuple[str, str]]:
    """``count`` (title, description) pairs in ``brand``'s voice."""
    rng = random.Random(f"{brand}-{seed}")
    writer = WRITERS[brand]
    rows = []
    for i in range(count):
        noun, _kind = rng.choice(PRODUCTS)
        name = f"{rng.choice(NAMES)} {i}"
        material, colour = rng.choice(MATERIALS), rng.choice(COLOURS)
        rows.append((f"{name} {noun.title()}", writer(rng, name, noun, material, colour)))
    return rows


def corpus_csv(count: int = 40, *, seed: int = 0) -> str:
    import csv
    import io

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["brand", "title", "description"])
    for brand in WRITERS:
        for title, description in brand_rows(brand, count, seed=seed):
            writer.writerow([brand, title, description])
    return buffer.getvalue()
