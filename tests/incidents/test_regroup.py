"""People correcting the grouping (R29), on both databases: a supervisor moves complaints to a
new incident or another one and merges incidents; counts, levels, alerts, follow-ups and texts
follow; a merged number leads to the incident it joined and is never given out again; what
cannot be done is refused with a reason, and agents cannot do it."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.incidents.test_views import _wave
from vastaa.audit.models import AuditEntry
from vastaa.channels.service import save_brand
from vastaa.db import transaction
from vastaa.errors import NotFoundError, PermanentError
from vastaa.incidents import regroup
from vastaa.incidents.detection import Thresholds, new_incident
from vastaa.incidents.models import Incident, IncidentAlias, IncidentFollowUp, IncidentMember
from vastaa.incidents.service import incident_numbered, set_status
from vastaa.messages.models import Message
from vastaa.sla.models import Alert

THRESHOLDS = Thresholds()


def _members(session: Session, incident: Incident) -> list[uuid.UUID]:
    """The incident's complaints, oldest first."""
    return list(
        session.scalars(
            select(IncidentMember.message_id)
            .where(IncidentMember.incident_id == incident.id)
            .order_by(IncidentMember.at)
        )
    )


def _audited(session: Session, number: int) -> list[str]:
    return list(
        session.scalars(
            select(AuditEntry.summary).where(
                AuditEntry.target_type == "incident", AuditEntry.target_id == str(number)
            )
        )
    )


def test_a_split_makes_a_new_incident_and_a_merge_brings_it_back(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    wave = _wave(sessions, now)
    with transaction(sessions) as session:
        source = incident_numbered(session, wave.number)
        first, *later = _members(session, source)
        split = regroup.move(
            session, source, later, None, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now
        )
        assert (split.number, split.people, split.level) == (wave.number + 1, 2, "pattern")
        assert _members(session, split) == later and split.product == "Aamu A2"
        # The source keeps one person: no longer a problem, nor a pattern.
        assert (source.people, source.level, source.problem_at) == (1, "isolated", None)
        kinds = session.scalars(select(Alert.kind).where(Alert.incident_id == split.id)).all()
        assert kinds == ["incident_pattern"]
        moved = f"#{split.number}: 2 complaints moved from #{wave.number}"
        assert _audited(session, split.number) == [moved]
        split_number = split.number

    with transaction(sessions) as session:
        source = incident_numbered(session, wave.number)
        split = incident_numbered(session, split_number)
        split.statement = {"en": "The tank seal is faulty."}
        regroup.merge(session, source, split, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now)
        assert _members(session, source) == [first, *later]
        assert (source.people, source.level) == (3, "problem")
        assert source.statement == {"en": "The tank seal is faulty."}  # it had none
        assert regroup.merged_into(session, split_number) == wave.number
        assert f"#{split_number}: merged into #{wave.number}" in _audited(session, split_number)
        # The merged number is never given out again.
        assert new_incident(session, None, now, now).number == split_number + 1


def test_moving_complaints_into_another_incident_and_merging_keep_one_follow_up_per_person(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    wave = _wave(sessions, now)
    with transaction(sessions) as session:
        source = incident_numbered(session, wave.number)
        set_status(session, source, "fixed", actor_id=cast["mert"], now=now)
        first, second, third = _members(session, source)
        other = regroup.move(
            session, source, [third], None, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now
        )
        # The draft for the person who left is dropped; the new incident is not fixed yet.
        drafts = session.scalars(select(IncidentFollowUp.incident_id)).all()
        assert drafts == [source.id, source.id]
        # Back into the fixed one: that person's follow-up is drafted again, once.
        regroup.merge(session, source, other, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now)
        drafts = session.scalars(select(IncidentFollowUp.incident_id)).all()
        assert drafts == [source.id] * 3
        # A complaint moved to another open incident joins it there.
        target = regroup.move(
            session, source, [second], None, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now
        )
        regroup.move(
            session, source, [first], target, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now
        )
        assert _members(session, target) == [first, second] and target.people == 2


@pytest.mark.parametrize(
    ("case", "error"),
    [
        ("nothing", "choose the complaints"),
        ("everything", "merge the incident instead"),
        ("stranger", "not in incident"),
        ("closed", "is closed"),
        ("other brand", "another brand"),
        ("itself", "choose another incident"),
    ],
)
def test_what_cannot_be_moved_is_refused_with_a_reason(
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
    case: str,
    error: str,
) -> None:
    wave = _wave(sessions, now)
    actor = cast["mert"]
    with transaction(sessions) as session:
        source = incident_numbered(session, wave.number)
        members = _members(session, source)
        target: Incident | None = None
        chosen = members[:1]
        if case == "nothing":
            chosen = []
        elif case == "everything":
            chosen = members
        elif case == "stranger":
            chosen = [session.scalar(select(Message.id).where(Message.id.not_in(members)))]
        elif case == "closed":
            target = new_incident(session, source.brand_id, now, now)
            target.closed_at = now
        elif case == "other brand":
            other = save_brand(session, name="Toinen", signature=None, now=now)
            target = new_incident(session, other.id, now, now)
        else:
            target = source
        expected = NotFoundError if case == "stranger" else PermanentError
        with pytest.raises(expected, match=error):
            regroup.move(
                session, source, chosen, target, thresholds=THRESHOLDS, actor_id=actor, now=now
            )


def test_a_supervisor_splits_and_merges_on_the_page_and_an_agent_cannot(
    client: TestClient, sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    wave = _wave(sessions, now)
    with transaction(sessions) as session:
        members = _members(session, incident_numbered(session, wave.number))
    token = login(client, "aino")
    assert 'name="member"' not in client.get(f"/incidents/{wave.number}").text
    refused = client.post(
        f"/incidents/{wave.number}/move",
        data={"to": "new", "member": [str(members[0])], "csrf_token": token},
    )
    assert refused.status_code == 403

    token = login(client, "mert")
    page = client.get(f"/incidents/{wave.number}").text
    assert page.count('name="member"') == 3
    moved = client.post(
        f"/incidents/{wave.number}/move",
        data={"to": "new", "member": [str(m) for m in members[1:]], "csrf_token": token},
        follow_redirects=False,
    )
    assert moved.headers["location"] == f"/incidents/{wave.number + 1}"
    everything = client.post(
        f"/incidents/{wave.number}/move",
        data={"to": "new", "member": [str(members[0])], "csrf_token": token},
    )
    # Said in the supervisor's language (Mert reads Turkish).
    assert everything.status_code == 422 and "olayı birleştirin" in everything.text
    # The source's page offers the new incident to merge back.
    page = client.get(f"/incidents/{wave.number}").text
    assert f'<option value="{wave.number + 1}">#{wave.number + 1} ' in page
    merged = client.post(
        f"/incidents/{wave.number}/merge",
        data={"other": str(wave.number + 1), "csrf_token": token},
        follow_redirects=False,
    )
    assert merged.status_code == 303
    gone = client.get(f"/incidents/{wave.number + 1}", follow_redirects=False)
    assert gone.headers["location"] == f"/incidents/{wave.number}"
    report = client.get(f"/incidents/{wave.number + 1}/aftercare.pdf", follow_redirects=False)
    assert report.headers["location"] == f"/incidents/{wave.number}/aftercare.pdf"
    # A form sent from the old page changes nothing and says why, on the incident it joined.
    stale = client.post(
        f"/incidents/{wave.number + 1}/status", data={"status": "fixed", "csrf_token": token}
    )
    assert stale.status_code == 409 and "birleştirildi" in stale.text
    with transaction(sessions) as session:
        aliases = session.scalars(select(IncidentAlias.number)).all()
        assert aliases == [wave.number + 1]
        assert session.get(Incident, wave.id) is not None
    unknown = client.post(
        f"/incidents/{wave.number}/merge", data={"other": "x", "csrf_token": token}
    )
    assert unknown.status_code == 422 and "bir olay seçin" in unknown.text


def test_nothing_is_merged_into_a_closed_incident(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    wave = _wave(sessions, now)
    with transaction(sessions) as session:
        survivor = incident_numbered(session, wave.number)
        other = new_incident(session, survivor.brand_id, now, now)
        survivor.closed_at = now
        with pytest.raises(PermanentError, match="is closed"):
            regroup.merge(
                session, survivor, other, thresholds=THRESHOLDS, actor_id=cast["mert"], now=now
            )
