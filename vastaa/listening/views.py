"""The listening page (supervisors manage the brands' queries and try them on a text) and the
coverage page (R2: where the brand is discussed and whether anyone can answer there)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy.orm import Session
from starlette.responses import Response

from vastaa.audit import service as audit
from vastaa.channels import queries as channel_queries
from vastaa.errors import NotFoundError, PermanentError
from vastaa.listening import queries, service
from vastaa.listening.matcher import Compiled, Matcher, Post
from vastaa.listening.models import ListeningQuery
from vastaa.listening.query import parse
from vastaa.web.auth import CheckedUser, Context, CurrentUser, User

router = APIRouter()
Text = Annotated[str, Form()]


def _page(
    request: Request,
    context: Context,
    user: CurrentUser,
    *,
    form: dict[str, object] | None = None,
    trial: dict[str, object] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    with context.transaction() as session:
        rows = queries.all_queries(session)
        brands = channel_queries.brands(session)
    return context.templates.render(
        request,
        "listening/page.html",
        {"user": user, "rows": rows, "brands": brands, "form": form or {}, "trial": trial},
        locale=user.locale,
        status_code=status_code,
    )


@router.get("/listening", response_class=HTMLResponse)
def listening_page(request: Request, context: Context, user: User, edit: str = "") -> HTMLResponse:
    user.require("supervisor")
    form: dict[str, object] = {}
    if edit:
        with context.transaction() as session:
            for query, brand in queries.all_queries(session):
                if str(query.id) == edit:
                    form = {
                        "name": query.name,
                        "expression": query.expression,
                        "brand": brand.name if brand else "",
                        "languages": ", ".join(query.languages or ()),
                        "include_own": not query.exclude_own,
                    }
    return _page(request, context, user, form=form)


@router.post("/listening", response_class=HTMLResponse)
def save_query(
    request: Request,
    context: Context,
    user: CheckedUser,
    name: Text = "",
    expression: Text = "",
    brand: Text = "",
    languages: Text = "",
    include_own: Text = "",
) -> Response:
    user.require("supervisor")
    form = {
        "name": name,
        "expression": expression,
        "brand": brand,
        "languages": languages,
        "include_own": bool(include_own),
    }
    try:
        with context.transaction() as session:
            saved = service.save_query(
                session,
                name=name,
                expression=expression,
                brand=brand or None,
                languages=languages.replace(",", " ").split(),
                exclude_own=not include_own,
                now=context.clock(),
            )
            audit.log(
                session,
                actor_id=user.id,
                action="listening_change",
                now=context.clock(),
                target=("listening_query", saved.id),
                summary=f"saved {saved.name}: {saved.expression}",
            )
    except PermanentError as error:
        return _page(request, context, user, form={**form, "error": str(error)}, status_code=400)
    return RedirectResponse("/listening", status_code=303)


@router.post("/listening/try", response_class=HTMLResponse)
def try_query(
    request: Request, context: Context, user: CheckedUser, expression: Text = "", text: Text = ""
) -> HTMLResponse:
    """Whether an expression matches a text, before it is saved."""
    user.require("supervisor")
    trial: dict[str, object] = {"expression": expression, "text": text}
    try:
        matcher = Matcher([Compiled("trial", parse(expression), exclude_own=False)])
        trial["matches"] = bool(matcher.match(Post(text)))
    except PermanentError as error:
        trial["error"] = str(error)
    return _page(request, context, user, trial=trial)


def _name_of(session: Session, query_id: uuid.UUID) -> str:
    found = session.get(ListeningQuery, query_id)
    if found is None:
        raise NotFoundError("no such listening query")
    return found.name


@router.post("/listening/{query_id}/switch")
def switch_query(
    context: Context, user: CheckedUser, query_id: uuid.UUID, enabled: Text = ""
) -> Response:
    user.require("supervisor")
    with context.transaction() as session:
        name = _name_of(session, query_id)
        found = service.set_enabled(session, name=name, enabled=bool(enabled), now=context.clock())
        audit.log(
            session,
            actor_id=user.id,
            action="listening_change",
            now=context.clock(),
            target=("listening_query", found.id),
            summary=f"{'switched on' if enabled else 'switched off'} {name}",
        )
    return RedirectResponse("/listening", status_code=303)


@router.post("/listening/{query_id}/remove")
def remove_query(context: Context, user: CheckedUser, query_id: uuid.UUID) -> Response:
    user.require("supervisor")
    with context.transaction() as session:
        name = _name_of(session, query_id)
        service.remove_query(session, name=name)
        audit.log(
            session,
            actor_id=user.id,
            action="listening_change",
            now=context.clock(),
            target=("listening_query", query_id),
            summary=f"removed {name}",
        )
    return RedirectResponse("/listening", status_code=303)


@router.get("/coverage", response_class=HTMLResponse)
def coverage_page(request: Request, context: Context, user: User, days: int = 30) -> HTMLResponse:
    user.require("supervisor")
    days = min(max(days, 1), 3660)
    until = context.clock()
    with context.transaction() as session:
        report = queries.coverage(
            session, context.connectors, since=until - timedelta(days=days), until=until
        )
    return context.templates.render(
        request,
        "listening/coverage.html",
        {"user": user, "report": report, "days": days},
        locale=user.locale,
    )
