"""The plain text of the HTML that platforms send (feed entries, Mastodon statuses, YouTube's
``textDisplay``): one converter for every connector. Tags are dropped, scripts and styles with
their content; entities are decoded; paragraphs stand apart, line breaks and list items on lines
of their own; runs of white space are one space. (E-mail has its own, which also marks quoted
replies with ``>``: vastaa/channels/email/parse.py.)"""

from __future__ import annotations

import re
from html.parser import HTMLParser

BLOCKS = frozenset({  # a paragraph of its own
    "address", "article", "aside", "blockquote", "div", "dl", "figcaption", "figure", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "header", "hr", "ol", "p", "pre", "section", "table",
    "ul",
})  # fmt: skip
LINES = frozenset({"br", "li", "tr", "dt", "dd"})  # a line of its own
CELLS = frozenset({"td", "th"})  # apart from the next one
SPACES = re.compile(r"\s+")  # no-break spaces too
HIDDEN = frozenset({"script", "style", "template", "noscript"})


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in HIDDEN:
            self.hidden += 1
        elif tag in LINES:
            self.parts.append("\n")
        elif tag in CELLS:
            self.parts.append(" ")
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in HIDDEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag in BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.hidden:  # white space in HTML is one space; lines come from the tags
            self.parts.append(SPACES.sub(" ", data))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HIDDEN:  # <br/>, <hr/>: a self-closed tag opens nothing
            self.handle_starttag(tag, attrs)


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment (see the module's docstring)."""
    parser = _Text()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip()
