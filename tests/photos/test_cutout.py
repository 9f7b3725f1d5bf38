"""The cut-out: the offline segmenter on the cases the issue named (holes that show the
backdrop, parts apart, shadows, thin cords, white on white), matting, the confidence, and the
operator's ONNX model (a tiny graph built here)."""

import logging

import cv2
import numpy as np
import pytest

from apps.imaging import confidence, matting, onnx_segmenter
from apps.photos import pipeline
from tests.photos.conftest import product_pixels


def _noise(image, seed=0, sigma=1.5):
    rng = np.random.default_rng(seed)
    return np.clip(image + rng.normal(0, sigma, image.shape), 0, 255).astype(np.uint8)


def _canvas(width, height, colour):
    return np.broadcast_to(np.asarray(colour, np.float32), (height, width, 3)).copy()


def _cut(pixels):
    layers = pipeline.remove_background(pipeline.layers_from_pixels(pixels), {}, pipeline.Context())
    return layers.alpha > 0.5, layers.report["cutout_confidence"]


def _iou(found, truth):
    return (found & truth).sum() / (found | truth).sum()


def test_a_hole_that_shows_the_backdrop_stays_open():
    """Backdrop between a stool's legs, inside a rope's loop: not part of the product."""
    image = _canvas(320, 320, (110, 150, 190))
    truth = np.zeros((320, 320), bool)
    truth[60:80, 80:240] = True  # the seat
    truth[80:280, 80:100] = True  # two legs
    truth[80:280, 220:240] = True
    truth[200:212, 80:240] = True  # a rung
    image[truth] = (225, 222, 215)
    found, trust = _cut(_noise(image))
    assert _iou(found, truth) > 0.9
    assert not found[120:190, 120:200].any()  # between the legs: backdrop
    assert trust["score"] >= confidence.THRESHOLD


def test_an_enclosed_patch_unlike_the_backdrop_is_kept():
    """A white label on a dark box, on a blue backdrop: filled, not a hole."""
    image = _canvas(320, 240, (60, 110, 190))
    image[50:190, 90:230] = (35, 30, 28)
    image[100:140, 130:190] = (250, 250, 250)  # the label
    found, _ = _cut(_noise(image))
    assert found[100:140, 130:190].mean() > 0.95
    assert found[50:190, 90:230].mean() > 0.95


def test_a_product_in_two_parts_keeps_both():
    """A bike's wheels, a pair of shoes: every sizeable part stays."""
    image = _canvas(400, 240, (240, 238, 235))
    truth = np.zeros((240, 400), bool)
    cv2.circle(truth.view(np.uint8), (110, 130), 60, 1, -1)
    cv2.circle(truth.view(np.uint8), (290, 130), 60, 1, -1)
    image[truth] = (40, 40, 45)
    found, _ = _cut(_noise(image))
    assert _iou(found, truth) > 0.93
    count, _ = cv2.connectedComponents(found.astype(np.uint8))
    assert count - 1 == 2


def test_a_cast_shadow_is_not_part_of_the_product():
    image = _canvas(320, 240, (200, 90, 80))  # a saturated backdrop
    truth = np.zeros((240, 320), bool)
    truth[60:170, 110:200] = True
    shadow = np.zeros((240, 320), np.float32)
    shadow[75:185, 125:225] = 1.0
    shadow = cv2.GaussianBlur(shadow, (0, 0), 6) * 0.45
    image *= (1 - shadow)[..., None]
    image[truth] = (30, 120, 60)
    found, _ = _cut(_noise(image))
    assert _iou(found, truth) > 0.93
    assert not found[185:200, 140:215].any()  # the shadow below and right of the product


def test_a_pale_part_joined_to_the_product_is_kept_on_a_clean_backdrop():
    """A light wood seat on cream paper differs by a few ΔE only; joined to the legs it is
    part of the stool. A faint smudge on its own is not."""
    image = _canvas(400, 400, (235, 228, 214))
    truth = np.zeros((400, 400), bool)
    truth[100:140, 120:280] = True  # the seat, pale
    image[truth] = (226, 224, 222)
    legs = np.zeros_like(truth)
    legs[140:330, 125:140] = legs[140:330, 260:275] = True
    image[legs] = (150, 150, 152)
    truth |= legs
    image[300:340, 320:370] = (229, 223, 212)  # a faint smudge, apart from the stool
    found, _ = _cut(_noise(image, sigma=1.0))
    assert found[105:135, 130:270].mean() > 0.9
    assert _iou(found, truth) > 0.9
    assert not found[305:335, 325:365].any()


def test_a_cool_grey_leg_a_little_darker_than_warm_tiles_is_not_taken_for_shade():
    """Pale grey legs on warm marble differ by a few ΔE, darker and a little off the marble's
    hue; the marble's own shade keeps its hue. The legs join the dark seat; the shadow does not."""
    image = _canvas(400, 400, (226, 221, 212))
    truth = np.zeros((400, 400), bool)
    truth[100:130, 120:280] = True
    image[truth] = (60, 60, 64)  # the seat, clearly unlike the marble
    legs = np.zeros_like(truth)
    legs[130:330, 128:146] = legs[130:330, 254:272] = True
    image[legs] = (214, 214, 217)  # the legs: cool grey, a little darker
    truth |= legs
    shadow = np.zeros((400, 400), np.float32)
    shadow[330:350, 120:290] = 1.0
    shadow = cv2.GaussianBlur(shadow, (0, 0), 5) * 0.25
    image *= (1 - shadow)[..., None]
    found, _ = _cut(_noise(image, sigma=1.0))
    assert found[140:320, 131:143].mean() > 0.9 and found[140:320, 257:269].mean() > 0.9
    assert _iou(found, truth) > 0.85


def test_the_products_shadow_inside_its_loops_is_backdrop():
    """An orange rope's loop on teal, its own shadow darkening the inside of the loop and
    falling below it: the loop is the product; its shadow, inside and out, is backdrop."""
    image = _canvas(400, 400, (50, 105, 110))
    ring = np.zeros((400, 400), np.uint8)
    cv2.circle(ring, (200, 190), 90, 1, 7)
    cv2.rectangle(ring, (100, 280), (300, 300), 1, -1)  # a handle
    truth = ring.astype(bool)
    cast = cv2.warpAffine(ring.astype(np.float32), np.float32([[1, 0, 8], [0, 1, 10]]), (400, 400))
    cast = cv2.GaussianBlur(cast, (0, 0), 6) * 0.55
    inside = np.zeros((400, 400), np.float32)
    cv2.circle(inside, (200, 190), 84, 1.0, -1)
    shade = np.clip(cast + 0.45 * cv2.GaussianBlur(inside, (0, 0), 12), 0, 0.7)
    image *= (1 - shade)[..., None]
    image[truth] = (235, 150, 70)
    found, _ = _cut(_noise(image))
    assert _iou(found, truth) > 0.85
    assert found[150:230, 160:240].mean() < 0.05  # the shaded inside of the loop


def test_a_grey_product_on_tiles_with_grey_grout_is_found():
    """Grout is a backdrop colour only as thin lines: a wide grey leg is not grout."""
    image = _canvas(480, 480, (226, 223, 217))
    image[::60, :] = image[1::60, :] = (140, 135, 127)  # grout, 2 px, every 60 px
    image[:, ::60] = image[:, 1::60] = (140, 135, 127)
    truth = np.zeros((480, 480), bool)
    truth[130:170, 150:330] = True
    truth[170:380, 160:185] = truth[170:380, 295:320] = True
    image[truth] = (142, 138, 132)
    found, _ = _cut(_noise(image))
    assert _iou(found, truth) > 0.85


def test_a_thin_cord_is_kept():
    """The lamp's cord, a shoe's laces: thinner than a pixel of the proxy."""
    image = _canvas(1200, 900, (70, 120, 130))
    truth = np.zeros((900, 1200), bool)
    truth[500:700, 450:750] = True  # the shade
    truth[80:500, 598:602] = True  # the cord, 4 px wide
    image[truth] = (235, 235, 235)
    found, _ = _cut(_noise(image))
    assert found[100:480, 596:604].any(axis=1).mean() > 0.9
    assert _iou(found, truth) > 0.9


def test_the_cutout_is_matted_at_its_edge():
    """A soft edge gets a soft alpha that follows the photo, not a stair-step."""
    height = width = 200
    yy, xx = np.mgrid[0:height, 0:width]
    true_alpha = np.clip((60 - np.hypot(yy - 100, xx - 100)) / 2.5 + 0.5, 0, 1).astype(np.float32)
    background = np.array([0.2, 0.5, 0.8], np.float32)
    foreground = np.array([0.9, 0.6, 0.1], np.float32)
    image = true_alpha[..., None] * foreground + (1 - true_alpha[..., None]) * background
    coarse = cv2.resize(
        cv2.resize((true_alpha > 0.5).astype(np.uint8), (25, 25)), (width, height)
    ).astype(bool)
    alpha = matting.refine(image, coarse, band=6)
    assert np.abs(alpha - true_alpha).mean() < 0.25 * np.abs(coarse - true_alpha).mean()
    edge = (true_alpha > 0.05) & (true_alpha < 0.95)
    assert np.abs(alpha[edge] - true_alpha[edge]).mean() < 0.1


def test_no_backdrop_fringe_after_the_cutout():
    """Edge pixels carry the product's colour, not the old white backdrop's."""
    height = width = 160
    yy, xx = np.mgrid[0:height, 0:width]
    alpha = np.clip((50 - np.hypot(yy - 80, xx - 80)) / 3 + 0.5, 0, 1).astype(np.float32)
    product, backdrop = np.array([0.1, 0.1, 0.12], np.float32), np.float32(0.98)
    image = alpha[..., None] * product + (1 - alpha[..., None]) * backdrop
    clean = matting.decontaminate(image, alpha)
    edge = (alpha > 0.15) & (alpha < 0.85)
    assert image[edge].mean() > 0.4  # as shot, the edge is half white
    assert np.abs(clean[edge] - product).max() < 0.05  # after: the product's own dark colour
    # On the new white background the outline is as dark as the product, with no pale ring.
    placed = alpha[..., None] * clean + (1 - alpha[..., None]) * 1.0
    assert placed[edge].mean() < image[edge].mean() + 0.03


def test_confidence_is_high_on_a_clear_shot_and_low_where_it_should_be():
    clear = product_pixels(320, 240)
    _, trust = _cut(clear)
    assert trust["score"] >= 0.8 and not trust["needs_look"] and trust["reasons"] == []
    # A busy scene: no plain backdrop to tell the product from.
    rng = np.random.default_rng(3)
    busy = np.zeros((240, 320, 3), np.float32)
    for _ in range(40):
        centre = (int(rng.integers(0, 320)), int(rng.integers(0, 240)))
        cv2.circle(busy, centre, int(rng.integers(10, 60)), rng.uniform(20, 240, 3).tolist(), -1)
    busy = cv2.GaussianBlur(busy, (0, 0), 5)
    busy[80:160, 120:200] = (30, 60, 90)
    _, trust = _cut(busy.astype(np.uint8))
    assert trust["needs_look"]
    # Nothing to find at all.
    flat = np.full((240, 320, 3), 200, np.uint8)
    assert confidence.assess(flat, np.zeros((240, 320), bool)).score == 0.0
    layers = pipeline.remove_background(pipeline.layers_from_pixels(flat), {}, pipeline.Context())
    assert "No product could be told apart from the backdrop" in layers.notes[0]


def test_holes_cut_where_the_product_looks_like_the_backdrop_need_a_look():
    """A dark laptop on black, cut out with holes between its keys: the holes look like the
    keys around them, so the cut-out needs a look. Real holes (the blue between a stool's legs)
    show something unlike their rim and are not doubted."""
    laptop = _canvas(320, 240, (4, 4, 4))
    laptop[60:200, 60:260] = (70, 75, 90)  # the lit body
    laptop[100:160, 90:230] = (12, 12, 14)  # the keyboard, nearly the backdrop's black
    laptop = _noise(laptop)
    whole = np.zeros((240, 320), bool)
    whole[60:200, 60:260] = True
    reason = "holes were cut where the product looks like the backdrop"
    intact = confidence.assess(laptop, whole)
    assert intact.signals["doubtful_holes"] == 0.0 and reason not in intact.reasons
    punched = whole.copy()
    for left in range(100, 220, 30):
        punched[110:125, left : left + 12] = False  # holes between the keys
    trust = confidence.assess(laptop, punched)
    assert trust.needs_look and reason in trust.reasons
    stool = _canvas(320, 320, (110, 150, 190))
    legs = np.zeros((320, 320), bool)
    legs[60:80, 80:240] = legs[80:280, 80:100] = legs[80:280, 220:240] = True
    legs[200:212, 80:240] = True
    stool[legs] = (225, 222, 215)
    assert confidence.assess(_noise(stool), legs).signals["doubtful_holes"] == 0.0


# --- The operator's ONNX model --------------------------------------------------------------


def tiny_saliency_model(path, size=64):
    """An ONNX graph that calls dark pixels salient: sigmoid(40 × (0.5 − mean of RGB)).

    With ImageNet normalisation the mean of the normalised channels of a dark pixel is below
    zero, of a light one above: good enough to stand in for U²-Net in a test.
    """
    import onnx
    from onnx import TensorProto, helper

    threshold = helper.make_tensor("threshold", TensorProto.FLOAT, [], [0.0])
    gain = helper.make_tensor("gain", TensorProto.FLOAT, [], [-40.0])
    nodes = [
        helper.make_node("ReduceMean", ["input"], ["mean"], axes=[1], keepdims=1),
        helper.make_node("Sub", ["mean", "threshold"], ["centred"]),
        helper.make_node("Mul", ["centred", "gain"], ["logit"]),
        helper.make_node("Sigmoid", ["logit"], ["saliency"]),
    ]
    graph = helper.make_graph(
        nodes,
        "tiny-saliency",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 3, size, size])],
        [helper.make_tensor_value_info("saliency", TensorProto.FLOAT, [1, 1, size, size])],
        initializer=[threshold, gain],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def test_an_onnx_model_makes_the_cutout(tmp_path, settings):
    path = tiny_saliency_model(tmp_path / "tiny.onnx")
    settings.PHOTOS_SEGMENTATION_MODEL = str(path)
    settings.PHOTOS_SEGMENTATION_MODEL_SIZE = 64
    onnx_segmenter.load.cache_clear()
    model = onnx_segmenter.configured()
    assert model is not None and model.label == "ONNX model tiny.onnx"
    pixels = product_pixels(240, 180, backdrop=(236, 230, 218), product=(40, 60, 90))
    saliency = model.probabilities(pixels)
    assert saliency.shape == (180, 240)
    assert saliency[60:130, 90:150].mean() > 0.9 and saliency[:20].mean() < 0.1
    layers = pipeline.remove_background(
        pipeline.layers_from_pixels(pixels),
        {},
        pipeline.Context(segmenter=model, segmenter_label=model.label),
    )
    assert layers.report["cutout"] == "ONNX model tiny.onnx"
    assert layers.alpha[60:130, 90:150].mean() > 0.97 and layers.alpha[:20].mean() < 0.02
    assert layers.report["cutout_confidence"]["score"] >= confidence.THRESHOLD


def test_the_studio_uses_the_configured_model(tmp_path, settings, workspace):
    from apps.photos import selectors

    settings.PHOTOS_SEGMENTATION_MODEL = str(tiny_saliency_model(tmp_path / "m.onnx"))
    settings.PHOTOS_SEGMENTATION_MODEL_SIZE = 64
    onnx_segmenter.load.cache_clear()
    steps = pipeline.validate_steps([{"op": "remove_background"}])
    context = selectors.recipe_context(workspace=workspace, steps=steps, profile=None)
    assert context.segmenter_label == "ONNX model m.onnx"


def test_a_model_that_cannot_be_used_falls_back_and_says_why(tmp_path, settings, caplog):
    broken = tmp_path / "broken.onnx"
    broken.write_bytes(b"not a model")
    onnx_segmenter.load.cache_clear()
    for path in (str(tmp_path / "missing.onnx"), str(broken)):
        settings.PHOTOS_SEGMENTATION_MODEL = path
        with caplog.at_level(logging.ERROR, logger="apps.imaging.onnx_segmenter"):
            assert onnx_segmenter.configured() is None
    assert "No ONNX model file at" in caplog.text
    assert "broken.onnx could not be loaded" in caplog.text


@pytest.mark.parametrize("normalise", ["imagenet", "half"])
def test_both_normalisations_prepare_one_nchw_image(tmp_path, normalise):
    model = onnx_segmenter.OnnxSegmenter(
        str(tiny_saliency_model(tmp_path / "t.onnx")), size=64, normalise=normalise
    )
    prepared = model._prepare(product_pixels(100, 80))
    assert prepared.shape == (1, 3, 64, 64) and prepared.dtype == np.float32
