"""Channel presets (layer 2: "specific models"): one table of what each sales channel wants.

A preset is data, not code: the pipeline's ``fit_preset`` step and the checker both read it.
Add a channel by adding a row.
"""

from __future__ import annotations

from dataclasses import dataclass

WHITE = (255, 255, 255)


@dataclass(frozen=True)
class ChannelPreset:
    code: str
    label: str
    width: int  # what we produce
    height: int
    min_width: int  # what the channel accepts
    min_height: int
    fill: float  # the subject's bounding box, as a share of the frame's binding side
    fill_range: tuple[float, float] | None  # checked when the channel has a rule
    background: tuple[int, int, int] | None  # a required backdrop colour (checked exactly)
    fit: str  # "contain": pad around the subject; "cover": crop to fill the frame
    file_format: str = "JPEG"
    square_required: bool = False
    no_borders: bool = True
    rules: str = ""

    @property
    def size_label(self) -> str:
        return f"{self.width}×{self.height}"

    @property
    def aspect(self) -> float:
        return self.width / self.height


PRESETS: dict[str, ChannelPreset] = {
    preset.code: preset
    for preset in (
        ChannelPreset(
            code="amazon-main",
            label="Amazon main image",
            width=2000,
            height=2000,
            min_width=1000,
            min_height=1000,
            fill=0.85,
            fill_range=(0.80, 0.90),
            background=WHITE,
            fit="contain",
            square_required=True,
            rules="Pure white background (255, 255, 255), product about 85% of the frame, "
            "2000×2000 JPEG, no text, borders or watermarks.",
        ),
        ChannelPreset(
            code="shopify-square",
            label="Shopify square",
            width=2048,
            height=2048,
            min_width=800,
            min_height=800,
            fill=0.80,
            fill_range=None,
            background=None,
            fit="contain",
            square_required=True,
            rules="Square 2048×2048, the size Shopify recommends for zoom.",
        ),
        ChannelPreset(
            code="instagram-portrait",
            label="Instagram portrait",
            width=1080,
            height=1350,
            min_width=1080,
            min_height=1350,
            fill=0.80,
            fill_range=None,
            background=None,
            fit="contain",
            rules="1080×1350 (4:5), the tallest feed format.",
        ),
        ChannelPreset(
            code="instagram-square",
            label="Instagram square",
            width=1080,
            height=1080,
            min_width=1080,
            min_height=1080,
            fill=0.80,
            fill_range=None,
            background=None,
            fit="contain",
            square_required=True,
            rules="1080×1080 (1:1).",
        ),
        ChannelPreset(
            code="google-merchant",
            label="Google Merchant Center",
            width=1500,
            height=1500,
            min_width=1500,
            min_height=1500,
            fill=0.85,
            fill_range=(0.75, 0.90),
            background=None,
            fit="contain",
            rules="At least 1500×1500, no borders, overlays, text or watermarks; the product "
            "should take 75–90% of the image.",
        ),
    )
}


def preset_get(code: str) -> ChannelPreset | None:
    return PRESETS.get(code)


def preset_choices() -> list[tuple[str, str]]:
    return [(p.code, f"{p.label} ({p.size_label})") for p in PRESETS.values()]
