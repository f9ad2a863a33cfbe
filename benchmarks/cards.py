"""Evidence cards: PNGs rendered per second in one process, for typical 300-character messages
and for a mix of lengths (20 to 3,000 characters) and captures (first seen, edit with the previous
text, deletion, before a moderation action), of Finnish, Turkish and English messages.

    python benchmarks/cards.py [--cards 500] [--runs 5] [--write]
"""

from __future__ import annotations

import argparse
import platform
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ingest import _cpu  # noqa: E402

from vastaa.benchmarking import write_section  # noqa: E402
from vastaa.evidence.card import render_card  # noqa: E402

SENTENCES = {
    "fi": [
        "Kahvinkeitin vuotaa taas, vaikka se vaihdettiin uuteen vasta kuukausi sitten.",
        "Tilaukseni on ollut myöhässä jo kaksi viikkoa, eikä kukaan vastaa sähköposteihin.",
        "Kiitos nopeasta avusta, asia ratkesi yhdellä puhelulla!",
        "Miksi asiakaspalvelu on auki vain arkisin kello yhdeksästä neljään?",
        "Pakkaus oli rikki ja lasikannu säpäleinä, joten palautan koko paketin.",
        "Öljynkeitin ja vedenkeitin näyttävät samalta, mutta hinta-ero on älytön.",
    ],
    "tr": [
        "Siparişim iki haftadır gecikiyor ve kargo firması hiçbir bilgi vermiyor.",
        "Makine yine su sızdırıyor, değişim için ne yapmam gerekiyor?",
        "Hızlı yardımınız için çok teşekkürler, sorun hemen çözüldü!",
        "Müşteri hizmetlerine ulaşmak neredeyse imkânsız, çağrı merkezi sürekli meşgul.",
        "Ürün kırık geldi; iade sürecini başlattım ama ücret iadesi hâlâ yapılmadı.",
        "İstanbul'daki mağazanızda çalışanlar çok ilgiliydi, şikâyetim yok.",
    ],
    "en": [
        "The kettle is leaking again, even though it was replaced only a month ago.",
        "My order has been late for two weeks and nobody answers my emails.",
        "Thanks for the quick help, one phone call sorted it out!",
        "Why is customer service only open on weekdays from nine to four?",
        "The box arrived crushed and the glass jug was broken, so I am sending it all back.",
        "Honestly the worst delivery experience I have had this year.",
    ],
}
NAMES = {"fi": ("Matti Meikäläinen", "matti"), "tr": ("Ayşe Yılmaz", "ayse"), "en": ("Ada", "ada")}
CAPTURES = ("first_seen", "edit", "deletion", "before_action")
MIXED_LENGTHS = (20, 80, 150, 300, 300, 300, 600, 1200, 3000)


def text_of(rng: random.Random, lang: str, length: int) -> str:
    """Sentences of ``lang`` until ``length`` characters, cut there."""
    text = ""
    while len(text) < length:
        text += rng.choice(SENTENCES[lang]) + (" " if rng.random() < 0.8 else "\n\n")
    return text[:length].rstrip()


def snapshot(rng: random.Random, length: int, capture: str) -> dict[str, Any]:
    lang = rng.choice(list(SENTENCES))
    name, handle = NAMES[lang]
    count = rng.choice((0, 0, 1, 2))
    media = [
        {"url": f"https://files.example.net/{handle}/{n}.jpg", "type": "image"}
        for n in range(count)
    ]
    value: dict[str, Any] = {
        "capture": capture,
        "platform": "mastodon",
        "account": f"kide_{lang}",
        "channel_name": f"Kide {lang.upper()} on Mastodon",
        "message": {
            "url": f"https://mastodon.example/@{handle}/{rng.randrange(10**9)}",
            "public": True,
            "lang": lang,
            "author": {"handle": handle, "display_name": name},
            "created_at": "2026-11-20T10:00:00+00:00",
            "edited_at": "2026-11-20T10:05:00+00:00" if capture == "edit" else None,
            "deleted_at": "2026-11-20T11:00:00+00:00" if capture == "deletion" else None,
            "text": text_of(rng, lang, length),
            "media": media,
        },
    }
    if capture == "edit":
        value["previous_text"] = text_of(rng, lang, length // 2 + 10)
    if capture == "before_action":
        value["action"] = {"action": "hide", "by": "Sanna", "reason": "Personal data in public"}
    return value


def workloads(cards: int, seed: int = 28) -> dict[str, list[dict[str, Any]]]:
    rng = random.Random(seed)
    typical = [snapshot(rng, 300, "first_seen") for _ in range(cards)]
    mixed = [snapshot(rng, rng.choice(MIXED_LENGTHS), rng.choice(CAPTURES)) for _ in range(cards)]
    return {"typical: 300 characters, first seen": typical, "mixed lengths and captures": mixed}


def run(snapshots: list[dict[str, Any]]) -> tuple[float, list[float], list[int]]:
    """Cards per second, milliseconds per card, and bytes per card."""
    timings, sizes = [], []
    began = time.perf_counter()
    for seq, value in enumerate(snapshots, 1):
        start = time.perf_counter()
        png = render_card(
            value, record_seq=seq, content_sha256="0" * 64, captured_at="2026-11-20T12:00:00Z"
        )
        timings.append((time.perf_counter() - start) * 1000)
        sizes.append(len(png))
    return len(snapshots) / (time.perf_counter() - began), timings, sizes


def measure(snapshots: list[dict[str, Any]], runs: int) -> tuple[float, float, float, float]:
    """Median cards/s over the runs, p50 and p95 ms per card, and the median PNG in KiB."""
    run(snapshots[:20])  # loads the fonts
    rates, timings, sizes = [], [], []
    for _ in range(runs):
        rate, times, bytes_ = run(snapshots)
        rates.append(rate)
        timings += times
        sizes += bytes_
    p95 = sorted(timings)[int(0.95 * (len(timings) - 1))]
    return (
        statistics.median(rates),
        statistics.median(timings),
        p95,
        statistics.median(sizes) / 1024,
    )


def render(rows: list[tuple[str, float, float, float, float]], args: argparse.Namespace) -> str:
    lines = [
        f"`python benchmarks/cards.py --cards {args.cards} --runs {args.runs}` "
        f"({platform.machine()}, CPython {platform.python_version()}, {_cpu()}; one process; "
        f"{args.cards} cards per run, fi, tr or en at random, 800 px wide greyscale PNGs; median "
        "of the runs; target ≥ 50 cards/s on typical 300-character messages).",
        "",
        "| messages | cards/s (median) | p50 ms per card | p95 ms per card | median PNG |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, rate, p50, p95, kib in rows:
        lines.append(f"| {name} | {rate:,.0f} | {p50:.1f} | {p95:.1f} | {kib:.0f} KiB |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cards", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = []
    for name, snapshots in workloads(args.cards).items():
        rows.append((name, *measure(snapshots, args.runs)))
        print(f"{name}: {rows[-1][1]:,.0f} cards/s", file=sys.stderr)
    report = render(rows, args)
    print(report)
    if args.write:
        write_section("Evidence cards", report)


if __name__ == "__main__":
    main()
