"""Moderation in the browser (SQLite and PostgreSQL): the guard's refusals and a supervisor's
override, the one-click removal of hate, the hide budget, undo and "done by hand", the
Moderation page with its rules and dry run, escaping, and the CSRF token on every form."""

from __future__ import annotations

import re
import uuid
from datetime import datetime

import httpx2 as httpx
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import login
from tests.factories import at, message
from tests.moderation.conftest import MASTODON, NEUTRAL, thread
from tests.web.helpers import ingest_items
from vastaa.audit.models import AuditEntry
from vastaa.customers.models import Author
from vastaa.db import transaction
from vastaa.messages.models import Message
from vastaa.moderation.models import ModerationAction, ModerationRule

HOSTILE = "<script>alert(1)</script>"


def conversation_of(sessions: sessionmaker[Session], message_id: uuid.UUID) -> uuid.UUID:
    with sessions() as session:
        found = session.get(Message, message_id)
        assert found is not None and found.conversation_id is not None
        return found.conversation_id


def moderate(
    client: TestClient, token: str, message_id: uuid.UUID, action: str, **fields: str
) -> httpx.Response:
    return client.post(
        f"/messages/{message_id}/moderate",
        data={"action": action, "csrf_token": token, **fields},
        follow_redirects=False,
    )


def actions_on(sessions: sessionmaker[Session], message_id: uuid.UUID) -> list[ModerationAction]:
    with sessions() as session:
        query = select(ModerationAction).where(ModerationAction.message_id == message_id)
        return list(session.scalars(query.order_by(ModerationAction.created_at)))


def count(sessions: sessionmaker[Session], model: type) -> int:
    with sessions() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def state_of(sessions: sessionmaker[Session], message_id: uuid.UUID) -> str | None:
    with sessions() as session:
        found = session.get(Message, message_id)
        assert found is not None
        return found.moderation


# The guard ---------------------------------------------------------------------------------


def test_an_agent_is_refused_deleting_criticism_and_offered_no_override(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")
    case = conversation_of(sessions, ids["criticism"])

    refused = moderate(
        client, token, ids["criticism"], "delete", reason="ruma", next=f"/conversations/{case}"
    )

    assert refused.status_code == 403
    assert 'class="refused"' in refused.text
    assert 'name="reason"' not in refused.text and "<textarea" not in refused.text
    assert f'href="/conversations/{case}#m-{ids["criticism"]}"' in refused.text
    assert count(sessions, ModerationAction) == 0
    assert state_of(sessions, ids["criticism"]) is None


def test_a_supervisor_overrides_the_guard_only_with_a_written_reason(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "ada")
    case = conversation_of(sessions, ids["criticism"])
    back = f"/conversations/{case}"

    asked = moderate(client, token, ids["criticism"], "delete", next=back)
    assert asked.status_code == 403
    assert f'action="/messages/{ids["criticism"]}/moderate"' in asked.text
    assert re.search(r'<textarea[^>]*name="reason"', asked.text)
    assert 'name="action" value="delete"' in asked.text
    assert f'name="next" value="{back}"' in asked.text
    assert count(sessions, ModerationAction) == 0

    done = moderate(client, token, ids["criticism"], "delete", reason="Doxxing", next=back)
    assert done.status_code == 303
    assert done.headers["location"] == f"{back}#m-{ids['criticism']}"
    [taken] = actions_on(sessions, ids["criticism"])
    assert (taken.action, taken.override, taken.reason) == ("delete", True, "Doxxing")
    assert taken.actor_id == cast["ada"] and taken.evidence_seq is not None
    assert state_of(sessions, ids["criticism"]) == "removed"
    page = client.get(back).text
    assert '<span class="badge">supervisor\'s override</span>' in page
    assert "<q>Doxxing</q>" in page


def test_a_blank_reason_is_no_reason(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "mert")

    refused = moderate(client, token, ids["criticism"], "hide", reason="   ")

    assert refused.status_code == 403 and 'name="reason"' in refused.text
    assert count(sessions, ModerationAction) == 0


def test_an_unknown_action_is_refused(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "ada")

    assert moderate(client, token, ids["troll"], "explode").status_code == 400
    assert count(sessions, ModerationAction) == 0


def test_the_way_back_never_leaves_the_site(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")

    response = moderate(client, token, ids["troll"], "review", next="//evil.example/")

    assert response.status_code == 303
    assert response.headers["location"] == f"/#m-{ids['troll']}"


def test_a_backslash_cannot_lead_off_the_site(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")

    back = moderate(client, token, ids["troll"], "review", next="/\\evil.example")
    refused = moderate(client, token, ids["criticism"], "hide", next="/\\evil.example")

    assert back.headers["location"] == f"/#m-{ids['troll']}"
    assert 'href="/\\' not in refused.text


# Hate, trolls, criticism on the conversation page -------------------------------------------


def test_an_agent_removes_hate_in_one_click_and_sees_what_was_done(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    token = login(client, "aino")
    case = conversation_of(sessions, ids["hate"])
    back = f"/conversations/{case}"
    before = client.get(back).text
    assert 'class="moderation-advice hate"' in before
    assert f'action="/messages/{ids["hate"]}/remove-hate"' in before

    response = client.post(
        f"/messages/{ids['hate']}/remove-hate",
        data={"csrf_token": token, "next": back},
        follow_redirects=False,
    )

    assert response.status_code == 303
    assert response.headers["location"] == f"{back}#m-{ids['hate']}"
    taken = actions_on(sessions, ids["hate"])
    assert sorted(a.action for a in taken) == ["block", "delete", "report"]
    assert all(a.actor_id == cast["aino"] and a.evidence_seq for a in taken)
    assert state_of(sessions, ids["hate"]) == "removed"
    with sessions() as session:
        hateful = session.get(Message, ids["hate"])
        assert hateful is not None and hateful.author_id is not None
        author = session.get(Author, hateful.author_id)
        assert author is not None and author.blocked_at is not None
        audited = session.scalars(
            select(AuditEntry.target_id).where(AuditEntry.action == "moderation")
        ).all()
        assert audited == [str(ids["hate"])] * 3
    page = client.get(back).text
    assert 'class="moderation-log"' in page
    assert page.count('class="badge moderation"') == 2  # removed, author blocked
    for action in taken:
        if action.state == "by_hand":
            assert f'action="/moderation/actions/{action.id}/done"' in page


def test_the_page_advises_against_feeding_the_troll_and_hiding_criticism(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    login(client, "aino")

    troll = client.get(f"/conversations/{conversation_of(sessions, ids['troll'])}").text
    criticism = client.get(f"/conversations/{conversation_of(sessions, ids['criticism'])}").text

    assert 'class="moderation-advice troll"' in troll
    assert 'class="moderation-advice criticism"' in criticism
    assert "moderation-advice hate" not in troll + criticism
    assert 'class="moderation-log"' not in troll + criticism
    assert f'action="/messages/{ids["troll"]}/moderate"' in troll


def test_an_agent_cannot_remove_what_is_not_hate(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    token = login(client, "aino")

    response = client.post(
        f"/messages/{ids['troll']}/remove-hate",
        data={"csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 403 and "<textarea" not in response.text
    assert count(sessions, ModerationAction) == 0


def test_removing_criticism_as_hate_still_needs_a_supervisors_reason(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "ada")

    response = client.post(
        f"/messages/{ids['criticism']}/remove-hate",
        data={"csrf_token": token},
        follow_redirects=False,
    )

    assert response.status_code == 403 and 'name="reason"' in response.text
    assert actions_on(sessions, ids["criticism"]) == []
    assert state_of(sessions, ids["criticism"]) is None


# The hide budget ---------------------------------------------------------------------------


def test_hiding_over_the_budget_asks_first_then_hides(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)  # three replies: hiding one is a third of them
    token = login(client, "aino")
    back = f"/conversations/{conversation_of(sessions, ids['troll'])}"

    asked = moderate(client, token, ids["troll"], "hide", reason="Provokaatio", next=back)

    assert asked.status_code == 409
    assert 'name="over_budget_ok" value="1"' in asked.text
    assert 'name="action" value="hide"' in asked.text
    assert 'name="reason" value="Provokaatio"' in asked.text
    assert count(sessions, ModerationAction) == 0 and state_of(sessions, ids["troll"]) is None

    hidden = moderate(
        client, token, ids["troll"], "hide", reason="Provokaatio", next=back, over_budget_ok="1"
    )

    assert hidden.status_code == 303
    assert hidden.headers["location"] == f"{back}#m-{ids['troll']}"
    assert state_of(sessions, ids["troll"]) == "hidden"


def test_hiding_within_the_budget_needs_no_question(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")

    assert moderate(client, token, ids["troll"], "hide").status_code == 303
    assert state_of(sessions, ids["troll"]) == "hidden"


# Undo and done by hand ---------------------------------------------------------------------


def test_a_hidden_message_is_shown_again_with_undo(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")
    back = f"/conversations/{conversation_of(sessions, ids['troll'])}"
    moderate(client, token, ids["troll"], "hide", next=back)
    [hidden] = actions_on(sessions, ids["troll"])
    assert f'action="/moderation/actions/{hidden.id}/undo"' in client.get(back).text

    undone = client.post(
        f"/moderation/actions/{hidden.id}/undo",
        data={"csrf_token": token, "next": back},
        follow_redirects=False,
    )

    assert undone.status_code == 303
    assert undone.headers["location"] == f"{back}#m-{ids['troll']}"
    assert state_of(sessions, ids["troll"]) is None
    original, inverse = actions_on(sessions, ids["troll"])
    assert original.undone_at is not None and original.undone_by_id == cast["aino"]
    assert inverse.action == "unhide"
    page = client.get(back).text
    assert f'action="/moderation/actions/{hidden.id}/undo"' not in page
    assert re.search(r'<li class="moderation-\w+ undone">', page)
    again = client.post(f"/moderation/actions/{hidden.id}/undo", data={"csrf_token": token})
    assert again.status_code == 400


def test_a_delete_cannot_be_undone(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "aino")
    moderate(client, token, ids["troll"], "delete")
    [deleted] = actions_on(sessions, ids["troll"])

    response = client.post(f"/moderation/actions/{deleted.id}/undo", data={"csrf_token": token})

    assert response.status_code == 400
    assert actions_on(sessions, ids["troll"])[0].undone_at is None


def test_an_action_done_by_hand_is_marked_done(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    token = login(client, "aino")
    client.post(f"/messages/{ids['hate']}/remove-hate", data={"csrf_token": token})
    block = next(a for a in actions_on(sessions, ids["hate"]) if a.action == "block")
    assert block.state == "by_hand"  # no connector configured for the channel
    queue = client.get("/moderation").text
    assert f'action="/moderation/actions/{block.id}/done"' in queue

    done = client.post(
        f"/moderation/actions/{block.id}/done",
        data={"csrf_token": token, "next": "/moderation"},
        follow_redirects=False,
    )

    assert done.status_code == 303
    assert done.headers["location"] == f"/moderation#m-{ids['hate']}"
    marked = next(a for a in actions_on(sessions, ids["hate"]) if a.action == "block")
    assert marked.state == "done" and marked.done_at == now
    assert f'action="/moderation/actions/{block.id}/done"' not in client.get("/moderation").text
    again = client.post(f"/moderation/actions/{block.id}/done", data={"csrf_token": token})
    assert again.status_code == 400


def test_undo_of_an_unknown_action_is_not_found(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    token = login(client, "aino")

    for what in ("undo", "done"):
        response = client.post(
            f"/moderation/actions/{uuid.uuid4()}/{what}", data={"csrf_token": token}
        )
        assert response.status_code == 404


# The Moderation page and its rules ---------------------------------------------------------


def rule_form(token: str, intent: str, **fields: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "intent": intent,
        "name": "Rude",
        "min_offensive": "0.7",
        "hide": "1",
        "days": "7",
        **fields,
    }


def test_agents_see_the_page_but_not_the_rule_form(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    thread(sessions, now)
    login(client, "aino")

    page = client.get("/moderation")

    assert page.status_code == 200
    assert 'id="queue"' in page.text and 'id="rules"' in page.text
    assert 'id="rule-form"' not in page.text


def test_a_supervisor_dry_runs_a_rule_before_saving_it(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now)
    token = login(client, "ada")
    assert 'id="rule-form"' in client.get("/moderation").text

    dry = client.post("/moderation/rules", data=rule_form(token, "dry_run"))

    assert dry.status_code == 200
    summary = re.search(r'<p class="dry-run-summary">([^<]*)</p>', dry.text)
    assert summary is not None
    assert summary.group(1) == "2 of 3 messages of the last 7 days would match."
    listed = dry.text.split('class="dry-run-summary"', 1)[1]
    assert "@hate@example.social" in listed and "@troll@example.social" in listed
    assert "@criticism@example.social" not in listed
    assert "over the hide budget: queued" in listed
    assert 'name="min_offensive" inputmode="decimal" value="0.7"' in dry.text
    assert count(sessions, ModerationRule) == 0
    assert count(sessions, ModerationAction) == 0
    assert state_of(sessions, ids["troll"]) is None


def test_a_saved_rule_is_off_until_switched_on(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    thread(sessions, now)
    token = login(client, "ada")

    saved = client.post("/moderation/rules", data=rule_form(token, "save"), follow_redirects=False)

    assert saved.status_code == 303 and saved.headers["location"] == "/moderation#rules"
    with sessions() as session:
        rule = session.scalars(select(ModerationRule)).one()
        assert (rule.name, rule.enabled, rule.created_by_id) == ("Rude", False, cast["ada"])
        assert rule.conditions["min_offensive"] == 0.7 and rule.actions["hide"] is True
    page = client.get("/moderation").text
    assert f'href="/moderation?rule={rule.id}#rule-form"' in page
    assert 'name="enabled" value="1"' in page
    form = client.get(f"/moderation?rule={rule.id}").text
    assert 'id="rule-name" name="name" maxlength="120" value="Rude"' in form

    on = client.post(
        f"/moderation/rules/{rule.id}/switch",
        data={"csrf_token": token, "enabled": "1"},
        follow_redirects=False,
    )

    assert on.status_code == 303
    with sessions() as session:
        switched = session.get(ModerationRule, rule.id)
        assert switched is not None and switched.enabled and switched.enabled_at == now
    client.post(f"/moderation/rules/{rule.id}/switch", data={"csrf_token": token})
    with sessions() as session:
        off = session.get(ModerationRule, rule.id)
        assert off is not None and not off.enabled and off.enabled_at is None
        changes = session.scalars(
            select(AuditEntry.summary).where(AuditEntry.action == "rule_change")
        ).all()
    assert sorted(changes) == ["Rude: saved", "Rude: switched off", "Rude: switched on"]


def test_agents_cannot_change_rules(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    thread(sessions, now)
    with transaction(sessions) as session:
        rule = ModerationRule(
            name="Existing",
            enabled=False,
            conditions={"min_offensive": 0.9},
            actions={"review": True},
            created_at=now,
            updated_at=now,
        )
        session.add(rule)
        session.flush()
        rule_id = rule.id
    token = login(client, "aino")

    for intent in ("save", "dry_run"):
        response = client.post("/moderation/rules", data=rule_form(token, intent))
        assert response.status_code == 403
    switch = client.post(
        f"/moderation/rules/{rule_id}/switch", data={"csrf_token": token, "enabled": "1"}
    )

    assert switch.status_code == 403
    assert 'action="/moderation/rules/' not in client.get("/moderation").text
    with sessions() as session:
        assert [r.name for r in session.scalars(select(ModerationRule))] == ["Existing"]
        assert not session.scalars(select(ModerationRule.enabled)).one()


def test_an_invalid_score_is_shown_with_the_form_kept(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    thread(sessions, now)
    token = login(client, "ada")

    for intent in ("dry_run", "save"):
        response = client.post(
            "/moderation/rules", data=rule_form(token, intent, min_offensive="2", label="Rough")
        )

        assert response.status_code == 400
        assert re.search(r'<p class="error" role="alert">[^<]*min_offensive', response.text)
        assert 'name="min_offensive" inputmode="decimal" value="2"' in response.text
        assert 'value="Rude"' in response.text and 'value="Rough"' in response.text
        assert re.search(r'name="hide" value="1" checked', response.text)
    assert count(sessions, ModerationRule) == 0


# Hostile text ------------------------------------------------------------------------------


def test_hostile_text_is_escaped_everywhere_moderation_shows_it(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    thread(sessions, now, replies=20)
    ingest_items(
        sessions,
        now,
        message(
            "x1",
            channel=MASTODON,
            parent_id="p1",
            thread_id="p1",
            text=HOSTILE,
            author={"id": "66", "handle": "x@evil.example"},
            created_at=at(-10),
        ),
    )
    with transaction(sessions) as session:
        hostile = session.scalars(select(Message).where(Message.external_id == "x1")).one()
        hostile.analysis, hostile.analyzed_at = NEUTRAL, now
        hostile_id = hostile.id
    token = login(client, "ada")
    assert moderate(client, token, hostile_id, "review", reason=HOSTILE).status_code == 303

    queue = client.get("/moderation").text
    conversation = client.get(f"/conversations/{conversation_of(sessions, hostile_id)}").text
    dry = client.post(
        "/moderation/rules",
        data={"csrf_token": token, "intent": "dry_run", "keywords": "alert", "review": "1"},
    ).text

    for page in (queue, conversation, dry):
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
        assert "<script>alert(1)" not in page


# CSRF --------------------------------------------------------------------------------------


def test_moderation_forms_without_the_csrf_token_are_refused(
    client: TestClient, cast: dict[str, uuid.UUID], sessions: sessionmaker[Session], now: datetime
) -> None:
    ids = thread(sessions, now, replies=20)
    token = login(client, "ada")
    moderate(client, token, ids["troll"], "hide")
    [hidden] = actions_on(sessions, ids["troll"])

    posts = [
        (f"/messages/{ids['troll']}/moderate", {"action": "delete"}),
        (f"/messages/{ids['hate']}/remove-hate", {}),
        (f"/moderation/actions/{hidden.id}/undo", {}),
        (f"/moderation/actions/{hidden.id}/done", {}),
        ("/moderation/rules", {"intent": "save", "name": "X", "min_offensive": "0.5", "hide": "1"}),
    ]
    for url, data in posts:
        assert client.post(url, data=data).status_code == 403, url
        assert client.post(url, data={**data, "csrf_token": "forged"}).status_code == 403, url

    assert [a.action for a in actions_on(sessions, ids["troll"])] == ["hide"]
    assert actions_on(sessions, ids["hate"]) == []
    assert state_of(sessions, ids["troll"]) == "hidden"
    assert count(sessions, ModerationRule) == 0
