"""Moderation in the browser: actions on a message (guarded), the one-click removal of hate,
undo and "done by hand", and the Moderation page (review queue, actions to do by hand, the
automatic rules with their dry run)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vastaa.accounts.views import safe_next
from vastaa.errors import PermanentError
from vastaa.moderation import automation, queries, service
from vastaa.moderation.models import ModerationRule
from vastaa.moderation.policy import PolicyRefused
from vastaa.web.auth import CheckedUser, Context, CurrentUser, User

router = APIRouter()
Text = Annotated[str, Form()]


def _actor(user: CurrentUser) -> service.Actor:
    return service.Actor(id=user.id, role=user.role)


def _back(next_url: str, message_id: uuid.UUID) -> Response:
    return RedirectResponse(f"{safe_next(next_url)}#m-{message_id}", status_code=303)


@router.post("/messages/{message_id}/moderate")
def moderate(
    request: Request,
    context: Context,
    user: CheckedUser,
    message_id: uuid.UUID,
    action: Text,
    reason: Text = "",
    over_budget_ok: Text = "",
    next: Text = "/",
) -> Response:
    """Hide, delete, report, block, mark as spam or put in review; the guard decides first."""
    if action not in ("hide", "delete", "report", "block", "spam", "review"):
        raise PermanentError(f"unknown moderation action {action!r}")
    try:
        with context.transaction() as session:
            service.act(
                session,
                message_id=message_id,
                action=action,
                actor=_actor(user),
                now=context.clock(),
                connectors=context.connectors,
                reason=reason,
                over_budget_ok=bool(over_budget_ok),
            )
    except PolicyRefused as refused:
        return _refused(request, context, user, message_id, next, refused, action, reason)
    except service.OverBudget as over:
        return context.templates.render(
            request,
            "moderation/over_budget.html",
            {
                "user": user,
                "budget": over.budget,
                "message_id": message_id,
                "action": action,
                "reason": reason,
                "next": safe_next(next),
            },
            locale=user.locale,
            status_code=409,
        )
    return _back(next, message_id)


def _refused(
    request: Request,
    context: Context,
    user: CurrentUser,
    message_id: uuid.UUID,
    next_url: str,
    refused: PolicyRefused,
    action: str,
    reason: str,
) -> HTMLResponse:
    return context.templates.render(
        request,
        "moderation/refused.html",
        {
            "user": user,
            "why": str(refused),
            "code": refused.code,
            "message_id": message_id,
            "next": safe_next(next_url),
            "action": action,
            "reason": reason,
        },
        locale=user.locale,
        status_code=403,
    )


@router.post("/messages/{message_id}/remove-hate")
def remove_hate(
    request: Request,
    context: Context,
    user: CheckedUser,
    message_id: uuid.UUID,
    reason: Text = "",
    next: Text = "/",
) -> Response:
    """R7 in one click: capture the evidence, delete, report, block."""
    try:
        with context.transaction() as session:
            service.remove_hate(
                session,
                message_id=message_id,
                actor=_actor(user),
                now=context.clock(),
                connectors=context.connectors,
                reason=reason,
            )
    except PolicyRefused as refused:
        return _refused(request, context, user, message_id, next, refused, "delete", reason)
    return _back(next, message_id)


@router.post("/moderation/actions/{action_id}/undo")
def undo(context: Context, user: CheckedUser, action_id: uuid.UUID, next: Text = "/") -> Response:
    with context.transaction() as session:
        taken = service.undo(
            session,
            action_id=action_id,
            actor=_actor(user),
            now=context.clock(),
            connectors=context.connectors,
        )
        message_id = taken.message_id
    return _back(next, message_id)


@router.post("/moderation/actions/{action_id}/done")
def done(context: Context, user: CheckedUser, action_id: uuid.UUID, next: Text = "/") -> Response:
    """Carried out on the platform by hand (where the connector cannot)."""
    with context.transaction() as session:
        taken = service.mark_done(
            session, action_id=action_id, actor=_actor(user), now=context.clock()
        )
        message_id = taken.message_id
    return _back(next, message_id)


@router.get("/moderation", response_class=HTMLResponse)
def moderation_page(
    request: Request, context: Context, user: User, rule: uuid.UUID | None = None
) -> HTMLResponse:
    """The queue, what to do by hand, the rules; ``rule`` fills the form with one to edit."""
    form: dict[str, object] = {}
    if rule is not None:
        with context.transaction() as session:
            found = session.get(ModerationRule, rule)
            if found is not None:
                form = {
                    "name": found.name,
                    "description": found.description,
                    **found.conditions,
                    **found.actions,
                }
    return _page(request, context, user, form=form)


def _page(
    request: Request,
    context: Context,
    user: CurrentUser,
    *,
    dry: dict[str, object] | None = None,
    form: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with context.transaction() as session:
        data = {
            "review": queries.review_queue(session),
            "by_hand": queries.by_hand(session),
            "rules": queries.rules(session),
        }
    return context.templates.render(
        request,
        "moderation/page.html",
        {"user": user, "now": context.clock(), "dry": dry, "form": form or {}, **data},
        locale=user.locale,
        status_code=status_code,
    )


def _rule_form(
    min_offensive: str,
    min_identity_attack: str,
    min_threat: str,
    keywords: str,
    authors: str,
    channels: str,
    only_ads: str,
    hide: str,
    review: str,
    label: str,
    assign: str,
) -> tuple[dict[str, object], dict[str, object]]:
    conditions: dict[str, object] = {
        "min_offensive": min_offensive,
        "min_identity_attack": min_identity_attack,
        "min_threat": min_threat,
        "keywords": keywords,
        "authors": authors,
        "channels": channels,
        "only_ads": bool(only_ads),
    }
    actions: dict[str, object] = {
        "hide": bool(hide),
        "review": bool(review),
        "label": label,
        "assign": assign,
    }
    return conditions, actions


@router.post("/moderation/rules", response_class=HTMLResponse)
def save_rule(
    request: Request,
    context: Context,
    user: CheckedUser,
    name: Text = "",
    intent: Text = "dry_run",
    days: Annotated[int, Form()] = 7,
    min_offensive: Text = "",
    min_identity_attack: Text = "",
    min_threat: Text = "",
    keywords: Text = "",
    authors: Text = "",
    channels: Text = "",
    only_ads: Text = "",
    hide: Text = "",
    review: Text = "",
    label: Text = "",
    assign: Text = "",
    description: Text = "",
) -> Response:
    """Dry-run the rule in the form over the last days, or save it (switched off)."""
    user.require("supervisor")
    conditions, actions = _rule_form(
        min_offensive,
        min_identity_attack,
        min_threat,
        keywords,
        authors,
        channels,
        only_ads,
        hide,
        review,
        label,
        assign,
    )
    form = {"name": name, "days": days, "description": description, **conditions, **actions}
    try:
        with context.transaction() as session:
            if intent == "save":
                automation.save_rule(
                    session,
                    name=name,
                    conditions=conditions,
                    actions=actions,
                    actor_id=user.id,
                    now=context.clock(),
                    description=description,
                )
            else:
                seen, outcomes = automation.dry_run(
                    session,
                    conditions=conditions,
                    actions=actions,
                    days=days,
                    now=context.clock(),
                )
                facts = dict(queries.facts_for(session, [o.message_id for o in outcomes[:100]]))
    except PermanentError as error:
        return _page(request, context, user, form={**form, "error": str(error)}, status_code=400)
    if intent == "save":
        return RedirectResponse("/moderation#rules", status_code=303)
    dry = {"seen": seen, "outcomes": outcomes, "facts": facts, "days": days}
    return _page(request, context, user, dry=dry, form=form)


@router.post("/moderation/rules/{rule_id}/switch")
def switch_rule(
    context: Context, user: CheckedUser, rule_id: uuid.UUID, enabled: Text = ""
) -> Response:
    user.require("supervisor")
    with context.transaction() as session:
        automation.set_enabled(
            session,
            rule_id=rule_id,
            enabled=bool(enabled),
            actor_id=user.id,
            now=context.clock(),
        )
    return RedirectResponse("/moderation#rules", status_code=303)
