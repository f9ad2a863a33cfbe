"""``vastaa model train``: the fast tier's classifiers, trained from the public datasets (never
on a test split) and written to ``trained/`` to ship with the package.

Each task is fitted on its training data; then, per language, a shift of each label's score is
tuned on development data (official validation splits, or committed slices of the training
data) to maximise the metric that language's benchmark uses. Test splits are never read here.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np

from vastaa.analysis import datasets as ds
from vastaa.analysis.classifier import TRAINED, LinearModel, featurize
from vastaa.analysis.datasets import Example
from vastaa.analysis.encoder import embed_cached
from vastaa.analysis.fusion import FusedModel
from vastaa.analysis.text import for_features

Data = Callable[[Path], tuple[list[Example], list[Example]]]
Progress = Callable[[int], None]
BIAS_GRID = np.arange(-2.0, 2.01, 0.25)


@dataclass(frozen=True)
class Task:
    """A classifier: its labels (only the positive one for binary tasks) and its data as
    (train, dev). ``recall_langs`` are tuned for macro-recall, the others for macro-F1."""

    name: str
    labels: tuple[str, ...]
    data: Data
    recall_langs: tuple[str, ...] = ()
    c: float = 1.0


def _split(name: str, examples: list[Example]) -> tuple[list[Example], list[Example]]:
    return ds.held_back(name, examples)


def _sentiment(root: Path) -> tuple[list[Example], list[Example]]:
    en_train, en_dev = _split("semeval_en_dev", ds.semeval_train(root))
    tr_pool, _ = ds.held_back("tsatweets_tr", ds.tsatweets(root))
    tr_train, tr_dev = _split("tsatweets_tr_dev", tr_pool)
    fi_pool, _ = ds.held_back("xed_fi_sentiment", ds.xed_fi_sentiment(root))
    fi_train, fi_dev = _split("xed_fi_sentiment_dev", fi_pool)
    return en_train + tr_train + fi_train, en_dev + tr_dev + fi_dev


def _offensive(root: Path) -> tuple[list[Example], list[Example]]:
    tr_train, tr_dev = _split("offenseval_tr_dev", ds.offenseval_tr(root, "train"))
    en_train = ds.tweeteval(root, "offensive", "train")
    return en_train + tr_train, ds.tweeteval(root, "offensive", "val") + tr_dev


def _hate(root: Path) -> tuple[list[Example], list[Example]]:
    return ds.tweeteval(root, "hate", "train"), ds.tweeteval(root, "hate", "val")


def _complaint(root: Path) -> tuple[list[Example], list[Example]]:
    pool, _ = ds.held_back("complaints_en", ds.complaints(root))
    return _split("complaints_en_dev", pool)


TASKS = {
    task.name: task
    for task in (
        Task(
            "sentiment",
            ("negative", "neutral", "positive"),
            _sentiment,
            recall_langs=("en",),
            c=3.0,  # chosen on the development data among 0.3, 1, 3 and 10
        ),
        Task("offensive", ("offensive",), _offensive, c=3.0),  # the same choice on dev data
        Task("hate", ("hate",), _hate),
        Task("complaint", ("complaint",), _complaint),
    )
}

# The development slices of training data, created once with these seeds and committed.
DEV_SPLITS = {
    "semeval_en_dev": (lambda root: ds.semeval_train(root), 0.05, 23),
    "tsatweets_tr_dev": (lambda root: ds.held_back("tsatweets_tr", ds.tsatweets(root))[0], 0.1, 29),
    "xed_fi_sentiment_dev": (
        lambda root: ds.held_back("xed_fi_sentiment", ds.xed_fi_sentiment(root))[0],
        0.1,
        31,
    ),
    "offenseval_tr_dev": (lambda root: ds.offenseval_tr(root, "train"), 0.1, 37),
    "complaints_en_dev": (
        lambda root: ds.held_back("complaints_en", ds.complaints(root))[0],
        0.1,
        41,
    ),
}


# The full tier's heads learn from at most this many training examples per language, chosen by a
# fixed seed (embedding costs about 50 ms a text on one core here).
EMBEDDING_CAP = 5_000


def embedding_sample(examples: list[Example], cap: int = EMBEDDING_CAP) -> list[Example]:
    """Up to ``cap`` examples of each language, the same ones every time."""
    by_lang: dict[str, list[Example]] = {}
    for example in examples:
        by_lang.setdefault(example.lang, []).append(example)
    chosen: list[Example] = []
    for lang in sorted(by_lang):
        pool = list(by_lang[lang])
        random.Random(f"embedding-{lang}").shuffle(pool)
        chosen.extend(pool[:cap])
    return chosen


def features_of(examples: list[Example]):  # type: ignore[no-untyped-def]
    return featurize([for_features(example.text, example.lang) for example in examples])


def train(task: Task, root: Path) -> LinearModel:
    """One-vs-rest logistic regression with balanced class weights, then per-language shifts."""
    from sklearn.linear_model import LogisticRegression

    examples, dev = task.data(root)
    features = features_of(examples)
    coefs, intercepts = [], []
    for label in task.labels:
        target = np.array([example.label == label for example in examples])
        model = LogisticRegression(
            C=task.c, solver="liblinear", class_weight="balanced", max_iter=200
        )
        model.fit(features, target)
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    fitted = LinearModel(task.name, task.labels, np.vstack(coefs), np.array(intercepts))
    return tune_biases(fitted, task, dev)


class Labelled(Protocol):
    @property
    def labels(self) -> tuple[str, ...]: ...


def decide(model: Labelled, scores: np.ndarray) -> list[str]:
    """Labels from (shifted) scores: argmax, or for one label a threshold at zero."""
    if len(model.labels) == 1:
        positive = model.labels[0]
        return [positive if row[0] >= 0 else f"not-{positive}" for row in scores]
    return [model.labels[int(np.argmax(row))] for row in scores]


def metric(gold: list[str], predicted: list[str], recall: bool) -> float:
    from sklearn.metrics import f1_score, recall_score

    labels = sorted(set(gold))
    if recall:
        return float(recall_score(gold, predicted, labels=labels, average="macro"))
    return float(f1_score(gold, predicted, labels=labels, average="macro", zero_division=0))


def tune_biases(model: LinearModel, task: Task, dev: list[Example]) -> LinearModel:
    scores = model.scores(features_of(dev))
    langs = sorted({example.lang for example in dev})
    biases = []
    for lang in langs:
        rows = [i for i, example in enumerate(dev) if example.lang == lang]
        gold = [dev[i].label for i in rows]
        biases.append(_best_bias(model, scores[rows], gold, lang in task.recall_langs))
    return LinearModel(
        model.name, model.labels, model.coef, model.intercept, tuple(langs), np.vstack(biases)
    )


def _best_bias(model: Labelled, scores: np.ndarray, gold: list[str], recall: bool) -> np.ndarray:
    """The shift (the first label's fixed at 0 when there are several) that scores best."""
    size = len(model.labels)
    free = 1 if size == 1 else size - 1
    best, best_value = np.zeros(size), -1.0
    for shift in itertools.product(BIAS_GRID, repeat=free):
        bias = np.array(shift if size == 1 else (0.0, *shift))
        value = metric(gold, decide(model, scores + bias), recall)
        if value > best_value:
            best, best_value = bias, value
    return best


def train_all(
    root: Path, names: list[str] | None = None, folder: Path = TRAINED, *, full: bool = True
) -> list[Path]:
    """The fast tier's models, then (``full``) the full tier's, which build on them."""
    paths = [train(TASKS[name], root).save(folder) for name in names or list(TASKS)]
    if full:
        paths += [train_full(TASKS[name], root, folder).save(folder) for name in names or TASKS]
    return paths


# The full tier ---------------------------------------------------------------------------------

HEAD_C = (0.3, 1.0, 3.0, 10.0)
HEAD_WEIGHTS = (0.25, 0.5, 0.75, 1.0)


def fit_head(
    labels: tuple[str, ...], vectors: np.ndarray, gold: list[str], c: float
) -> tuple[np.ndarray, np.ndarray]:
    """One-vs-rest logistic regression on embeddings, balanced class weights."""
    from sklearn.linear_model import LogisticRegression

    coefs, intercepts = [], []
    for label in labels:
        model = LogisticRegression(C=c, class_weight="balanced", max_iter=1000)
        model.fit(vectors, np.array([value == label for value in gold]))
        coefs.append(model.coef_[0])
        intercepts.append(model.intercept_[0])
    return np.vstack(coefs), np.array(intercepts)


def train_full(
    task: Task, root: Path, folder: Path = TRAINED, progress: Progress | None = None
) -> FusedModel:
    """A head on the encoder's embeddings of (a fixed sample of) the training data; its
    regularisation, its share against the n-gram scores and the per-language shifts are chosen
    on the development data."""
    examples, dev = task.data(root)
    sample = embedding_sample(examples)
    vectors = embed_cached([example.text for example in sample], progress=progress)
    dev_vectors = embed_cached([example.text for example in dev], progress=progress)
    dev_fast = LinearModel.load(task.name, folder).scores(features_of(dev))
    langs = sorted({example.lang for example in dev})
    best: tuple[float, FusedModel] | None = None
    for c in HEAD_C:
        coef, intercept = fit_head(task.labels, vectors, [e.label for e in sample], c)
        dev_head = dev_vectors @ coef.T + intercept
        for weight in HEAD_WEIGHTS:
            mixed = weight * dev_head + (1 - weight) * dev_fast
            biases, values = [], []
            for lang in langs:
                rows = [i for i, example in enumerate(dev) if example.lang == lang]
                gold = [dev[i].label for i in rows]
                recall = lang in task.recall_langs
                model = FusedModel(task.name, task.labels, coef, intercept, weight, (), mixed)
                bias = _best_bias(model, mixed[rows], gold, recall)
                biases.append(bias)
                values.append(metric(gold, decide(model, mixed[rows] + bias), recall))
            value = float(np.mean(values))
            if best is None or value > best[0]:
                fused = FusedModel(
                    task.name, task.labels, coef, intercept, weight, tuple(langs), np.vstack(biases)
                )
                best = (value, fused)
    assert best is not None
    return best[1]
