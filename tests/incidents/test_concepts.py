"""Fault concepts found by word stems in Finnish, Turkish and English complaints."""

from __future__ import annotations

import time

import pytest

from vastaa.incidents.concepts import FAULTS, OBJECTS, concepts, words

TURKISH_LETTERS = set("ışğçöüâîû")
# Turkish stems deliberately without an ASCII twin: the folded form is another common word
# ("öldü" / "oldu", "tütüyor" / "tutuyor", "çöktü" / "çoktu") or too short to be safe ("tuş").
UNFOLDED = {"öldü", "tütüyo", "çöktü", "dönmüyo", "tuş"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The same fault in three languages, inflected.
        ("Vedenkeitin vuotaa pohjasta", {"leak"}),
        ("keitin vuoti koko yön", {"leak"}),
        ("Su ısıtıcısı alttan su sızdırıyor", {"leak"}),
        ("The kettle is leaking all over the counter", {"leak"}),
        # Turkish typed without diacritics, and in capitals (I lowercases to i, not ı).
        ("su isiticisi sizdiriyor", {"leak"}),
        ("SU ISITICI SIZDIRIYOR, ŞARJ OLMUYOR", {"leak", "charging"}),
        # Finnish colloquial forms.
        ("keitin ei lähe päälle", {"no_power"}),
        ("kahvi on ihan haaleeta", {"not_heating"}),
        # Contractions, with and without the apostrophe.
        ("the kettle won't turn off", {"wont_turn_off"}),
        ("kettle wont turn on at all", {"no_power"}),
        ("Keitin ei sammu vaan kiehuu kuiviin", {"wont_turn_off"}),
        ("Kettle kendiliğinden kapanıyor", {"turns_off"}),
        ("I was charged twice for one order", {"charged_twice"}),
        ("kartımdan iki kez ücret çekildi", {"charged_twice"}),
        ("En pääse kirjautumaan, salasana ei kelpaa", {"login"}),
        ("Paketti tuli rikki ja laatikko oli ruttuun", {"damaged_delivery"}),
        # Symptoms told apart on one product: a door that stays locked, water that stays in.
        ("Pesukoneen luukku ei aukea, jäi lukkoon", {"wont_open"}),
        ("Çamaşır makinesinin kapağı açılmıyor", {"wont_open"}),
        ("washer won't drain, standing water in the drum", {"drain"}),
        ("makine suyu bosaltmiyor", {"drain"}),
        ("Kello näyttää sykkeen väärin", {"wrong_reading"}),
        ("saat nabzımı yanlış ölçüyor", {"wrong_reading"}),
        ("Skootterin ohjaustanko heiluu", {"loose"}),
        ("the handlebar is wobbly and loose", {"loose"}),
        ("Soundbarista ei tule ääntä", {"no_sound"}),
        ("televizyonda sinyal yok yazıyor", {"no_signal"}),
        ("HDMI says no signal every few minutes", {"no_signal"}),
    ],
)
def test_finds_the_fault_in_any_language(text: str, expected: set[str]) -> None:
    assert concepts(text) >= expected


@pytest.mark.parametrize(
    "text",
    [
        "Akıllı süpürge harika, hiç sıkıntı yok",  # akıllı is not akıt-, sıkıntı not sıkış-
        "Bugün kahvaltı yaptık, çok güzeldi",  # bugün is not a bug, kahvaltı not a handle
        "Şirketinizden çok memnunum",  # şirket is not sirke (vinegar)
        "Kaksi vuotta sitten ostettu ja toimii hyvin",  # vuotta (years) is not vuota- (leak)
        "Kiitos nopeasta palvelusta!",
        "Love my new kettle, best purchase this year",
        "See you later, thanks for everything",  # later is not late
        "Ürün elime ulaştı, teşekkürler",
        "Çocuklar bahçede oynuyor, ses yapmayın",  # playing children are not a loose part
        "Syksyllä ostettu ja kaikki toimii",  # syksyllä is not syke (heart rate)
    ],
)
def test_innocent_words_find_nothing(text: str) -> None:
    assert concepts(text) == frozenset()


def test_objects_are_found_with_the_same_matching() -> None:
    assert concepts("robotti-imurin harja on rikki", OBJECTS) >= {"robot_vacuum", "brush"}
    assert concepts("Su ısıtıcısının kapağı kırıldı", OBJECTS) >= {"kettle", "lid"}
    assert "lid" not in concepts("I bought it at Lidl", OBJECTS)


def test_links_and_handles_are_not_read() -> None:
    assert concepts("@kettleleaks see https://example.com/leak") == frozenset()


def test_any_table_can_be_used() -> None:
    table = {"fizz": {"en": ("fizz",)}, "two": {"fi": ("kaksi sana",)}}
    assert concepts("Fizzing and KAKSI sanaa", table) == {"fizz", "two"}
    assert concepts("kaksi", table) == frozenset()


def test_stems_are_lowercase_words_long_enough_to_index() -> None:
    for table in (FAULTS, OBJECTS):
        for concept, by_language in table.items():
            assert set(by_language) == {"fi", "tr", "en"}, concept
            for stems in by_language.values():
                assert stems, concept
                for stem in stems:
                    assert stem == stem.strip().lower(), stem
                    parts = words(stem)
                    assert parts and (len(parts) > 1 or len(parts[0]) >= 3), stem


def test_turkish_stems_come_with_their_ascii_form() -> None:
    fold = str.maketrans("ışğçöüâîû", "isgcouaiu")
    for table in (FAULTS, OBJECTS):
        for concept, by_language in table.items():
            turkish = set(by_language["tr"])
            for stem in turkish - UNFOLDED:
                if TURKISH_LETTERS & set(stem):
                    assert stem.translate(fold) in turkish, (concept, stem)


def test_a_tweet_is_fast() -> None:
    text = (
        "Tilasin kahvinkeittimen 2 viikkoa sitten eikä paketti ole vieläkään tullut, "
        "ve kargo hâlâ gelmedi. Where is my order?? Asiakaspalvelu ei vastaa."
    )
    concepts(text)
    start = time.perf_counter()
    for _ in range(200):
        concepts(text)
    assert (time.perf_counter() - start) / 200 < 0.001  # generous: about 50 µs expected
