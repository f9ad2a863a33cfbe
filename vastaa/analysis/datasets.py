"""The labelled public datasets in ``shared/data`` (see each SOURCE.md), read as (text, label,
lang) examples with their official splits. Where a dataset has no split, the held-back test
indices are fixed by a seed and committed in ``splits/`` so that results stay comparable."""

from __future__ import annotations

import csv
import json
import os
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

SPLITS = Path(__file__).with_name("splits")
XED_NEGATIVE = {1, 3, 4, 6}  # anger, disgust, fear, sadness
XED_POSITIVE = {5, 8}  # joy, trust (anticipation and surprise can go either way)


@dataclass(frozen=True)
class Example:
    text: str
    label: str
    lang: str


def data_dir() -> Path:
    """``VASTAA_DATASETS_DIR``, else ``shared/data`` beside the repository."""
    configured = os.environ.get("VASTAA_DATASETS_DIR")
    if configured:
        return Path(configured)
    return Path(__file__).resolve().parents[3] / "shared" / "data"


def _lines(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").splitlines()


def _rows(path: Path, *, tsv: bool = False) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as source:
        if tsv:
            return list(csv.reader(source, delimiter="\t", quoting=csv.QUOTE_NONE))
        return list(csv.reader(source))


# English sentiment: SemEval-2017 task 4A ---------------------------------------------------


def semeval_train(root: Path) -> list[Example]:
    """Every 2013–2016 file (the 2017 test set is the test set; TweetEval's is the same)."""
    examples = []
    for path in sorted((root / "semeval2017_task4a_en" / "train_2013-2016").glob("*.tsv")):
        for line in _lines(path):
            parts = line.split("\t")
            if len(parts) >= 3 and parts[1] in ("positive", "negative", "neutral"):
                examples.append(Example(parts[2], parts[1], "en"))
    return examples


def semeval_test(root: Path) -> list[Example]:
    folder = root / "semeval2017_task4a_en" / "test_2017"
    gold = dict(
        line.split("\t")[:2]
        for line in _lines(folder / "SemEval2017_task4_subtaskA_test_english_gold.txt")
    )
    examples = []
    for line in _lines(folder / "SemEval2017-task4-test.subtask-A.english.txt"):
        parts = line.split("\t")
        if len(parts) >= 3 and parts[0] in gold:
            examples.append(Example(parts[2], gold[parts[0]], "en"))
    return examples


# TweetEval -------------------------------------------------------------------------------


def tweeteval(root: Path, task: str, split: str) -> list[Example]:
    folder = root / "tweeteval" / task
    names = dict(line.split("\t")[:2] for line in _lines(folder / "mapping.txt"))
    texts = _lines(folder / f"{split}_text.txt")
    labels = _lines(folder / f"{split}_labels.txt")
    return [
        Example(text, names[label.strip()], "en") for text, label in zip(texts, labels, strict=True)
    ]


# Turkish offensive language: OffensEval 2020 -----------------------------------------------


def offenseval_tr(root: Path, split: str) -> list[Example]:
    folder = root / "offenseval2020_tr"
    if split == "train":
        rows = _rows(folder / "offenseval-tr-training-v1.tsv", tsv=True)
        return [Example(row[1], _offensive(row[2]), "tr") for row in rows[1:] if len(row) >= 3]
    gold = {row[0]: row[1] for row in _rows(folder / "offenseval-tr-labela-v1.csv") if row}
    rows = _rows(folder / "offenseval-tr-testset-v1.tsv", tsv=True)
    return [
        Example(row[1], _offensive(gold[row[0]]), "tr")
        for row in rows[1:]
        if len(row) >= 2 and row[0] in gold
    ]


def _offensive(label: str) -> str:
    return "offensive" if label.strip() == "OFF" else "not-offensive"


# Turkish sentiment: TSATweets (no official split) ---------------------------------------------


def tsatweets(root: Path) -> list[Example]:
    folder = root / "tsatweets_tr"
    examples = []
    for name, label in (("negative", "negative"), ("notr", "neutral"), ("positive", "positive")):
        for line in _lines(folder / f"{name}.txt"):
            if line.strip():
                examples.append(Example(line.strip(), label, "tr"))
    return examples


# Finnish sentiment from XED's human-annotated Finnish emotions ---------------------------------


def xed_fi_sentiment(root: Path) -> list[Example]:
    """Negative emotions (anger, disgust, fear, sadness) → negative; joy and trust → positive;
    XED's neutral lines → neutral; lines mixing both sides, or only anticipation/surprise, are
    left out. Movie subtitles, not social media: a stand-in, measured as such."""
    folder = root / "xed" / "AnnotatedData"
    examples = []
    for line in _lines(folder / "fi-annotated.tsv"):
        text, _, labels = line.rpartition("\t")
        codes = {int(code) for code in labels.replace(" ", "").split(",") if code.isdigit()}
        if codes and codes <= XED_NEGATIVE:
            examples.append(Example(text, "negative", "fi"))
        elif codes and codes <= XED_POSITIVE:
            examples.append(Example(text, "positive", "fi"))
    for line in _lines(folder / "neu_fi.txt"):
        parts = line.split("\t")
        if len(parts) >= 2 and parts[1].strip():
            examples.append(Example(parts[1].strip(), "neutral", "fi"))
    return examples


# English complaints to brands (no official split) ----------------------------------------------


def complaints(root: Path) -> list[Example]:
    rows = _rows(root / "complaints_twitter_en" / "complaints-data.csv")
    return [
        Example(row[1], "complaint" if row[2] == "1" else "not-complaint", "en")
        for row in rows
        if len(row) >= 3
    ]


# Fixed held-back splits -------------------------------------------------------------------


def held_back(name: str, examples: list[Example]) -> tuple[list[Example], list[Example]]:
    """(train, test) by the committed indices in ``splits/<name>.json``."""
    data = json.loads((SPLITS / f"{name}.json").read_text())
    if data["size"] != len(examples):
        raise ValueError(f"{name}: the data has {len(examples)} rows, the split {data['size']}")
    test = set(data["test"])
    train = [ex for i, ex in enumerate(examples) if i not in test]
    return train, [examples[i] for i in sorted(test)]


def make_split(name: str, examples: list[Example], *, share: float, seed: int) -> Path:
    """Choose a stratified test share with ``seed`` and write it to ``splits/`` (run once)."""
    rng = random.Random(seed)
    by_label: dict[str, list[int]] = defaultdict(list)
    for index, example in enumerate(examples):
        by_label[example.label].append(index)
    test: list[int] = []
    for label in sorted(by_label):
        indices = by_label[label]
        test.extend(rng.sample(indices, round(len(indices) * share)))
    SPLITS.mkdir(exist_ok=True)
    path = SPLITS / f"{name}.json"
    payload = {"seed": seed, "share": share, "size": len(examples), "test": sorted(test)}
    path.write_text(json.dumps(payload))
    return path


HELD_BACK: dict[str, Callable[[Path], list[Example]]] = {
    "tsatweets_tr": tsatweets,
    "xed_fi_sentiment": xed_fi_sentiment,
    "complaints_en": complaints,
}
