"""Matching posts against many saved queries at once: word boundaries and the modes of atoms,
Finnish and Turkish inflection, the language filter (asked for only when needed), our own
accounts, the triggers that keep most posts cheap, and a randomised comparison with a plain
regular-expression reading of the same rules."""

from __future__ import annotations

import random
import re
from collections.abc import Hashable, Iterable, Mapping

import pytest

from vastaa.listening.matcher import Compiled, Matcher, Post, triggers
from vastaa.listening.query import (
    All,
    Atom,
    Has,
    Node,
    Not,
    QueryError,
    atoms,
    evaluate,
    fold,
    parse,
)


def matcher(*expressions: str, own: Mapping[str, Iterable[str]] | None = None) -> Matcher:
    return Matcher([Compiled(expression, parse(expression)) for expression in expressions], own)


def finds(expression: str, text: str) -> bool:
    return matcher(expression).match(Post(text)) == [expression]


# Words, inflection and boundaries


def test_a_word_matches_itself_in_any_case() -> None:
    assert finds("kide", "Tilasin KIDE-keittimen")
    assert finds("KIDE", "kide")


@pytest.mark.parametrize("text", ["Kiden akku", "Kidellä on", "Kidestä.", "kidessä", "Kidelle!"])
def test_a_word_of_four_letters_finds_its_finnish_inflections(text: str) -> None:
    assert finds("kide", text)


def test_an_inflection_may_add_at_most_five_letters() -> None:
    assert finds("kide", "kideabcde")
    assert not finds("kide", "kideabcdef")
    assert not finds("kide", "kidemaailmanloppu")


@pytest.mark.parametrize("text", ["Kide'nin", "Kide’nin", "KİDE'NİN", "Kide'lerimizdenmisiniz"])
def test_a_turkish_suffix_after_an_apostrophe_always_matches(text: str) -> None:
    assert finds("kide", text)


def test_a_short_word_matches_only_whole() -> None:
    assert finds("pil", "pil bitti")
    assert finds("pil", "PIL!")
    assert not finds("pil", "pilin")
    assert not finds("pil", "piller")


def test_a_short_word_matches_with_a_turkish_suffix_after_an_apostrophe() -> None:
    assert finds("pil", "pil'in ömrü")
    assert finds("pil", "Pil’i değiştirdim")


def test_a_word_is_not_found_inside_another_word() -> None:
    assert not finds("pil", "pilot")
    assert not finds("pil", "kapil")
    assert not finds("kide", "lumikide")
    assert not finds("kide", "_kide")
    assert not finds("kide", "2kide")


def test_punctuation_and_signs_are_word_boundaries() -> None:
    for text in ["(kide)", '"kide"', "kide, akku", "-kide-", "#kide", "@kide", "info@kide.fi"]:
        assert finds("kide", text), text


@pytest.mark.parametrize("letter", ["ä", "ö", "å", "ş", "ç", "ğ", "ü"])
def test_finnish_and_turkish_letters_are_word_characters(letter: str) -> None:
    assert not finds("pil", f"{letter}pil")
    assert not finds("pil", f"pil{letter}")
    assert not finds("=kide", f"kide{letter}")


def test_a_word_with_finnish_and_turkish_letters_matches() -> None:
    assert finds("şikayet", "ŞİKAYETİM var")
    assert finds("sähkö", "Sähköä ei tule")
    assert not finds("şikayet", "sikayet")  # ş and s are different letters
    assert finds("sikayet OR şikayet", "sikayet")


def test_the_turkish_dotless_i_is_read_as_i() -> None:
    assert finds("kide", "KıDE")
    assert finds("istanbul", "İSTANBUL'da")


def test_text_before_a_hit_may_hold_letters_outside_the_basic_plane() -> None:
    assert finds("kide akku", "😀🎉 ääkköset: Kide 🔋 akku")
    assert not finds("pil", "😀 kapil")


def test_an_equals_sign_matches_the_word_only() -> None:
    assert finds("=kide", "Kide on hyvä")
    assert not finds("=kide", "Kiden")
    assert not finds("=kide", "kidea")


def test_a_star_matches_any_word_that_starts_with_it() -> None:
    assert finds("kide*", "kidemaailmanloppu")
    assert finds("pil*", "pilot")
    assert finds("kide*", "kide")
    assert not finds("kide*", "lumikide")


def test_the_documented_prefix_example_leaves_the_exact_word_out() -> None:
    assert finds("kide* -=kidea", "kidemaailma")
    assert not finds("kide* -=kidea", "kidea")
    assert finds("kide* -=kidea", "kideat")  # only the exact word is left out


# Phrases


def test_a_phrase_matches_its_words_in_order() -> None:
    assert finds('"kide app"', "Lataa Kide App!")
    assert not finds('"kide app"', "app kide")
    assert not finds('"kide app"', "kide uusi app")


def test_a_phrase_matches_across_newlines_and_double_spaces() -> None:
    assert finds('"kide app"', "kide\napp")
    assert finds('"kide app"', "kide  \t app")
    assert finds('"kide  app"', "kide app")


def test_a_phrase_does_not_match_across_punctuation() -> None:
    assert not finds('"kide app"', "kide, app")


def test_a_phrase_inflects_its_last_word() -> None:
    assert finds('"kide kahvi"', "kide kahvista")
    assert finds('"kide kahvi"', "Kide kahvi'nin")
    assert not finds('"kide kahvi"', "kide kahvimaailmassa")
    assert not finds('"kide kahvi"', "kiden kahvi")


def test_a_phrase_does_not_start_inside_a_word() -> None:
    assert not finds('"kide app"', "lumikide app")


def test_a_phrase_with_a_short_last_word_matches_it_only_whole() -> None:
    assert not finds('"kide pil"', "kide pilot")


# Hashtags and handles


def test_a_hashtag_matches_itself_only() -> None:
    assert finds("#kide", "Rakastan #Kide!")
    assert finds("#kide", "#kide'yi")
    assert not finds("#kide", "kide")
    assert not finds("#kide", "#kidefi")
    assert not finds("#kide", "#kide_fi")
    assert not finds("#kide", "#kiden")


def test_a_handle_matches_itself_on_another_server() -> None:
    assert finds("@kide", "@kide@mastodon.social kiitos")


def test_a_handle_matches_at_the_end_of_a_sentence() -> None:
    assert finds("@kide", "Kysyin @kide.")
    assert finds("@kide", "Kysyin @kide. Ei vastausta")


def test_a_handle_is_not_found_inside_a_longer_handle_or_domain() -> None:
    assert not finds("@kide", "@kide_fi")
    assert not finds("@kide", "@kide.fi")
    assert not finds("@kide", "@kidefi")
    assert not finds("@kide", "info@kide")


def test_a_handle_does_not_match_the_bare_word() -> None:
    assert not finds("@kide", "kide")
    assert finds("@kide_fi", "Hei @Kide_FI")


# Several queries


def test_an_empty_matcher_matches_nothing() -> None:
    empty = Matcher([])
    assert len(empty) == 0
    assert empty.match(Post("kide akku pil")) == []


def test_a_post_naming_no_query_matches_nothing() -> None:
    assert matcher("kide", "akku AND pil").match(Post("Hyvää huomenta")) == []


def test_several_queries_match_one_post_in_the_order_given() -> None:
    queries = [
        Compiled("c", parse("pil")),
        Compiled("a", parse("kide AND akku")),
        Compiled("x", parse("kahvi")),
        Compiled("b", parse("kide -kahvi")),
    ]
    assert Matcher(queries).match(Post("Kiden akku ja pil")) == ["c", "a", "b"]
    assert len(Matcher(queries)) == 4


def test_keys_are_whatever_the_caller_names_queries_by() -> None:
    key = ("brand", 7)
    assert Matcher([Compiled(key, parse("kide"))]).match(Post("kide")) == [key]


def test_queries_sharing_an_atom_in_different_modes_are_told_apart() -> None:
    found = matcher("kide", "=kide", "kide*", "#kide").match(Post("kidemaailma ja kiden"))
    assert found == ["kide", "kide*"]


def test_a_query_leaving_something_out_needs_the_whole_post_read() -> None:
    both = matcher("kide -akku", "kide")
    assert both.match(Post("kide")) == ["kide -akku", "kide"]
    assert both.match(Post("kide akku")) == ["kide"]
    assert both.match(Post("akku")) == []


# The language filter


class Counted:
    """A post's language, counting how often it was asked for."""

    def __init__(self, lang: str | None) -> None:
        self.lang = lang
        self.calls = 0

    def __call__(self) -> str | None:
        self.calls += 1
        return self.lang


def test_the_language_filter_keeps_posts_in_its_languages() -> None:
    finnish = Matcher([Compiled("fi", parse("kide"), languages=frozenset({"fi", "sv"}))])
    assert finnish.match(Post("kide", lang="fi")) == ["fi"]
    assert finnish.match(Post("kide", lang="sv")) == ["fi"]
    assert finnish.match(Post("kide", lang="tr")) == []


def test_a_post_of_unknown_language_fails_a_language_filter() -> None:
    finnish = Matcher([Compiled("fi", parse("kide"), languages=frozenset({"fi"}))])
    assert finnish.match(Post("kide", lang=None)) == []
    assert finnish.match(Post("kide", lang=Counted(None))) == []


def test_a_query_without_a_language_filter_takes_every_language() -> None:
    anything = Matcher([Compiled("any", parse("kide"))])
    assert anything.match(Post("kide", lang=None)) == ["any"]
    assert anything.match(Post("kide", lang="tr")) == ["any"]


def test_the_language_is_asked_for_only_when_a_filtered_query_otherwise_matched() -> None:
    queries = Matcher(
        [
            Compiled("plain", parse("kide")),
            Compiled("fi", parse("kide AND akku"), languages=frozenset({"fi"})),
            Compiled("tr", parse("akku OR pil"), languages=frozenset({"tr"})),
        ]
    )
    lang = Counted("fi")
    assert queries.match(Post("Hyvää huomenta", lang=lang)) == []
    assert queries.match(Post("kide", lang=lang)) == ["plain"]
    assert lang.calls == 0


def test_the_language_is_asked_for_once_per_post() -> None:
    queries = Matcher(
        [
            Compiled("fi", parse("kide AND akku"), languages=frozenset({"fi"})),
            Compiled("tr", parse("akku OR pil"), languages=frozenset({"tr"})),
        ]
    )
    lang = Counted("fi")
    assert queries.match(Post("kiden akku", lang=lang)) == ["fi"]
    assert lang.calls == 1
    turkish = Counted("tr")
    assert queries.match(Post("akku pil", lang=turkish)) == ["tr"]
    assert turkish.calls == 1


def test_the_language_of_our_own_post_is_not_asked_for() -> None:
    queries = Matcher(
        [Compiled("fi", parse("kide"), languages=frozenset({"fi"}))], own={"x": ["kide_fi"]}
    )
    lang = Counted("fi")
    assert queries.match(Post("kide", platform="x", author="kide_fi", lang=lang)) == []
    assert lang.calls == 0


# Our own accounts


def test_our_own_posts_are_left_out_by_default() -> None:
    ours = matcher("kide", own={"x": ["kide_fi"], "mastodon": ["kide@mastodon.social"]})
    assert ours.match(Post("kide", platform="x", author="kide_fi")) == []
    assert ours.match(Post("kide", platform="mastodon", author="kide@mastodon.social")) == []
    assert ours.match(Post("kide", platform="x", author="fan")) == ["kide"]


def test_our_own_handles_are_compared_case_insensitively_and_without_a_leading_at() -> None:
    ours = matcher("kide", own={"x": ["@Kide_FI"]})
    assert ours.match(Post("kide", platform="x", author="kide_fi")) == []
    assert ours.match(Post("kide", platform="x", author="@KIDE_fi")) == []
    assert ours.match(Post("kide", platform="x", author=" kide_fi ")) == []


def test_our_own_handle_is_ours_only_on_its_platform() -> None:
    ours = matcher("kide", own={"x": ["kide_fi"]})
    assert ours.match(Post("kide", platform="bluesky", author="kide_fi")) == ["kide"]
    assert ours.match(Post("kide", platform="", author="kide_fi")) == ["kide"]


def test_a_post_without_an_author_is_not_ours() -> None:
    ours = matcher("kide", own={"": [""]})
    assert ours.match(Post("kide")) == ["kide"]


def test_a_query_may_include_our_own_posts() -> None:
    queries = Matcher(
        [
            Compiled("others", parse("kide")),
            Compiled("everyone", parse("kide"), exclude_own=False),
        ],
        own={"x": ["kide_fi"]},
    )
    assert queries.match(Post("kide", platform="x", author="kide_fi")) == ["everyone"]
    assert queries.match(Post("kide", platform="x", author="fan")) == ["others", "everyone"]


# Triggers


def word(text: str) -> Atom:
    return Atom(text, "word")


def test_a_single_atom_triggers_itself() -> None:
    assert triggers(parse("#kide")) == {Atom("#kide", "tag")}


def test_every_alternative_of_an_or_triggers() -> None:
    assert triggers(parse('kide OR @kide_fi OR "kide app"')) == {
        word("kide"),
        Atom("@kide_fi", "handle"),
        word("kide app"),
    }


def test_an_and_is_triggered_by_its_first_part_when_nothing_else_tells() -> None:
    assert triggers(parse("kide AND (akku OR pil)")) == {word("kide")}
    assert triggers(parse("(akku OR pil) kide")) == {word("kide")}  # fewer atoms
    assert triggers(parse("akku kide")) == {word("akku")}  # the first written


def test_an_and_is_triggered_by_the_brand_not_a_product_word_many_queries_share() -> None:
    queries = ["akku AND kide", "akku AND nova", "akku AND sähkö"]
    usage: dict[Atom, int] = {}
    for expression in queries:
        for atom in atoms(parse(expression)):
            usage[atom] = usage.get(atom, 0) + 1
    assert triggers(parse("akku AND kide"), usage) == {word("kide")}
    assert triggers(parse("akku AND nova"), usage) == {word("nova")}


def test_the_left_out_parts_of_an_and_never_trigger() -> None:
    assert triggers(parse("kide -akku -pil")) == {word("kide")}
    assert triggers(parse("NOT akku kide")) == {word("kide")}


def test_a_negation_alone_cannot_say_what_triggers() -> None:
    assert triggers(parse("NOT NOT kide")) is None
    assert triggers(Not(Has(word("kide")))) is None
    assert triggers(parse("(NOT NOT kide) OR akku")) is None
    assert triggers(All((Not(Has(word("a"))), Not(Has(word("b")))))) is None


def test_a_query_without_triggers_still_matches_correctly() -> None:
    queries = matcher("NOT NOT kide", "(NOT NOT akku) OR pil", "kide -(NOT pil)")
    assert queries.match(Post("kiden")) == ["NOT NOT kide"]
    assert queries.match(Post("akku")) == ["(NOT NOT akku) OR pil"]
    assert queries.match(Post("pil")) == ["(NOT NOT akku) OR pil"]
    assert queries.match(Post("kide pil")) == [
        "NOT NOT kide",
        "(NOT NOT akku) OR pil",
        "kide -(NOT pil)",
    ]
    assert queries.match(Post("kahvi")) == []


def test_a_shared_product_word_does_not_stop_any_brand_matching() -> None:
    queries = matcher("akku AND kide", "akku AND nova", "akku AND sähkö", "akku")
    assert queries.match(Post("Novan akku")) == ["akku AND nova", "akku"]
    assert queries.match(Post("kide ja sähkö")) == []
    assert queries.match(Post("kide, sähkö ja akku")) == ["akku AND kide", "akku AND sähkö", "akku"]


# Randomised comparison with a plain reading of the rules

VOCABULARY = ["kide", "akku", "pil", "şikayet", "sovellus", "kahvi", "kidea", "app", "öljy"]
LONG = [w for w in VOCABULARY if len(w) >= 4]
PREFIXES = ["", "", "", "", "#", "@", "ka", "_", "lumi", "(", '"']
SUFFIXES = [
    "",
    "",
    "",
    "n",
    "llä",
    "stä",
    "lleen",
    "ssään",
    "ssakin",
    "maailmanloppu",
    "'nin",
    "’nin",
    "_fi",
]
SUFFIXES += [".fi", "s", "ä", ".", "!", "@mastodon.social", "2"]
SEPARATORS = [" ", " ", " ", "  ", "\n", ", ", ". ", "-", "! ", " ... "]


def reference_pattern(atom: Atom) -> re.Pattern[str]:
    """The rules of the module docstrings, as one regular expression on folded text."""
    body = re.escape(atom.text)
    last_word = atom.text.rsplit(" ", 1)[-1]
    if atom.mode == "prefix":
        end = ""
    elif atom.mode == "handle":
        end = r"(?!\w)(?!\.\w)"
    elif atom.mode == "word" and len(last_word) >= 4:
        end = r"\w{0,5}(?!\w)"
    else:
        end = r"(?!\w)"
    return re.compile(rf"(?<!\w){body}{end}")


def reference_match(queries: list[Compiled], text: str) -> list[Hashable]:
    folded = fold(text)
    matched = []
    for compiled in queries:
        present = {atom for atom in atoms(compiled.node) if reference_pattern(atom).search(folded)}
        if evaluate(compiled.node, present):
            matched.append(compiled.key)
    return matched


def random_atom(rng: random.Random) -> str:
    kind = rng.choice(["word", "word", "word", "exact", "prefix", "tag", "handle", "phrase"])
    text = rng.choice(VOCABULARY)
    if kind == "exact":
        return "=" + text
    if kind == "prefix":
        return text[: rng.randint(2, len(text))] + "*"
    if kind == "tag":
        return "#" + text
    if kind == "handle":
        return "@" + text
    if kind == "phrase":  # the last word long enough that its inflection is not in question
        return f'"{rng.choice(VOCABULARY)} {rng.choice(LONG)}"'
    return rng.choice([text, text.upper(), text.capitalize()])


def random_query(rng: random.Random, depth: int = 0) -> str:
    if depth >= 3 or rng.random() < 0.35:
        return random_atom(rng)
    roll = rng.random()
    if roll < 0.15:
        return rng.choice(["NOT ", "-"]) + random_query(rng, depth + 1)
    parts = [random_query(rng, depth + 1) for _ in range(rng.randint(2, 3))]
    joiner = rng.choice([" AND ", " ", " OR "])
    grouped = joiner.join(parts)
    return f"({grouped})" if rng.random() < 0.5 else grouped


def random_case(rng: random.Random, text: str) -> str:
    style = rng.choice(["lower", "upper", "title", "mixed"])
    if style == "upper":
        return text.upper()
    if style == "title":
        return text.capitalize()
    if style == "mixed":
        return "".join(c.upper() if rng.random() < 0.5 else c for c in text)
    return text


def random_post(rng: random.Random) -> str:
    pieces = []
    for _ in range(rng.randint(1, 7)):
        if rng.random() < 0.15:
            core = rng.choice(["hei", "ja", "on", "😀", "ääkkönen"])
        else:
            core = rng.choice(PREFIXES) + rng.choice(VOCABULARY) + rng.choice(SUFFIXES)
        pieces.append(random_case(rng, core))
        pieces.append(rng.choice(SEPARATORS))
    return "".join(pieces[:-1])


def random_queries(rng: random.Random, count: int) -> list[Compiled]:
    queries: list[Compiled] = []
    while len(queries) < count:
        expression = random_query(rng)
        try:
            node: Node = parse(expression)
        except QueryError:  # a query that only leaves things out
            continue
        queries.append(Compiled(len(queries), node))
    return queries


def test_the_reference_reads_the_rules_as_the_examples_do() -> None:
    def ref(expression: str, text: str) -> bool:
        return reference_match([Compiled(expression, parse(expression))], text) == [expression]

    assert ref("kide", "Kidellä") and not ref("kide", "kidemaailmanloppu")
    assert ref("@kide", "@kide@mastodon.social") and not ref("@kide", "@kide.fi")
    assert ref("pil", "pil'in") and not ref("pil", "pilot") and not ref("pil", "kapil")


@pytest.mark.parametrize("seed", range(6))
def test_matching_agrees_with_a_plain_regular_expression_reading(seed: int) -> None:
    rng = random.Random(seed)
    queries = random_queries(rng, 60)
    many = Matcher(queries)
    alone = [Matcher([compiled]) for compiled in queries[:15]]
    for _ in range(150):
        text = random_post(rng)
        expected = reference_match(queries, text)
        assert many.match(Post(text)) == expected, text
        for single in alone:
            assert single.match(Post(text)) == reference_match(single.queries, text), text


def test_the_random_comparison_sees_both_matches_and_misses() -> None:
    rng = random.Random(0)
    queries = random_queries(rng, 60)
    results = [reference_match(queries, random_post(rng)) for _ in range(150)]
    matched = {key for found in results for key in found}
    assert len(matched) > 30  # most queries match some post
    assert sum(1 for found in results if not found) > 0
