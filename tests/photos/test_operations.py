"""The operations as pure functions, the lighting profile and its fidelity guard, the presets
and the checker."""

import re

import numpy as np
import pytest
from PIL import Image

from apps.brand import lighting
from apps.imaging import colour, files, matting, segmentation
from apps.photos import checker, pipeline
from apps.photos.presets import PRESETS
from tests.photos.conftest import BACKDROP, PRODUCT, product_pixels, studio_profile


def _layers(pixels):
    return pipeline.layers_from_pixels(pixels)


def _run(pixels, steps, preset="", context=None):
    return pipeline.render(pixels, pipeline.validate_steps(steps, preset), context)


def test_background_removal_finds_the_product():
    pixels = product_pixels(240, 180)
    layers = pipeline.remove_background(_layers(pixels), {}, pipeline.Context())
    alpha = layers.alpha
    assert alpha.shape == (180, 240)
    inside = alpha[60:130, 90:150]  # well within the block (x 77–163, y 40–148)
    outside = np.concatenate([alpha[:20].ravel(), alpha[-15:].ravel(), alpha[:, :40].ravel()])
    assert inside.mean() > 0.97
    assert outside.mean() < 0.02
    # The same photo gives the same cut-out (the random generator is seeded).
    again = pipeline.remove_background(_layers(pixels), {}, pipeline.Context())
    assert np.array_equal(alpha, again.alpha)


def test_an_existing_transparency_is_kept():
    pixels = np.dstack([product_pixels(40, 30), np.full((30, 40), 255, np.uint8)])
    pixels[:, :10, 3] = 0
    layers = pipeline.remove_background(_layers(pixels), {}, pipeline.Context())
    assert layers.alpha[:, :10].max() == 0 and layers.alpha[:, 10:].min() == 1
    assert layers.notes == ("The photo was already cut out (transparent background kept).",)


def test_white_balance_neutralises_a_cast():
    warm = product_pixels(120, 90, backdrop=(250, 225, 185), product=(120, 100, 80))
    layers = pipeline.white_balance(_layers(warm), {"strength": 1.0}, pipeline.Context())
    corner = layers.rgb[:10, :10].reshape(-1, 3).mean(axis=0)
    assert np.ptp(corner) < 0.03  # the backdrop came out grey, not orange
    assert np.ptp(warm[:10, :10].reshape(-1, 3).mean(axis=0)) / 255 > 0.2


def test_exposure_brightens_by_stops_and_automatically():
    dark = product_pixels(80, 60, light=0.35)
    plus_one = pipeline.exposure(_layers(dark), {"ev": 1.0}, pipeline.Context())
    linear_before = colour.srgb_to_linear(_layers(dark).rgb).mean()
    linear_after = colour.srgb_to_linear(plus_one.rgb).mean()
    assert linear_after / linear_before == pytest.approx(2.0, rel=0.05)
    auto = pipeline.exposure(_layers(dark), {"ev": "auto"}, pipeline.Context())
    assert 0 < auto.report["exposure_ev"] <= 2.0


def test_backgrounds_white_colour_gradient_and_image():
    pixels = product_pixels(120, 90)
    base = pipeline.remove_background(_layers(pixels), {}, pipeline.Context())
    white = pipeline.flatten(
        pipeline.background(base, {"kind": "white"}, pipeline.Context()), pipeline.Context()
    )
    assert tuple(white[0, 0]) == (255, 255, 255)
    brand = pipeline.flatten(
        pipeline.background(base, {"kind": "colour", "colour": "#f4efe6"}, pipeline.Context()),
        pipeline.Context(),
    )
    assert tuple(brand[0, 0]) == (0xF4, 0xEF, 0xE6)
    gradient = pipeline.flatten(
        pipeline.background(
            base, {"kind": "gradient", "top": "#ffffff", "bottom": "#000000"}, pipeline.Context()
        ),
        pipeline.Context(),
    )
    assert gradient[0, 0, 0] == 255 and gradient[-1, 0, 0] == 0
    backdrop = np.zeros((30, 30, 3), np.uint8)
    backdrop[..., 1] = 200
    context = pipeline.Context(background_image=backdrop)
    image = pipeline.flatten(pipeline.background(base, {"kind": "image"}, context), context)
    assert tuple(image[0, 0]) == (0, 200, 0)
    # The product itself is untouched by any of them.
    assert np.abs(white[90 // 2, 120 // 2].astype(int) - pixels[45, 60]).max() <= 2
    with pytest.raises(pipeline.RecipeError, match="Choose the brand background image"):
        pipeline.background(base, {"kind": "image"}, pipeline.Context())


def test_shadows_fall_where_they_are_told_and_leave_the_edges_alone():
    base = pipeline.remove_background(_layers(product_pixels(200, 200)), {}, pipeline.Context())
    base = pipeline.background(base, {"kind": "white"}, pipeline.Context())
    plain = pipeline.flatten(base, pipeline.Context()).astype(int)
    drop = pipeline.shadow(
        base,
        {"kind": "drop", "angle": 0.0, "strength": 0.6, "softness": 0.3, "distance": 0.1},
        pipeline.Context(),
    )
    shaded = pipeline.flatten(drop, pipeline.Context()).astype(int)
    right = (plain - shaded)[80:120, 140:150].mean()  # just right of the block (x ends at 136)
    left = (plain - shaded)[80:120, 50:60].mean()
    assert right > 10 and left < 1  # angle 0°: the shadow falls to the right
    contact = pipeline.flatten(
        pipeline.shadow(base, {"kind": "contact", "strength": 0.5}, pipeline.Context()),
        pipeline.Context(),
    ).astype(int)
    assert (plain - contact)[165:172, 80:120].mean() > 5  # under the base (y ends at 164)
    for image in (shaded, contact):
        assert (image[0] == 255).all() and (image[-1] == 255).all()


def test_fit_preset_contains_the_product_at_the_preset_fill():
    layers = pipeline.run(
        product_pixels(300, 200),
        pipeline.validate_steps(
            [{"op": "remove_background"}, {"op": "background", "params": {"kind": "white"}}],
            "instagram-portrait",
        ),
    )
    assert layers.size == (1080, 1350)
    drawn = pipeline.flatten(layers, pipeline.Context())
    box = checker.content_bbox(drawn, (255, 255, 255))
    assert checker.fill_ratio(box, 1080, 1350) == pytest.approx(0.80, abs=0.01)


def test_without_a_cutout_the_preset_crops_to_cover():
    image, layers = _run(product_pixels(300, 200), [], "instagram-square")
    assert image.shape == (1080, 1080, 3)
    assert layers.alpha is None
    assert layers.report["padded"] is False


def test_a_crop_never_cuts_the_product_off():
    """The issue's lamp at the edge and sneaker's heel and toe: a wide product in a wide photo
    would lose both ends to a square crop; it is padded instead, and the checker agrees."""
    wide = product_pixels(400, 200, box=(0.06, 0.35, 0.94, 0.7))
    image, layers = _run(wide, [], "instagram-square")
    assert image.shape == (1080, 1080, 3)
    assert layers.report["padded"] is True
    left, top, right, bottom = layers.report["subject_box"]
    assert left >= 0.04 - 0.01 and right <= 0.96 + 0.01 and top > 0 and bottom < 1
    report = checker.check(image, "instagram-square", subject=layers.report["subject_box"])
    assert {r.name: r.passed for r in report.rules}["in frame"] is True
    # The padding is the photo's backdrop colour, not a smear of its edge.
    assert np.abs(image[5, 540].astype(int) - wide[2, 200].astype(int)).max() <= 12
    # A product near the side of a portrait frame is moved in, not cut.
    side = product_pixels(300, 300, box=(0.02, 0.3, 0.3, 0.7))
    _, layers = _run(side, [], "instagram-portrait")
    assert layers.report["subject_box"][0] >= 0.04 - 0.01


@pytest.mark.parametrize("preset", ["instagram-square", "instagram-portrait"])
def test_a_subject_that_touches_the_photos_edge_is_padded_away_from_the_frames_edge(preset):
    """A pendant lamp whose cord runs off the top of the photo: covering the frame would put
    the cord's end on the frame's edge, so the frame is padded above the photo instead."""
    lamp = product_pixels(400, 300, box=(0.4, 0.3, 0.6, 0.75))
    # A wall lit from above: much darker at the bottom than at the top.
    lamp = (lamp * np.linspace(1.0, 0.55, 300)[:, None, None]).astype(np.uint8)
    lamp[: int(0.3 * 300), 197:203] = (30, 30, 30)  # the cord, up to the photo's top edge
    image, layers = _run(lamp, [], preset)
    assert layers.report["padded"] is True
    assert layers.report["subject_box"][1] >= 0.04 - 0.01
    # A fresh cut-out of the output (not the framing's own box) finds the lamp inside.
    fresh = segmentation.subject_mask(segmentation.proxy(image))
    assert checker.in_frame_rule(checker.subject_box(fresh)).passed
    # Above the cord's end lies the padding in the colour of the photo's top edge (no band
    # of the darker bottom's colour), not more cord.
    column = image[: int(0.03 * image.shape[0]), image.shape[1] // 2].astype(int)
    top_edge = np.median(lamp[:3, 20:180].reshape(-1, 3), axis=0)
    assert np.abs(column - top_edge).max() <= 8


def test_a_recipe_on_a_photo_with_no_product_found_says_what_to_do():
    """Clothes worn by a model fill the frame: nothing is told apart, and the Amazon recipe
    (which needs a product on white) refuses with what would work instead."""
    flat = np.full((300, 300, 3), 180, np.uint8)
    with pytest.raises(pipeline.RecipeError) as refused:
        _run(flat, [{"op": "remove_background"}, {"op": "background", "params": {"kind": "white"}}],
             "amazon-main")  # fmt: skip
    assert "no product could be told apart from the backdrop" in str(refused.value)
    assert "on a plain backdrop, or a PNG already cut out" in str(refused.value)


def test_a_subject_that_cannot_be_found_with_confidence_keeps_the_whole_photo():
    """A busy scene with no clear product: no crop on a guess; the whole photo is kept."""
    rng = np.random.default_rng(3)
    busy = (rng.random((30, 40, 3)) * 255).astype(np.uint8)
    busy = np.asarray(Image.fromarray(busy).resize((400, 300), Image.Resampling.BICUBIC))
    _, layers = _run(busy, [], "instagram-square")
    assert layers.report["padded"] is True
    left, top, right, bottom = layers.report["subject_box"]
    assert (left, top) >= (0.04 - 0.01, 0.04 - 0.01) and (right, bottom) <= (0.97, 0.97)
    assert right - left == pytest.approx(0.92, abs=0.01)  # the photo's full width, in margins
    assert any("could not be found with confidence" in note for note in layers.notes)


def test_the_checker_says_when_the_subject_is_cut_off():
    cut_off = np.full((1500, 1500, 3), 255, np.uint8)
    cut_off[300:1200, 0:900] = (30, 60, 90)  # runs off the left edge
    rules = {r.name: r for r in checker.check(cut_off, "google-merchant").rules}
    assert rules["in frame"].passed is False
    assert rules["in frame"].detail == (
        "the subject touches the left edge of the frame and may be cut off"
    )
    inside = np.full((1500, 1500, 3), 255, np.uint8)
    inside[300:1200, 300:1200] = (30, 60, 90)
    assert {r.name: r.passed for r in checker.check(inside, "google-merchant").rules}["in frame"]


def test_a_low_confidence_cutout_needs_a_look_and_never_meets():
    pixels = np.full((2000, 2000, 3), 255, np.uint8)
    pixels[200:1900, 300:1700] = (30, 60, 90)
    doubtful = {"score": 0.31, "needs_look": True, "threshold": 0.6, "reasons": ["x"]}
    report = checker.check(pixels, "amazon-main", cutout_confidence=doubtful)
    assert all(r.passed for r in report.rules if r.name != "cut-out")
    assert report.needs_look and not report.passed
    assert checker.verdict_of(report.as_dict()) == "needs a look"
    trusted = {"score": 0.9, "needs_look": False, "threshold": 0.6, "reasons": []}
    report = checker.check(pixels, "amazon-main", cutout_confidence=trusted)
    assert report.passed and checker.verdict_of(report.as_dict()) == "meets"


def test_recipes_are_validated_and_ordered():
    steps = pipeline.validate_steps(
        [{"op": "shadow"}, {"op": "remove_background"}], preset="amazon-main"
    )
    assert [s["op"] for s in steps] == ["remove_background", "shadow", "fit_preset"]
    assert steps[1]["params"]["kind"] == "contact"
    with pytest.raises(
        pipeline.RecipeError, match=re.escape("Step 1: “sharpen” is not an operation.")
    ):
        pipeline.validate_steps([{"op": "sharpen"}])
    with pytest.raises(pipeline.RecipeError, match=re.escape("“tiktok” is not a channel preset.")):
        pipeline.validate_steps([], preset="tiktok")
    with pytest.raises(pipeline.RecipeError, match="at least one step or a preset"):
        pipeline.validate_steps([])


# --- Lighting profile ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def profile():
    return studio_profile()


def test_a_profile_is_learned_from_five_or_more_photos(profile):
    assert profile["references"] == 5
    # It describes the light, not the references' products.
    assert "product" not in profile
    assert profile["white_level"] > 90
    assert set(profile["background"]["percentiles"]) == {"5", "25", "50", "75", "95"}
    red, green, blue = profile["background_rgb"]  # the vignetted near-white backdrop
    assert red == green == blue and 225 <= red <= 250
    assert profile["background_hex"] == colour.hex_of_rgb255(profile["background_rgb"])
    assert 6000 < profile["colour_temperature"] < 7000
    with pytest.raises(ValueError, match="at least 5 reference photos"):
        lighting.learn([{}] * 4)


def _product_lab(rgb, alpha):
    return np.array(lighting.product_mean_lab(rgb, alpha))


def _cut(pixels):
    rgb = pixels.astype(np.float32) / 255
    return rgb, matting.refine_alpha(rgb, segmentation.subject_mask(rgb))


def _backdrop_lab(rgb, alpha):
    lab = colour.to_lab(rgb)
    return np.median(lab[alpha < 0.05], axis=0)


def test_relight_corrects_the_light_and_keeps_the_products_colour(profile):
    # A dim photo under warm light: the backdrop is a warm grey, the whites are dull.
    pixels = product_pixels(240, 180, product=(40, 90, 160), backdrop=(170, 140, 100), light=0.8)
    rgb, alpha = _cut(pixels)
    relit, report = lighting.relight(rgb, alpha, profile)
    # The light is corrected: brighter, and the backdrop carried to the profile's.
    assert report.exposure_ev > 0.3
    target = np.array(profile["background"]["percentiles"]["50"])
    before = colour.delta_e76(_backdrop_lab(rgb, alpha), target)
    after = colour.delta_e76(_backdrop_lab(relit, alpha), target)
    assert after < before / 2
    # The product moved only as the light implies, never more than ΔE 3 from its original.
    moved = colour.delta_e76(_product_lab(relit, alpha), _product_lab(rgb, alpha))
    assert moved == pytest.approx(report.colour_shift_applied, abs=0.6)
    assert moved <= 3.0 + 0.6
    assert report.limited and report.colour_shift_wanted > 3.0
    assert report.notes[0].startswith(
        "Fidelity cap: the full light correction would have moved the product's colour by ΔE"
    )


def test_relight_never_pushes_a_product_toward_the_references_products():
    """The issue's white stool turned brown: references of brown products on white must not
    make a white product brown."""
    stats = []
    for seed in range(5):
        rgb, alpha = _cut(
            product_pixels(backdrop=(248, 248, 248), product=(120, 75, 40), seed=seed)
        )
        stats.append(lighting.measure(rgb, alpha))
    brown_references = lighting.learn(stats)
    white_stool = product_pixels(240, 180, product=(235, 235, 232), backdrop=(120, 160, 200))
    rgb, alpha = _cut(white_stool)
    relit, _ = lighting.relight(rgb, alpha, brown_references)
    before, after = _product_lab(rgb, alpha), _product_lab(relit, alpha)
    assert colour.delta_e76(before, after) <= 3.0 + 0.6
    assert abs(after[1]) < 3 and abs(after[2]) < 5  # still a neutral white, not brown


def test_a_correctly_exposed_studio_shot_is_never_dulled(profile):
    studio = product_pixels(240, 180, product=(60, 90, 140), backdrop=(252, 252, 252))
    rgb, alpha = _cut(studio)
    relit, report = lighting.relight(rgb, alpha, profile)
    assert report.exposure_ev == 0.0
    assert colour.delta_e76(_product_lab(relit, alpha), _product_lab(rgb, alpha)) < 1.0
    # Nor by the automatic exposure step.
    layers = pipeline.exposure(_layers(studio), {"ev": "auto"}, pipeline.Context())
    assert layers.report["exposure_ev"] == 0.0
    assert np.array_equal(layers.rgb, _layers(studio).rgb)


def test_relight_without_a_profile_is_refused():
    with pytest.raises(pipeline.RecipeError, match="Relighting needs a lighting profile"):
        pipeline.relight(_layers(product_pixels(40, 30)), {}, pipeline.Context())


# --- Presets and the checker --------------------------------------------------------------------


def test_presets_are_one_table():
    assert {code: (p.width, p.height) for code, p in PRESETS.items()} == {
        "amazon-main": (2000, 2000),
        "shopify-square": (2048, 2048),
        "instagram-portrait": (1080, 1350),
        "instagram-square": (1080, 1080),
        "google-merchant": (1500, 1500),
    }
    assert PRESETS["amazon-main"].background == (255, 255, 255)
    assert PRESETS["amazon-main"].fill == 0.85


def test_an_amazon_output_passes_the_checker(profile):
    steps = [
        {"op": "remove_background"},
        {"op": "relight"},
        {"op": "background", "params": {"kind": "white"}},
        {"op": "shadow", "params": {"kind": "contact"}},
    ]
    image, _ = _run(
        product_pixels(400, 300, backdrop=(60, 70, 90)),
        steps,
        "amazon-main",
        pipeline.Context(profile=profile),
    )
    decoded = files.decode(files.encode(image, fmt="JPEG"))  # as downloaded
    report = checker.check(decoded, "amazon-main")
    assert report.passed, report.rules
    assert report.border_purity == 1.0
    assert 0.80 <= report.fill_ratio <= 0.90
    assert (decoded[:2] == 255).all() and (decoded[:, -2:] == 255).all()


def test_the_checker_says_what_fails():
    pixels = product_pixels(900, 900, backdrop=BACKDROP, product=PRODUCT)
    report = checker.check(pixels, "amazon-main")
    rules = {rule.name: rule for rule in report.rules}
    assert not report.passed
    assert not rules["size"].passed and rules["size"].detail.startswith("900×900; needs at least")
    assert not rules["background"].passed
    assert rules["background"].detail.startswith("0.0% of the edge pixels are exactly pure white")
    assert rules["overlays"].detail == "text, logos and watermarks are not detected automatically"


def test_the_checker_sees_borders():
    pixels = np.full((400, 400, 3), 255, np.uint8)
    pixels[100:300, 100:300] = (30, 60, 90)
    assert not checker.has_border(pixels)
    framed = pixels.copy()
    framed[:8], framed[-8:], framed[:, :8], framed[:, -8:] = 0, 0, 0, 0
    assert checker.has_border(framed)
    report = checker.check(framed, "google-merchant")
    assert {r.name: r.passed for r in report.rules}["borders"] is False


def test_a_doubtful_cutout_is_relit_as_one_and_its_backdrop_kept(profile):
    pixels = product_pixels(240, 180, product=(40, 90, 160), backdrop=(170, 140, 100), light=0.8)
    rgb, alpha = _cut(pixels)
    doubtful = pipeline.Layers(
        rgb=rgb, alpha=alpha, report={"cutout_confidence": {"needs_look": True, "score": 0.2}}
    )
    relit = pipeline.relight(doubtful, {}, pipeline.Context(profile=profile))
    assert relit.notes[0].startswith("Relit as one: the cut-out is not trusted")
    assert relit.report["relight"]["backdrop_shift"] == 0.0
    # The whole photo moved no more than the cap allows the product to.
    whole = np.ones_like(alpha)
    moved = colour.delta_e76(_product_lab(relit.rgb, whole), _product_lab(rgb, whole))
    assert moved <= 3.0 + 0.6
