"""Words that name a product's facts: materials, colours, sizes, certifications, units, kinds of
product. Data only; the description-facts extractor (:mod:`apps.catalog.facts`) reads them, and
the copy studio's claim guard checks drafts against the facts they found.

Lists are lower case. Multi-word entries are matched before their parts ("stainless steel"
before "steel"). Words that are common in other senses ("down", "stone", "natural") are left
out, or kept only in a phrase that is unambiguous.
"""

from __future__ import annotations

import re
from functools import lru_cache

MATERIALS: tuple[str, ...] = (
    # fibres and fabrics
    "organic cotton", "recycled cotton", "pima cotton", "supima cotton", "cotton", "polyester",
    "recycled polyester", "rayon", "viscose", "modal", "lyocell", "tencel", "linen", "flax",
    "hemp", "jute", "ramie", "wool", "merino wool", "merino", "cashmere", "mohair", "alpaca",
    "angora", "silk", "satin", "chiffon", "velvet", "velour", "corduroy", "denim", "chambray",
    "twill", "tweed", "flannel", "fleece", "polar fleece", "sherpa", "jersey", "terry",
    "french terry", "lace", "mesh", "tulle", "organza", "crepe", "poplin", "canvas", "oxford",
    "nylon", "polyamide", "elastane", "spandex", "lycra", "acrylic", "microfiber", "microfibre",
    "neoprene", "gore-tex", "leather", "faux leather", "vegan leather", "suede", "nubuck",
    "patent leather", "sheepskin", "shearling", "faux fur", "fur", "feather", "goose down",
    "duck down", "rubber", "eva", "foam", "memory foam", "latex", "vinyl", "pvc",
    "polyurethane", "tri-blend", "triblend", "wool blend", "cotton blend",
    # hard goods
    "ceramic", "porcelain", "stoneware", "earthenware", "terracotta", "clay", "glass",
    "borosilicate glass", "crystal", "enamel", "cast iron", "iron", "stainless steel", "steel",
    "carbon steel", "aluminium", "aluminum", "copper", "brass", "bronze", "pewter", "tin",
    "zinc", "titanium", "platinum", "gold", "rose gold", "white gold", "gold plated",
    "gold-plated", "silver", "sterling silver", "silver plated", "silver-plated", "wood",
    "solid wood", "oak", "walnut", "beech", "birch", "pine", "teak", "acacia", "mango wood",
    "bamboo", "rattan", "wicker", "cork", "marble", "granite", "concrete", "plywood", "mdf",
    "particleboard", "plastic", "recycled plastic", "acrylic glass", "resin", "silicone",
    "paper", "cardboard", "soy wax", "beeswax", "paraffin", "coconut wax", "diamond",
    "diamonds", "pearl", "pearls", "gemstone", "gemstones", "cubic zirconia", "quartz",
    "onyx", "jade", "amethyst", "turquoise stone", "beads",
)  # fmt: skip

COLOURS: tuple[str, ...] = (
    "black", "white", "off-white", "off white", "ivory", "cream", "ecru", "beige", "oatmeal",
    "taupe", "tan", "camel", "khaki", "brown", "chocolate brown", "dark brown", "grey", "gray",
    "charcoal", "heather grey", "heather gray", "silver grey", "navy", "navy blue", "blue",
    "light blue", "dark blue", "sky blue", "royal blue", "cobalt", "denim blue", "teal",
    "turquoise", "aqua", "green", "olive", "olive green", "khaki green", "sage", "sage green",
    "mint", "mint green", "emerald", "forest green", "bottle green", "lime", "yellow",
    "mustard", "ochre", "gold", "orange", "rust", "terracotta", "coral", "peach", "red",
    "burgundy", "maroon", "wine", "oxblood", "pink", "blush", "dusty pink", "hot pink",
    "fuchsia", "magenta", "purple", "lilac", "lavender", "violet", "plum", "mauve", "nude",
    "multicolour", "multicolor", "rainbow", "silver", "rose gold", "bronze", "copper",
    "clear", "transparent", "heather", "athletic heather", "dark heather", "natural white",
)  # fmt: skip

# Words that assert something a product has to have earned: certified, safe for, free of.
CERTIFICATIONS: tuple[str, ...] = (
    "organic", "certified organic", "gots", "oeko-tex", "oekotex", "fair trade", "fairtrade",
    "fsc", "b corp", "bluesign", "vegan", "vegetarian", "plant-based", "cruelty-free",
    "cruelty free", "gluten-free", "gluten free", "dairy-free", "dairy free", "nut-free",
    "sugar-free", "sugar free", "non-gmo", "kosher", "halal", "bpa-free", "bpa free",
    "hypoallergenic", "dermatologically tested", "clinically proven", "non-toxic",
    "waterproof", "water-resistant", "water resistant", "windproof", "breathable",
    "uv protection", "upf", "spf", "recycled", "recyclable", "biodegradable", "compostable",
    "sustainable", "eco-friendly", "eco friendly", "carbon neutral", "handmade", "hand-made",
    "handcrafted", "hand-crafted", "hand made", "dishwasher safe", "dishwasher-safe",
    "microwave safe", "microwave-safe", "oven safe", "oven-safe", "machine washable",
    "stain-resistant", "stain resistant",
    "wrinkle-free", "non-stick", "nonstick", "patented", "award-winning", "bestselling",
    "best-selling", "best seller", "bestseller", "warranty", "guarantee", "guaranteed",
    "lifetime", "all-natural", "all natural", "100% natural", "preservative-free",
    "no preservatives", "low sodium", "low fat", "lead-free", "nickel-free", "homemade",
    "home-made", "hallmarked", "shatterproof", "scratch-resistant", "fireproof",
)  # fmt: skip

SIZE_CODES: tuple[str, ...] = (
    "xxs", "xs", "s", "m", "l", "xl", "xxl", "xxxl", "2xl", "3xl", "4xl", "5xl", "6xl",
    "one size", "os", "petite", "plus", "tall",
)  # fmt: skip

UNITS: tuple[str, ...] = (
    "%", "percent", "mm", "cm", "m", "km", "in", "inch", "inches", '"', "ft", "feet", "foot",
    "oz", "ounce", "ounces", "fl oz", "lb", "lbs", "pound", "pounds", "g", "gram", "grams",
    "kg", "ml", "l", "litre", "litres", "liter", "liters", "gsm", "g/m²", "oz/yd²", "w",
    "watt", "watts", "v", "mah", "hours", "hour", "hrs", "days", "years", "year", "months",
    "month", "pack", "pcs", "pieces", "piece", "count", "ct", "x",
)  # fmt: skip

# The kinds of thing a shop sells, singular; the last one in a product's name is its noun.
PRODUCT_NOUNS: tuple[str, ...] = (
    # apparel
    "t-shirt", "tee", "shirt", "tank top", "tank", "top", "crop top", "blouse", "tunic",
    "bodysuit", "onesie", "creeper", "romper", "jumpsuit", "dress", "gown", "skirt", "jacket",
    "coat", "parka", "blazer", "vest", "gilet", "sweater", "jumper", "cardigan", "hoodie",
    "sweatshirt", "crewneck", "pullover", "polo", "trousers", "pants", "jeans", "shorts",
    "chinos", "joggers", "sweatpants", "sweatshorts", "leggings", "tights", "socks", "sock",
    "bra", "bralette", "briefs",
    "boxers", "knickers", "thong", "underwear", "pajamas", "pyjamas", "robe", "swimsuit",
    "bikini", "face mask", "hat", "cap",
    "beanie", "scarf", "gloves", "mittens", "belt", "tie", "bib",
    "apron", "uniform", "suit", "kimono",
    # footwear
    "shoes", "shoe", "sneakers", "sneaker", "trainers", "trainer", "boots", "boot",
    "sandals", "sandal", "slippers", "slipper", "loafers", "loafer", "heels", "flats",
    "mules", "clogs", "slides", "cleats", "flip flops", "espadrilles",
    # bags and accessories
    "bag", "tote", "tote bag", "backpack", "rucksack", "wallet", "purse", "clutch", "holdall",
    "duffel", "pouch", "case", "phone case", "keychain", "keyring", "sunglasses", "glasses",
    "watch", "umbrella",
    # jewellery
    "ring", "necklace", "pendant", "earrings", "earring", "studs", "hoops", "bracelet",
    "bangle", "anklet", "charm", "brooch", "cufflinks", "chain",
    # home
    "mug", "cup", "tumbler", "bottle", "water bottle", "glass", "bowl", "plate", "dish",
    "platter", "jug", "pitcher", "teapot", "vase", "pot", "planter", "lamp", "light",
    "pendant light", "lantern", "candle", "candle holder", "diffuser", "cushion",
    "cushion cover", "pillow", "pillowcase", "throw", "blanket", "quilt", "duvet",
    "duvet cover", "sheet", "sheets", "towel", "towels", "rug", "mat", "doormat", "curtain",
    "curtains", "mirror", "clock", "frame", "picture frame", "print", "poster", "canvas print",
    "sticker", "stickers", "decal", "magnet", "ornament", "wreath", "basket", "tray", "box",
    "shelf", "bookcase", "cabinet", "drawer", "chest", "sideboard", "wardrobe", "table",
    "coffee table", "desk", "chair", "stool", "bench", "sofa", "couch", "armchair", "bed",
    "headboard", "mattress", "beanbag", "bean bag", "pouf", "ottoman", "footstool",
    "hook", "rack", "hanger", "cutting board", "board", "knife",
    "pan", "frying pan", "skillet", "saucepan", "kettle", "utensil", "spoon", "fork",
    "coaster", "coasters", "napkin", "tablecloth", "notebook", "journal", "planner", "card",
    "puzzle", "toy", "game", "plush",
    # beauty and food
    "serum", "cream", "moisturiser", "moisturizer", "cleanser", "toner", "mask", "balm",
    "lip balm", "oil", "soap", "shampoo", "conditioner", "lotion", "scrub", "perfume",
    "fragrance", "candle", "sauce", "pasta sauce", "marinara", "dressing", "condiment",
    "ketchup", "mustard", "mayonnaise", "gravy", "soup", "pasta", "olive oil", "vinegar",
    "coffee", "tea", "chocolate", "snack", "cookies", "crackers", "seasoning", "spice",
    "gift box", "gift set", "set", "kit", "bundle", "watch band", "strap",
)  # fmt: skip

# Finishes and surfaces a description may state ("matte", "brushed").
FINISHES: tuple[str, ...] = (
    "matte", "glossy", "gloss", "satin finish", "polished", "brushed", "frosted", "textured",
    "embossed", "engraved", "hammered", "distressed", "lacquered", "glazed", "unglazed",
    "printed", "embroidered", "quilted", "ribbed", "knitted", "woven", "perforated",
)  # fmt: skip

# Words that describe who a product is for or how it is cut: they may start a shortened name
# ("Women's Flowy Tank Top").
MODIFIERS: tuple[str, ...] = (
    "women's", "womens", "men's", "mens", "unisex", "kids'", "kids", "children's", "baby",
    "infant", "toddler", "youth", "girls'", "boys'", "maternity", "plus size",
)  # fmt: skip

# Nouns that are plural in form and take "these"/"they" (a pair of …).
PLURAL_ONLY: frozenset[str] = frozenset(
    {
        "jeans", "trousers", "pants", "shorts", "chinos", "joggers", "sweatpants", "sweatshorts",
        "leggings", "tights", "cleats", "espadrilles", "flip flops",
        "pajamas", "pyjamas", "briefs", "boxers", "knickers", "glasses", "sunglasses",
        "scissors", "overalls", "dungarees", "earrings", "sheets", "towels", "socks", "shoes",
        "sneakers", "trainers", "boots", "sandals", "slippers", "loafers", "heels", "flats",
        "mules", "clogs", "slides", "gloves", "mittens", "stickers", "coasters", "curtains",
        "cufflinks", "studs", "hoops", "cookies", "crackers",
    }
)  # fmt: skip

# Shopify tags that organise a store, not describe a product: never facts, never hashtags.
OPERATIONAL_TAG_PATTERNS: tuple[str, ...] = (
    r"^import[_\- ]?\d",
    r"^import[_\- ]",
    r"^review[_\- ]?(inventory|pricing|images?|copy|seo)$",
    r"^reviewinventory$",
    r"^reviewpricing$",
    r"^(needs?|todo|to[_\- ]do|check|fix)[_\- ]",
    r"^(sale|clearance|discount|promo|free[_\- ]?shipping|new[_\- ]?arrivals?)$",
    r"^(hidden|draft|archive[d]?|test|sync(ed)?|feed|gmc|google|fb|facebook)([_\- ].*)?$",
    r"^\d{4}[-_]\d{2}[-_]\d{2}",
    r"^[a-z]{2,}[_\-]\d{6,}",
    r"^(price|cost|stock|qty|sku|vendor|supplier|batch|lot)[_\- :]",
    r"^__",
)

# Other companies' brands and technologies that turn up in product copy: copy may name one
# only when the product's facts do (an adidas shoe may say "Boost"), and never as a hashtag.
TRADEMARKS: tuple[str, ...] = (
    "nike", "adidas", "reebok", "puma", "asics", "new balance", "converse", "vans",
    "under armour", "lululemon", "patagonia", "the north face", "levi's", "levis", "zara",
    "h&m", "uniqlo", "gap", "topshop", "calvin klein", "tommy hilfiger", "ralph lauren",
    "gucci", "prada", "chanel", "dior", "louis vuitton", "hermès", "hermes", "burberry",
    "ikea", "heinz", "rao's", "apple", "iphone", "ipad", "airpods", "samsung", "galaxy",
    "disney", "marvel", "pixar", "starbucks", "lego", "barbie", "pokémon", "pokemon",
    "air max", "air force", "jordan", "boost", "primeknit", "flyknit", "dri-fit", "react",
    "zoomx", "gore-tex", "goretex", "lycra", "tencel", "coolmax", "thinsulate", "velcro",
    "teflon", "kevlar", "cordura", "polartec", "vibram", "ortholite", "sunbrella",
    "swarovski", "pandora", "tiffany", "kitchenaid", "dyson", "bluetooth", "wi-fi",
)  # fmt: skip

SINGLE_WORD_MATERIALS = frozenset(m for m in MATERIALS if " " not in m)


@lru_cache(maxsize=8)
def term_pattern(terms: tuple[str, ...]) -> re.Pattern:
    """Matches any of ``terms`` as whole words, longest first, case-insensitive."""
    ordered = sorted(set(terms), key=len, reverse=True)
    alternatives = "|".join(re.escape(t).replace(r"\ ", r"[\s-]+") for t in ordered)
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def find_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """The terms found in ``text``, lower case with spaces tidied, in order, each once."""
    found = (" ".join(m.group(0).lower().split()) for m in term_pattern(terms).finditer(text or ""))
    return list(dict.fromkeys(found))


def affirmed_terms(text: str, terms: tuple[str, ...]) -> list[str]:
    """Like :func:`find_terms`, but a term said in the negative ("not waterproof", "non-toxic"
    is different: it names itself) does not count."""
    found = []
    pattern = term_pattern(terms)
    for match in pattern.finditer(text or ""):
        before = text[max(0, match.start() - 24) : match.start()]
        if re.search(r"\b(not|no|never|isn't|aren't|wasn't|without)\s+(\w+\s+)?$", before, re.I):
            continue
        found.append(" ".join(match.group(0).lower().split()))
    return list(dict.fromkeys(found))


def is_operational_tag(tag: str) -> bool:
    value = tag.strip().lower()
    if not value:
        return True
    return any(re.search(pattern, value) for pattern in OPERATIONAL_TAG_PATTERNS)


def meaningful_tags(tags: list[str] | tuple[str, ...]) -> list[str]:
    """The tags that describe the product (import stamps and workflow flags left out)."""
    out: list[str] = []
    seen: set[str] = set()
    for tag in tags or ():
        text = str(tag).strip()
        key = re.sub(r"[\s_\-]+", " ", text.lower())
        if text and key not in seen and not is_operational_tag(text):
            seen.add(key)
            out.append(text)
    return out
