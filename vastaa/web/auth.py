"""Who is asking: the browser session (cookie + CSRF token) or an API token (Bearer)."""

from __future__ import annotations

import hmac
import secrets
import uuid
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Form, Header, Request, Response

from vastaa.accounts import service as accounts
from vastaa.accounts.models import at_least
from vastaa.errors import AuthenticationError, PermissionDenied
from vastaa.web.context import AppContext, app_context

SESSION_COOKIE = "vastaa_session"
LOGIN_CSRF_COOKIE = "vastaa_login_csrf"


class LoginRequired(Exception):
    """The browser has no live session; the app redirects to the login page."""


@dataclass(frozen=True)
class CurrentUser:
    id: uuid.UUID
    username: str
    display_name: str
    role: str
    locale: str
    csrf_token: str

    def require(self, role: str) -> None:
        if not at_least(self.role, role):
            raise PermissionDenied(f"this needs the {role} role")


Context = Annotated[AppContext, Depends(app_context)]


def current_user(request: Request, context: Context) -> CurrentUser:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise LoginRequired
    with context.transaction() as session:
        found = accounts.session_for_token(session, token=token, now=context.clock())
        user = None
        if found is not None:
            account = found.user
            accounts.mark_seen(account, now=context.clock())
            user = CurrentUser(
                account.id,
                account.username,
                account.display_name,
                account.role,
                account.locale,
                found.csrf_token,
            )
    if user is None:  # raised outside the transaction, so an expired session's removal sticks
        raise LoginRequired
    return user


User = Annotated[CurrentUser, Depends(current_user)]


def same_token(given: str | None, expected: str | None) -> bool:
    if not given or not expected:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


def checked_user(
    user: User,
    csrf_token: Annotated[str | None, Form()] = None,
    x_csrf_token: Annotated[str | None, Header()] = None,
) -> CurrentUser:
    """A logged-in user whose form (or HTMX request) carries the session's CSRF token."""
    if not same_token(csrf_token or x_csrf_token, user.csrf_token):
        raise PermissionDenied("the form has expired or did not come from Vastaa; reload it")
    return user


CheckedUser = Annotated[CurrentUser, Depends(checked_user)]


def api_user(context: Context, authorization: Annotated[str | None, Header()] = None) -> uuid.UUID:
    """The user behind a ``Authorization: Bearer <token>`` header."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("an API token is required: Authorization: Bearer <token>")
    with context.transaction() as session:
        return accounts.user_for_api_token(session, token=token.strip(), now=context.clock()).id


ApiUser = Annotated[uuid.UUID, Depends(api_user)]


def login_csrf_token(request: Request) -> str:
    """Before login there is no session: a double-submit cookie guards the login form."""
    return request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(32)


def set_login_csrf(response: Response, token: str) -> None:
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict")
