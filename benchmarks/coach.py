"""The care coach: speed on 1,000-character drafts (it runs as the agent types) and precision and
recall per rule on our own corpus of reply drafts (tests/replies/corpus/{fi,tr,en}.json, written
by us with the findings a careful reviewer would make).

    python benchmarks/coach.py [--runs 500] [--write]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.replies.coach import Draft, coach  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "replies" / "corpus"
LANGS = ("fi", "tr", "en")


def load(prefix: str = "") -> dict[str, list[dict[str, object]]]:
    """The development corpus ({lang}.json, which the rules were tuned on) or the held-out one
    (heldout-{lang}.json, written separately and never used for tuning)."""
    return {lang: json.loads((CORPUS / f"{prefix}{lang}.json").read_text()) for lang in LANGS}


def draft_of(example: dict[str, object], lang: str) -> Draft:
    return Draft(
        str(example["text"]),
        lang=lang,
        public=bool(example.get("public", True)),
        complaint=bool(example.get("complaint", False)),
        customer_text=str(example.get("customer", "")),
        customer_name=str(example.get("name", "")),
    )


def speed(corpus: dict[str, list[dict[str, object]]], runs: int) -> list[float]:
    """Milliseconds per 1,000-character draft, made of corpus texts of every language."""
    rng = random.Random(3)
    texts = [(lang, str(e["text"])) for lang, examples in corpus.items() for e in examples]
    timings = []
    for _ in range(runs):
        lang, _ = rng.choice(texts)
        pool = [text for other, text in texts if other == lang]
        body = ""
        while len(body) < 1000:
            body += rng.choice(pool) + "\n\n"
        draft = Draft(body[:1000], lang=lang, public=True, complaint=True, customer_name="Liisa")
        began = time.perf_counter()
        coach(draft)
        timings.append((time.perf_counter() - began) * 1000)
    return timings


def quality(corpus: dict[str, list[dict[str, object]]]) -> dict[tuple[str, str], Counter[str]]:
    """Per (language, rule code): true positives, false positives, false negatives — counted
    per example (a code found once or more in an example is one finding)."""
    counts: dict[tuple[str, str], Counter[str]] = {}
    for lang, examples in corpus.items():
        for example in examples:
            expected = set(map(str, example.get("findings", [])))  # type: ignore[call-overload]
            found = {f.code for f in coach(draft_of(example, lang))}
            for code in expected | found:
                counter = counts.setdefault((lang, code), Counter())
                if code in expected and code in found:
                    counter["tp"] += 1
                elif code in found:
                    counter["fp"] += 1
                else:
                    counter["fn"] += 1
    return counts


def render(
    timings: list[float],
    dev: dict[tuple[str, str], Counter[str]],
    held: dict[tuple[str, str], Counter[str]],
    args: argparse.Namespace,
    sizes: dict[str, int],
) -> str:
    p95 = sorted(timings)[int(0.95 * (len(timings) - 1))]
    lines = [
        f"`python benchmarks/coach.py --runs {args.runs}` ({platform.machine()}, CPython "
        f"{platform.python_version()}, {_cpu()}; targets: ≤ 20 ms p95 on a 1,000-character "
        "draft; precision ≥ 0.9 and recall ≥ 0.8 per rule).",
        "",
        f"Speed on 1,000-character drafts ({args.runs} drafts of mixed fi/tr/en): p50 "
        f"{statistics.median(timings):.2f} ms, p95 {p95:.2f} ms.",
        "",
        "Quality, counted per draft and rule, on the **held-out** corpus ("
        + ", ".join(f"{n} {lang}" for lang, n in sizes.items())
        + " drafts, written separately and never used for tuning) and, for comparison, on the "
        "development corpus the rules were tuned on (51 per language):",
        "",
        "| rule | language | held-out: expected | found | precision | recall "
        "| development: precision | recall |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    keys = sorted(set(dev) | set(held), key=lambda item: (item[1], item[0]))
    for lang, code in keys:
        c, d = held.get((lang, code), Counter()), dev.get((lang, code), Counter())
        found, expected = c["tp"] + c["fp"], c["tp"] + c["fn"]
        lines.append(
            f"| {code} | {lang} | {expected} | {found} | {_ratio(c['tp'], found)} "
            f"| {_ratio(c['tp'], expected)} | {_ratio(d['tp'], d['tp'] + d['fp'])} "
            f"| {_ratio(d['tp'], d['tp'] + d['fn'])} |"
        )
    return "\n".join(lines)


def _ratio(part: int, whole: int) -> str:
    return f"{part / whole:.2f}" if whole else "—"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    corpus, held = load(), load("heldout-")
    report = render(
        speed(corpus, args.runs),
        quality(corpus),
        quality(held),
        args,
        {k: len(v) for k, v in held.items()},
    )
    print(report)
    if args.write:
        write_section("Care coach", report)


if __name__ == "__main__":
    main()
