"""Saved replies and knowledge articles: adding them (one by one or from a JSON file), and
suggesting the ones that fit a conversation's language, problem area and intents. Nothing here
commits."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from vastaa.errors import PermanentError
from vastaa.replies.models import Article, Snippet

LANGS = ("fi", "tr", "en")
SUGGESTED = 5
VARIABLES = ("first_name", "agent", "article_url")


def _commas(values: Iterable[str]) -> str:
    cleaned = [value.strip() for value in values if value.strip()]
    return "," + ",".join(cleaned) + "," if cleaned else ""


def _fit(value: str, most: int, what: str) -> None:
    if len(value) > most:
        raise PermanentError(f"{what} is longer than {most} characters")


def _check_lang(lang: str) -> None:
    if lang not in LANGS:
        raise PermanentError(f"the language must be one of {', '.join(LANGS)}")


def add_snippet(
    session: Session,
    *,
    name: str,
    lang: str,
    body: str,
    now: datetime,
    areas: Sequence[str] = (),
    intents: Sequence[str] = (),
) -> Snippet:
    _check_lang(lang)
    name = name.strip()
    if not name or not body.strip():
        raise PermanentError("a saved reply needs a name and a text")
    _fit(name, 120, "a saved reply's name")
    _fit(body, 5000, "a saved reply's text")
    found = session.scalar(select(Snippet).where(Snippet.name == name, Snippet.lang == lang))
    snippet = found or Snippet(name=name, lang=lang, created_at=now)
    snippet.body, snippet.areas, snippet.intents = body.strip(), _commas(areas), _commas(intents)
    _fit(snippet.areas + snippet.intents, 200, "the areas and intents")
    session.add(snippet)
    session.flush()
    return snippet


def add_article(
    session: Session,
    *,
    title: str,
    url: str,
    lang: str,
    now: datetime,
    summary: str = "",
    areas: Sequence[str] = (),
    intents: Sequence[str] = (),
) -> Article:
    _check_lang(lang)
    if not url.startswith(("https://", "http://")):
        raise PermanentError("an article's link must start with https:// or http://")
    _fit(url, 2000, "an article's link")
    found = session.scalar(select(Article).where(Article.url == url, Article.lang == lang))
    article = found or Article(url=url, lang=lang, created_at=now)
    article.title, article.summary = (title.strip() or url)[:200], summary.strip()
    article.areas, article.intents = _commas(areas), _commas(intents)
    _fit(article.areas + article.intents, 200, "the areas and intents")
    session.add(article)
    session.flush()
    return article


def import_file(session: Session, path: Path, *, now: datetime) -> tuple[int, int]:
    """{"snippets": [{name, lang, body, areas, intents}], "articles": [{title, url, lang,
    summary, areas, intents}]}; existing ones (same name or link, same language) are updated."""
    try:
        data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PermanentError(f"{path}: {error}") from error
    snippets = articles = 0
    for item in data.get("snippets", []):
        add_snippet(
            session,
            name=str(item["name"]),
            lang=str(item["lang"]),
            body=str(item["body"]),
            now=now,
            areas=item.get("areas", []),
            intents=item.get("intents", []),
        )
        snippets += 1
    for item in data.get("articles", []):
        add_article(
            session,
            title=str(item.get("title", "")),
            url=str(item["url"]),
            lang=str(item["lang"]),
            now=now,
            summary=str(item.get("summary", "")),
            areas=item.get("areas", []),
            intents=item.get("intents", []),
        )
        articles += 1
    return snippets, articles


def _fits(areas: str, intents: str, area: str | None, wanted: set[str]) -> int:
    """How well an entry fits: 2 for its problem area, 1 for each shared intent."""
    score = 2 if area and f",{area}," in areas else 0
    return score + sum(1 for intent in wanted if f",{intent}," in intents)


@dataclass(frozen=True)
class Suggestions:
    snippets: list[tuple[Snippet, str]]  # with the variables filled in
    articles: list[Article]


def suggest(
    session: Session,
    *,
    lang: str,
    area: str | None,
    intents: Iterable[str],
    first_name: str = "",
    agent: str = "",
) -> Suggestions:
    """The saved replies and articles in ``lang`` that fit best (those fitting nothing last)."""
    wanted = set(intents)
    articles = sorted(
        session.scalars(select(Article).where(Article.lang == lang)),
        key=lambda a: (-_fits(a.areas, a.intents, area, wanted), a.title),
    )
    fitting = [a for a in articles if _fits(a.areas, a.intents, area, wanted)]
    link = fitting[0].url if fitting else ""
    snippets = sorted(
        session.scalars(select(Snippet).where(Snippet.lang == lang)),
        key=lambda s: (-_fits(s.areas, s.intents, area, wanted), s.name),
    )
    filled = [
        (s, fill(s.body, first_name=first_name, agent=agent, article_url=link)) for s in snippets
    ]
    return Suggestions(filled[:SUGGESTED], fitting[:SUGGESTED])


def fill(body: str, **values: str) -> str:
    """Variables replaced where known; unknown ones stay visible for the agent to fill in."""
    for name in VARIABLES:
        if values.get(name):
            body = body.replace("{" + name + "}", values[name])
    return body
