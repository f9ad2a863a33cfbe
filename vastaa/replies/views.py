"""The composer's endpoints: live coaching as the agent types, and sending (recording) a reply."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vastaa.audit.service import log
from vastaa.channels import service as outbox
from vastaa.config import Settings
from vastaa.conversations.models import Conversation
from vastaa.messages.models import Message
from vastaa.replies import review
from vastaa.replies.coach import coach
from vastaa.replies.drafts import DraftRequest, TemplateDrafter
from vastaa.replies.service import BlockedReply, agent_signature, draft_for, move_private, reply
from vastaa.web.auth import CheckedUser, Context, User
from vastaa.web.context import AppContext

router = APIRouter()
LANGS = ("fi", "tr", "en")


def review_rules(settings: Settings) -> review.ReviewRules:
    return review.ReviewRules.parse(settings.review_policies, settings.review_new_agent_days)


def _lang(value: str) -> str | None:
    return value if value in LANGS else None


def _signature(context: AppContext, session: Session, case: uuid.UUID, user: User) -> str:
    return agent_signature(session, case, context.settings.reply_signature, user.display_name)


@router.post("/conversations/{conversation_id}/coach", response_class=HTMLResponse)
def coach_draft(
    request: Request,
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    text: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    private_text: Annotated[str, Form()] = "",
    which: Annotated[str, Form()] = "",
) -> HTMLResponse:
    """``which=private``: coach the direct message of a move to private (R18) instead."""
    private = which == "private"
    text = private_text if private else text
    with context.transaction() as session:
        signature = _signature(context, session, conversation_id, user)
        draft = draft_for(
            session, conversation_id, text[:5000], _lang(lang), signature, private=private
        )
    return context.templates.render(
        request,
        "replies/_findings.html",
        {"findings": coach(draft), "text": draft.text, "checked": bool(text.strip())},
        locale=user.locale,
    )


@router.post("/conversations/{conversation_id}/replies")
def send_reply(
    request: Request,
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    text: Annotated[str, Form()] = "",
    lang: Annotated[str, Form()] = "",
    move_to_private: Annotated[str, Form()] = "",
    private_text: Annotated[str, Form()] = "",
) -> Response:
    """Reply; with ``move_to_private``, also continue the case in a direct message (R18)."""
    try:
        with context.transaction() as session:
            signature = _signature(context, session, conversation_id, user)
            rules, now = review_rules(context.settings), context.clock()
            if move_to_private:
                move_private(
                    session,
                    conversation_id=conversation_id,
                    public_text=text,
                    private_text=private_text,
                    lang=_lang(lang),
                    sent_by_id=user.id,
                    now=now,
                    signature=signature,
                    review=rules,
                    connectors=context.connectors,
                )
            else:
                reply(
                    session,
                    conversation_id=conversation_id,
                    text=text,
                    lang=_lang(lang),
                    sent_by_id=user.id,
                    now=now,
                    signature=signature,
                    review=rules,
                    connectors=context.connectors,
                )
            log(
                session,
                actor_id=user.id,
                action="reply",
                now=now,
                target=("conversation", conversation_id),
                summary="moved to private" if move_to_private else "",
            )
    except BlockedReply as blocked:
        return context.templates.render(
            request,
            "replies/blocked.html",
            {
                "user": user,
                "findings": blocked.findings,
                "text": text.strip(),
                "private_text": private_text.strip() if move_to_private else "",
                "case": conversation_id,
                "lang": _lang(lang) or "",
            },
            locale=user.locale,
            status_code=422,
        )
    return RedirectResponse(f"/conversations/{conversation_id}#messages", status_code=303)


@router.get("/reviews", response_class=HTMLResponse)
def reviews(request: Request, context: Context, user: User) -> HTMLResponse:
    """The reviewer queue (R17): replies waiting for approval, oldest first."""
    user.require("supervisor")
    with context.transaction() as session:
        found = review.waiting(session)
    return context.templates.render(
        request,
        "replies/reviews.html",
        {"user": user, "items": found, "now": context.clock()},
        locale=user.locale,
    )


@router.post("/reviews/{message_id}/approve")
def approve(
    context: Context,
    user: CheckedUser,
    message_id: uuid.UUID,
    text: Annotated[str, Form()] = "",
) -> Response:
    with context.transaction() as session:
        review.approve(
            session,
            message_id=message_id,
            reviewer_id=user.id,
            now=context.clock(),
            text=text,
            connectors=context.connectors,
        )
        edited = {"edited": True} if text.strip() else None
        target = ("message", message_id)
        log(
            session,
            actor_id=user.id,
            action="approval",
            now=context.clock(),
            target=target,
            data=edited,
        )
    return RedirectResponse("/reviews", status_code=303)


@router.post("/reviews/{message_id}/return")
def send_back(
    context: Context,
    user: CheckedUser,
    message_id: uuid.UUID,
    comment: Annotated[str, Form()] = "",
) -> Response:
    with context.transaction() as session:
        review.send_back(
            session,
            message_id=message_id,
            reviewer_id=user.id,
            comment=comment,
            now=context.clock(),
        )
        log(
            session,
            actor_id=user.id,
            action="returned",
            now=context.clock(),
            target=("message", message_id),
            summary=comment[:500],
        )
    return RedirectResponse("/reviews", status_code=303)


@router.post("/conversations/{conversation_id}/draft")
def suggest_draft(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    lang: Annotated[str, Form()] = "",
    n: Annotated[int, Form()] = 0,
) -> Response:
    """A suggested first draft (plain text) for the composer; ``n`` varies the wording."""
    with context.transaction() as session:
        draft = draft_for(session, conversation_id, "", _lang(lang))
        case = session.get(Conversation, conversation_id)
        assert case is not None
        text = TemplateDrafter().draft(
            DraftRequest(
                lang=draft.lang,
                intents=tuple(i for i in (case.intents or "").split(",") if i),
                area=case.problem_area,
                first_name=draft.customer_name,
                article_url=draft.article_url,
                signature=_signature(context, session, conversation_id, user),
                variant=f"{conversation_id}:{n}",
            )
        )
    return PlainTextResponse(text)


@router.post("/replies/{message_id}/posted")
def posted(
    context: Context,
    user: CheckedUser,
    message_id: uuid.UUID,
    url: Annotated[str, Form()] = "",
) -> Response:
    """The agent posted the reply on the platform by hand (no connector for the channel)."""
    with context.transaction() as session:
        message = review.mark_posted(
            session, message_id=message_id, actor_id=user.id, now=context.clock(), url=url
        )
        back = f"/conversations/{message.conversation_id}"
    return RedirectResponse(back, status_code=303)


@router.post("/replies/{message_id}/retry")
def retry(context: Context, user: CheckedUser, message_id: uuid.UUID) -> Response:
    """Try a failed send again (the same idempotency key: it is still never posted twice)."""
    with context.transaction() as session:
        outbox.retry(session, message_id=message_id, now=context.clock())
        message = session.get(Message, message_id)
        back = f"/conversations/{message.conversation_id}" if message else "/"
    return RedirectResponse(back, status_code=303)
