"""Personal data in a message (R22): where it is, validated with python-stdnum and phonenumbers
rather than by loose patterns alone. Returns character spans; nothing is changed."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import phonenumbers
from stdnum import iban, luhn
from stdnum.fi import hetu
from stdnum.tr import tckimlik

from vastaa.analysis.records import Span

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-zA-Z]{2,}(?![\w-])")
HETU = re.compile(r"(?<![\w-])\d{6}[-+A-FU-Y]\d{3}[0-9A-Y](?!\w)")
TCKN = re.compile(r"(?<!\d)[1-9]\d{10}(?!\d)")
IBAN = re.compile(
    r"(?<![A-Z0-9])[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?(?![A-Z0-9])"
)
CARD = re.compile(r"(?<![\d-])(?:\d[ -]?){12,18}\d(?![\d-])")
ORDER_SHAPE = re.compile(r"(?<![\w-])[A-Z]{2,4}-\d{3,}(?:-\d{3,})*(?![\w-])")
ORDER_CONTEXT = re.compile(
    r"(?:order|tilaus(?:numero)?|sipariş(?:\s+no)?|siparis(?:\s+no)?)"
    r"\s*(?:no\.?|number|nro|numaram?|numero|#)?\s*[:#]?\s*(?P<id>[A-Z0-9][A-Z0-9-]{4,19})",
    re.IGNORECASE,
)
PHONE_REGIONS = ("FI", "TR")
PHONE_DIGITS = re.compile(r"(?:\d[\s().-]{0,3}){7}")
CARD_PREFIXES = ("4", "5", "2", "3", "6")

# When two findings overlap, the more specific one wins.
PRIORITY = ("iban", "payment_card", "fi_hetu", "tr_tckn", "email", "order_number", "phone")


def find_pii(text: str) -> list[Span]:
    """Every validated finding, left to right, without overlaps."""
    found: list[Span] = []
    for kind in PRIORITY:
        for span in FINDERS[kind](text):
            if not any(_overlaps(span, other) for other in found):
                found.append(span)
    return sorted(found, key=lambda span: span.start)


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def _validated(
    pattern: re.Pattern[str], kind: str, valid: Callable[[str], bool]
) -> Callable[[str], Iterator[Span]]:
    def find(text: str) -> Iterator[Span]:
        for match in pattern.finditer(text):
            if valid(match.group(0)):
                yield Span(kind, match.start(), match.end())

    return find


def _valid_card(candidate: str) -> bool:
    digits = re.sub(r"[ -]", "", candidate)
    return 13 <= len(digits) <= 19 and digits.startswith(CARD_PREFIXES) and luhn.is_valid(digits)


def _orders(text: str) -> Iterator[Span]:
    for match in ORDER_SHAPE.finditer(text):
        yield Span("order_number", match.start(), match.end())
    for match in ORDER_CONTEXT.finditer(text):
        if any(ch.isdigit() for ch in match.group("id")):
            yield Span("order_number", match.start("id"), match.end("id"))


def _phones(text: str) -> Iterator[Span]:
    if not PHONE_DIGITS.search(text):
        return  # no run of seven digits: no phone number, and the matcher is costly
    for region in PHONE_REGIONS:
        for match in phonenumbers.PhoneNumberMatcher(text, region, phonenumbers.Leniency.VALID):
            yield Span("phone", match.start, match.end)


FINDERS: dict[str, Callable[[str], Iterator[Span]]] = {
    "email": lambda text: (Span("email", m.start(), m.end()) for m in EMAIL.finditer(text)),
    "fi_hetu": _validated(HETU, "fi_hetu", hetu.is_valid),
    "tr_tckn": _validated(TCKN, "tr_tckn", tckimlik.is_valid),
    "iban": _validated(IBAN, "iban", lambda value: iban.is_valid(value.replace(" ", ""))),
    "payment_card": _validated(CARD, "payment_card", _valid_card),
    "order_number": _orders,
    "phone": _phones,
}
