"""The care coach: checks a reply draft against the seeds' rules for answering (R12–R24) in
Finnish, Turkish and English, as the agent types and again at send. Each finding names the rule,
a severity (block / warn / tip), the span it is about and a suggestion.

Deterministic and fast (a few regular expressions compiled once per language): it runs on every
keystroke. Words are matched at their start with any ending, so inflected Finnish and Turkish
forms ("pahoittelemme", "teşekkür ederiz") are found from their stems.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from vastaa.analysis.pii import find_pii

Severity = Literal["block", "warn", "tip"]
LANGS = ("fi", "tr", "en")
LONG_PARAGRAPH = 400
NAME_TIMES = 3
NEAR_DUPLICATE = 0.8

# Stems: a word starting with one of these (any ending) matches; "=" marks a whole word.
LEXICON: dict[str, dict[str, tuple[str, ...]]] = {
    "thanks": {
        "fi": ("kiito", "kiitä"),
        "tr": ("teşekkür", "sağ ol", "sağolun"),
        "en": ("thank", "=thx", "grateful", "appreciate"),
    },
    "apology": {
        "fi": ("pahoittel", "anteeksi", "olemme pahoillamme", "pahoillani", "valitettava kokemus"),
        "tr": ("özür", "üzgünüz", "üzgünüm", "kusura bakma"),
        "en": ("sorry", "apolog", "we regret"),
    },
    "substance": {
        "fi": (
            "lähet",
            "vaihd",
            "korva",
            "palauta",
            "palautu",
            "palautus",
            "hyvit",
            "ohje",
            "http",
            "www.",
            "toimit",
            "voit",
            "voitte",
            "kokeil",
            "tark",
            "korjaa",
            "huolto",
            "soita",
            "yksityisviest",
            "dm",
            "lasku",
            "?",
            "selvit",
            "ota yhteyttä",
            "otamme yhteyttä",
        ),
        "tr": (
            "gönder",
            "değiş",
            "iade",
            "yeni",
            "talimat",
            "http",
            "www.",
            "kargo",
            "deneyebilir",
            "kontrol",
            "onar",
            "servis",
            "ara",
            "dm",
            "fatura",
            "?",
            "inceli",
            "ulaş",
            "bilgi",
        ),
        "en": (
            "send",
            "replace",
            "refund",
            "return",
            "instruction",
            "http",
            "www.",
            "deliver",
            "you can",
            "try",
            "check",
            "repair",
            "service",
            "call",
            "dm",
            "invoice",
            "?",
            "contact",
            "reach",
            "step",
        ),
    },
    # Passing the message on or noting it: acknowledgement, not substance (R15).
    "forward": {
        "fi": (
            "välit",
            "eteenpäin",
            "kirjasimme",
            "kirjattu",
            "kirjanneet",
            "kirjaamme",
            "huomioimme",
            "otamme huomioon",
            "=selvä",
            "tiedoksi",
        ),
        "tr": ("ilet", "not aldık", "kaydettik", "dikkate al", "=tamam"),
        "en": (
            "forward",
            "passed",
            "pass it on",
            "pass this on",
            "=noted",
            "taken note",
            "shared it with",
            "shared this with",
            "=ok",
            "=okay",
        ),
    },
    "arguing": {
        "fi": (
            "olisit",
            "olisitte",
            "oma vika",
            "omaa vika",
            "kuten jo",
            "kuten aiemmin",
            "kuten olemme jo",
            "olemme jo kerto",
            "omasta toimin",
            "oma syy",
            "omaa syytä",
            "ilmeisesti et",
            "lukisit",
            "luit",
            "ettekö lukeneet",
            "et ole lukenut",
            "itse rikko",
            "onneksi olkoon",
            "tottakai",
            "tietenkin te",
            "🙄",
            "😏",
            "lol",
        ),
        "tr": (
            "okusaydınız",
            "okumadınız mı",
            "sizin hata",
            "kendi hata",
            "daha önce de söyle",
            "zaten söyle",
            "açıkladığımız gibi",
            "söylediğimiz gibi",
            "belirttiğimiz gibi",
            "yapmalıydınız",
            "=tebrikler",
            "tabii ki siz",
            "🙄",
            "😏",
            "lol",
        ),
        "en": (
            "you should have",
            "your fault",
            "your own fault",
            "as we already",
            "as we told",
            "as we said",
            "obviously",
            "congratulations on",
            "read the manual",
            "did you even",
            "of course you",
            "clearly you",
            "🙄",
            "😏",
            "=lol",
        ),
    },
    "hedge": {
        "fi": (
            "ehkä",
            "mahdollisesti",
            "luultavasti",
            "saattaa",
            "saattais",
            "voi olla",
            "todennäköisesti",
            "kenties",
        ),
        "tr": ("belki", "muhtemelen", "galiba", "olabilir", "sanırım", "herhalde"),
        "en": ("=maybe", "perhaps", "possibly", "=might", "probably", "i think", "i guess"),
    },
    "overpromise": {
        "fi": (
            "takaa",
            "takuulla",
            "=heti",
            "välittömästi",
            "ei enää koskaan",
            "=aina",
            "100 %",
            "100%",
        ),
        "tr": (
            "garanti",
            "=hemen",
            "derhal",
            "bir daha asla",
            "asla bir daha",
            "her zaman",
            "%100",
        ),
        "en": ("guarantee", "immediately", "right away", "never again", "=always", "100%", "100 %"),
    },
    "decline": {
        "fi": (
            "valitettavasti emme",
            "emme voi",
            "emme pysty",
            "ei ole mahdollista",
            "ei valitettavasti",
        ),
        "tr": ("maalesef", "yapamıyoruz", "yapamayız", "mümkün değil", "edemiyoruz", "edemeyiz"),
        "en": (
            "unfortunately we can",
            "we cannot",
            "we can't",
            "we can not",
            "we are unable",
            "not possible",
            "we don't offer",
        ),
    },
    "alternative": {
        "fi": (
            "sen sijaan",
            "vaihtoehto",
            "voimme kuitenkin",
            "kuitenkin voi",
            "sen sijasta",
            "tilalle",
            "=tai",
        ),
        "tr": ("bunun yerine", "alternatif", "ancak", "yine de", "=ya da", "veya", "onun yerine"),
        "en": (
            "instead",
            "alternative",
            "however",
            "but we can",
            "what we can do",
            "=or",
            "another option",
        ),
    },
}
NUMBERED = re.compile(r"(?:^|\s)(\d{1,2})[.)]\s")
LIST_LINE = re.compile(r"(?m)^\s*(?:[-•*]|\d+[.)])\s")
SEQUENCE_WORDS = {
    "fi": ("ensin", "sitten", "sen jälkeen", "lopuksi", "seuraavaksi"),
    "tr": ("önce", "sonra", "ardından", "son olarak", "daha sonra"),
    "en": ("first", "then", "after that", "finally", "next"),
}
# "a, b, c ja d": three or more items written inline.
LAST_ITEM = {
    "fi": re.compile(r",[^,]+\s(?:ja|sekä|tai)\s"),
    "tr": re.compile(r",[^,]+\s(?:ve|ile|veya)\s"),
    "en": re.compile(r",[^,]+\s(?:and|or)\s"),
}
SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


@dataclass(frozen=True)
class Finding:
    rule: str  # "R12"
    code: str  # "thanks_apology_missing"
    severity: Severity
    start: int
    end: int
    message: str
    suggestion: str = ""

    def as_json(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "code": self.code,
            "severity": self.severity,
            "start": self.start,
            "end": self.end,
            "message": self.message,
            "suggestion": self.suggestion,
        }


@dataclass(frozen=True)
class Draft:
    text: str
    lang: str = "en"
    public: bool = True
    complaint: bool = False
    praise: bool = False  # answering praise: thanking back is the point (R4), not emptiness
    customer_text: str = ""
    customer_name: str = ""
    signature: str = ""  # required at the end when the team signs replies
    recent_replies: Sequence[str] = field(default_factory=tuple)
    article_url: str = ""  # a knowledge article that fits the conversation


def _pattern(stems: Iterable[str]) -> re.Pattern[str]:
    parts = []
    for stem in stems:
        whole = stem.startswith("=")
        body = re.escape(stem.lstrip("="))
        if stem.lstrip("=")[0].isalnum():
            body = r"(?<![\w])" + body
        if whole and stem[-1].isalnum():
            body += r"(?![\w])"
        elif stem[-1].isalnum():
            body += r"\w*"
        parts.append(body)
    return re.compile("|".join(parts), re.IGNORECASE)


@cache
def _lexicon(kind: str, lang: str) -> re.Pattern[str]:
    return _pattern(LEXICON[kind].get(lang, LEXICON[kind]["en"]))


def _find(kind: str, lang: str, text: str) -> list[re.Match[str]]:
    return list(_lexicon(kind, lang).finditer(_fold(text)))


def _fold(text: str) -> str:
    """Lower case of the same length (offsets stay valid); Turkish İ folds to i."""
    return "".join(ch.lower() if len(ch.lower()) == 1 else "i" for ch in text)


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in SENTENCE.finditer(text) if m.group().strip()]


def _sentence_of(spans: list[tuple[int, int]], offset: int) -> int:
    return next((i for i, (start, end) in enumerate(spans) if start <= offset < end), -1)


def coach(draft: Draft) -> list[Finding]:
    """Every finding for the draft, in the order of the text."""
    lang = draft.lang if draft.lang in LANGS else "en"
    text = draft.text
    findings: list[Finding] = []
    for check in CHECKS:
        findings.extend(check(draft, lang, text))
    return sorted(findings, key=lambda f: (f.start, f.rule, f.code))


def _whole(text: str) -> tuple[int, int]:
    return 0, len(text)


def _thanks_and_apology(draft: Draft, lang: str, text: str) -> list[Finding]:
    if not draft.complaint:
        return []
    thanks, apology = _find("thanks", lang, text), _find("apology", lang, text)
    if not thanks and not apology:
        return [
            Finding(
                "R12",
                "thanks_apology_missing",
                "warn",
                *_whole(text),
                "A complaint is answered without thanks or an apology.",
                "Start by thanking them for telling you, then apologise sincerely.",
            )
        ]
    if thanks and apology:
        sentences = _sentences(text)
        first_thanks = _sentence_of(sentences, thanks[0].start())
        first_apology = _sentence_of(sentences, apology[0].start())
        if not 0 <= first_apology - first_thanks <= 1:
            match = apology[0]
            return [
                Finding(
                    "R14",
                    "apology_not_after_thanks",
                    "tip",
                    match.start(),
                    match.end(),
                    "The apology should come right after the thanks.",
                    "Thank first, then apologise in the next sentence.",
                )
            ]
    return []


SIGNATURE = re.compile(r"^\s*(?:[-–—/]|terveisin|saygılarımızla|best regards|regards)", re.I)
FILLER_WORDS = 12  # a thanks, apology or passing-on sentence longer than this says more


def _empty(draft: Draft, lang: str, text: str) -> list[Finding]:
    """R15: every sentence is filler — thanks, an apology, "we passed it on", "noted", a
    greeting or a signature — and none carries a solution, information, a question or a step."""
    sentences = [text[start:end] for start, end in _sentences(text)]
    if not sentences or (draft.praise and not draft.complaint):
        return []
    acknowledged = False
    for sentence in sentences:
        if SIGNATURE.match(sentence):
            continue  # "/Aino", "– Mert, Kide"
        if _find("substance", lang, sentence):
            return []
        words = sentence.split()
        filler = any(_find(kind, lang, sentence) for kind in ("thanks", "apology", "forward"))
        acknowledged = acknowledged or filler
        if len(words) > 2 and (not filler or len(words) > FILLER_WORDS):
            return []
    if not acknowledged:
        return []
    return [
        Finding(
            "R15",
            "empty_acknowledgement",
            "warn",
            *_whole(text),
            "The reply only acknowledges: nothing concrete for the customer.",
            "Add the solution, the information asked for, or the next step.",
        )
    ]


def _arguing(draft: Draft, lang: str, text: str) -> list[Finding]:
    return [
        Finding(
            "R16",
            "arguing",
            "warn",
            m.start(),
            m.end(),
            "This reads as arguing, blaming the customer, or irony.",
            "State the facts kindly and focus on the solution.",
        )
        for m in _find("arguing", lang, text)
    ]


def _hedging(draft: Draft, lang: str, text: str) -> list[Finding]:
    hedges = _find("hedge", lang, text)
    return [
        Finding(
            "R20",
            "hedging",
            "warn",
            m.start(),
            m.end(),
            "More than one expression of uncertainty.",
            "Keep at most one; say what you know and what you will find out.",
        )
        for m in hedges[1:]
    ]


def _overpromise(draft: Draft, lang: str, text: str) -> list[Finding]:
    return [
        Finding(
            "R24",
            "overpromise",
            "warn",
            m.start(),
            m.end(),
            "A vague or over-promising commitment.",
            "Promise only what you can keep, with a concrete time or step.",
        )
        for m in _find("overpromise", lang, text)
    ]


MONEY = re.compile(
    # Bounded runs (never ``*``): each digit starting an unbounded scan made this quadratic.
    r"(?:€|\$|£|₺|\bTL\b|\bEUR\b|\beuro\b|\blira\b)\s?\d[\d\s.,]{0,16}"
    r"|(?<![\d.,])\d[\d\s.,]{0,16}\s?(?:€|\$|£|₺|TL\b|EUR\b|euro(?:a|s)?\b|lira\b)",
    re.IGNORECASE,
)
STREET = re.compile(
    r"\b[A-ZÄÖÅÇĞİŞÜ][\wäöåçğışü]+(?:katu|tie|kuja|polku|väylä|raitti|kaari|rinne|sokak|sokağı|caddesi|cad\.|bulvarı|mahallesi|street|st\.|road|avenue)\s+\d+",
    re.IGNORECASE,
)
# Five or more digits (single dashes between them allowed), not part of a date or longer number.
ORDER_LIKE = re.compile(r"#?(?<![\w-])(?!\d{4}-\d\d-\d\d\b)[A-Z]{0,3}\d(?:-?\d){4,30}\b")


def _personal_data(draft: Draft, lang: str, text: str) -> list[Finding]:
    if not draft.public:
        return []
    spans = [(s.start, s.end, s.type) for s in find_pii(text)]
    spans += [(m.start(), m.end(), "amount") for m in MONEY.finditer(text)]
    spans += [(m.start(), m.end(), "address") for m in STREET.finditer(text)]
    spans += [(m.start(), m.end(), "order_number") for m in ORDER_LIKE.finditer(text)]
    found: list[Finding] = []
    taken: list[tuple[int, int]] = []
    for start, end, kind in sorted(spans):
        if any(start < e and s < end for s, e in taken):
            continue
        taken.append((start, end))
        found.append(
            Finding(
                "R22",
                "personal_data",
                "block",
                start,
                end,
                f"Personal data ({kind.replace('_', ' ')}) in a public reply.",
                "Move the details to a private message.",
            )
        )
    return found


def _decline(draft: Draft, lang: str, text: str) -> list[Finding]:
    declines = _find("decline", lang, text)
    if not declines or _find("alternative", lang, text):
        return []
    match = declines[0]
    return [
        Finding(
            "R24",
            "decline_without_alternative",
            "warn",
            match.start(),
            match.end(),
            "Saying no without offering an alternative.",
            "Offer two alternatives the customer can choose from.",
        )
    ]


def _readability(draft: Draft, lang: str, text: str) -> list[Finding]:
    found: list[Finding] = []
    offset = 0
    for paragraph in re.split(r"(\n+)", text):
        if len(paragraph) > LONG_PARAGRAPH and not paragraph.startswith("\n"):
            found.append(
                Finding(
                    "R23",
                    "long_paragraph",
                    "tip",
                    offset,
                    offset + len(paragraph),
                    "A long paragraph is hard to read on a phone.",
                    "Split it into short paragraphs of two or three sentences.",
                )
            )
        offset += len(paragraph)
    if not LIST_LINE.search(text):
        for start, end in _sentences(text):
            sentence = _fold(text[start:end])
            steps = sum(sentence.count(word) for word in SEQUENCE_WORDS[lang])
            enumeration = _enumeration(sentence, lang)
            if steps >= 3 or enumeration or sentence.count(",") >= 3 and steps >= 2:
                found.append(
                    Finding(
                        "R23",
                        "list_not_formatted",
                        "tip",
                        start,
                        end,
                        "Three or more steps in one sentence.",
                        "Write the steps as a list, one per line.",
                    )
                )
    asked = NUMBERED.findall(draft.customer_text)
    if len(asked) >= 2 and len(NUMBERED.findall(text)) < 2:
        found.append(
            Finding(
                "R23",
                "numbering_not_mirrored",
                "tip",
                *_whole(text),
                "The customer numbered their questions; the reply does not.",
                "Answer with the same numbers, one answer per question.",
            )
        )
    name = draft.customer_name.strip()
    if name:
        uses = [m for m in re.finditer(rf"(?<!\w){re.escape(name)}", text, re.IGNORECASE)]
        if len(uses) >= NAME_TIMES:
            found.append(
                Finding(
                    "R23",
                    "name_overused",
                    "tip",
                    uses[-1].start(),
                    uses[-1].end(),
                    "The customer's name is used too often.",
                    "Use their name once, at the start.",
                )
            )
    return found


def _enumeration(sentence: str, lang: str) -> bool:
    """Four or more short comma-separated items, the last joined by "and": a list written
    inline (long comma-separated clauses are prose, not a list)."""
    parts = sentence.split(",")
    if len(parts) < 4 or not LAST_ITEM[lang].search(sentence):
        return False
    lengths = sorted(len(part.split()) for part in parts)
    return lengths[len(lengths) // 2] <= 3


def _near_duplicate(draft: Draft, lang: str, text: str) -> list[Finding]:
    mine = _shingles(text)
    if len(mine) < 8:
        return []
    for earlier in draft.recent_replies:
        theirs = _shingles(earlier)
        if theirs and len(mine & theirs) / len(mine | theirs) >= NEAR_DUPLICATE:
            return [
                Finding(
                    "R13",
                    "near_duplicate",
                    "warn",
                    *_whole(text),
                    "Nearly the same as a reply sent to another customer: " + earlier[:200],
                    "Write to this customer in your own words.",
                )
            ]
    return []


def _shingles(text: str, size: int = 5) -> set[str]:
    words = re.sub(r"\s+", " ", _fold(text)).strip()
    return {words[i : i + size] for i in range(max(0, len(words) - size + 1))}


def _next_step(draft: Draft, lang: str, text: str) -> list[Finding]:
    if not draft.article_url or draft.article_url in text or "http" in text:
        return []
    return [
        Finding(
            "R21",
            "no_next_step",
            "tip",
            *_whole(text),
            "A knowledge article fits this problem but the reply does not point to it.",
            f"Anticipate the next question: add {draft.article_url}",
        )
    ]


def _signature(draft: Draft, lang: str, text: str) -> list[Finding]:
    wanted = draft.signature.strip()
    if not wanted or wanted.casefold() in text.strip()[-(len(wanted) + 80) :].casefold():
        return []
    return [
        Finding(
            "R13",
            "signature_missing",
            "warn",
            len(text),
            len(text),
            "The reply is not signed.",
            f"End with your signature: {wanted}",
        )
    ]


CHECKS = (
    _thanks_and_apology,
    _empty,
    _arguing,
    _hedging,
    _overpromise,
    _personal_data,
    _decline,
    _readability,
    _near_duplicate,
    _next_step,
    _signature,
)
