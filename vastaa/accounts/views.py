"""Login, logout and the interface language."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from vastaa.accounts import service as accounts
from vastaa.audit.service import log
from vastaa.config import LOCALES
from vastaa.errors import AuthenticationError
from vastaa.i18n import negotiate
from vastaa.web.auth import (
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    CheckedUser,
    Context,
    login_csrf_token,
    same_token,
    set_login_csrf,
)

router = APIRouter()


def safe_next(target: str | None) -> str:
    """Only a path on this site: never ``//host``, ``/\\host`` or an absolute URL."""
    target = target or ""
    inside = target.startswith("/") and not target.startswith("//")
    if inside and not any(bad in target for bad in ("\\", "\n", "\r")):
        return target
    return "/"


def login_locale(request: Request, context: Context, lang: str | None) -> str:
    if lang in LOCALES:
        return lang
    header = request.headers.get("accept-language", "")
    return negotiate(header, context.settings.default_locale)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request,
    context: Context,
    next: str = "/",
    lang: Annotated[str | None, Query()] = None,
) -> Response:
    return _login_form(request, context, next_url=safe_next(next), lang=lang)


def _login_form(
    request: Request,
    context: Context,
    *,
    next_url: str,
    lang: str | None,
    error: bool = False,
    username: str = "",
) -> Response:
    locale = login_locale(request, context, lang)
    token = login_csrf_token(request)
    response = context.templates.render(
        request,
        "accounts/login.html",
        {"next": next_url, "error": error, "username": username, "csrf_token": token},
        locale=locale,
        status_code=401 if error else 200,
    )
    set_login_csrf(response, token)
    return response


@router.post("/login")
def login(
    request: Request,
    context: Context,
    username: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
    lang: Annotated[str | None, Form()] = None,
) -> Response:
    if not same_token(csrf_token, request.cookies.get(LOGIN_CSRF_COOKIE)):
        return _login_form(request, context, next_url=safe_next(next), lang=lang, error=True)
    try:
        with context.transaction() as session:
            user = accounts.authenticate(session, username=username, password=password)
            started = accounts.start_session(
                session, user=user, now=context.clock(), hours=context.settings.session_hours
            )
            log(session, actor_id=user.id, action="login", now=context.clock())
    except AuthenticationError:
        with context.transaction() as session:
            log(
                session,
                actor_id=None,
                actor_name=username[:80],
                action="login_failed",
                now=context.clock(),
                summary=request.client.host if request.client else "",
            )
        return _login_form(
            request, context, next_url=safe_next(next), lang=lang, error=True, username=username
        )
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=context.settings.session_hours * 3600,
        httponly=True,
        samesite="lax",
        secure=context.settings.secure_cookies,
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


@router.post("/logout")
def logout(request: Request, context: Context, user: CheckedUser) -> Response:
    with context.transaction() as session:
        accounts.end_session(session, token=request.cookies.get(SESSION_COOKIE, ""))
        log(session, actor_id=user.id, action="logout", now=context.clock())
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.post("/settings/language")
def change_language(
    context: Context,
    user: CheckedUser,
    locale: Annotated[str, Form()],
    next: Annotated[str, Form()] = "/",
) -> Response:
    with context.transaction() as session:
        accounts.set_locale(session, user_id=user.id, locale=locale)
    return RedirectResponse(safe_next(next), status_code=303)
