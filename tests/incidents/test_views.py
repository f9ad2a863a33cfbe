"""The incidents pages in the browser's HTTP (R29, R33) on both databases: the list and the
page, the statement and the reassurance reply written for each customer, status and follow-ups,
after-care exports; who may do what; hostile text stays text."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import numpy as np
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import at, events, message
from vastaa.analysis.analyzer import FastAnalyzer
from vastaa.analysis.tasks import analyze_pending
from vastaa.channels.service import save_brand, save_products
from vastaa.db import transaction
from vastaa.incidents.detection import Detector, detect_pending
from vastaa.incidents.grouping import MEAN
from vastaa.incidents.models import Incident, IncidentFollowUp
from vastaa.incidents.service import customer_of, customers_of
from vastaa.messages.models import Message
from vastaa.pipeline.ingest import ingest

COMPLAINTS = (
    ("fb-1", "fi", "Mikko Salminen",
     "Aamu A2 kahvinkeitin vuotaa vettä pöydälle, tilaus KD-2026-104211"),
    ("fb-2", "en", "Daniel Brooks",
     "My Aamu A2 coffee maker is leaking under the tank <script>alert(1)</script>"),
    ("fb-3", "tr", "Selin Aydın", "Aamu A2 kahve makinesi su sızdırıyor, tezgah sırılsıklam"),
)  # fmt: skip


def _same_direction(texts: object) -> np.ndarray:
    """A stand-in for the encoder: every complaint alike, so the names decide."""
    count = len(texts)  # type: ignore[arg-type]
    return np.tile(MEAN / np.linalg.norm(MEAN), (count, 1))


def _wave(sessions: sessionmaker[Session], now: datetime) -> Incident:
    with transaction(sessions) as session:
        items = [
            message(
                external_id,
                text=text,
                lang=lang,
                author={"id": f"u-{external_id}", "handle": external_id, "name": name},
                created_at=at(-60 + n * 10),
            )
            for n, (external_id, lang, name, text) in enumerate(COMPLAINTS)
        ]
        ingest(session, events(*items), now=now)
        save_brand(session, name="Kide", signature=None, now=now)
        save_products(
            session,
            brand="Kide",
            products={"Aamu A2": ["aamu a2", "kahvinkeit", "coffee maker", "kahve makine"]},
            now=now,
        )
        from vastaa.channels.models import Brand, Channel

        brand = session.scalar(select(Brand).where(Brand.name == "Kide"))
        for channel in session.scalars(select(Channel)):
            channel.brand_id = brand.id if brand else None
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    detector = Detector(embed=_same_direction)
    while detect_pending(sessions, detector, clock=lambda: now):
        pass
    with transaction(sessions) as session:
        incident = session.scalar(select(Incident).where(Incident.level == "problem"))
        assert incident is not None and incident.people == 3
        session.expunge(incident)
        return incident


def _save(client: TestClient, number: int, token: str, which: str, **fields: str) -> None:
    """Save one of an incident's texts as a supervisor does on its page."""
    answer = client.post(
        f"/incidents/{number}/texts",
        data={"which": which, "csrf_token": token, **fields},
        follow_redirects=False,
    )
    assert answer.status_code == 303


def test_the_incident_page_shows_members_across_languages_and_escapes_their_text(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    login(client, "aino")

    listing = client.get("/incidents")
    page = client.get(f"/incidents/{incident.number}")

    assert f"/incidents/{incident.number}" in listing.text
    assert page.status_code == 200
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
    assert "<script>alert(1)" not in page.text
    for lang in ("fi", "en", "tr"):
        assert f"<td>{lang}</td>" in page.text
    # What it names, in the reader's language (Aino reads Finnish), not internal keys.
    assert "<dd>Aamu A2, vuoto, " in page.text
    # Three complaints: the day's sentiment is below zero, drawn as a red bar.
    assert '<rect class="negative"' in page.text and '<rect class="positive"' not in page.text


def test_an_agent_cannot_change_an_incident_but_a_supervisor_can(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    token = login(client, "aino")
    refused = client.post(
        f"/incidents/{incident.number}/status", data={"status": "identified", "csrf_token": token}
    )
    assert refused.status_code == 403

    token = login(client, "mert")
    done = client.post(
        f"/incidents/{incident.number}/status",
        data={"status": "identified", "csrf_token": token},
        follow_redirects=False,
    )
    assert done.status_code == 303
    with transaction(sessions) as session:
        saved = session.get(Incident, incident.id)
        assert saved is not None and saved.status == "identified" and saved.identified_at


def test_the_statement_becomes_a_reply_written_for_each_customer(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    token = login(client, "mert")
    _save(
        client,
        incident.number,
        token,
        "statement",
        fi="Vika on säiliön tiivisteessä; vaihdamme laitteen maksutta.",
        tr="Sorun hazne contasında; cihazı ücretsiz değiştiriyoruz.",
        en="The fault is in the tank seal; we replace the machine free of charge.",
    )
    with transaction(sessions) as session:
        cases = {
            m.external_id: m.conversation_id
            for m in session.scalars(select(Message).where(Message.direction == "inbound"))
        }
    fi = client.get(f"/conversations/{cases['fb-1']}").text
    en = client.get(f"/conversations/{cases['fb-2']}").text
    tr = client.get(f"/conversations/{cases['fb-3']}").text

    assert "Hei Mikko!" in fi and "tiivisteessä" in fi
    # A public comment: the order number is not repeated in public, it is asked in private.
    assert "yksityisviestinä" in fi and fi.count("KD-2026-104211") == 1  # their own message
    assert "Hi Daniel," in en and "tank seal" in en and "direct message" in en
    assert "Merhaba Selin," in tr and "contasında" in tr
    assert f"#{incident.number}" in fi
    # The incident's page writes the same replies, every customer read at once.
    page = client.get(f"/incidents/{incident.number}").text
    assert page.count('<pre class="suggestion">') == 3
    assert "Hei Mikko!" in page and "Hi Daniel," in page and "Merhaba Selin," in page
    with transaction(sessions) as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        many = customers_of(session, stored, list(cases.values()))
        assert many == {case: customer_of(session, stored, case) for case in cases.values()}


def test_fixed_queues_one_follow_up_per_person_which_an_agent_sends_or_skips(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    token = login(client, "mert")
    _save(client, incident.number, token, "fix_note", en="New seals ship from today.")
    client.post(
        f"/incidents/{incident.number}/status", data={"status": "fixed", "csrf_token": token}
    )
    with transaction(sessions) as session:
        items = session.scalars(
            select(IncidentFollowUp).where(IncidentFollowUp.incident_id == incident.id)
        ).all()
        texts = {item.lang: item.text for item in items}
        ids = [(item.id, item.conversation_id) for item in items]
    assert len(items) == 3
    assert "New seals ship from today." in texts["en"] and "Hi Daniel," in texts["en"]
    assert texts["fi"].startswith("Hei Mikko!")

    token = login(client, "aino")
    (first, case), (second, _) = ids[0], ids[1]
    blocked = client.post(
        f"/incidents/{incident.number}/follow-ups/{first}",
        data={"action": "send", "text": "Soita meille: 040 1234567 &lt;3", "csrf_token": token},
    )
    assert blocked.status_code == 422 and 'role="alert"' in blocked.text
    # The agent's edit comes back to mend, escaped; nothing was sent.
    assert ">Soita meille: 040 1234567 &amp;lt;3</textarea>" in blocked.text
    sent = client.post(
        f"/incidents/{incident.number}/follow-ups/{first}",
        data={
            "action": "send",
            "text": "Hei! Vika on korjattu, kiitos kärsivällisyydestä.",
            "csrf_token": token,
        },
        follow_redirects=False,
    )
    skipped = client.post(
        f"/incidents/{incident.number}/follow-ups/{second}",
        data={"action": "skip", "csrf_token": token},
        follow_redirects=False,
    )
    again = client.post(
        f"/incidents/{incident.number}/follow-ups/{second}",
        data={"action": "skip", "csrf_token": token},
    )

    assert sent.status_code == skipped.status_code == 303
    assert again.status_code == 422
    with transaction(sessions) as session:
        states = {i.id: i for i in session.scalars(select(IncidentFollowUp))}
        assert states[first].state == "sent" and states[first].message_id is not None
        assert states[second].state == "skipped"
        reply = session.get(Message, states[first].message_id)
        assert reply is not None and reply.conversation_id == case
        assert reply.direction == "outbound"


def test_aftercare_exports_markdown_and_pdf_with_the_review(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    token = login(client, "mert")
    _save(
        client,
        incident.number,
        token,
        "review",
        went_well="Found in **an hour** <b>",
        improve="Statement earlier",
        change="Seal supplier; manual page 4",
    )

    login(client, "aino")
    assert client.get(f"/incidents/{incident.number}/aftercare.md").status_code == 403
    # An agent is not offered the exports she may not have.
    assert "aftercare.md" not in client.get(f"/incidents/{incident.number}").text
    assert "format=md" not in client.get("/incidents/aftercare").text
    login(client, "mert")
    assert "aftercare.md" in client.get(f"/incidents/{incident.number}").text
    text = client.get(f"/incidents/{incident.number}/aftercare.md").text
    pdf = client.get(f"/incidents/{incident.number}/aftercare.pdf")
    period = client.get("/incidents/aftercare")
    period_md = client.get("/incidents/aftercare?format=md")
    bad = client.get("/incidents/aftercare?start=2026-13-01")
    # The first and last days a date can hold: a clear refusal, not a failure in the zone sums.
    extremes = [
        client.get("/incidents/aftercare", params={"start": "0001-01-01", "format": kind})
        for kind in ("html", "pdf")
    ] + [client.get("/incidents/aftercare", params={"end": "9999-12-31"})]

    assert f"# Incident #{incident.number}" in text
    assert "| People affected | 3 |" in text
    assert r"Found in \*\*an hour\*\* \<b\>" in text  # people's text cannot mark itself up
    assert r"\<script\>alert(1)\</script\>" in text
    assert "Seal supplier; manual page 4" in text
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert period.status_code == 200 and f"/incidents/{incident.number}" in period.text
    assert f"| {incident.number} |" in period_md.text
    assert bad.status_code in (400, 422)
    assert [answer.status_code for answer in extremes] == [400, 400, 400]


def test_an_untitled_incident_is_named_by_its_number_in_the_after_care(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    with transaction(sessions) as session:
        stored = session.get(Incident, incident.id)
        assert stored is not None
        stored.title = ""
    login(client, "mert")

    period = client.get("/incidents/aftercare").text
    one = client.get(f"/incidents/{incident.number}/aftercare.md").text
    many = client.get("/incidents/aftercare?format=md").text

    assert f'<a href="/incidents/{incident.number}">#{incident.number}</a>' in period
    assert one.startswith(f"# Incident #{incident.number}\n")
    assert f"| {incident.number} | — |" in many


def test_alerts_name_the_incident(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    login(client, "ada")

    page = client.get("/alerts").text

    assert page.count(f'href="/incidents/{incident.number}"') == 2  # pattern, then problem
    assert timedelta(0) <= now - incident.first_at


def test_once_fixed_the_conversation_page_no_longer_offers_the_working_on_it_reply(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    incident = _wave(sessions, now)
    token = login(client, "mert")
    _save(client, incident.number, token, "statement", en="We replace the seal.")
    with transaction(sessions) as session:
        case = session.scalar(select(Message.conversation_id).where(Message.external_id == "fb-2"))
    before = client.get(f"/conversations/{case}").text
    client.post(
        f"/incidents/{incident.number}/status", data={"status": "fixed", "csrf_token": token}
    )
    after = client.get(f"/conversations/{case}").text

    assert "We replace the seal." in before and 'id="known-issue"' in before
    assert 'id="known-issue"' not in after


def test_an_erased_customer_leaves_counts_but_no_content_in_the_incident(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    from vastaa.customers.service import erase
    from vastaa.incidents.models import IncidentMember
    from vastaa.incidents.service import queue_follow_ups

    incident = _wave(sessions, now)
    with transaction(sessions) as session:
        saved = session.get(Incident, incident.id)
        assert saved is not None
        queue_follow_ups(session, saved, now=now)
        message = session.scalar(select(Message).where(Message.external_id == "fb-2"))
        assert message is not None and message.author_id is not None
        from vastaa.customers.models import Author

        author = session.get(Author, message.author_id)
        assert author is not None and author.customer_id is not None
        erase(session, customer_id=author.customer_id, now=now, keep_evidence=True)
    with transaction(sessions) as session:
        member = session.get(IncidentMember, message.id)
        follow_up = session.scalar(
            select(IncidentFollowUp).where(
                IncidentFollowUp.conversation_id == message.conversation_id
            )
        )
        assert member is not None and member.vector == b"" and member.signature == {}
        assert follow_up is not None and "Daniel" not in follow_up.text
        saved = session.get(Incident, incident.id)
        assert saved is not None and saved.people == 3
