"""Training, the shipped model format, and the public datasets as the trainer reads them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from vastaa.analysis import datasets as ds
from vastaa.analysis.classifier import LinearModel, featurize
from vastaa.analysis.datasets import Example
from vastaa.analysis.encoder import DIM, embed_cached
from vastaa.analysis.evaluation import predict_fast, predict_full
from vastaa.analysis.fusion import FusedModel
from vastaa.analysis.training import TASKS, Task, train, train_full

GOOD = ["great service thanks", "love it", "works perfectly, thank you", "amazing kettle"]
BAD = ["broken again", "worst service ever", "it leaks, terrible", "awful, never again"]


def tiny(_: Path) -> tuple[list[Example], list[Example]]:
    examples = [Example(t, "positive", "en") for t in GOOD] + [
        Example(t, "negative", "en") for t in BAD
    ]
    return examples * 3, examples


def test_a_trained_model_survives_saving_and_loading(tmp_path: Path) -> None:
    task = Task("toy", ("positive",), tiny)

    model = train(task, tmp_path)
    path = model.save(tmp_path)
    loaded = LinearModel.load("toy", tmp_path)

    assert path.suffix == ".npz"
    assert loaded.labels == ("positive",) and loaded.langs == ("en",)
    features = featurize(["thanks, great"])
    assert np.allclose(loaded.scores(features, ["en"]), model.scores(features, ["en"]), atol=1e-2)
    assert predict_fast(loaded, tiny(tmp_path)[1]) == [
        e.label if e.label == "positive" else "not-positive" for e in tiny(tmp_path)[1]
    ]


def test_the_full_tier_learns_a_head_and_its_mix_on_development_data(tmp_path: Path) -> None:
    task = Task("toy", ("positive",), tiny)
    train(task, tmp_path).save(tmp_path)

    fused = train_full(task, tmp_path, tmp_path)

    assert fused.labels == ("positive",) and fused.langs == ("en",)
    assert fused.coef.shape == (1, DIM) and 0 < fused.weight <= 1
    examples = tiny(tmp_path)[1]
    fast = LinearModel.load("toy", tmp_path)
    vectors = embed_cached([e.text for e in examples])
    assert predict_full(fused, fast, examples, vectors) == [
        e.label if e.label == "positive" else "not-positive" for e in examples
    ]


def test_every_task_has_shipped_models_for_both_tiers() -> None:
    for name in TASKS:
        model = LinearModel.load(name)
        fused = FusedModel.load(name)
        assert model.coef.shape[0] == len(model.labels) == fused.coef.shape[0]
        assert fused.labels == model.labels


@pytest.fixture(scope="module")
def root() -> Path:
    path = ds.data_dir()
    if not path.exists():
        pytest.skip("the public datasets (../shared/data) are not beside this checkout")
    return path


def test_the_datasets_read_as_their_source_notes_count(root: Path) -> None:
    assert len(ds.semeval_test(root)) == 12284
    assert len(ds.tweeteval(root, "offensive", "test")) == 860
    assert len(ds.offenseval_tr(root, "test")) == 3528
    assert len(ds.offenseval_tr(root, "train")) == 31756
    assert len(ds.tsatweets(root)) == 6001


def test_the_committed_splits_fit_the_data_and_keep_test_apart(root: Path) -> None:
    for name, load in ds.HELD_BACK.items():
        train_part, test_part = ds.held_back(name, load(root))
        everything = load(root)
        assert len(train_part) + len(test_part) == len(everything)
        assert abs(len(test_part) / len(everything) - 0.2) < 0.01
