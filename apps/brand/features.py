"""Text features for the on-brand scorer and the exemplar index: hashed n-grams, no vocabulary.

Hashing keeps a trained profile small (no vocabulary to store: a feature is a bucket number)
and makes every profile of every workspace share one feature space, so a version's weights are
just ``(bucket, weight)`` pairs. Word unigrams and bigrams (scikit-learn's murmur hash, stable
across processes) carry the brand's vocabulary; character 3–5-grams over the lower-cased text,
hashed here with numpy in one vectorised pass (scikit-learn's character analyser is pure Python
and was ~10x slower), carry its spelling, punctuation and morphology. Each block gets
sublinear term frequencies and unit length, then the blocks are stacked.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

WORD_BITS = 20
CHAR_BITS = 20
N_WORD = 1 << WORD_BITS
N_CHAR = 1 << CHAR_BITS
N_FEATURES = N_WORD + N_CHAR
CHAR_SIZES = (3, 4, 5)
TOKEN_PATTERN = r"(?u)\b\w[\w'’-]*\b"
_SPACES = re.compile(r"\s+")
# Odd 64-bit multipliers for the rolling hash and the final mix (any fixed odd constants do).
_BASE = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)

_word_vectorizer = HashingVectorizer(
    analyzer="word",
    ngram_range=(1, 2),
    n_features=N_WORD,
    alternate_sign=False,
    norm=None,
    lowercase=True,
    token_pattern=TOKEN_PATTERN,
    dtype=np.float32,
)


def normalise(text: str) -> str:
    """NFC, one space between words, trimmed: what every feature is computed on."""
    return _SPACES.sub(" ", unicodedata.normalize("NFC", text or "")).strip()


def char_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    """Counts of hashed character 3-, 4- and 5-grams of each lower-cased text (padded with a
    space at each end so word edges count)."""
    n_docs = len(texts)
    if n_docs == 0:
        return sparse.csr_matrix((0, N_CHAR), dtype=np.float32)
    padded = [f" {normalise(t).lower()} " for t in texts]
    lengths = np.fromiter((len(t) for t in padded), dtype=np.int64, count=n_docs)
    # One code point array for the whole batch; a 0 separates documents.
    joined = "\x00".join(padded)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths + 1)[: len(codes)]
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    total = len(codes)
    for size in CHAR_SIZES:
        if total < size:
            continue
        count = total - size + 1
        with np.errstate(over="ignore"):  # wrapping arithmetic is the hash
            value = np.full(count, np.uint64(size), dtype=np.uint64)
            for offset in range(size):
                value = value * _BASE + codes[offset : offset + count]
            value = value * _MIX
        valid = doc_of[:count] == doc_of[size - 1 : size - 1 + count]
        if size > 1:
            # No n-gram may span the separator (doc_of differs there already, except at the
            # separator itself, which belongs to the previous document).
            valid &= codes[size - 1 : size - 1 + count] != 0
            valid &= codes[:count] != 0
        rows.append(doc_of[:count][valid])
        cols.append((value[valid] >> np.uint64(64 - CHAR_BITS)).astype(np.int64))
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
    data = np.ones(len(row), dtype=np.float32)
    matrix = sparse.csr_matrix((data, (row, col)), shape=(n_docs, N_CHAR), dtype=np.float32)
    matrix.sum_duplicates()
    return matrix


def word_counts(texts: Sequence[str]) -> sparse.csr_matrix:
    return _word_vectorizer.transform([normalise(t) for t in texts]).tocsr()


def _sublinear_unit(matrix: sparse.csr_matrix) -> sparse.csr_matrix:
    matrix = matrix.astype(np.float32, copy=True)
    np.log(matrix.data, out=matrix.data)
    matrix.data += 1.0
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sparse.diags((1.0 / norms).astype(np.float32)) @ matrix


def featurise(texts: Sequence[str]) -> sparse.csr_matrix:
    """The scorer's feature matrix: one row per text, N_FEATURES columns."""
    words = _sublinear_unit(word_counts(texts))
    chars = _sublinear_unit(char_counts(texts))
    return sparse.hstack([words, chars], format="csr", dtype=np.float32)
