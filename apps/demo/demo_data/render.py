"""Product photos for the demo catalog, rendered here rather than shot or downloaded.

Each product of ``products.json`` names a ``shape`` (a mug, a t-shirt, a tote …) and its
colours; :func:`render_product` draws that silhouette in the colour, shades it as if lit from
the upper left, and sets it on a light studio backdrop with a soft contact shadow. Nothing is
random: the same product and colour give the same pixels, so the demo's photos are ours, small
to ship (none are: they are made when the demo is seeded) and the same on every machine.

Run it on its own to look at them: ``python -m apps.demo.demo_data.render OUT_DIR``.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

SIZE = 512
PRODUCT_SCALE = 0.8
SUPERSAMPLE = 2  # shapes are drawn at twice the size and reduced, for smooth edges
BACKDROP_TOP = np.array([246.0, 244.0, 240.0])
BACKDROP_BOTTOM = np.array([226.0, 222.0, 215.0])

Box = tuple[float, float, float, float]
Draw = Callable[[ImageDraw.ImageDraw, ImageDraw.ImageDraw, int], Box]


def _hex(colour: str) -> np.ndarray:
    colour = colour.lstrip("#")
    return np.array([int(colour[i : i + 2], 16) for i in (0, 2, 4)], dtype=float)


# Each shape draws its silhouette on ``mask`` (255 = product) and its darker details (seams,
# openings, rims) on ``detail`` (255 = darken), in a square of side ``s``; it returns the
# silhouette's box as fractions of the frame and whether it is round (shaded as a cylinder).


def _tshirt(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int, long: bool) -> Box:
    f = s / 100
    body = [(30, 24), (40, 20), (60, 20), (70, 24), (86, 34), (80, 44), (72, 40), (72, 84),
            (28, 84), (28, 40), (20, 44), (14, 34)]  # fmt: skip
    if long:
        body = [(30, 24), (40, 20), (60, 20), (70, 24), (80, 40), (88, 74), (80, 76), (72, 50),
                (72, 84), (28, 84), (28, 50), (20, 76), (12, 74), (20, 40)]  # fmt: skip
    mask.polygon([(x * f, y * f) for x, y in body], fill=255)
    detail.chord([42 * f, 14 * f, 58 * f, 28 * f], 0, 180, fill=150)
    detail.line([(28 * f, 81 * f), (72 * f, 81 * f)], fill=90, width=max(1, int(0.6 * f)))
    return (0.12, 0.2, 0.88, 0.84)


def _tote(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.polygon([(24 * f, 38 * f), (76 * f, 38 * f), (80 * f, 86 * f), (20 * f, 86 * f)], fill=255)
    for left in (34, 58):
        mask.arc([left * f, 18 * f, (left + 10) * f, 58 * f], 180, 360, fill=255, width=int(3 * f))
    detail.line([(24 * f, 44 * f), (76 * f, 44 * f)], fill=70, width=max(1, int(0.6 * f)))
    return (0.2, 0.12, 0.8, 0.86)


def _mug(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.rounded_rectangle([28 * f, 34 * f, 64 * f, 82 * f], radius=int(4 * f), fill=255)
    mask.ellipse([56 * f, 44 * f, 78 * f, 70 * f], outline=255, width=int(5 * f))
    detail.ellipse([29 * f, 31.5 * f, 63 * f, 37.5 * f], fill=140)
    return (0.28, 0.31, 0.78, 0.82)


def _candle(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.rounded_rectangle([32 * f, 36 * f, 68 * f, 82 * f], radius=int(3 * f), fill=255)
    detail.ellipse([33 * f, 33.5 * f, 67 * f, 39.5 * f], fill=120)
    detail.rectangle([38 * f, 52 * f, 62 * f, 66 * f], fill=35)  # the label
    detail.line([(50 * f, 28 * f), (50 * f, 36 * f)], fill=220, width=max(1, int(0.8 * f)))
    return (0.32, 0.28, 0.68, 0.82)


def _beanie(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.chord([26 * f, 26 * f, 74 * f, 92 * f], 180, 360, fill=255)
    mask.rounded_rectangle([24 * f, 56 * f, 76 * f, 76 * f], radius=int(3 * f), fill=255)
    for x in range(28, 74, 4):
        detail.line([(x * f, 58 * f), (x * f, 75 * f)], fill=60, width=max(1, int(0.5 * f)))
    return (0.24, 0.26, 0.76, 0.76)


def _cushion(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    points = [(22, 26), (50, 29), (78, 26), (75, 55), (78, 84), (50, 81), (22, 84), (25, 55)]
    mask.polygon([(x * f, y * f) for x, y in points], fill=255)
    detail.line([(x * f, y * f) for x, y in [*points, points[0]]], fill=90, width=int(0.8 * f))
    return (0.22, 0.26, 0.78, 0.84)


def _vase(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.ellipse([30 * f, 40 * f, 70 * f, 84 * f], fill=255)
    mask.rectangle([42 * f, 20 * f, 58 * f, 50 * f], fill=255)
    mask.ellipse([39 * f, 17 * f, 61 * f, 23 * f], fill=255)
    detail.ellipse([43 * f, 18.5 * f, 57 * f, 21.5 * f], fill=150)
    return (0.3, 0.17, 0.7, 0.84)


def _bottle(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.rounded_rectangle([38 * f, 30 * f, 62 * f, 86 * f], radius=int(6 * f), fill=255)
    mask.rounded_rectangle([42 * f, 16 * f, 58 * f, 32 * f], radius=int(2 * f), fill=255)
    detail.rectangle([42 * f, 16 * f, 58 * f, 27 * f], fill=110)  # the cap
    return (0.38, 0.16, 0.62, 0.86)


def _towel(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    for n, top in enumerate((44, 58, 72)):
        inset = 4 - n * 2
        mask.rounded_rectangle(
            [(20 + inset) * f, top * f, (80 - inset) * f, (top + 14) * f],
            radius=int(3 * f),
            fill=255,
        )
        detail.line(
            [(21 * f, (top + 13.5) * f), (79 * f, (top + 13.5) * f)], fill=110, width=int(f)
        )
    return (0.2, 0.44, 0.8, 0.86)


def _throw(mask: ImageDraw.ImageDraw, detail: ImageDraw.ImageDraw, s: int) -> Box:
    f = s / 100
    mask.rounded_rectangle([16 * f, 50 * f, 84 * f, 84 * f], radius=int(6 * f), fill=255)
    for top in (61, 72):
        detail.line([(17 * f, top * f), (83 * f, top * f)], fill=100, width=int(0.8 * f))
    for x in range(20, 84, 6):  # the fringe
        mask.line([(x * f, 84 * f), (x * f, 88 * f)], fill=255, width=max(1, int(0.6 * f)))
    return (0.16, 0.5, 0.84, 0.88)


SHAPES: dict[str, tuple[Callable[..., Box], dict, bool]] = {
    "tshirt": (_tshirt, {"long": False}, False),
    "longsleeve": (_tshirt, {"long": True}, False),
    "tote": (_tote, {}, False),
    "mug": (_mug, {}, True),
    "candle": (_candle, {}, True),
    "beanie": (_beanie, {}, True),
    "cushion": (_cushion, {}, False),
    "vase": (_vase, {}, True),
    "bottle": (_bottle, {}, True),
    "towel": (_towel, {}, False),
    "throw": (_throw, {}, False),
}


def _backdrop(size: int) -> np.ndarray:
    rows = np.linspace(0.0, 1.0, size)[:, None, None]
    image = BACKDROP_TOP * (1 - rows) + BACKDROP_BOTTOM * rows
    image = np.repeat(image, size, axis=1)
    # A gentle falloff towards the corners, as from one soft box above the product.
    y, x = np.mgrid[0:size, 0:size] / size
    vignette = 1.0 - 0.06 * ((x - 0.45) ** 2 + (y - 0.35) ** 2)
    return image * vignette[:, :, None]


def _placed(layer: Image.Image, size: int, inner: int, offset: tuple[int, int]) -> Image.Image:
    placed = Image.new("L", (size, size), 0)
    placed.paste(layer.resize((inner, inner), Image.Resampling.LANCZOS), offset)
    return placed


def render_product(shape: str, colour: str, *, size: int = SIZE) -> Image.Image:
    """One product photo: ``shape`` (a key of :data:`SHAPES`) in ``colour`` (``#rrggbb``)."""
    draw_shape, options, round_body = SHAPES[shape]
    big = size * SUPERSAMPLE
    mask_image = Image.new("L", (big, big), 0)
    detail_image = Image.new("L", (big, big), 0)
    drawn = draw_shape(ImageDraw.Draw(mask_image), ImageDraw.Draw(detail_image), big, **options)
    # The product takes the middle of the frame, with room around it as a studio shot has.
    inner = round(size * PRODUCT_SCALE)
    offset = ((size - inner) // 2, round((size - inner) * 0.6))
    box = (
        (offset[0] + drawn[0] * inner) / size,
        (offset[1] + drawn[1] * inner) / size,
        (offset[0] + drawn[2] * inner) / size,
        (offset[1] + drawn[3] * inner) / size,
    )
    mask_image = _placed(mask_image, size, inner, offset)
    detail_image = _placed(detail_image, size, inner, offset)
    mask = np.asarray(mask_image, dtype=float) / 255.0
    detail = np.asarray(detail_image, dtype=float) / 255.0

    image = _backdrop(size)
    # The contact shadow: a blurred ellipse under the product's foot.
    left, _, right, bottom = (v * size for v in box)
    shadow_image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(shadow_image).ellipse(
        [left - 0.02 * size, bottom - 0.025 * size, right + 0.06 * size, bottom + 0.03 * size],
        fill=150,
    )
    shadow = np.asarray(shadow_image.filter(ImageFilter.GaussianBlur(size / 45)), float) / 255
    image = image * (1 - 0.35 * shadow[:, :, None])

    # Light from the upper left: round bodies as a cylinder, flat ones as a soft gradient.
    y, x = np.mgrid[0:size, 0:size] / size
    if round_body:
        across = np.clip((x - box[0]) / max(box[2] - box[0], 1e-6), 0, 1)
        light = 0.78 + 0.34 * np.cos((across - 0.35) * np.pi * 0.9)
    else:
        light = 1.1 - 0.22 * ((x - box[0]) + (y - box[1])) / 1.4
    light = light * (1 - 0.35 * detail)
    base = _hex(colour)
    product = np.clip(base[None, None, :] * light[:, :, None], 0, 255)
    image = image * (1 - mask[:, :, None]) + product * mask[:, :, None]
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8), "RGB")


def render_jpeg(shape: str, colour: str, *, size: int = SIZE) -> bytes:
    buffer = io.BytesIO()
    render_product(shape, colour, size=size).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def main(argv: list[str]) -> int:
    import json

    out = Path(argv[1] if len(argv) > 1 else "demo-photos")
    out.mkdir(parents=True, exist_ok=True)
    data = json.loads((Path(__file__).parent / "products.json").read_text())
    for product in data["products"]:
        for name, colour in product["colours"]:
            slug = name.lower().replace(" ", "-")
            (out / f"{product['handle']}-{slug}.jpg").write_bytes(
                render_jpeg(product["shape"], colour)
            )
    print(f"Rendered the demo photos into {out}/")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
