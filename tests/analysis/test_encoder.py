"""The full tier's encoder, its embedding cache and the fused classifiers."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from vastaa.analysis.encoder import DIM, EmbeddingCache, Encoder, embed_cached, for_encoder
from vastaa.analysis.fusion import FusedModel


def test_links_and_handles_read_as_placeholders() -> None:
    assert for_encoder("@kide_fi  katso https://x.io/a?b=1 !") == "@user katso http !"
    assert for_encoder("   ") == "."
    assert len(for_encoder("a" * 5000)) == 1000


def test_translations_land_closer_than_unrelated_sentences() -> None:
    fi, en, tr, other = Encoder().embed(
        [
            "Tilaukseni ei ole vieläkään saapunut.",
            "My order has still not arrived.",
            "Siparişim hâlâ gelmedi.",
            "The weather is lovely at the beach today.",
        ]
    )
    assert fi.shape == (DIM,)
    assert float(fi @ en) > float(fi @ other) + 0.05
    assert float(tr @ en) > float(tr @ other) + 0.05


def test_embeddings_are_computed_once_and_then_read_from_the_cache(tmp_path: Path) -> None:
    cache = EmbeddingCache(tmp_path / "cache.sqlite3")
    computed: list[int] = []
    texts = ["kiitos avusta", "teşekkürler", "kiitos avusta"]

    first = embed_cached(texts, cache=cache, progress=computed.append)
    second = embed_cached(texts, cache=cache, progress=computed.append)

    assert computed == [2]
    assert first.shape == (3, DIM)
    assert np.allclose(first, second) and np.allclose(first[0], first[2])


def _model(langs: tuple[str, ...]) -> FusedModel:
    coef = np.zeros((1, DIM), dtype=np.float32)
    coef[0, 0] = 4.0
    biases = np.full((len(langs), 1), 0.5, dtype=np.float32)
    return FusedModel("toy", ("yes",), coef, np.array([-1.0]), 0.25, langs, biases)


def test_known_languages_mix_both_scores_and_others_use_the_encoder_alone() -> None:
    model = _model(("en",))
    vectors = np.zeros((2, DIM), dtype=np.float32)
    vectors[:, 0] = 1.0
    fast = np.array([[-2.0], [-2.0]])

    scores = model.scores(fast, vectors, ["en", "fi"])

    assert np.allclose(scores[0], 0.25 * 3.0 + 0.75 * -2.0 + 0.5)
    assert np.allclose(scores[1], 3.0)


def test_a_fused_model_survives_saving_and_loading(tmp_path: Path) -> None:
    model = _model(("en", "tr"))
    model.save(tmp_path)

    loaded = FusedModel.load("toy", tmp_path)

    assert loaded.labels == ("yes",) and loaded.langs == ("en", "tr") and loaded.weight == 0.25
    vectors = np.eye(3, DIM, dtype=np.float32)
    fast = np.zeros((3, 1))
    langs = ["en", "tr", "sv"]
    assert np.allclose(loaded.scores(fast, vectors, langs), model.scores(fast, vectors, langs))
