"""A brand's product catalogue (what customers call each product): saved through the service on
both databases, and through ``vastaa brand products`` with click's runner."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels.service import MAX_PRODUCTS, brand_named, save_brand, save_products
from vastaa.cli import main
from vastaa.db import transaction
from vastaa.errors import NotFoundError, PermanentError

CATALOGUE = {
    " coffee maker ": ["Aamu A2", " KAHVINKEITIN ", "kahve makinesi", ""],
    "kettle": ["Vesi K1", "vedenkeitin"],
}


@pytest.fixture
def kide(sessions: sessionmaker[Session], now: datetime) -> str:
    with transaction(sessions) as session:
        save_brand(session, name="Kide", signature=None, now=now)
    return "Kide"


def _save(sessions: sessionmaker[Session], now: datetime, products: Any) -> dict[str, list[str]]:
    with transaction(sessions) as session:
        save_products(session, brand="Kide", products=products, now=now)
    with transaction(sessions) as session:
        return dict(brand_named(session, " Kide ").products)


def test_a_catalogue_is_saved_with_lowercase_aliases(
    sessions: sessionmaker[Session], now: datetime, kide: str
) -> None:
    assert _save(sessions, now, CATALOGUE) == {
        "coffee maker": ["aamu a2", "kahvinkeitin", "kahve makinesi"],
        "kettle": ["vesi k1", "vedenkeitin"],
    }
    # Saving again replaces the whole catalogue.
    assert _save(sessions, now, {"grinder": ["jauhin"]}) == {"grinder": ["jauhin"]}
    assert _save(sessions, now, {}) == {}


@pytest.mark.parametrize(
    ("products", "reason"),
    [
        ({"kettle": "vedenkeitin"}, "a list of at most 50 names"),
        ({"kettle": {"alias": "vedenkeitin"}}, "a list of at most 50 names"),
        ({"kettle": ["vedenkeitin", "a2"]}, "an alias is a word of at least 3 letters"),
        ({"kettle": ["K1"]}, "an alias is a word of at least 3 letters"),
        ({"kettle": [f"keitin{n}" for n in range(51)]}, "a list of at most 50 names"),
        ({"  ": ["vedenkeitin"]}, "a name of 1 to 60 characters"),
        ({"k" * 61: ["vedenkeitin"]}, "a name of 1 to 60 characters"),
        ({"kettle": ["v" * 81]}, "aliases of at most 80"),
        (["kettle", "vedenkeitin"], "an object of at most 200 names"),
        ({f"product {n}": [] for n in range(MAX_PRODUCTS + 1)}, "at most 200 names"),
    ],
)
def test_a_bad_catalogue_is_refused_and_the_old_one_kept(
    sessions: sessionmaker[Session], now: datetime, kide: str, products: Any, reason: str
) -> None:
    _save(sessions, now, {"kettle": ["vedenkeitin"]})
    with pytest.raises(PermanentError, match=reason):
        _save(sessions, now, products)
    with transaction(sessions) as session:
        assert brand_named(session, "Kide").products == {"kettle": ["vedenkeitin"]}


def test_as_many_products_as_allowed_are_saved(
    sessions: sessionmaker[Session], now: datetime, kide: str
) -> None:
    products = {f"product {n}": [f"tuote {n}"] for n in range(MAX_PRODUCTS)}
    assert _save(sessions, now, products) == products


def test_an_unknown_brand_is_not_found(sessions: sessionmaker[Session], now: datetime) -> None:
    unknown = pytest.raises(NotFoundError, match="no brand named 'Nope'")
    with unknown, transaction(sessions) as session:
        save_products(session, brand="Nope", products={"kettle": ["vedenkeitin"]}, now=now)
    with pytest.raises(NotFoundError), transaction(sessions) as session:
        brand_named(session, "Nope")


# The command line ----------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path) -> tuple[CliRunner, dict[str, str]]:
    env = {"VASTAA_DATA_DIR": str(tmp_path / "data"), "VASTAA_DATABASE_URL": ""}
    runner = CliRunner()
    added = runner.invoke(main, ["brand", "add", "Kide"], env=env)
    assert added.exit_code == 0, added.output
    return runner, env


def test_the_catalogue_is_set_and_shown_from_the_command_line(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path
) -> None:
    runner, env = cli
    empty = runner.invoke(main, ["brand", "products", "Kide"], env=env)
    assert empty.exit_code == 0, empty.output
    assert json.loads(empty.output) == {}

    source = tmp_path / "products.json"
    source.write_text(json.dumps(CATALOGUE, ensure_ascii=False), encoding="utf-8")
    saved = runner.invoke(main, ["brand", "products", "Kide", "--file", str(source)], env=env)
    assert saved.exit_code == 0, saved.output

    shown = runner.invoke(main, ["brand", "products", "Kide"], env=env)
    assert shown.exit_code == 0, shown.output
    assert (
        json.loads(shown.output)
        == json.loads(saved.output)
        == {
            "coffee maker": ["aamu a2", "kahvinkeitin", "kahve makinesi"],
            "kettle": ["vesi k1", "vedenkeitin"],
        }
    )


def test_non_ascii_names_are_printed_as_they_are(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path
) -> None:
    runner, env = cli
    source = tmp_path / "products.json"
    source.write_text('{"kahve makinesi": ["Çaydanlık", "KEITIN Ä"]}', encoding="utf-8")
    runner.invoke(main, ["brand", "products", "Kide", "--file", str(source)], env=env)

    shown = runner.invoke(main, ["brand", "products", "Kide"], env=env)
    assert "çaydanlık" in shown.output and "keitin ä" in shown.output


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ('{"kettle": ["vedenkeitin"', "not JSON"),
        ("", "not JSON"),
        ('{"kettle": ["a2"]}', "an alias is a word of at least 3 letters"),
        ('["kettle"]', "an object of at most 200 names"),
    ],
)
def test_a_bad_file_is_a_clear_error_and_changes_nothing(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path, text: str, error: str
) -> None:
    runner, env = cli
    good, bad = tmp_path / "good.json", tmp_path / "bad.json"
    good.write_text('{"kettle": ["vedenkeitin"]}', encoding="utf-8")
    bad.write_text(text, encoding="utf-8")
    runner.invoke(main, ["brand", "products", "Kide", "--file", str(good)], env=env)

    result = runner.invoke(main, ["brand", "products", "Kide", "--file", str(bad)], env=env)
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and error in result.output

    shown = runner.invoke(main, ["brand", "products", "Kide"], env=env)
    assert json.loads(shown.output) == {"kettle": ["vedenkeitin"]}


def test_an_unknown_brand_or_file_is_an_error(
    cli: tuple[CliRunner, dict[str, str]], tmp_path: Path
) -> None:
    runner, env = cli
    unknown = runner.invoke(main, ["brand", "products", "Nope"], env=env)
    assert unknown.exit_code == 1 and "no brand named 'Nope'" in unknown.output
    missing = runner.invoke(
        main, ["brand", "products", "Kide", "--file", str(tmp_path / "missing.json")], env=env
    )
    assert missing.exit_code == 2 and "No such file or directory" in missing.output
