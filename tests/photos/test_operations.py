"""The operations as pure functions, the lighting profile and its fidelity guard, the presets
and the checker."""

import re

import numpy as np
import pytest

from apps.photos import checker, colour, files, lighting, pipeline, segmentation
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
    assert profile["product"]["mean"][0] == pytest.approx(62, abs=4)  # grey product, L* ≈ 62
    assert abs(profile["product"]["mean"][1]) < 2 and abs(profile["product"]["mean"][2]) < 2
    assert set(profile["product"]["percentiles"]) == {"5", "25", "50", "75", "95"}
    red, green, blue = profile["background_rgb"]  # the vignetted near-white backdrop
    assert red == green == blue and 225 <= red <= 250
    assert profile["background_hex"] == colour.hex_of_rgb255(profile["background_rgb"])
    assert 6000 < profile["colour_temperature"] < 7000
    with pytest.raises(ValueError, match="at least 5 reference photos"):
        lighting.learn([{}] * 4)


def _product_lab(rgb, alpha):
    return np.array(lighting.product_mean_lab(rgb, alpha))


def test_relight_moves_a_dim_warm_photo_toward_the_profile(profile):
    pixels = product_pixels(240, 180, product=(120, 110, 95), backdrop=(90, 80, 60), light=0.85)
    rgb = pixels.astype(np.float32) / 255
    alpha = segmentation.refine_alpha(rgb, segmentation.subject_mask(rgb))
    relit, report = lighting.relight(rgb, alpha, profile)
    target = profile["product"]["mean"]
    before = colour.delta_e76(_product_lab(rgb, alpha), target)
    after = colour.delta_e76(_product_lab(relit, alpha), target)
    assert after < before / 2
    assert report.exposure_change > 5 and not report.limited
    # The backdrop is left alone (only the product region is relit).
    assert np.abs(relit[:5, :5] - rgb[:5, :5]).max() < 1e-3


def test_the_fidelity_guard_keeps_a_red_product_red(profile):
    pixels = product_pixels(240, 180, product=(200, 30, 30))
    rgb = pixels.astype(np.float32) / 255
    alpha = segmentation.refine_alpha(rgb, segmentation.subject_mask(rgb))
    relit, report = lighting.relight(rgb, alpha, profile, max_colour_shift=8.0)
    before, after = _product_lab(rgb, alpha), _product_lab(relit, alpha)
    assert report.limited
    assert report.colour_shift_wanted > 40
    assert report.colour_shift_applied == pytest.approx(8.0)
    assert np.hypot(*(after[1:] - before[1:])) == pytest.approx(8.0, abs=1.5)
    assert after[1] > 40  # still clearly red (a* far from the grey references' ≈ 0)
    assert report.notes[0].startswith(
        "Colour match limited by the fidelity guard: matching the profile fully would have "
        "moved the product's colour by ΔE"
    )


def test_the_guard_also_holds_lightness(profile):
    pixels = product_pixels(240, 180, product=(245, 245, 245), backdrop=(120, 140, 160))
    rgb = pixels.astype(np.float32) / 255
    alpha = segmentation.refine_alpha(rgb, segmentation.subject_mask(rgb))
    _, report = lighting.relight(rgb, alpha, profile, max_lightness_shift=10.0)
    assert report.exposure_change == pytest.approx(-10.0)
    assert report.limited and "Exposure match limited" in report.notes[0]


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
