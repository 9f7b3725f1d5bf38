"""Cut-outs from a salient-object segmentation model in ONNX format that the operator supplies.

Set ``PHOTOS_SEGMENTATION_MODEL`` to the path of the ``.onnx`` file (U²-Net, U²-Netp, ISNet
and their kin: one RGB image in, one saliency map out) and the studio uses it instead of the
offline segmenter, in previews and batches alike; the confidence, matting and checks are the
same. The model runs with ``onnxruntime`` on the CPU; nothing is downloaded at run time.

* ``PHOTOS_SEGMENTATION_MODEL_SIZE``: the square input the model was trained at (320 for
  U²-Net, 1024 for ISNet).
* ``PHOTOS_SEGMENTATION_MODEL_NORMALISE``: ``imagenet`` (divide by the image's maximum, then
  ImageNet's mean and standard deviation: U²-Net) or ``half`` (subtract 0.5: ISNet).

The first output is taken as the saliency map (NCHW, one channel); it is rescaled to 0–1
and brought back to the photo's proxy size.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from django.conf import settings

logger = logging.getLogger(__name__)

IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], np.float32)


class ModelUnavailable(Exception):
    """The configured model cannot be used; the message says why (for the operator)."""


class OnnxSegmenter:
    def __init__(self, path: str, *, size: int = 320, normalise: str = "imagenet") -> None:
        import onnxruntime

        if not Path(path).is_file():
            raise ModelUnavailable(f"No ONNX model file at {path}.")
        if normalise not in ("imagenet", "half"):
            raise ModelUnavailable(f"Unknown normalisation “{normalise}” (imagenet or half).")
        options = onnxruntime.SessionOptions()
        # One photo per worker process at a time: one thread each keeps processes from
        # fighting over the cores.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        try:
            self.session = onnxruntime.InferenceSession(
                path, sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as error:  # onnxruntime raises its own exception types
            raise ModelUnavailable(f"{Path(path).name} could not be loaded: {error}") from None
        inputs = self.session.get_inputs()
        if len(inputs) != 1:
            raise ModelUnavailable(f"{Path(path).name} takes {len(inputs)} inputs; one image.")
        self.input_name = inputs[0].name
        self.size = size
        self.normalise = normalise
        self.label = f"ONNX model {Path(path).name}"

    def _prepare(self, rgb: np.ndarray) -> np.ndarray:
        image: np.ndarray = rgb[..., :3].astype(np.float32)
        if rgb.dtype == np.uint8:
            image /= 255.0
        image = cv2.resize(image, (self.size, self.size), interpolation=cv2.INTER_AREA)
        if self.normalise == "imagenet":
            image = image / max(float(image.max()), 1e-6)
            image = (image - IMAGENET_MEAN) / IMAGENET_STD
        else:
            image = image - 0.5
        return np.ascontiguousarray(image.transpose(2, 0, 1)[None], dtype=np.float32)

    def probabilities(self, rgb: np.ndarray) -> np.ndarray:
        """The model's saliency (float32 0–1) at ``rgb``'s size."""
        output = self.session.run(None, {self.input_name: self._prepare(rgb)})[0]
        saliency = np.asarray(output, np.float32).reshape(output.shape[-2], output.shape[-1])
        low, high = float(saliency.min()), float(saliency.max())
        saliency = (saliency - low) / (high - low) if high > low else np.zeros_like(saliency)
        height, width = rgb.shape[:2]
        return cv2.resize(saliency, (width, height), interpolation=cv2.INTER_LINEAR)

    def __call__(self, rgb: np.ndarray) -> np.ndarray:
        return self.probabilities(rgb) > 0.5


@lru_cache(maxsize=4)
def load(path: str, size: int, normalise: str) -> OnnxSegmenter:
    """One session per model per process (loading takes a while; running is thread-safe)."""
    return OnnxSegmenter(path, size=size, normalise=normalise)


def configured() -> OnnxSegmenter | None:
    """The operator's model, or None when none is set or it cannot be used (logged)."""
    path = settings.PHOTOS_SEGMENTATION_MODEL
    if not path:
        return None
    try:
        return load(
            path,
            settings.PHOTOS_SEGMENTATION_MODEL_SIZE,
            settings.PHOTOS_SEGMENTATION_MODEL_NORMALISE,
        )
    except ModelUnavailable as error:
        logger.error("PHOTOS_SEGMENTATION_MODEL not used: %s", error)
        return None
