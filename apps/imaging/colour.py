"""Colour arithmetic shared by the photo operations: CIELAB conversion, ΔE, white point, CCT.

Images travel as float32 arrays of sRGB values in [0, 1] (HxWx3). OpenCV converts them to
CIELAB (D65, L* 0–100) with the sRGB transfer curve applied, which is what every statistic of
the lighting profile is measured in.
"""

from __future__ import annotations

import cv2
import numpy as np


def to_lab(rgb: np.ndarray) -> np.ndarray:
    """sRGB float32 [0, 1] (HxWx3) → CIELAB float32 (L* 0–100, a*, b* about ±128)."""
    return cv2.cvtColor(np.ascontiguousarray(rgb, dtype=np.float32), cv2.COLOR_RGB2Lab)


def to_rgb(lab: np.ndarray) -> np.ndarray:
    """CIELAB float32 → sRGB float32, clipped to [0, 1]."""
    rgb = cv2.cvtColor(np.ascontiguousarray(lab, dtype=np.float32), cv2.COLOR_Lab2RGB)
    return np.clip(rgb, 0.0, 1.0, out=rgb)


def lab_of_rgb255(rgb: tuple[int, int, int] | list[int]) -> tuple[float, float, float]:
    pixel = np.array([[rgb]], dtype=np.float32) / 255.0
    lab = to_lab(pixel)[0, 0]
    return float(lab[0]), float(lab[1]), float(lab[2])


def rgb255_of_lab(lab: tuple[float, float, float] | list[float]) -> tuple[int, int, int]:
    pixel = np.array([[lab]], dtype=np.float32)
    rgb = to_rgb(pixel)[0, 0]
    return tuple(round(float(v) * 255) for v in rgb)  # type: ignore[return-value]


def hex_of_rgb255(rgb: tuple[int, int, int] | list[int]) -> str:
    return "#" + "".join(f"{max(0, min(255, int(v))):02x}" for v in rgb)


def rgb255_of_hex(value: str) -> tuple[int, int, int]:
    text = (value or "").strip().lstrip("#")
    if len(text) == 3:
        text = "".join(c * 2 for c in text)
    if len(text) != 6 or any(c not in "0123456789abcdefABCDEF" for c in text):
        raise ValueError(f"“{value}” is not a colour: write it as #rrggbb, e.g. #f4efe6.")
    return int(text[0:2], 16), int(text[2:4], 16), int(text[4:6], 16)


def delta_e76(first, second) -> float:
    """CIE 1976 ΔE*ab: the Euclidean distance in CIELAB."""
    a = np.asarray(first, dtype=np.float64)
    b = np.asarray(second, dtype=np.float64)
    return float(np.sqrt(((a - b) ** 2).sum()))


# D65 reference white in XYZ (the white OpenCV's Lab conversion is relative to).
_D65 = np.array([0.95047, 1.0, 1.08883])


def cct_of_lab_white(a: float, b: float) -> int:
    """Correlated colour temperature (kelvin) of a white whose a*, b* are given (L* = 100).

    Lab → XYZ → xy chromaticity → McCamy's approximation; neutral (0, 0) gives D65's 6504 K.
    A yellow cast (b* > 0) reads warmer (lower kelvin), a blue one cooler.
    """
    fy = (100.0 + 16.0) / 116.0
    fx = fy + a / 500.0
    fz = fy - b / 200.0

    def inverse(t: float) -> float:
        return t**3 if t**3 > 0.008856 else (t - 16.0 / 116.0) / 7.787

    xyz = np.array([inverse(fx), inverse(fy), inverse(fz)]) * _D65
    total = float(xyz.sum())
    if total <= 0:
        return 6504
    x, y = xyz[0] / total, xyz[1] / total
    n = (x - 0.3320) / (0.1858 - y)
    cct = 449.0 * n**3 + 3525.0 * n**2 + 6823.3 * n + 5520.33
    return round(max(1000.0, min(40000.0, cct)))


def srgb_to_linear(rgb: np.ndarray) -> np.ndarray:
    return np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4).astype(np.float32)


def linear_to_srgb(linear: np.ndarray) -> np.ndarray:
    linear = np.clip(linear, 0.0, 1.0)
    return np.where(
        linear <= 0.0031308, linear * 12.92, 1.055 * np.power(linear, 1 / 2.4) - 0.055
    ).astype(np.float32)


def as_float(rgb: np.ndarray) -> np.ndarray:
    """RGB (any alpha dropped) as float32 0–1, from uint8 or float pixels."""
    if rgb.dtype == np.uint8:
        return rgb[..., :3].astype(np.float32) / 255.0
    return np.ascontiguousarray(rgb[..., :3], dtype=np.float32)
