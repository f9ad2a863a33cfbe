"""Normalising social media text before it is classified."""

from __future__ import annotations

import re

URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
MENTION = re.compile(r"(?<!\w)@\w+")
HASHTAG = re.compile(r"(?<!\w)#(\w+)")
NUMBER = re.compile(r"\d+")
SPACE = re.compile(r"\s+")
# Turkish dotted and dotless i: lowercase them the Turkish way before Python's lower().
TURKISH_UPPER = str.maketrans({"İ": "i", "I": "ı"})


def for_language_id(text: str) -> str:
    """Only the words: no links, handles, hashtag marks or numbers."""
    text = URL.sub(" ", text)
    text = MENTION.sub(" ", text)
    text = HASHTAG.sub(r"\1", text)
    text = NUMBER.sub(" ", text)
    return SPACE.sub(" ", text).strip()


def for_features(text: str, lang: str | None = None) -> str:
    """Lower-cased, links and handles replaced by placeholders, numbers by 0."""
    if lang == "tr":
        text = text.translate(TURKISH_UPPER)
    text = URL.sub(" URL ", text)
    text = MENTION.sub(" @USER ", text)
    text = NUMBER.sub("0", text)
    return SPACE.sub(" ", text).strip().lower()
