"""Which view a conversation lands in, and how its priority and reason are made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from vastaa.triage.rules import Facts, PriorityWeights, triage

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
WEIGHTS = PriorityWeights()


def analysis(
    label: str = "neutral",
    score: float = 0.0,
    intents: tuple[str, ...] = (),
    *,
    specific: bool = False,
    toxic: bool = False,
    offensive: float = 0.0,
    vague_rude: bool = False,
) -> dict[str, Any]:
    return {
        "sentiment": {"label": label, "score": score},
        "intents": list(intents),
        "specific": specific,
        "abuse": {"toxic": toxic, "scores": {"offensive": offensive}},
        "vague_rude": vague_rude,
    }


def facts(**changes: Any) -> Facts:
    values: dict[str, Any] = {
        "status": "open",
        "public": True,
        "followers": 0,
        "analysis": analysis(),
        "earlier_negative": False,
        "last_is_ours": False,
    }
    values.update(changes)
    return Facts(**values)


def test_each_situation_lands_in_its_view() -> None:
    cases = {
        "needs_reply": facts(analysis=analysis("negative", -0.8, ("complaint",))),
        "waiting": facts(last_is_ours=True),
        "moderation": facts(analysis=analysis("negative", -0.9, toxic=True)),
        "leave_alone": facts(analysis=analysis("negative", -0.6, vague_rude=True)),
        "praise": facts(analysis=analysis("positive", 0.9, ("praise",))),
        "follow_up": facts(analysis=analysis("positive", 0.8), earlier_negative=True),
        "escalated": facts(escalated=True),
        "snoozed": facts(snoozed_until=NOW + timedelta(hours=2)),
        "resolved": facts(status="resolved"),
    }
    assert {name: triage(f, WEIGHTS, NOW).queue for name, f in cases.items()} == {
        name: name for name in cases
    }


def test_spam_goes_to_moderation_and_praise_with_a_question_needs_a_reply() -> None:
    assert triage(facts(analysis=analysis(intents=("spam",))), WEIGHTS, NOW).queue == "moderation"
    asking = facts(analysis=analysis("positive", 0.7, ("praise", "question")))
    assert triage(asking, WEIGHTS, NOW).queue == "needs_reply"


def test_a_furious_complaint_from_a_big_account_outranks_a_quiet_question() -> None:
    angry = facts(
        analysis=analysis("negative", -0.9, ("complaint",), specific=True), followers=12_000
    )
    quiet = facts(analysis=analysis("neutral", 0.0, ("question",)), public=False)

    loud, calm = triage(angry, WEIGHTS, NOW), triage(quiet, WEIGHTS, NOW)

    assert loud.priority > calm.priority
    assert loud.reasons[:2] == ("negative", "complaint")
    assert "followers:12000" in loud.reasons and "public" in loud.reasons


def test_the_sla_clock_raises_priority_and_names_the_minutes_left() -> None:
    base = facts(analysis=analysis(intents=("question",)))

    later = triage(base, WEIGHTS, NOW, due_at=NOW + timedelta(minutes=200))
    soon = triage(base, WEIGHTS, NOW, due_at=NOW + timedelta(minutes=12))
    missed = triage(base, WEIGHTS, NOW, due_at=NOW - timedelta(minutes=5))

    assert later.priority < soon.priority < missed.priority
    assert "due:12" in soon.reasons and "overdue:5" in missed.reasons


def test_weights_come_from_settings() -> None:
    vip = facts(vip=True)
    heavy = PriorityWeights(vip=60)

    assert triage(vip, heavy, NOW).priority - triage(vip, WEIGHTS, NOW).priority == 35
    assert triage(vip, heavy, NOW).reasons[0] == "vip"


def test_a_turn_to_thanks_is_reported_once_and_then_left_alone_after_resolution() -> None:
    thanks = analysis("positive", 0.8, ("praise",))
    first = triage(facts(analysis=thanks, earlier_negative=True), WEIGHTS, NOW)
    still = triage(facts(analysis=thanks, earlier_negative=True, tone_changed_at=NOW), WEIGHTS, NOW)
    # Resolved after the thank-you: snoozed, and more thanks later do not reopen it.
    after = facts(
        analysis=thanks,
        earlier_negative=True,
        tone_changed_at=NOW,
        snoozed_until=NOW + timedelta(days=3),
    )

    assert (first.queue, first.tone_change) == ("follow_up", True)
    assert (still.queue, still.tone_change) == ("follow_up", False)
    assert triage(after, WEIGHTS, NOW).queue == "snoozed"
    assert triage(after, WEIGHTS, NOW + timedelta(days=4)).queue == "resolved"


def test_a_snoozed_conversation_wakes_when_the_customer_needs_us() -> None:
    complaint = analysis("negative", -0.7, ("complaint",))
    until = NOW + timedelta(days=1)
    snoozed = facts(analysis=complaint, snoozed_until=until, snoozed_at=NOW, last_inbound_at=NOW)
    woken = facts(
        analysis=complaint,
        snoozed_until=until,
        snoozed_at=NOW,
        last_inbound_at=NOW + timedelta(minutes=5),
    )
    assert triage(snoozed, WEIGHTS, NOW).queue == "snoozed"
    assert triage(woken, WEIGHTS, NOW).queue == "needs_reply"
