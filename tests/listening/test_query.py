"""The listening query language: how an expression is read (operators, precedence, the leading
'-', parentheses), which queries are refused and why, folding, and the atoms a query mentions."""

from __future__ import annotations

import pytest

from vastaa.errors import PermanentError
from vastaa.listening.query import (
    MAX_LENGTH,
    All,
    Any_,
    Atom,
    Has,
    Not,
    QueryError,
    atoms,
    evaluate,
    fold,
    parse,
    positive,
)


def word(text: str) -> Atom:
    return Atom(text, "word")


def has(text: str) -> Has:
    return Has(word(text))


def matches(expression: str, *present: str) -> bool:
    """Whether a post in which exactly the (word-mode) atoms ``present`` occur matches."""
    return evaluate(parse(expression), {word(text) for text in present})


# Reading an expression


def test_a_single_word_is_one_atom() -> None:
    assert parse("kide") == has("kide")


def test_and_or_and_not_are_read_as_operators() -> None:
    assert parse("kide AND akku") == All((has("kide"), has("akku")))
    assert parse("kide OR akku") == Any_((has("kide"), has("akku")))
    assert parse("kide NOT akku") == All((has("kide"), Not(has("akku"))))


def test_words_side_by_side_must_all_occur() -> None:
    assert parse("kide akku pil") == All((has("kide"), has("akku"), has("pil")))
    assert matches("kide akku", "kide", "akku")
    assert not matches("kide akku", "kide")


def test_a_leading_minus_leaves_a_word_out() -> None:
    assert parse("kide -akku") == parse("kide NOT akku")
    assert matches("kide -akku", "kide")
    assert not matches("kide -akku", "kide", "akku")


def test_a_leading_minus_leaves_a_phrase_out() -> None:
    assert parse('kide -"kide cafe"') == All((has("kide"), Not(has("kide cafe"))))
    assert not matches('kide -"kide cafe"', "kide", "kide cafe")


def test_a_leading_minus_leaves_a_parenthesised_group_out() -> None:
    assert parse("kide -(akku OR pil)") == All((has("kide"), Not(Any_((has("akku"), has("pil"))))))
    assert matches("kide -(akku OR pil)", "kide")
    assert not matches("kide -(akku OR pil)", "kide", "pil")


def test_a_double_minus_is_a_double_negation() -> None:
    assert parse("kide --akku") == All((has("kide"), Not(Not(has("akku")))))


def test_not_binds_tighter_than_and() -> None:
    assert parse("NOT akku kide") == All((Not(has("akku")), has("kide")))
    assert parse("NOT akku AND kide") == All((Not(has("akku")), has("kide")))


def test_and_binds_tighter_than_or() -> None:
    assert parse("a OR b AND c") == Any_((has("a"), All((has("b"), has("c")))))
    assert parse("a AND b OR c") == Any_((All((has("a"), has("b"))), has("c")))
    assert parse("a OR b c") == Any_((has("a"), All((has("b"), has("c")))))
    assert matches("a OR b AND c", "a")
    assert not matches("a OR b AND c", "b")


def test_parentheses_group_before_the_operators_around_them() -> None:
    assert parse("(a OR b) AND c") == All((Any_((has("a"), has("b"))), has("c")))
    assert parse("(a OR b) c") == All((Any_((has("a"), has("b"))), has("c")))
    assert not matches("(a OR b) AND c", "a")
    assert matches("(a OR b) AND c", "b", "c")


def test_nested_parentheses_are_read_inside_out() -> None:
    expected = All((has("kide"), Any_((has("akku"), All((has("pil"), Not(has("kahvi"))))))))
    assert parse("kide ((akku) OR (pil -kahvi))") == expected


def test_operators_may_touch_parentheses() -> None:
    assert parse("(kide)OR(akku)") == Any_((has("kide"), has("akku")))


def test_not_applies_to_the_next_operand_only() -> None:
    assert parse("NOT akku kide OR pil") == Any_((All((Not(has("akku")), has("kide"))), has("pil")))


def test_not_not_is_a_double_negation_and_is_accepted() -> None:
    assert parse("NOT NOT kide") == Not(Not(has("kide")))
    assert matches("NOT NOT kide", "kide")


def test_the_documented_example_reads_as_written() -> None:
    node = parse('kide AND (akku OR battery OR pil) NOT "kide cafe"')
    assert node == All(
        (
            has("kide"),
            Any_((has("akku"), has("battery"), has("pil"))),
            Not(has("kide cafe")),
        )
    )
    assert matches('kide AND (akku OR battery OR pil) NOT "kide cafe"', "kide", "pil")
    assert not matches(
        'kide AND (akku OR battery OR pil) NOT "kide cafe"', "kide", "akku", "kide cafe"
    )


@pytest.mark.parametrize("lower", ["and", "or", "not", "And", "Or", "Not"])
def test_operators_in_lower_or_mixed_case_are_words(lower: str) -> None:
    assert parse(f"kide {lower} akku") == All((has("kide"), has(lower.lower()), has("akku")))


def test_a_lower_case_or_must_itself_occur() -> None:
    assert not matches("kide or akku", "kide")
    assert matches("kide or akku", "kide", "or", "akku")


# Atoms and their modes


def test_an_equals_sign_asks_for_the_exact_word() -> None:
    assert parse("=Kidea") == Has(Atom("kidea", "exact"))


def test_a_trailing_star_asks_for_a_prefix() -> None:
    assert parse("Kide*") == Has(Atom("kide", "prefix"))
    assert parse("kide**") == Has(Atom("kide", "prefix"))


def test_hashtags_and_handles_keep_their_sign() -> None:
    assert parse("#Kide") == Has(Atom("#kide", "tag"))
    assert parse("@Kide_FI") == Has(Atom("@kide_fi", "handle"))


def test_a_phrase_is_folded_to_single_spaces() -> None:
    assert parse('"Kide   APP\n store"') == Has(Atom("kide app store", "word"))


def test_the_documented_mode_example_reads_as_written() -> None:
    assert parse("kide* -=kidea") == All(
        (Has(Atom("kide", "prefix")), Not(Has(Atom("kidea", "exact"))))
    )


def test_atoms_describe_themselves_as_written_in_a_query() -> None:
    assert Atom("kide", "word").describe() == "kide"
    assert Atom("kide", "exact").describe() == "=kide"
    assert Atom("kide", "prefix").describe() == "kide*"
    assert Atom("kide app", "word").describe() == '"kide app"'
    assert Atom("#kide", "tag").describe() == "#kide"
    assert Atom("@kide", "handle").describe() == "@kide"


def test_atoms_are_everything_mentioned_looked_for_or_left_out() -> None:
    node = parse('kide -(akku OR "kide cafe") #kide')
    assert atoms(node) == {word("kide"), word("akku"), word("kide cafe"), Atom("#kide", "tag")}


def test_positive_atoms_are_only_those_looked_for() -> None:
    assert positive(parse("kide AND NOT akku")) == {word("kide")}
    assert positive(parse("kide OR @kide_fi -pil")) == {word("kide"), Atom("@kide_fi", "handle")}


def test_a_double_negation_makes_an_atom_positive_again() -> None:
    assert positive(parse("NOT NOT kide")) == {word("kide")}
    assert positive(parse("kide -(akku -pil)")) == {word("kide"), word("pil")}


def test_evaluate_reads_the_tree_against_the_atoms_present() -> None:
    node = parse("kide (akku OR pil) -kahvi")
    assert evaluate(node, frozenset({word("kide"), word("pil")}))
    assert not evaluate(node, frozenset({word("kide")}))
    assert not evaluate(node, frozenset({word("kide"), word("pil"), word("kahvi")}))
    assert not evaluate(node, frozenset())


# Refused queries


def refusal(expression: str) -> str:
    with pytest.raises(QueryError) as raised:
        parse(expression)
    return str(raised.value)


@pytest.mark.parametrize("expression", ["", "   ", "\n\t "])
def test_an_empty_query_is_refused(expression: str) -> None:
    assert refusal(expression) == "the query is empty"


def test_a_query_error_is_a_permanent_error() -> None:
    assert issubclass(QueryError, PermanentError)


def test_an_unclosed_quotation_mark_is_refused_and_shown() -> None:
    message = refusal('kide "akku pil')
    assert message.startswith("a quotation mark is not closed")
    assert '"akku pil' in message


@pytest.mark.parametrize("expression", ["(kide", "(kide OR akku", "kide AND (akku OR (pil)"])
def test_an_unclosed_parenthesis_is_refused(expression: str) -> None:
    assert refusal(expression) == "a parenthesis is not closed"


def test_a_stray_closing_parenthesis_is_refused() -> None:
    assert refusal("kide)") == "unexpected ')'"
    assert refusal("kide) OR (akku") == "unexpected ')'"


def test_empty_parentheses_are_refused() -> None:
    assert refusal("kide ()") == "expected a word, a phrase or '(' but found ')'"


@pytest.mark.parametrize("expression", ["kide AND", "kide OR", "kide NOT", "kide -", "NOT"])
def test_an_operator_with_nothing_after_it_is_refused(expression: str) -> None:
    assert refusal(expression) == "the query ends too early"


@pytest.mark.parametrize(
    ("expression", "operator"),
    [
        ("AND kide", "AND"),
        ("OR kide", "OR"),
        ("kide AND OR akku", "OR"),
        ("kide OR AND akku", "AND"),
    ],
)
def test_an_operator_without_a_left_operand_is_refused(expression: str, operator: str) -> None:
    assert refusal(expression) == f"expected a word, a phrase or '(' but found {operator!r}"


@pytest.mark.parametrize(
    "expression",
    ["NOT kide", "-kide", '-"kide cafe"', "kide OR NOT akku", "NOT kide NOT akku", "-(kide akku)"],
)
def test_a_query_that_only_leaves_things_out_is_refused(expression: str) -> None:
    assert refusal(expression) == (
        "a query must name something to look for, not only what to leave out"
    )


@pytest.mark.parametrize("expression", ['""', '"  "', '"..."', "*", "=", "#", "@", "!!"])
def test_an_atom_without_letters_or_digits_is_refused(expression: str) -> None:
    assert "has nothing to look for" in refusal(expression)


def test_a_query_may_be_as_long_as_the_limit() -> None:
    expression = " OR ".join(["kide"] * 400)[:MAX_LENGTH].rstrip(" OR")
    expression = expression + " " + "x" * (MAX_LENGTH - len(expression) - 1)
    assert len(expression) == MAX_LENGTH
    parse(expression)


def test_an_over_long_query_is_refused() -> None:
    assert refusal("k" * (MAX_LENGTH + 1)) == (
        f"a query may be at most {MAX_LENGTH} characters long"
    )


# Folding


def test_folding_ignores_case() -> None:
    assert fold("KiDE Akku") == "kide akku"


def test_folding_reads_the_turkish_dotted_capital_i_as_i() -> None:
    assert fold("İSTANBUL") == "istanbul"
    assert fold("Kİde") == "kide"


def test_folding_reads_the_turkish_dotless_i_as_i() -> None:
    assert fold("şıkayet") == "şikayet"
    assert fold("ISPARTA ıspanak") == "isparta ispanak"


def test_folding_keeps_other_finnish_and_turkish_letters() -> None:
    assert fold("ÄÖÅ ŞÇĞÜ") == "äöå şçğü"


def test_folding_makes_every_run_of_white_space_one_space() -> None:
    assert fold("  kide \n\n akku\t\u00a0pil  ") == "kide akku pil"


def test_a_query_is_folded_like_a_post() -> None:
    assert parse("KİDE ŞIKAYET") == All((has("kide"), has("şikayet")))
