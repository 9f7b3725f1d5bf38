"""The on-brand scorer: a linear model over hashed word and character n-grams, calibrated.

Training (``train_scorer``) fits a linear support-vector classifier of the brand's material
against "other" text — the shipped background corpus and the material of the workspace's other
profiles — on 80% of each, with balanced class weights. The remaining 20% is held out: a
logistic (Platt) calibration is fitted on its decision values, with the two classes weighted
equally so that a score of 50 means "as likely this brand as not", whatever the sizes; and the
same hold-out gives the evaluation (ROC AUC, accuracy at 50, mean held-out score), with the
calibration cross-fitted on two halves so the figures are not fitted to themselves.

The stored model is the calibration and the largest weights (``MAX_WEIGHTS`` of them, as
bucket/weight pairs): a few hundred kilobytes however much material there was, and scoring is one
sparse product.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.svm import LinearSVC

from apps.brand import features

MAX_WEIGHTS = 150_000
HOLDOUT_SHARE = 0.2
SVC_C = 0.5


@dataclass(frozen=True)
class ScorerModel:
    indices: np.ndarray  # int32 feature buckets
    weights: np.ndarray  # float32
    bias: float
    platt_a: float
    platt_b: float

    def dense(self) -> np.ndarray:
        """All weights as one vector over the feature space (built once per loaded model)."""
        cached = self.__dict__.get("_dense")
        if cached is None:
            cached = np.zeros(features.N_FEATURES, dtype=np.float32)
            cached[self.indices] = self.weights
            object.__setattr__(self, "_dense", cached)
        return cached

    def decision(self, matrix) -> np.ndarray:
        return np.asarray(matrix @ self.dense(), dtype=np.float64).ravel() + self.bias

    def scores(self, texts: Sequence[str]) -> np.ndarray:
        """0–100 for each text."""
        if not texts:
            return np.zeros(0)
        return self.calibrate(self.decision(features.featurise(texts)))

    def calibrate(self, decision: np.ndarray) -> np.ndarray:
        z = np.clip(self.platt_a * decision + self.platt_b, -35, 35)
        return 100.0 / (1.0 + np.exp(-z))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            indices=self.indices.astype(np.int32),
            weights=self.weights.astype(np.float16),
            params=np.array([self.bias, self.platt_a, self.platt_b], dtype=np.float64),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> ScorerModel:
        with np.load(io.BytesIO(bytes(data))) as stored:
            bias, a, b = (float(x) for x in stored["params"])
            return cls(
                indices=stored["indices"].astype(np.int64),
                weights=stored["weights"].astype(np.float32),
                bias=bias,
                platt_a=a,
                platt_b=b,
            )


@dataclass(frozen=True)
class Evaluation:
    heldout_brand: int
    heldout_other: int
    accuracy: float
    roc_auc: float
    mean_heldout_score: float
    mean_other_score: float

    def as_dict(self) -> dict:
        return {
            "heldout_brand": self.heldout_brand,
            "heldout_other": self.heldout_other,
            "accuracy": round(self.accuracy, 4),
            "roc_auc": round(self.roc_auc, 4),
            "mean_heldout_score": round(self.mean_heldout_score, 2),
            "mean_other_score": round(self.mean_other_score, 2),
        }


def split(items: Sequence, *, seed: int, share: float = HOLDOUT_SHARE) -> tuple[list, list]:
    """(train, held out), reproducibly; at least one item on each side when there are two."""
    order = list(range(len(items)))
    random.Random(seed).shuffle(order)
    held = max(1, round(len(items) * share)) if len(items) >= 2 else 0
    held_set = set(order[:held])
    train = [items[i] for i in range(len(items)) if i not in held_set]
    return train, [items[i] for i in sorted(held_set)]


def _platt(decision: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    positives = max(int(labels.sum()), 1)
    negatives = max(int(len(labels) - labels.sum()), 1)
    weights = np.where(labels == 1, 0.5 / positives, 0.5 / negatives) * len(labels)
    model = LogisticRegression(C=100.0)
    model.fit(decision.reshape(-1, 1), labels, sample_weight=weights)
    return float(model.coef_[0][0]), float(model.intercept_[0])


def _prune(coef: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    nonzero = np.flatnonzero(coef)
    if len(nonzero) > limit:
        keep = np.argpartition(np.abs(coef[nonzero]), -limit)[-limit:]
        nonzero = np.sort(nonzero[keep])
    return nonzero.astype(np.int64), coef[nonzero].astype(np.float32)


def train_scorer(
    brand: Sequence[str], other: Sequence[str], *, seed: int = 0
) -> tuple[ScorerModel, Evaluation]:
    """Fit, calibrate and evaluate a scorer of ``brand`` texts against ``other`` texts."""
    brand_train, brand_held = split(list(brand), seed=seed)
    other_train, other_held = split(list(other), seed=seed + 1)
    texts = [*brand_train, *other_train, *brand_held, *other_held]
    matrix = features.featurise(texts)
    n_train = len(brand_train) + len(other_train)
    labels = np.array(
        [1] * len(brand_train)
        + [0] * len(other_train)
        + [1] * len(brand_held)
        + [0] * len(other_held)
    )
    classifier = LinearSVC(C=SVC_C, class_weight="balanced", random_state=seed)
    classifier.fit(matrix[:n_train], labels[:n_train])
    indices, weights = _prune(classifier.coef_.ravel(), MAX_WEIGHTS)
    bias = float(classifier.intercept_[0])
    draft = ScorerModel(indices, weights, bias, 1.0, 0.0)
    held_decision = draft.decision(matrix[n_train:])
    held_labels = labels[n_train:]
    a, b = _platt(held_decision, held_labels)
    model = ScorerModel(indices, weights, bias, a, b)
    evaluation = _evaluate(held_decision, held_labels, seed=seed, fallback=(a, b))
    return model, evaluation


def _evaluate(
    decision: np.ndarray, labels: np.ndarray, *, seed: int, fallback: tuple[float, float]
) -> Evaluation:
    """Figures on the hold-out; each half is scored with a calibration fitted on the other."""
    scores = np.zeros(len(labels))
    order = np.random.default_rng(seed).permutation(len(labels))
    halves = (order[::2], order[1::2])
    for fit_on, apply_to in (halves, halves[::-1]):
        fit_labels = labels[fit_on]
        if len(set(fit_labels.tolist())) == 2:
            a, b = _platt(decision[fit_on], fit_labels)
        else:
            a, b = fallback
        z = np.clip(a * decision[apply_to] + b, -35, 35)
        scores[apply_to] = 100.0 / (1.0 + np.exp(-z))
    brand_scores = scores[labels == 1]
    other_scores = scores[labels == 0]
    auc = roc_auc_score(labels, decision) if len(set(labels.tolist())) == 2 else float("nan")
    return Evaluation(
        heldout_brand=len(brand_scores),
        heldout_other=len(other_scores),
        accuracy=float(((scores >= 50) == (labels == 1)).mean()) if len(labels) else 0.0,
        roc_auc=float(auc),
        mean_heldout_score=float(brand_scores.mean()) if len(brand_scores) else 0.0,
        mean_other_score=float(other_scores.mean()) if len(other_scores) else 0.0,
    )
