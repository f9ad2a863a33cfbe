"""Shared fixtures: a real database (SQLite and PostgreSQL), a fixed clock, the cast of users."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session, sessionmaker

from vastaa import schema
from vastaa.config import Settings
from vastaa.db import make_engine, make_sessionmaker
from vastaa.evidence.models import GENESIS
from vastaa.models import Base

POSTGRES_ADMIN_URL = os.environ.get(
    "VASTAA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session", autouse=True)
def embedding_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Tests never write into the developer's embedding cache."""
    folder = tmp_path_factory.mktemp("cache")
    before = os.environ.get("VASTAA_CACHE_DIR")
    os.environ["VASTAA_CACHE_DIR"] = str(folder)
    yield folder
    if before is None:
        del os.environ["VASTAA_CACHE_DIR"]
    else:
        os.environ["VASTAA_CACHE_DIR"] = before


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file built once from the migrations; each test gets a copy."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    schema.upgrade(engine)
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_url(worker_id: str) -> Iterator[str]:
    """A database of its own per test worker, built from the migrations."""
    name = f"vastaa_test_{worker_id}_{uuid.uuid4().hex[:8]}"
    admin = make_engine(POSTGRES_ADMIN_URL).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    engine = make_engine(url)
    schema.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as connection:
        connection.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    """The URL of an empty, migrated database: every storage test runs on both."""
    if request.param == "sqlite":
        path = tmp_path / "vastaa.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    url = request.getfixturevalue("postgres_url")
    yield url
    _truncate(url)


def _truncate(url: str) -> None:
    engine = make_engine(url)
    tables = ", ".join(table.name for table in Base.metadata.sorted_tables)
    with engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {tables} CASCADE"))
        connection.execute(text(f"INSERT INTO evidence_head VALUES (1, 0, '{GENESIS}')"))
    engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def now() -> datetime:
    return NOW


# The web app and the fixed cast of users --------------------------------------------------

CAST = {
    "aino": ("agent", "fi"),
    "mert": ("supervisor", "tr"),
    "ada": ("admin", "en"),
}
PASSWORD = "correct horse battery"


@pytest.fixture
def cast(sessions: sessionmaker[Session], now: datetime) -> dict[str, uuid.UUID]:
    """An agent (Finnish), a supervisor (Turkish) and an admin (English)."""
    from vastaa.accounts.service import add_user
    from vastaa.db import transaction

    ids = {}
    with transaction(sessions) as session:
        for username, (role, locale) in CAST.items():
            user = add_user(
                session, username=username, password=PASSWORD, role=role, now=now, locale=locale
            )
            ids[username] = user.id
    return ids


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(data_dir=tmp_path / "data", default_locale="en")


@pytest.fixture
def client(engine: Engine, settings: Settings, now: datetime) -> Iterator[TestClient]:
    from vastaa.app import create_app

    app = create_app(settings, engine=engine, clock=lambda: now)
    with TestClient(app, base_url="http://testserver") as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD) -> str:
    """Log in through the real form; returns the session's CSRF token."""
    import re

    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token is not None
    response = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    inbox = client.get("/")
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', inbox.text)
    assert csrf is not None
    return csrf.group(1)
