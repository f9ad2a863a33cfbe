"""The analytics dashboard and its CSV (R31) over HTTP on both databases: the figures the worker
summed, the filters, who sees what, the audited export, hostile channel names stay text."""

from __future__ import annotations

import csv
import io
import json
import re
import uuid
from datetime import datetime

from fastapi.testclient import TestClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.analytics.test_rollup import HELSINKI, _load
from tests.conftest import login
from vastaa.analytics.rollup import refresh
from vastaa.audit.models import AuditEntry
from vastaa.channels.models import Channel
from vastaa.db import transaction

HOSTILE = '=HYPERLINK("http://evil")<script>alert(1)</script>'


def _ready(sessions: sessionmaker[Session], now: datetime, agent: uuid.UUID) -> None:
    _load(sessions, now, agent)
    with transaction(sessions) as session:
        session.execute(update(Channel).where(Channel.platform == "x").values(name=HOSTILE))
    refresh(sessions, now=now, timezone=HELSINKI)


def _data(page: str) -> dict[str, object]:
    found = re.search(r'<script type="application/json" id="analytics-data">(.*?)</script>', page)
    assert found is not None
    data: dict[str, object] = json.loads(found[1])
    return data


def _kpi(page: str, name: str) -> str:
    found = re.search(rf'data-kpi="{name}"><span class="value">([^<]*)</span>', page)
    assert found is not None, name
    return found[1]


def test_the_dashboard_shows_the_summed_days(
    client: TestClient,
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    login(client, "ada")
    page = client.get("/analytics?start=2026-11-14&end=2026-11-20")
    assert page.status_code == 200
    assert _kpi(page.text, "inbound") == "3"
    assert _kpi(page.text, "outbound") == "1"
    assert _kpi(page.text, "answered") == "50 %"  # one of the two that needed an answer
    assert _kpi(page.text, "sla") == "50 %"
    charts = _data(page.text)["charts"]
    assert isinstance(charts, dict)
    assert charts["days"][-1] == "2026-11-20" and len(charts["days"]) == 7
    assert charts["frt"] == [0, 1, 0, 0, 0]
    assert {series["name"] for series in charts["volume"]} == {"Kide Suomi", HOSTILE}
    # People's text is text: escaped in the HTML, and no "</script>" can close the JSON early.
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert 'class="inbox agents"' in page.text and ">aino<" in page.text.split("inbox agents")[1]
    assert "Download CSV" in page.text


def test_the_filters_narrow_to_a_channel_and_a_language(
    client: TestClient,
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    login(client, "ada")
    with transaction(sessions) as session:
        x = session.scalar(select(Channel.id).where(Channel.platform == "x"))
    page = client.get(f"/analytics?start=2026-11-14&end=2026-11-20&channel={x}")
    assert _kpi(page.text, "inbound") == "1" and _kpi(page.text, "outbound") == "0"
    page = client.get("/analytics?start=2026-11-14&end=2026-11-20&lang=fi")
    assert _kpi(page.text, "inbound") == "2"
    page = client.get("/analytics?start=2026-11-01&end=2026-11-07")
    assert _kpi(page.text, "inbound") == "0"
    assert client.get("/analytics?start=2026-11-20&end=2026-11-01").status_code == 400
    assert client.get("/analytics?start=tomorrow").status_code == 400
    assert client.get("/analytics?channel=nope").status_code == 400


def test_agents_see_the_team_figures_but_not_each_agent_nor_the_export(
    client: TestClient,
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    login(client, "aino")
    page = client.get("/analytics?start=2026-11-14&end=2026-11-20")
    assert page.status_code == 200
    assert 'class="inbox agents"' not in page.text
    assert "/analytics.csv" not in page.text
    assert client.get("/analytics.csv").status_code == 403


def test_the_csv_has_a_row_per_day_channel_and_language_and_is_audited(
    client: TestClient,
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    login(client, "mert")
    response = client.get("/analytics.csv?start=2026-11-14&end=2026-11-20")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "vastaa-analytics-2026-11-14-2026-11-20.csv" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert {(r["day"], r["channel"], r["language"]) for r in rows} == {
        ("2026-11-20", "Kide Suomi", "fi"),
        ("2026-11-20", "'" + HOSTILE, "en"),  # a spreadsheet does not run it as a formula
    }
    finnish = next(r for r in rows if r["language"] == "fi")
    assert (finnish["inbound"], finnish["outbound"], finnish["answered"]) == ("2", "1", "1")
    with transaction(sessions) as session:
        entry = session.scalars(select(AuditEntry).where(AuditEntry.action == "export")).one()
        assert entry.target_type == "analytics" and entry.actor_id == cast["mert"]


def test_channels_of_one_name_are_told_apart_and_far_dates_are_refused(
    client: TestClient,
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
) -> None:
    _ready(sessions, now, cast["aino"])
    with transaction(sessions) as session:
        session.execute(update(Channel).values(name="Kide"))
    login(client, "ada")
    page = client.get("/analytics?start=2026-11-14&end=2026-11-20")
    charts = _data(page.text)["charts"]
    assert isinstance(charts, dict)
    names = {series["name"] for series in charts["volume"]}
    assert names == {"Kide (facebook:kidesuomi)", "Kide (x:KideHome)"}
    assert sum(sum(series["data"]) for series in charts["volume"]) == 3
    for dates in ("start=9999-12-25&end=9999-12-31", "start=0001-01-01&end=0001-01-05"):
        assert client.get(f"/analytics?{dates}").status_code == 400
