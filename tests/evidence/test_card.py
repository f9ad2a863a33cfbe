"""Evidence cards: a valid, deterministic PNG of any snapshot, however hostile, in a font that has
the Finnish and Turkish letters."""

from __future__ import annotations

import io
import random
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from vastaa.evidence import card
from vastaa.evidence.card import BODY, TEXT_WIDTH, clean, render_card, text_rows, wrap

LETTERS = "äöåÄÖÅşŞğĞıİçÇüÜ"
MAX_HEIGHT = 3500
# controls, lone surrogates, bidi override, zero-width, separators, combining, RTL, emoji, CJK
HOSTILE = "\x00\x07\r\t\x85\x1b\ud800\udfff\u202e\u200b\ufeff\u2028\u0301\u05d0\u0627😀👍🏽漢"


def snapshot(**changes: Any) -> dict[str, Any]:
    message = {
        "id": "0b7d4f3e-1c9a-4c55-9a53-0f1f6b1c2d3e",
        "external_id": "1099",
        "url": "https://mastodon.example/@matti/1099",
        "kind": "comment",
        "direction": "inbound",
        "public": True,
        "lang": "fi",
        "author": {"handle": "matti", "display_name": "Matti Meikäläinen"},
        "created_at": "2026-11-20T10:00:00+00:00",
        "edited_at": None,
        "deleted_at": None,
        "text": "Kahvinkeitin vuotaa taas! Tilasin sen viime kuussa ja nyt se on jo rikki. "
        "Şikayetim var: sipariş gecikti ve kargo hasarlı geldi.",
        "media": [{"url": "https://files.mastodon.example/a.jpg", "type": "image"}],
    }
    base = {
        "capture": "first_seen",
        "platform": "mastodon",
        "account": "kide_fi",
        "channel_name": "Kide on Mastodon",
        "message": message,
    }
    return base | changes


def render(value: Mapping[str, Any], record_seq: int = 7) -> bytes:
    return render_card(
        value, record_seq=record_seq, content_sha256="ab" * 32, captured_at="2026-11-20T10:06:00Z"
    )


def image_of(png: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(png))
    image.load()
    return image


def test_a_card_is_a_png_800_pixels_wide() -> None:
    image = image_of(render(snapshot()))

    assert image.format == "PNG"
    assert image.width == 800
    assert 250 < image.height < 800


def test_the_same_arguments_give_the_same_bytes_and_no_timestamp() -> None:
    first = render(snapshot())

    assert render(snapshot()) == first
    assert render(snapshot(), record_seq=8) != first
    assert b"tIME" not in first and b"tEXt" not in first


def test_the_vendored_fonts_draw_the_finnish_and_turkish_letters() -> None:
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf"):
        font = vendored_font(name)
        missing = glyph(font, "\U0010ffff")  # a noncharacter: the font's "no glyph" box
        assert glyph(font, "漢") == missing  # the check does tell a missing glyph
        for letter in LETTERS:
            assert glyph(font, letter) != missing, (name, letter)
        assert glyph(font, "ı") != glyph(font, "i") and glyph(font, "İ") != glyph(font, "I")
    assert (card.FONTS / "LICENSE").read_text().count("Bitstream Vera") > 1


def vendored_font(name: str) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(card.FONTS / name, 15, layout_engine=ImageFont.Layout.BASIC)


def glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (40, 40), 0)
    ImageDraw.Draw(image).text((5, 5), char, font=font, fill=255)
    return image.tobytes()


def test_an_edit_and_an_action_add_their_sections() -> None:
    plain = image_of(render(snapshot())).height
    edit = snapshot(capture="edit", previous_text="Kahvinkeitin vuotaa.")
    action = snapshot(
        capture="before_action", action={"action": "delete", "by": "Sanna", "reason": "Spam"}
    )

    assert image_of(render(edit)).height > plain
    assert image_of(render(action)).height > plain


def test_a_long_text_is_capped_with_a_note_of_what_is_left_out() -> None:
    rows = text_rows("sana " * 800, BODY, max_chars=3000, max_lines=50)

    assert rows[-1] == card.Row("… (1,000 more characters)", card.NOTE)
    assert sum(len(row.text) for row in rows[:-1]) == 3000


def test_a_text_of_many_lines_is_capped_by_lines_too() -> None:
    rows = text_rows("a\n" * 50_000, BODY, max_chars=3000, max_lines=50)

    assert len(rows) == 51
    assert rows[-1].text == f"… ({100_000 - 100:,} more characters)"


def test_wrapping_keeps_every_character_and_stays_within_the_width() -> None:
    font = vendored_font("DejaVuSans.ttf")
    rng = random.Random(5)
    words = ["kahvinkeitin", "myöhässä", "teşekkürler", "İSTANBUL", "WWWWWWWW", "x" * 300, "  "]
    for _ in range(50):
        text = " ".join(rng.choice(words) for _ in range(rng.randint(0, 80)))
        lines, rest = wrap(text, BODY, max_lines=1000)

        assert rest == 0 and "".join(lines) == text
        assert all(font.getlength(line.rstrip()) <= TEXT_WIDTH for line in lines)


def test_control_and_invisible_characters_are_not_drawn() -> None:
    assert clean("a\x00b\x07c\x1b[31m") == "a\ufffdb\ufffdc\ufffd[31m"
    assert clean("pay\u202eusd\u200b\ufeff") == "payusd"
    assert clean("lone \ud800 surrogate") == "lone \ufffd surrogate"
    assert clean("one\r\ntwo\rthree\u2028four\tfive") == "one\ntwo\nthree\nfour    five"


def test_an_empty_or_malformed_snapshot_still_gives_a_card() -> None:
    malformed = {"message": {"author": "matti", "media": "a.jpg", "text": ["x"], "public": "yes"}}
    values: list[dict[str, Any]] = [{}, {"message": None}, {"message": []}, {"action": [1, 2]}]
    for value in [*values, malformed]:
        assert image_of(render(value)).width == 800


def test_the_largest_possible_card_stays_bounded() -> None:
    huge = "W" * 100_000
    fields = ("url", "created_at", "edited_at", "deleted_at", "text")
    message: dict[str, Any] = dict.fromkeys(fields, huge)
    message |= {"author": {"handle": huge, "display_name": huge}, "media": [{"url": huge}] * 999}
    worst: dict[str, Any] = dict.fromkeys(("capture", "platform", "account", "channel_name"), huge)
    worst |= {"message": message, "previous_text": "p\n" * 50_000}
    worst["action"] = {"action": huge, "by": huge, "reason": huge}

    png = render_card(worst, record_seq=10**30, content_sha256=huge, captured_at=huge)

    assert image_of(png).height <= MAX_HEIGHT


def test_random_unicode_never_crashes_the_card() -> None:
    rng = random.Random(28)
    for _ in range(60):
        image = image_of(render(random_snapshot(rng)))
        assert image.width == 800 and image.height <= MAX_HEIGHT


def random_snapshot(rng: random.Random) -> dict[str, Any]:
    author = {"handle": random_value(rng), "display_name": random_value(rng)}
    count = rng.randint(0, 15)
    media = [{"url": random_value(rng), "type": random_value(rng)} for _ in range(count)]
    message = {"text": random_value(rng), "url": random_value(rng), "created_at": random_value(rng)}
    message |= {"author": author, "media": media, "public": rng.choice([True, False, None])}
    return snapshot(
        capture=rng.choice(["first_seen", "edit", "deletion", "before_action", None, 3]),
        platform=random_value(rng),
        channel_name=random_value(rng),
        message=message,
        previous_text=random_value(rng),
        action={"action": random_value(rng), "by": random_value(rng), "reason": random_value(rng)},
    )


def random_value(rng: random.Random) -> object:
    kind = rng.random()
    if kind < 0.1:
        return rng.choice([None, 0, -1.5, True, [], {}, ["x"], 10**400])
    text = "".join(random_char(rng) for _ in range(rng.choice([0, 1, 10, 300, 3000])))
    if kind < 0.95 or not text:
        return text
    return (text * (100_000 // len(text) + 1))[:100_000]  # now and then a huge one


def random_char(rng: random.Random) -> str:
    """Mostly letters and spaces; also controls, surrogates, RTL, zero-width, combining and
    emoji, and now and then anything at all."""
    pool = rng.random()
    if pool < 0.5:
        return rng.choice("aäoöşğıİ ç \n")
    if pool < 0.9:
        return rng.choice(HOSTILE)
    return chr(rng.randint(0, 0x10FFFF))
