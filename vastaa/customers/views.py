"""The customer page (R9): identities, conversations, mood over time, notes, tags, VIP; linking
suggested identities; GDPR export (supervisors) and erasure (administrators)."""

from __future__ import annotations

import json
import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from vastaa.audit.service import log
from vastaa.customers import service
from vastaa.customers.queries import customer_page
from vastaa.errors import PermanentError
from vastaa.web.auth import CheckedUser, Context, CurrentUser, User
from vastaa.web.context import AppContext

router = APIRouter()


def _back(customer_id: uuid.UUID) -> Response:
    return RedirectResponse(f"/customers/{customer_id}", status_code=303)


@router.get("/customers/{customer_id}", response_class=HTMLResponse)
def customer(
    request: Request, context: Context, user: User, customer_id: uuid.UUID
) -> HTMLResponse:
    with context.transaction() as session:
        page = customer_page(session, customer_id)
    return context.templates.render(
        request,
        "customers/detail.html",
        {"user": user, "page": page, "now": context.clock()},
        locale=user.locale,
    )


@router.post("/customers/{customer_id}/vip")
def vip(
    context: Context, user: CheckedUser, customer_id: uuid.UUID, on: Annotated[str, Form()] = ""
) -> Response:
    with context.transaction() as session:
        service.set_vip(session, customer_id=customer_id, vip=on == "1")
    return _back(customer_id)


@router.post("/customers/{customer_id}/tags")
def add_tag(
    context: Context, user: CheckedUser, customer_id: uuid.UUID, tag: Annotated[str, Form()] = ""
) -> Response:
    with context.transaction() as session:
        service.add_tag(session, customer_id=customer_id, tag=tag)
    return _back(customer_id)


@router.post("/customers/{customer_id}/tags/remove")
def remove_tag(
    context: Context, user: CheckedUser, customer_id: uuid.UUID, tag: Annotated[str, Form()] = ""
) -> Response:
    with context.transaction() as session:
        service.remove_tag(session, customer_id=customer_id, tag=tag)
    return _back(customer_id)


@router.post("/customers/{customer_id}/notes")
def add_note(
    context: Context, user: CheckedUser, customer_id: uuid.UUID, text: Annotated[str, Form()] = ""
) -> Response:
    with context.transaction() as session:
        service.add_note(
            session, customer_id=customer_id, text=text, author_id=user.id, now=context.clock()
        )
    return _back(customer_id)


@router.post("/customers/{customer_id}/link")
def link(
    context: Context,
    user: CheckedUser,
    customer_id: uuid.UUID,
    author: Annotated[uuid.UUID, Form()],
) -> Response:
    with context.transaction() as session:
        service.link_authors(session, customer_id=customer_id, author_ids=[author])
        _audit(session, user, "merge", customer_id, context, {"author_id": str(author)})
    return _back(customer_id)


@router.post("/customers/{customer_id}/link-handle")
def link_handle(
    context: Context,
    user: CheckedUser,
    customer_id: uuid.UUID,
    handle: Annotated[str, Form()] = "",
) -> Response:
    """Manual linking: another identity by its handle."""
    with context.transaction() as session:
        author = service.find_identity(session, handle=handle, customer_id=customer_id)
        service.link_authors(session, customer_id=customer_id, author_ids=[author.id])
        _audit(session, user, "merge", customer_id, context, {"author_id": str(author.id)})
    return _back(customer_id)


@router.post("/customers/{customer_id}/unlink")
def unlink(
    context: Context,
    user: CheckedUser,
    customer_id: uuid.UUID,
    author: Annotated[uuid.UUID, Form()],
) -> Response:
    with context.transaction() as session:
        service.unlink_author(
            session, customer_id=customer_id, author_id=author, now=context.clock()
        )
    return _back(customer_id)


@router.get("/customers/{customer_id}/export")
def export(context: Context, user: User, customer_id: uuid.UUID) -> Response:
    """Everything we hold about the person, as a JSON download (supervisors and admins)."""
    user.require("supervisor")
    with context.transaction() as session:
        data = service.export(session, customer_id)
        _audit(session, user, "export", customer_id, context, {"what": "customer data (GDPR)"})
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="customer-{customer_id}.json"'},
    )


@router.post("/customers/{customer_id}/erase")
def erase(
    context: Context,
    user: CheckedUser,
    customer_id: uuid.UUID,
    confirm: Annotated[str, Form()] = "",
) -> Response:
    """GDPR erasure (administrators only; the form asks to type ERASE)."""
    user.require("admin")
    if confirm.strip().upper() != "ERASE":
        raise PermanentError("type ERASE to confirm")
    with context.transaction() as session:
        service.erase(
            session,
            customer_id=customer_id,
            now=context.clock(),
            keep_evidence=context.settings.erasure_keeps_evidence,
            actor=user.display_name,
        )
        _audit(session, user, "erasure", customer_id, context, None)
    return RedirectResponse("/", status_code=303)


def _audit(
    session: Session,
    user: CurrentUser,
    action: str,
    customer_id: uuid.UUID,
    context: AppContext,
    data: dict[str, str] | None,
) -> None:
    log(
        session,
        actor_id=user.id,
        action=action,
        now=context.clock(),
        target=("customer", customer_id),
        data=data,
    )
