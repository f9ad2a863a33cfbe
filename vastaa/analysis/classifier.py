"""Fast text classifiers: hashed character and word n-grams into a linear model.

The weights are trained by ``vastaa model train`` (scikit-learn) and shipped with the package as
``trained/<name>.npz`` (numpy arrays only, no pickle). Prediction needs the same hashing, so the
feature settings live here, in one place, for training and prediction alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.sparse import csr_matrix, hstack
from sklearn.feature_extraction.text import HashingVectorizer

TRAINED = Path(__file__).with_name("trained")
N_FEATURES = 2**18


@cache
def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    chars = HashingVectorizer(
        analyzer="char_wb",
        ngram_range=(2, 5),
        n_features=N_FEATURES,
        alternate_sign=False,
        lowercase=False,
        norm="l2",
    )
    words = HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=N_FEATURES,
        alternate_sign=False,
        lowercase=False,
        token_pattern=r"(?u)[@\w][\w']*",
        norm="l2",
    )
    return chars, words


def featurize(texts: Sequence[str]) -> csr_matrix:
    """Texts (already normalised by ``text.for_features``) to one sparse feature row each."""
    chars, words = _vectorizers()
    matrix: csr_matrix = hstack([chars.transform(texts), words.transform(texts)]).tocsr()
    return matrix


@dataclass(frozen=True)
class LinearModel:
    """One-vs-rest linear scores; ``labels`` names the rows of ``coef``. ``biases`` holds, for
    each language in ``langs``, a shift of each label's score tuned on development data (the
    languages' data sets differ in base rates); other languages get no shift."""

    name: str
    labels: tuple[str, ...]
    coef: np.ndarray
    intercept: np.ndarray
    langs: tuple[str, ...] = ()
    biases: np.ndarray | None = None

    def scores(self, features: csr_matrix, langs: Sequence[str] | None = None) -> np.ndarray:
        raw = np.asarray(features @ self.coef.T + self.intercept)
        if self.biases is not None and langs is not None:
            index = {lang: i for i, lang in enumerate(self.langs)}
            for row, lang in enumerate(langs):
                if lang in index:
                    raw[row] += self.biases[index[lang]]
        return raw

    def probabilities(self, features: csr_matrix, langs: Sequence[str] | None = None) -> np.ndarray:
        """Rows of per-label probabilities (sigmoid of each one-vs-rest score)."""
        return np.asarray(1.0 / (1.0 + np.exp(-self.scores(features, langs))))

    def save(self, folder: Path = TRAINED) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{self.name}.npz"
        biases = self.biases if self.biases is not None else np.zeros((0, len(self.labels)))
        np.savez_compressed(
            path,
            labels=np.array(self.labels),
            coef=self.coef.astype(np.float16),
            intercept=self.intercept.astype(np.float32),
            langs=np.array(self.langs, dtype=str),
            biases=biases.astype(np.float32),
        )
        return path

    @classmethod
    def load(cls, name: str, folder: Path = TRAINED) -> LinearModel:
        with np.load(folder / f"{name}.npz", allow_pickle=False) as data:
            langs = tuple(str(lang) for lang in data["langs"])
            return cls(
                name,
                tuple(str(label) for label in data["labels"]),
                data["coef"].astype(np.float32),
                data["intercept"],
                langs,
                data["biases"] if langs else None,
            )


def available(name: str, folder: Path = TRAINED) -> bool:
    return (folder / f"{name}.npz").exists()
