"""The listening query language: what a brand listens for, as a care team writes it.

::

    kide AND (akku OR battery OR pil) NOT "kide cafe"
    #kide OR @kide_fi OR "kide app"
    kide* -=kidea

- A **word** matches itself and, from four letters on, itself with up to five more letters
  (Finnish and Turkish inflect names: ``kide`` finds "Kiden", "Kidellä"; a Turkish suffix after
  an apostrophe always matches: "Kide'nin"). ``=word`` matches the word only; ``word*`` any word
  that starts with it.
- A **"phrase"** matches its words in order, the last one inflected like a word.
- ``#hashtag`` and ``@handle`` match themselves only (``@kide`` also finds ``@kide@server``).
- ``AND`` (or nothing: ``kide akku``), ``OR``, ``NOT`` (or a leading ``-``) and parentheses;
  ``NOT`` binds tightest, then ``AND``, then ``OR``. The operators are written in capitals; a
  lower-case "and" is a word.
- Matching ignores case, treats the Turkish dotless ı as i, and keeps other letters (ä, ö, ş,
  ç, ğ, ü) as they are: write ``sikayet OR şikayet`` for both spellings.

A query must name something to look for: ``NOT kide`` alone would match almost every post and is
refused. The language filter and "not from our own accounts" are settings of the saved query
(``vastaa.listening.models.ListeningQuery``), not part of the expression.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from vastaa.errors import PermanentError

Mode = Literal["word", "exact", "prefix", "tag", "handle"]
OPERATORS = {"AND", "OR", "NOT"}
MAX_LENGTH = 2000
INFLECTION_FROM = 4  # letters a word needs before inflected forms of it match
_TOKEN = re.compile(r'\s*(?:(?P<paren>[()])|"(?P<phrase>[^"]*)"|(?P<word>[^\s()"]+))')


class QueryError(PermanentError):
    """A query that cannot be understood; the message says where and why."""


@dataclass(frozen=True)
class Atom:
    """One thing to look for in a post's folded text."""

    text: str  # folded, single spaces
    mode: Mode

    def describe(self) -> str:
        if self.mode == "exact":
            return f"={self.text}"
        if self.mode == "prefix":
            return f"{self.text}*"
        return f'"{self.text}"' if " " in self.text else self.text


@dataclass(frozen=True)
class Has:
    atom: Atom


@dataclass(frozen=True)
class Not:
    child: Node


@dataclass(frozen=True)
class All:
    children: tuple[Node, ...]


@dataclass(frozen=True)
class Any_:
    children: tuple[Node, ...]


Node = Has | Not | All | Any_


def fold(text: str) -> str:
    """The form both queries and posts are compared in: lower case, the Turkish İ and ı as i,
    every run of spaces (no-break spaces too), tabs and line breaks one space."""
    folded = text.lower()
    if "ı" in folded:
        folded = folded.replace("ı", "i")
    if "\u0307" in folded:
        folded = folded.replace("i\u0307", "i")
    # Every white space but the ASCII space (line breaks, tabs, no-break and other Unicode
    # spaces) makes a string not printable: one pass in C finds them, and only then is the
    # text split and joined (several times dearer).
    if not folded.isprintable():
        return " ".join(folded.split())
    while "  " in folded:
        folded = folded.replace("  ", " ")
    return folded.strip(" ")


def parse(expression: str) -> Node:
    """The expression as a tree; ``QueryError`` says what is wrong with it."""
    if len(expression) > MAX_LENGTH:
        raise QueryError(f"a query may be at most {MAX_LENGTH} characters long")
    tokens = list(_tokens(expression))
    if not tokens:
        raise QueryError("the query is empty")
    parser = _Parser(tokens)
    node = parser.expression()
    if parser.position < len(tokens):
        raise QueryError(f"unexpected {tokens[parser.position][1]!r}")
    if evaluate(node, frozenset()):
        raise QueryError("a query must name something to look for, not only what to leave out")
    return node


def atoms(node: Node) -> set[Atom]:
    """Every atom the query mentions, whether it looks for it or leaves it out."""
    if isinstance(node, Has):
        return {node.atom}
    if isinstance(node, Not):
        return atoms(node.child)
    found: set[Atom] = set()
    for child in node.children:
        found |= atoms(child)
    return found


def positive(node: Node, negated: bool = False) -> set[Atom]:
    """The atoms the query looks for (not the ones it leaves out): what a platform's search
    is asked for."""
    if isinstance(node, Has):
        return set() if negated else {node.atom}
    if isinstance(node, Not):
        return positive(node.child, not negated)
    found: set[Atom] = set()
    for child in node.children:
        found |= positive(child, negated)
    return found


def evaluate(node: Node, present: frozenset[Atom] | set[Atom]) -> bool:
    """Whether a post in which exactly ``present`` occur matches."""
    if isinstance(node, Has):
        return node.atom in present
    if isinstance(node, Not):
        return not evaluate(node.child, present)
    if isinstance(node, All):
        return all(evaluate(child, present) for child in node.children)
    return any(evaluate(child, present) for child in node.children)


def _tokens(expression: str) -> Iterator[tuple[str, str]]:
    position = 0
    while position < len(expression):
        if expression[position:].isspace():
            return
        found = _TOKEN.match(expression, position)
        if found is None:  # only an unclosed quote gets here
            raise QueryError(f"a quotation mark is not closed: {expression[position:]!r}")
        position = found.end()
        if found.group("paren"):
            yield ("paren", found.group("paren"))
        elif found.group("phrase") is not None:
            yield ("phrase", found.group("phrase"))
        else:
            word = found.group("word")
            yield ("operator" if word in OPERATORS else "word", word)


class _Parser:
    """Recursive descent: or := and (OR and)*; and := not (AND? not)*; not := (NOT|-) not | atom."""

    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise QueryError("the query ends too early")
        self.position += 1
        return token

    def expression(self) -> Node:
        children = [self.conjunction()]
        while self.peek() == ("operator", "OR"):
            self.take()
            children.append(self.conjunction())
        return children[0] if len(children) == 1 else Any_(tuple(children))

    def conjunction(self) -> Node:
        children = [self.negation()]
        while (token := self.peek()) is not None and token not in (
            ("operator", "OR"),
            ("paren", ")"),
        ):
            if token == ("operator", "AND"):
                self.take()
            children.append(self.negation())
        return children[0] if len(children) == 1 else All(tuple(children))

    def negation(self) -> Node:
        token = self.peek()
        if token == ("operator", "NOT"):
            self.take()
            return Not(self.negation())
        if token is not None and token[0] == "word" and token[1].startswith("-"):
            rest = token[1][1:]
            if rest:  # -word
                self.tokens[self.position] = ("word", rest)
            else:  # -"a phrase" or -(…)
                self.take()
            return Not(self.negation())
        return self.primary()

    def primary(self) -> Node:
        kind, value = self.take()
        if kind == "paren" and value == "(":
            node = self.expression()
            if self.peek() != ("paren", ")"):
                raise QueryError("a parenthesis is not closed")
            self.take()
            return node
        if kind == "paren" or kind == "operator":
            raise QueryError(f"expected a word, a phrase or '(' but found {value!r}")
        return Has(_phrase(value) if kind == "phrase" else _word(value))


def _phrase(value: str) -> Atom:
    text = fold(value)
    if not _has_letters(text):
        raise QueryError(f'the phrase "{value}" has nothing to look for')
    return Atom(text, "word")


def _word(value: str) -> Atom:
    mode: Mode = "word"
    if value.startswith("#"):
        mode = "tag"
    elif value.startswith("@"):
        mode = "handle"
    elif value.startswith("="):
        mode, value = "exact", value[1:]
    elif value.endswith("*"):
        mode, value = "prefix", value.rstrip("*")
    text = fold(value)
    if not _has_letters(text.lstrip("#@")):
        raise QueryError(f"{value!r} has nothing to look for")
    return Atom(text, mode)


def _has_letters(text: str) -> bool:
    return any(char.isalnum() for char in text)
