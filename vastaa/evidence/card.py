"""Evidence cards: a PNG of a message as it was captured, to hand to a lawyer or a colleague.

Drawn from the snapshot alone (attachments are listed, not fetched) in the vendored DejaVu Sans.
Snapshot values are hostile (missing, mistyped, huge, full of control characters): each section is
capped in characters and lines (the JSON keeps the full text), so a card's height is bounded.
FreeType's basic layout (no bidi, no shaping) does not depend on libraqm; output is deterministic.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Iterator, Mapping
from functools import cache, lru_cache
from itertools import accumulate, takewhile
from pathlib import Path
from typing import Any, NamedTuple

from PIL import Image, ImageDraw, ImageFont

FONTS = Path(__file__).resolve().parent / "fonts"
WIDTH, MARGIN = 800, 32
TEXT_WIDTH = WIDTH - 2 * MARGIN
MAX_TEXT_CHARS, MAX_TEXT_LINES = 3000, 50
MAX_PREVIOUS_CHARS, MAX_PREVIOUS_LINES = 1500, 20
MAX_FIELD_CHARS, MAX_FIELD_LINES, MAX_MEDIA = 300, 3, 10

CAPTURE_LABELS = {
    "first_seen": "first seen",
    "edit": "edited",
    "deletion": "deleted",
    "before_action": "before a moderation action",
}
TIME_LABELS = (("created_at", "Posted"), ("edited_at", "Edited"), ("deleted_at", "Deleted"))
ACTION_LABELS = (("action", "Action"), ("by", "By"), ("reason", "Reason"))
PUBLIC_LABELS = {True: "public", False: "private"}
LABEL_SNAPSHOT = "Snapshot: {capture}"
LABEL_UNKNOWN, LABEL_UNKNOWN_AUTHOR, LABEL_NO_TEXT = "unknown", "Unknown author", "(no text)"
LABEL_ATTACHMENTS, LABEL_ATTACHMENT = "Attachments", "[{kind}] {url}"
LABEL_PERMALINK, LABEL_PREVIOUS, LABEL_ACTION = "Permalink", "Previous text", "Moderation action"
MORE_CHARACTERS = "… ({count:,} more characters)"
MORE_ATTACHMENTS = "… ({count:,} more attachments)"
FOOTER = "Vastaa evidence record #{seq} · captured {at} · JSON SHA-256 {sha}"


class Style(NamedTuple):
    """A font, a grey level (0 black, 255 white) and the line's height in pixels."""

    bold: bool
    size: int
    shade: int
    leading: int


TITLE, HEADING, BODY = Style(True, 20, 17, 30), Style(True, 15, 17, 24), Style(False, 15, 17, 22)
LABEL, SMALL, NOTE = Style(True, 13, 70, 22), Style(False, 12, 90, 18), Style(False, 12, 120, 18)
GAP, RULE = Style(False, 12, 255, 14), Style(False, 12, 200, 16)


class Row(NamedTuple):
    text: str
    style: Style


_TOKEN = re.compile(r"\S+\s*|\s+")
_NEWLINES = re.compile("\r\n|[\r\u2028\u2029\x85]")


def render_card(
    snapshot: Mapping[str, Any], *, record_seq: int, content_sha256: str, captured_at: str
) -> bytes:
    """The PNG evidence card of ``snapshot``, the canonical JSON object of an evidence record."""
    message = _mapping(snapshot.get("message"))
    footer = FOOTER.format(seq=record_seq, at=captured_at, sha=content_sha256)
    return _draw(
        [
            *_header(snapshot),
            *_author(message),
            *_section("", _body(message)),
            *_section(LABEL_ATTACHMENTS, _media(message)),
            *_section(LABEL_PERMALINK, text_rows(_text(message.get("url")), SMALL)),
            *_section(LABEL_PREVIOUS, _previous(snapshot)),
            *_section(LABEL_ACTION, _action(snapshot)),
            *_section("", [Row("", RULE), *text_rows(footer, SMALL)]),
        ]
    )


def _section(label: str, rows: list[Row]) -> list[Row]:
    """``rows`` after a gap and ``label``; nothing when there are no rows to show."""
    return [Row("", GAP), *([Row(label, LABEL)] if label else []), *rows] if rows else []


def _header(snapshot: Mapping[str, Any]) -> list[Row]:
    names = (_text(snapshot.get(key)) for key in ("platform", "channel_name", "account"))
    title = " · ".join(name for name in names if name) or LABEL_UNKNOWN
    capture = _text(snapshot.get("capture"))
    label = CAPTURE_LABELS.get(capture, capture or LABEL_UNKNOWN)
    return [*text_rows(title, TITLE), *text_rows(LABEL_SNAPSHOT.format(capture=label), SMALL)]


def _author(message: Mapping[str, Any]) -> list[Row]:
    author = _mapping(message.get("author"))
    name, handle = _text(author.get("display_name")), _text(author.get("handle"))
    shown = " ".join(part for part in (name, handle and f"@{handle}") if part)
    return [Row("", GAP), *text_rows(shown or LABEL_UNKNOWN_AUTHOR, HEADING), *_times(message)]


def _times(message: Mapping[str, Any]) -> list[Row]:
    public = message.get("public")
    parts = [PUBLIC_LABELS[public]] if isinstance(public, bool) else []
    parts += [f"{label} {when}" for key, label in TIME_LABELS if (when := _text(message.get(key)))]
    return text_rows(" · ".join(parts), SMALL)


def _body(message: Mapping[str, Any]) -> list[Row]:
    text = _text(message.get("text"))
    rows = text_rows(text, BODY, max_chars=MAX_TEXT_CHARS, max_lines=MAX_TEXT_LINES)
    return rows or [Row(LABEL_NO_TEXT, NOTE)]


def _media(message: Mapping[str, Any]) -> list[Row]:
    items = media if isinstance(media := message.get("media"), list | tuple) else []
    rows: list[Row] = []
    for item in items[:MAX_MEDIA]:
        kind, url = (_text(_mapping(item).get(key)) for key in ("type", "url"))
        rows += text_rows(LABEL_ATTACHMENT.format(kind=kind or LABEL_UNKNOWN, url=url), SMALL)
    more = len(items) - MAX_MEDIA
    return rows + ([Row(MORE_ATTACHMENTS.format(count=more), NOTE)] if more > 0 else [])


def _previous(snapshot: Mapping[str, Any]) -> list[Row]:
    text = _text(snapshot.get("previous_text"))
    return text_rows(text, BODY, max_chars=MAX_PREVIOUS_CHARS, max_lines=MAX_PREVIOUS_LINES)


def _action(snapshot: Mapping[str, Any]) -> list[Row]:
    action = _mapping(snapshot.get("action"))
    lines = [
        f"{label}: {value}" for key, label in ACTION_LABELS if (value := _text(action.get(key)))
    ]
    return [row for line in lines for row in text_rows(line, BODY)]


def text_rows(
    text: str, style: Style, *, max_chars: int = MAX_FIELD_CHARS, max_lines: int = MAX_FIELD_LINES
) -> list[Row]:
    """``text`` (if any) cleaned and wrapped, with a note of how much of it is not shown."""
    if not text:
        return []
    shown = text[:max_chars]
    lines, rest = wrap(clean(shown), style, max_lines=max_lines)
    hidden = len(text) - len(shown) + rest
    note = [Row(MORE_CHARACTERS.format(count=hidden), NOTE)] if hidden else []
    return [Row(line, style) for line in lines] + note


def clean(text: str) -> str:
    """``text`` safe to draw: controls and lone surrogates as U+FFFD, no format characters."""
    text = _NEWLINES.sub("\n", text).replace("\t", "    ")
    paragraphs = (p if p.isprintable() else "".join(map(_clean_char, p)) for p in text.split("\n"))
    return unicodedata.normalize("NFC", "\n".join(paragraphs))


@lru_cache(maxsize=4096)
def _clean_char(char: str) -> str:
    category = unicodedata.category(char)
    return "\ufffd" if category in ("Cc", "Cs") else "" if category == "Cf" else char


def wrap(text: str, style: Style, *, max_lines: int) -> tuple[list[str], int]:
    """At most ``max_lines`` lines of ``text`` that fit the card, and the count of the rest."""
    lines: list[str] = []
    used = 0
    for paragraph in text.split("\n"):
        for line in _wrap_paragraph(paragraph, style):
            if len(lines) == max_lines:
                return lines, len(text) - used
            lines.append(line)
            used += len(line)
        used += 1
    return lines, 0


def _wrap_paragraph(paragraph: str, style: Style) -> Iterator[str]:
    """Lines that together are exactly ``paragraph`` (the spaces at a break end the line)."""
    line, width = "", 0.0
    for token in _TOKEN.findall(paragraph):
        word = token.rstrip()
        visible = _width(word, style)
        if line and width + visible > TEXT_WIDTH:
            yield line
            line, width = "", 0.0
        while visible > TEXT_WIDTH:
            cut = _longest_fitting_prefix(word, style)
            yield token[:cut]
            visible -= _width(token[:cut], style)
            token, word = token[cut:], word[cut:]
        line += token
        width += visible + _width(token[len(word) :], style)
    yield line


def _longest_fitting_prefix(word: str, style: Style) -> int:
    widths = accumulate(_advance(char, style.bold, style.size) for char in word)
    return max(1, sum(1 for _ in takewhile(lambda width: width <= TEXT_WIDTH, widths)))


def _width(text: str, style: Style) -> float:
    """The sum of the characters' advances: the basic layout's width but for kerning (<1 px)."""
    return sum(_advance(char, style.bold, style.size) for char in text)


@lru_cache(maxsize=16384)
def _advance(char: str, bold: bool, size: int) -> float:
    return _font(bold, size).getlength(char)


def _draw(rows: list[Row]) -> bytes:
    height = 2 * MARGIN + sum(row.style.leading for row in rows)
    image = Image.new("L", (WIDTH, height), 255)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for text, style in rows:
        if style is RULE:
            draw.line((MARGIN, y + 8, WIDTH - MARGIN, y + 8), fill=style.shade)
        elif text:
            draw.text((MARGIN, y), text, fill=style.shade, font=_font(style.bold, style.size))
        y += style.leading
    image.save(buffer := io.BytesIO(), format="PNG", compress_level=6)
    return buffer.getvalue()


@cache
def _font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(FONTS / name, size, layout_engine=ImageFont.Layout.BASIC)


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _text(value: object) -> str:
    """A scalar JSON value as text; anything else (lists, objects, giant ints) as nothing."""
    if isinstance(value, bool | float) or (isinstance(value, int) and abs(value) < 10**100):
        return str(value)
    return value if isinstance(value, str) else ""
