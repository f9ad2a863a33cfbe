"""Spike alerts (R3) on both databases: a week of inbound messages, each in a conversation of its
own, whose analysis (problem area and sentiment) says its topic and mood; the last six hours
against the 28 spans before them."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import NOW, login
from tests.factories import message
from vastaa.conversations.models import Conversation
from vastaa.db import transaction
from vastaa.incidents.spikes import SPANS, Spike, SpikeWatch, find_spikes, raise_alerts
from vastaa.messages.models import Message
from vastaa.pipeline.events import parse_event
from vastaa.pipeline.ingest import ingest
from vastaa.sla.models import Alert

SPAN = timedelta(hours=6)
Mix = dict[tuple[str, str], int]  # (problem area, sentiment) → messages in one span
_keys = itertools.count()


def _span(n: int, mix: Mix) -> Iterator[tuple[timedelta, str, str]]:
    """The mix spread evenly over span ``n`` (0: the last six hours, 28: a week ago)."""
    total = sum(mix.values())
    ago = (SPAN * (k + 1) / (total + 1) + SPAN * n for k in range(total))
    for (area, sentiment), count in mix.items():
        for _ in range(count):
            yield next(ago), area, sentiment


def _week(earlier: Mix, last: Mix) -> list[tuple[timedelta, str, str]]:
    rows = [row for n in range(1, SPANS + 1) for row in _span(n, earlier)]
    return rows + list(_span(0, last))


def _add(
    sessions: sessionmaker[Session],
    rows: Iterable[tuple[timedelta, str, str]],
    direction: str = "inbound",
) -> None:
    """Each row a message ``ago`` before NOW, in a conversation of its own."""
    rows = list(rows)
    events = []
    for n, (ago, _, _) in enumerate(rows):
        key = next(_keys)
        fields = {"created_at": (NOW - ago).isoformat(), "direction": direction}
        event = message(f"m-{key}", author={"id": f"u-{key}", "handle": f"u{key}"}, **fields)
        events.append(parse_event(event, n))
    with transaction(sessions) as session:
        results = ingest(session, events, now=NOW)
        for result, (_, area, sentiment) in zip(results, rows, strict=True):
            analysis = {"problem_area": area or None, "sentiment": {"label": sentiment}}
            session.execute(
                update(Message).where(Message.id == result.message_id).values(analysis=analysis)
            )


def _alerts(sessions: sessionmaker[Session]) -> list[str]:
    with transaction(sessions) as session:
        return list(session.scalars(select(Alert.text).where(Alert.kind == "spike")))


def _spikes(sessions: sessionmaker[Session], now: datetime = NOW, **kw: int) -> list[Spike]:
    with transaction(sessions) as session:
        return find_spikes(session, now=now, span=SPAN, **kw)


QUIET = {("billing", "neutral"): 8, ("delivery", "neutral"): 1}
BURST = {("billing", "neutral"): 8, ("delivery", "neutral"): 9}


def test_a_burst_of_delivery_complaints_raises_one_volume_spike(
    sessions: sessionmaker[Session],
) -> None:
    # "all" goes from 9 to 17 a span: under 9 + 3·√9, so only delivery (1 → 9) is a spike.
    _add(sessions, _week(QUIET, BURST))

    assert _spikes(sessions) == [Spike("delivery", "volume", 9, 9.0, 1.0)]
    assert SpikeWatch().run_if_due(sessions, NOW) == 1
    assert _alerts(sessions) == [
        "Spike in volume: delivery, 9 messages in the last hours (usually 1.0)"
    ]
    with transaction(sessions) as session:
        assert session.scalars(select(Alert.detail)).all() == [
            {"topic": "delivery", "kind": "volume", "count": 9, "value": 9.0, "baseline": 1.0}
        ]


def test_the_alerts_page_says_a_spike_in_the_readers_language(
    client: TestClient, sessions: sessionmaker[Session], cast: dict[str, uuid.UUID]
) -> None:
    _add(sessions, _week(QUIET, BURST))
    SpikeWatch().run_if_due(sessions, NOW)

    login(client, "aino")  # reads Finnish
    finnish = client.get("/alerts").text
    login(client, "mert")  # reads Turkish
    turkish = client.get("/alerts").text

    assert "toimitus – määrä: 9 viestiä viime tunteina (yleensä 1.0)" in finnish
    assert "teslimat hacmi: son saatlerde 9 mesaj (genellikle 1.0)" in turkish
    assert "Spike in volume" not in finnish + turkish


def test_a_jump_in_the_negative_share_raises_a_negativity_spike(
    sessions: sessionmaker[Session],
) -> None:
    earlier = {("billing", "negative"): 1, ("billing", "neutral"): 5}
    last = {("billing", "negative"): 5, ("billing", "neutral"): 1}
    _add(sessions, _week(earlier, last))

    spikes = _spikes(sessions)
    assert {(s.topic, s.kind) for s in spikes} == {("all", "negativity"), ("billing", "negativity")}
    assert SpikeWatch().run_if_due(sessions, NOW) == 2
    assert "Spike in negativity: billing, 83% negative of 6 (usually 17%)" in _alerts(sessions)


def test_each_message_counts_with_its_own_analysis(sessions: sessionmaker[Session]) -> None:
    earlier = {("billing", "negative"): 1, ("billing", "neutral"): 5}
    last = {("billing", "negative"): 5, ("billing", "neutral"): 1}
    _add(sessions, _week(earlier, last))
    # The conversations' mood now says nothing of the messages before.
    with transaction(sessions) as session:
        session.execute(update(Conversation).values(problem_area="product", sentiment="positive"))
    # Messages not analysed yet count for volume, not for the negative share.
    with transaction(sessions) as session:
        ingest(
            session,
            [parse_event(message(f"new-{n}", created_at=(NOW - SPAN / 2).isoformat()), n)
             for n in range(4)],
            now=NOW,
        )  # fmt: skip

    spikes = {(s.topic, s.kind): s for s in _spikes(sessions)}
    assert spikes[("billing", "negativity")].count == 6
    assert spikes[("all", "negativity")].count == 6
    assert ("product", "negativity") not in spikes


def test_steady_traffic_raises_nothing(sessions: sessionmaker[Session]) -> None:
    busy = {("billing", "negative"): 3, ("billing", "neutral"): 7, ("delivery", "neutral"): 4}
    calm = {("billing", "negative"): 1, ("billing", "neutral"): 5, ("delivery", "neutral"): 2}
    rows = [row for n in range(1, SPANS + 1) for row in _span(n, busy if n % 2 else calm)]
    _add(sessions, rows + list(_span(0, busy)))

    assert _spikes(sessions) == []
    assert SpikeWatch().run_if_due(sessions, NOW) == 0
    assert _alerts(sessions) == []


def test_fewer_than_min_volume_messages_raise_nothing(sessions: sessionmaker[Session]) -> None:
    # Out of nothing, four angry messages would be a spike; five are needed.
    _add(sessions, _span(0, {("delivery", "negative"): 4}))

    assert SpikeWatch().run_if_due(sessions, NOW) == 0
    assert _alerts(sessions) == []
    assert {(s.topic, s.kind) for s in _spikes(sessions, min_volume=4)} == {
        ("all", "volume"),
        ("delivery", "volume"),
    }


def test_only_inbound_messages_of_the_last_week_count(sessions: sessionmaker[Session]) -> None:
    _add(sessions, _week(QUIET, BURST))
    _add(sessions, _span(0, {("delivery", "negative"): 20}), direction="outbound")
    # A busy span just older than the week does not raise the baseline.
    _add(sessions, [(SPAN * (SPANS + 1) + timedelta(minutes=5), "delivery", "neutral")] * 100)

    assert _spikes(sessions) == [Spike("delivery", "volume", 9, 9.0, 1.0)]


def test_a_message_dated_in_the_future_is_not_counted(sessions: sessionmaker[Session]) -> None:
    _add(sessions, _week(QUIET, BURST))
    _add(sessions, [(-timedelta(days=days), "delivery", "neutral") for days in (1, 3, 10)])

    assert _spikes(sessions) == [Spike("delivery", "volume", 9, 9.0, 1.0)]


def test_the_watch_looks_only_once_every_quarter_hour(sessions: sessionmaker[Session]) -> None:
    _add(sessions, _week(QUIET, BURST))
    watch = SpikeWatch()
    assert watch.run_if_due(sessions, NOW) == 1
    with transaction(sessions) as session:
        session.execute(delete(Alert))

    assert watch.run_if_due(sessions, NOW + timedelta(minutes=14)) == 0
    assert _alerts(sessions) == [] and watch.last_run == NOW
    assert watch.run_if_due(sessions, NOW + timedelta(minutes=15)) == 1


def test_a_spike_is_alerted_once_within_a_span(sessions: sessionmaker[Session]) -> None:
    _add(sessions, _week(QUIET, BURST))
    watch = SpikeWatch()
    assert watch.run_if_due(sessions, NOW) == 1
    for minutes in (15, 30):
        later = NOW + timedelta(minutes=minutes)
        assert [s.topic for s in _spikes(sessions, later)] == ["delivery"]  # still a spike
        assert watch.run_if_due(sessions, later) == 0
    assert len(_alerts(sessions)) == 1


def test_the_same_topic_and_kind_alerts_again_only_after_a_span(
    sessions: sessionmaker[Session],
) -> None:
    volume = Spike("delivery", "volume", 9, 9.0, 1.0)
    others = [
        Spike("delivery", "negativity", 9, 0.8, 0.1),  # another kind
        Spike("all", "volume", 30, 30.0, 9.0),  # another topic
        Spike("user_error", "volume", 9, 9.0, 1.0),
    ]
    with transaction(sessions) as session:
        assert raise_alerts(session, [volume], now=NOW, span=SPAN) == 1
        assert raise_alerts(session, [volume], now=NOW + SPAN / 2, span=SPAN) == 0
        assert raise_alerts(session, others, now=NOW + SPAN / 2, span=SPAN) == 3
        assert raise_alerts(session, [volume], now=NOW + SPAN, span=SPAN) == 1
    assert len(_alerts(sessions)) == 5
