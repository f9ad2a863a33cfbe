"""The conversation page: the thread in order, edits and deletions, the customer panel."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vastaa.conversations import service
from vastaa.conversations.models import STATUSES
from vastaa.conversations.queries import conversation_page
from vastaa.web.auth import CheckedUser, Context, User

router = APIRouter()


@router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
def conversation(
    request: Request, context: Context, user: User, conversation_id: uuid.UUID
) -> HTMLResponse:
    with context.transaction() as session:
        page = conversation_page(session, conversation_id)
    return context.templates.render(
        request,
        "conversations/detail.html",
        {"user": user, "page": page, "now": context.clock(), "statuses": STATUSES},
        locale=user.locale,
    )


@router.post("/conversations/{conversation_id}/status")
def change_status(
    context: Context,
    user: CheckedUser,
    conversation_id: uuid.UUID,
    status: Annotated[str, Form()],
) -> Response:
    with context.transaction() as session:
        service.set_status(
            session, conversation_id=conversation_id, status=status, now=context.clock()
        )
    return RedirectResponse(f"/conversations/{conversation_id}", status_code=303)
