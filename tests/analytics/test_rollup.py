"""The daily rollups (R31) on both databases: what was said, the conversations and the agents,
summed per day in the team's time zone; later changes recompute only their days; a new time
zone recomputes everything."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import fields
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.factories import X, events, message
from vastaa.analytics import rollup, stale
from vastaa.analytics.models import (
    FRT_BUCKETS,
    AgentSums,
    AnalyticsStale,
    AnalyticsState,
    CaseSums,
    DailyAgents,
    DailyAgentTotals,
    DailyAreaTotals,
    DailyCases,
    DailyCaseTotals,
    DailyMessages,
    DailyMessageTotals,
    SaidSums,
)
from vastaa.analytics.queries import CASE_SUMS, SAID_SUMS, Totals
from vastaa.analytics.rollup import (
    _Agent,
    _Cases,
    _Said,
    changed_days,
    coarser,
    local_day,
    refresh,
    runs,
)
from vastaa.channels.models import Channel
from vastaa.conversations.models import Conversation
from vastaa.conversations.service import set_status
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.pipeline.ingest import ingest
from vastaa.sla.service import add_policy
from vastaa.triage.rules import PriorityWeights
from vastaa.triage.tasks import triage_pending

HELSINKI = "Europe/Helsinki"


def _analysis(label: str, score: float, area: str | None, *intents: str) -> dict[str, Any]:
    return {
        "lang": "fi",
        "sentiment": {"label": label, "score": score},
        "problem_area": area,
        "intents": list(intents),
    }


def _at(now: datetime, minutes: int) -> str:
    return (now + timedelta(minutes=minutes)).isoformat()


def _load(sessions: sessionmaker[Session], now: datetime, agent: uuid.UUID) -> None:
    """Three conversations: A (Facebook, Finnish) answered by the agent in 30 minutes, then
    thanked (a tone change); B (X, English) at 00:30 Helsinki time, unanswered past its
    deadline; a mention on X."""
    customer = {"id": "fb-u-9", "handle": "liisa", "name": "Liisa", "followers": 3}
    ours = {"id": "fb-page", "handle": "kidesuomi", "name": "Kide Suomi", "followers": 900}
    x_user = {"id": "x-u-1", "handle": "jo", "name": "Jo", "followers": 1}
    batch = events(
        message("a1", author=customer, lang="fi", created_at=_at(now, -120), text="Paketti?"),
        message(
            "a2",
            author=ours,
            direction="outbound",
            parent_id="a1",
            thread_id="a1",
            lang="fi",
            created_at=_at(now, -90),
            text="Selvitämme.",
        ),
        message(
            "a3",
            author=customer,
            parent_id="a2",
            thread_id="a1",
            lang="fi",
            created_at=_at(now, -60),
            text="Kiitos!",
        ),
        message(
            "b1",
            channel=X,
            author=x_user,
            lang="en",
            kind="mention",
            created_at=datetime(2026, 11, 19, 22, 30, tzinfo=now.tzinfo).isoformat(),
            text="@KideHome broken",
        ),
    )
    with transaction(sessions) as session:
        ingest(session, batch, now=now)
        moods = {
            "a1": _analysis("negative", -0.6, "delivery", "complaint"),
            "a3": _analysis("positive", 0.8, None, "praise"),
            "b1": _analysis("negative", -0.4, "product", "complaint"),
        }
        for external_id, analysis in moods.items():
            session.execute(
                update(Message)
                .where(Message.external_id == external_id)
                .values(analysis=analysis, analyzed_at=now)
            )
        session.execute(update(Message).where(Message.external_id == "a2").values(sent_by_id=agent))
    with transaction(sessions) as session:
        triage_pending(session, now=now, weights=PriorityWeights())


def _platforms(session: Session) -> dict[uuid.UUID, str]:
    return {
        channel_id: platform
        for channel_id, platform in session.execute(select(Channel.id, Channel.platform))
    }


def _said(session: Session, day: date) -> dict[tuple[str, str, str], dict[str, Any]]:
    platforms = _platforms(session)
    rows = session.scalars(select(DailyMessages).where(DailyMessages.day == day)).all()
    return {
        (platforms[r.channel_id], r.lang, r.area): {
            k: getattr(r, k)
            for k in ("inbound", "mentions", "complaints", "negative", "positive", "outbound")
        }
        for r in rows
    }


def _cases(session: Session, day: date) -> dict[str, dict[str, Any]]:
    platforms = _platforms(session)
    rows = session.scalars(select(DailyCases).where(DailyCases.day == day)).all()
    found: dict[str, dict[str, Any]] = {}
    for r in rows:
        found[platforms[r.channel_id]] = {
            k: getattr(r, k)
            for k in (
                "cases",
                "needing",
                "answered",
                "frt_minutes",
                "frt_60",
                "sla_met",
                "sla_missed",
                "resolved",
                "tone_changes",
                "tone_thanked",
                "tone_left",
            )
        }
    return found


def test_a_day_sums_what_was_said_the_conversations_and_the_agents(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    refresh(sessions, now=now, timezone=HELSINKI)
    today = date(2026, 11, 20)
    with transaction(sessions) as session:
        said = _said(session, today)
        assert said[("facebook", "fi", "delivery")] == {
            "inbound": 1,
            "mentions": 0,
            "complaints": 1,
            "negative": 1,
            "positive": 0,
            "outbound": 0,
        }
        assert said[("facebook", "fi", "")] == {
            "inbound": 1,
            "mentions": 0,
            "complaints": 0,
            "negative": 0,
            "positive": 1,
            "outbound": 1,
        }
        # 22:30 UTC on the 19th is 00:30 on the 20th in Helsinki.
        assert said[("x", "en", "product")]["mentions"] == 1
        assert not _said(session, date(2026, 11, 19))
        cases = _cases(session, today)
        assert cases["facebook"] | {"frt_minutes": 0} == {
            "cases": 1,
            "needing": 1,
            "answered": 1,
            "frt_minutes": 0,
            "frt_60": 1,
            "sla_met": 1,
            "sla_missed": 0,
            "resolved": 0,
            "tone_changes": 1,
            "tone_thanked": 0,
            "tone_left": 0,
        }
        assert cases["facebook"]["frt_minutes"] == 30
        assert cases["x"]["answered"] == 0 and cases["x"]["sla_missed"] == 1
        agent = session.scalars(select(DailyAgents)).one()
        assert (agent.agent_id, agent.day, agent.replies) == (cast["aino"], today, 1)
        assert (agent.first_responses, agent.frt_minutes) == (1, 30)


def test_the_coarse_tables_hold_the_fine_sums(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    refresh(sessions, now=now, timezone=HELSINKI)
    with transaction(sessions) as session:
        fine = session.execute(
            select(
                DailyMessages.day,
                DailyMessages.channel_id,
                DailyMessages.lang,
                func.sum(DailyMessages.inbound),
                func.sum(DailyMessages.complaints),
                func.sum(DailyMessages.outbound),
            ).group_by(DailyMessages.day, DailyMessages.channel_id, DailyMessages.lang)
        ).all()
        totals = session.execute(
            select(
                DailyMessageTotals.day,
                DailyMessageTotals.channel_id,
                DailyMessageTotals.lang,
                DailyMessageTotals.inbound,
                DailyMessageTotals.complaints,
                DailyMessageTotals.outbound,
            )
        ).all()
        assert sorted(map(tuple, totals)) == sorted(map(tuple, fine))
        assert len(totals) < session.scalar(select(func.count()).select_from(DailyMessages))
        agent = session.scalars(select(DailyAgentTotals)).one()
        assert (agent.agent_id, agent.replies, agent.first_responses) == (cast["aino"], 1, 1)
        for coarse, fine, key in (
            (DailyAreaTotals, DailyMessages, "area"),
            (DailyCaseTotals, DailyCases, "team_id"),
        ):
            names = [c.name for c in coarse.__table__.columns if c.name not in ("id", "day", key)]
            summed = session.execute(
                select(
                    fine.day, getattr(fine, key), *(func.sum(getattr(fine, n)) for n in names)
                ).group_by(fine.day, getattr(fine, key))
            ).all()
            held = session.execute(
                select(coarse.day, getattr(coarse, key), *(getattr(coarse, n) for n in names))
            ).all()
            assert summed and sorted(map(tuple, held), key=repr) == sorted(
                map(tuple, summed), key=repr
            )


def test_coarser_sums_over_the_keys_left_out() -> None:
    rows: list[dict[str, object]] = [
        {"day": 1, "agent_id": "a", "channel_id": "x", "replies": 2, "first_responses": 1,
         "frt_minutes": 3.5},
        {"day": 1, "agent_id": "a", "channel_id": "y", "replies": 1, "first_responses": 0,
         "frt_minutes": 0.0},
        {"day": 2, "agent_id": "a", "channel_id": "x", "replies": 4, "first_responses": 2,
         "frt_minutes": 1.0},
    ]  # fmt: skip
    assert coarser(rows, ("day", "agent_id"), ["replies", "first_responses", "frt_minutes"]) == [
        {"day": 1, "agent_id": "a", "replies": 3, "first_responses": 1, "frt_minutes": 3.5},
        {"day": 2, "agent_id": "a", "replies": 4, "first_responses": 2, "frt_minutes": 1.0},
    ]


def test_later_changes_recompute_their_days_only(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    assert refresh(sessions, now=now, timezone=HELSINKI) >= 1
    later = now + timedelta(hours=2)
    # Nothing changed: nothing but the last few minutes' days to look at again.
    with transaction(sessions) as session:
        stamp = session.scalar(select(AnalyticsState.refreshed_at))
        assert stamp == now
        assert (
            changed_days(
                session, since=later - timedelta(minutes=5), now=later, zone=ZoneInfo(HELSINKI)
            )
            == set()
        )
    # The conversation on Facebook is resolved, and an old review is backfilled.
    old = now - timedelta(days=5)
    with transaction(sessions) as session:
        case_id = session.scalar(
            select(Conversation.id)
            .join(Message, Message.conversation_id == Conversation.id)
            .where(Message.external_id == "a1")
        )
        assert case_id is not None
        set_status(session, conversation_id=case_id, status="resolved", now=later)
        ingest(
            session,
            events(message("old", lang="fi", created_at=old.isoformat(), text="Vanha")),
            now=later,
        )
        session.execute(
            update(Message)
            .where(Message.external_id == "old")
            .values(analysis=_analysis("neutral", 0.0, None), analyzed_at=later)
        )
    days = refresh(sessions, now=later, timezone=HELSINKI)
    assert days == 2  # the backfilled day and the resolved conversation's day
    with transaction(sessions) as session:
        assert (
            _said(session, local_day(old, ZoneInfo(HELSINKI)))[("facebook", "fi", "")]["inbound"]
            == 1
        )
        cases = _cases(session, date(2026, 11, 20))
        assert cases["facebook"]["resolved"] == 1
        assert cases["facebook"]["tone_thanked"] == 0 and cases["facebook"]["tone_left"] == 1
        assert cases["x"]["sla_missed"] == 1  # the untouched row is the same


def test_a_new_time_zone_recomputes_every_day(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    refresh(sessions, now=now, timezone=HELSINKI)
    refresh(sessions, now=now + timedelta(minutes=1), timezone="UTC")
    with transaction(sessions) as session:
        assert _said(session, date(2026, 11, 19))[("x", "en", "product")]["inbound"] == 1
        total = session.scalar(select(func.sum(DailyMessages.inbound)))
        assert total == 3
        assert session.scalar(select(AnalyticsState.timezone)) == "UTC"


def test_runs_group_consecutive_days_a_week_at_most() -> None:
    days = [date(2026, 1, d) for d in (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 20)]
    assert list(runs(days)) == [
        (date(2026, 1, 1), date(2026, 1, 3)),
        (date(2026, 1, 5), date(2026, 1, 11)),
        (date(2026, 1, 12), date(2026, 1, 12)),
        (date(2026, 1, 20), date(2026, 1, 20)),
    ]
    assert list(runs([])) == []


def test_once_a_day_every_day_is_summed_again(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    first = refresh(sessions, now=now, timezone=HELSINKI)
    assert refresh(sessions, now=now + timedelta(hours=1), timezone=HELSINKI) <= 1
    # A row that drifted (a change that left no trace and marked nothing) is put right by the
    # sweep.
    with transaction(sessions) as session:
        session.execute(update(DailyMessages).values(inbound=99))
    assert refresh(sessions, now=now + timedelta(days=1, minutes=1), timezone=HELSINKI) == first + 1
    with transaction(sessions) as session:
        assert session.scalar(select(func.sum(DailyMessages.inbound))) == 3


def test_an_older_message_arriving_late_takes_its_conversation_off_the_old_first_day(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    refresh(sessions, now=now + timedelta(minutes=10), timezone=HELSINKI)  # after the analysis
    customer = {"id": "fb-u-9", "handle": "liisa", "name": "Liisa", "followers": 3}
    earlier = now - timedelta(days=2)
    with transaction(sessions) as session:
        late = message(
            "a0",
            author=customer,
            parent_id="a1",
            thread_id="a1",
            lang="fi",
            created_at=earlier.isoformat(),
            text="Kysyin tätä jo aiemmin",
        )
        ingest(session, events(late), now=now + timedelta(minutes=30))
        first = session.scalar(select(func.min(Conversation.first_message_at)))
        assert first == earlier  # the conversation now begins two days earlier
    refresh(sessions, now=now + timedelta(hours=1), timezone=HELSINKI)  # not the daily sweep
    with transaction(sessions) as session:
        assert _cases(session, local_day(earlier, ZoneInfo(HELSINKI)))["facebook"]["cases"] == 1
        assert "facebook" not in _cases(session, date(2026, 11, 20))
        assert session.scalar(select(func.count()).select_from(AnalyticsStale)) == 0


def test_moments_marked_stale_are_summed_again_at_the_next_refresh(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    refresh(sessions, now=now + timedelta(minutes=10), timezone=HELSINKI)  # after the analysis
    with transaction(sessions) as session:
        session.execute(update(DailyMessages).values(inbound=99))  # as if a change left no trace
        stale.mark(session, [now - timedelta(hours=2), None])
    assert refresh(sessions, now=now + timedelta(hours=1), timezone=HELSINKI) == 1
    with transaction(sessions) as session:
        assert session.scalar(select(func.sum(DailyMessages.inbound))) == 3
        assert session.scalar(select(func.count()).select_from(AnalyticsStale)) == 0


def _refresh(
    sessions: sessionmaker[Session],
    now: datetime,
    start: threading.Barrier,
    failed: list[Exception],
) -> None:
    start.wait()
    try:
        refresh(sessions, now=now, timezone=HELSINKI)
    except Exception as error:  # the test reports it
        failed.append(error)


def test_two_first_refreshes_at_once_both_finish_and_agree(
    sessions: sessionmaker[Session],
    now: datetime,
    cast: dict[str, uuid.UUID],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The worker's thread and ``vastaa analytics refresh`` started together on a new desk: both
    see no rollups yet and sum every day. Each step waits a random moment, so that their
    transactions interleave differently in each round; neither may fail or double a row."""
    _load(sessions, now, cast["aino"])
    shuffle = random.Random(8)

    def late(step: Callable[..., Any]) -> Callable[..., Any]:
        def waited(*args: Any, **kwargs: Any) -> Any:
            time.sleep(shuffle.random() * 0.03)
            return step(*args, **kwargs)

        return waited

    for name in ("compute", "replace", "_keep_only"):
        monkeypatch.setattr(rollup, name, late(getattr(rollup, name)))
    for _ in range(8):
        with transaction(sessions) as session:
            session.execute(delete(AnalyticsState))
            for table in rollup.TABLES:
                session.execute(delete(table))
        start, failed = threading.Barrier(2), list[Exception]()
        both = [
            threading.Thread(target=_refresh, args=(sessions, now, start, failed)) for _ in "ab"
        ]
        for thread in both:
            thread.start()
        for thread in both:
            thread.join()
        assert not failed
        with transaction(sessions) as session:
            assert session.scalar(select(func.sum(DailyMessages.inbound))) == 3
            assert session.scalar(select(func.count()).select_from(AnalyticsState)) == 1


def test_an_sla_policy_added_sums_every_day_again(
    sessions: sessionmaker[Session], now: datetime, cast: dict[str, uuid.UUID]
) -> None:
    _load(sessions, now, cast["aino"])
    every = refresh(sessions, now=now, timezone=HELSINKI)
    assert refresh(sessions, now=now + timedelta(minutes=30), timezone=HELSINKI) <= 1
    with transaction(sessions) as session:
        add_policy(session, name="Nopeat", now=now, first_minutes=15)
    assert refresh(sessions, now=now + timedelta(hours=1), timezone=HELSINKI) == every


def test_the_brands_own_posts_are_not_replies_and_a_conversation_takes_its_messages_language(
    sessions: sessionmaker[Session], now: datetime
) -> None:
    from vastaa.analysis.analyzer import FastAnalyzer
    from vastaa.analysis.tasks import analyze_pending

    ours = {"id": "fb-page", "handle": "kidesuomi", "name": "Kide Suomi", "followers": 900}
    with transaction(sessions) as session:
        ingest(
            session,
            events(
                message("post", author=ours, direction="outbound", kind="post", text="Uutuus!"),
                message(
                    "c1", parent_id="post", text="Tilaukseni on myöhässä jo viikon, missä se on?"
                ),
            ),
            now=now,
        )
    analyze_pending(sessions, FastAnalyzer(), clock=lambda: now)
    refresh(sessions, now=now, timezone=HELSINKI)
    with transaction(sessions) as session:
        said = _said(session, date(2026, 11, 20))
        assert sum(row["outbound"] for row in said.values()) == 0
        langs = set(session.scalars(select(Conversation.lang)))
        assert "fi" in langs


def test_the_sums_are_named_alike_in_the_rollup_the_tables_and_the_totals() -> None:
    said = [f.name for f in fields(_Said)]
    agent = [f.name for f in fields(_Agent)]
    assert said == list(SaidSums.__annotations__) == list(SAID_SUMS)
    assert agent == list(AgentSums.__annotations__)
    assert [f.name for f in fields(Totals)] == [*SAID_SUMS, *CASE_SUMS]
    assert set(_Cases().as_row()) == set(CASE_SUMS) | {
        f"frt_{limit}" for limit in (*FRT_BUCKETS, "more")
    }
    assert set(_Cases().as_row()) == set(CaseSums.__annotations__)
