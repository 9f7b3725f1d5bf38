"""Does an image meet a channel preset? Size, background purity, fill ratio, the subject fully
in frame, borders, and whether the cut-out can be trusted.

Works on decoded pixels (uint8 HxWx3), so it checks an upload as it is and an output exactly
as it will be downloaded (after JPEG compression). Text, watermarks and overlays are not
detected; the report says so rather than pretending.

A report has three outcomes: *meets*, *does not meet* (a rule failed), and *needs a look*:
the cut-out's confidence (:mod:`apps.imaging.confidence`) is below its threshold, so rules
measured on that cut-out (fill, purity around the product) cannot be believed, and the report
never says "meets".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from apps.photos.presets import PRESETS, ChannelPreset

# A pixel is "content" when a channel differs from the backdrop by more than this: JPEG
# leaves a level or two of noise in flat areas, a product differs by much more.
CONTENT_TOLERANCE = 8
BORDER_RING = 2  # outermost pixels checked for background purity


@dataclass(frozen=True)
class Rule:
    name: str
    passed: bool
    detail: str


@dataclass
class CheckReport:
    preset: str
    passed: bool
    rules: list[Rule] = field(default_factory=list)
    fill_ratio: float | None = None
    border_purity: float | None = None
    width: int = 0
    height: int = 0
    needs_look: bool = False  # the cut-out's confidence is below the threshold
    cutout_confidence: float | None = None

    @property
    def verdict(self) -> str:
        return verdict_of(self.as_dict())

    def as_dict(self) -> dict:
        data = asdict(self)
        data["rules"] = [asdict(rule) for rule in self.rules]
        return data


IN_FRAME_MARGIN = 0.005  # the subject must keep this share of the frame from every edge


def verdict_of(report: dict) -> str:
    """ "meets", "needs a look" or "does not meet" for a stored report (older reports have no
    ``needs_look``)."""
    if not report:
        return ""
    if report.get("needs_look"):
        return "needs a look"
    return "meets" if report.get("passed") else "does not meet"


def subject_box(mask: np.ndarray) -> tuple[float, float, float, float] | None:
    """The subject's box as shares of the frame (left, top, right, bottom), from a mask."""
    rows = np.flatnonzero((mask > 0.5).any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero((mask > 0.5).any(axis=0))
    height, width = mask.shape[:2]
    return (
        cols[0] / width,
        rows[0] / height,
        (cols[-1] + 1) / width,
        (rows[-1] + 1) / height,
    )


def in_frame_rule(box: tuple[float, float, float, float] | None) -> Rule:
    if box is None:
        return Rule("in frame", False, "no subject was found in the frame")
    left, top, right, bottom = box
    cut = [
        side
        for side, gap in (
            ("left", left),
            ("top", top),
            ("right", 1 - right),
            ("bottom", 1 - bottom),
        )
        if gap < IN_FRAME_MARGIN
    ]
    if cut:
        return Rule(
            "in frame",
            False,
            f"the subject touches the {', '.join(cut)} edge of the frame and may be cut off",
        )
    return Rule("in frame", True, "the whole subject is inside the frame, with a margin")


def backdrop_colour(pixels: np.ndarray) -> np.ndarray:
    """The colour of the frame's corners (median), taken as the backdrop."""
    size = max(1, min(pixels.shape[:2]) // 50)
    corners = np.concatenate(
        [
            pixels[:size, :size].reshape(-1, 3),
            pixels[:size, -size:].reshape(-1, 3),
            pixels[-size:, :size].reshape(-1, 3),
            pixels[-size:, -size:].reshape(-1, 3),
        ]
    )
    return np.median(corners, axis=0)


def content_bbox(
    pixels: np.ndarray, background, tolerance: int = CONTENT_TOLERANCE
) -> tuple[int, int, int, int] | None:
    """(left, top, right, bottom) of the pixels that differ from ``background``, or None."""
    difference = np.abs(pixels[..., :3].astype(np.int16) - np.asarray(background, np.int16))
    content = difference.max(axis=2) > tolerance
    rows = np.flatnonzero(content.any(axis=1))
    if rows.size == 0:
        return None
    cols = np.flatnonzero(content.any(axis=0))
    return int(cols[0]), int(rows[0]), int(cols[-1]) + 1, int(rows[-1]) + 1


def fill_ratio(bbox: tuple[int, int, int, int] | None, width: int, height: int) -> float:
    """The subject's share of the frame along its binding side (long side on a square)."""
    if bbox is None:
        return 0.0
    left, top, right, bottom = bbox
    return max((right - left) / width, (bottom - top) / height)


def _ring(pixels: np.ndarray, ring: int) -> np.ndarray:
    return np.concatenate(
        [
            pixels[:ring].reshape(-1, 3),
            pixels[-ring:].reshape(-1, 3),
            pixels[ring:-ring, :ring].reshape(-1, 3),
            pixels[ring:-ring, -ring:].reshape(-1, 3),
        ]
    )


def has_border(pixels: np.ndarray) -> bool:
    """A frame line: all four edges one flat colour that differs from what lies inside."""
    height, width = pixels.shape[:2]
    band = max(2, min(height, width) // 100)
    if min(height, width) < 8 * band:
        return False
    edges = [pixels[:band], pixels[-band:], pixels[:, :band], pixels[:, -band:]]
    inner = [
        pixels[band : 3 * band],
        pixels[-3 * band : -band],
        pixels[:, band : 3 * band],
        pixels[:, -3 * band : -band],
    ]
    colours = []
    for edge, inside in zip(edges, inner, strict=True):
        flat = edge.reshape(-1, 3).astype(np.float32)
        if flat.std(axis=0).max() > 4:
            return False
        inside_mean = inside.reshape(-1, 3).astype(np.float32).mean(axis=0)
        if np.abs(flat.mean(axis=0) - inside_mean).max() < 24:
            return False
        colours.append(flat.mean(axis=0))
    return bool(np.ptp(np.array(colours), axis=0).max() < 12)


def check(
    pixels: np.ndarray,
    preset: ChannelPreset | str,
    *,
    real_size: tuple[int, int] | None = None,
    subject: tuple[float, float, float, float] | str | None = "measure",
    cutout_confidence: dict | None = None,
) -> CheckReport:
    """Check decoded pixels against a preset.

    ``real_size`` (width, height): the pixels are a reduced copy of an image this size (the
    size rule uses it; purity and fill are shares, which a reduced copy keeps).
    ``subject``: the subject's box as shares of the frame (:func:`subject_box`), None when no
    subject was found, or ``"measure"`` to take the box of what differs from the backdrop.
    ``cutout_confidence``: :meth:`Confidence.as_dict` of the cut-out the image was made from.
    """
    if isinstance(preset, str):
        preset = PRESETS[preset]
    pixels = pixels[..., :3]
    height, width = pixels.shape[:2]
    if real_size is not None:
        width, height = real_size
    report = CheckReport(preset=preset.code, passed=True, width=width, height=height)

    big_enough = width >= preset.min_width and height >= preset.min_height
    size_detail = f"{width}×{height}; needs at least {preset.min_width}×{preset.min_height}"
    aspect_ok = True
    if preset.square_required:
        aspect_ok = width == height
        size_detail += ", square" if aspect_ok else ", and it must be square"
    elif abs(width / height - preset.aspect) > 0.01:
        aspect_ok = False
        size_detail += f", and a {preset.width}:{preset.height} frame"
    report.rules.append(Rule("size", big_enough and aspect_ok, size_detail))

    if preset.background is not None:
        ring = _ring(pixels, min(BORDER_RING, max(1, min(pixels.shape[:2]) // 4)))
        exact = np.all(ring == np.asarray(preset.background, np.uint8), axis=1)
        purity = float(exact.mean())
        report.border_purity = round(purity, 4)
        corners_ok = all(
            tuple(int(v) for v in pixels[y, x]) == tuple(preset.background)
            for y, x in ((0, 0), (0, -1), (-1, 0), (-1, -1))
        )
        colour = "pure white" if preset.background == (255, 255, 255) else "the backdrop"
        report.rules.append(
            Rule(
                "background",
                purity == 1.0 and corners_ok,
                f"{purity:.1%} of the edge pixels are exactly {colour} "
                f"RGB{tuple(preset.background)}",
            )
        )
        background: tuple[int, int, int] | np.ndarray = preset.background
    else:
        background = backdrop_colour(pixels)

    if preset.fill_range is not None:
        bbox = content_bbox(pixels, background)
        ratio = fill_ratio(bbox, pixels.shape[1], pixels.shape[0])
        report.fill_ratio = round(ratio, 4)
        low, high = preset.fill_range
        report.rules.append(
            Rule(
                "fill",
                low <= ratio <= high,
                f"the product spans {ratio:.0%} of the frame; needs {low:.0%}–{high:.0%}",
            )
        )
    if isinstance(subject, str):  # "measure": find it in the pixels
        found = content_bbox(pixels, background)
        subject = None
        if found is not None:
            height_px, width_px = pixels.shape[:2]
            subject = (
                found[0] / width_px,
                found[1] / height_px,
                found[2] / width_px,
                found[3] / height_px,
            )
    report.rules.append(in_frame_rule(subject))
    if preset.no_borders:
        bordered = has_border(pixels)
        report.rules.append(
            Rule(
                "borders",
                not bordered,
                "a frame line runs round the image" if bordered else "no frame line",
            )
        )
    report.rules.append(
        Rule("overlays", True, "text, logos and watermarks are not detected automatically")
    )
    if cutout_confidence is not None:
        score = float(cutout_confidence["score"])
        report.cutout_confidence = round(score, 3)
        report.needs_look = bool(cutout_confidence["needs_look"])
        reasons = "; ".join(cutout_confidence.get("reasons") or [])
        report.rules.append(
            Rule(
                "cut-out",
                not report.needs_look,
                f"confidence {score:.2f}"
                + (
                    f" (below {cutout_confidence['threshold']}): {reasons}"
                    if report.needs_look
                    else ""
                ),
            )
        )
    report.passed = all(rule.passed for rule in report.rules) and not report.needs_look
    return report


def check_all(
    pixels: np.ndarray,
    *,
    real_size: tuple[int, int] | None = None,
    subject: tuple[float, float, float, float] | str | None = "measure",
) -> dict[str, dict]:
    return {
        code: check(pixels, preset, real_size=real_size, subject=subject).as_dict()
        for code, preset in PRESETS.items()
    }
