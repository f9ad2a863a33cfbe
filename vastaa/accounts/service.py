"""Users, passwords (argon2), server-side sessions and API tokens. Nothing here commits."""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from vastaa.accounts.models import ROLES, ApiToken, Team, TeamMember, User, WebSession
from vastaa.config import LOCALES
from vastaa.errors import AuthenticationError, PermanentError

_hasher = PasswordHasher()
# A real hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = _hasher.hash("not a password")
MIN_PASSWORD_LENGTH = 10


class InvalidUserError(PermanentError):
    """A user cannot be created as asked (duplicate name, weak password, unknown role)."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def add_user(
    session: Session,
    *,
    username: str,
    password: str,
    role: str,
    now: datetime,
    display_name: str = "",
    locale: str = "en",
) -> User:
    username = username.strip()
    if not username or len(username) > 80:
        raise InvalidUserError("the username must be 1–80 characters")
    if role not in ROLES:
        raise InvalidUserError(f"the role must be one of {', '.join(ROLES)}")
    if locale not in LOCALES:
        raise InvalidUserError(f"the language must be one of {', '.join(LOCALES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidUserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise InvalidUserError(f"a user named {username!r} already exists")
    user = User(
        username=username,
        display_name=display_name or username,
        password_hash=_hasher.hash(password),
        role=role,
        locale=locale,
        created_at=now,
    )
    session.add(user)
    session.flush()
    return user


def authenticate(session: Session, *, username: str, password: str) -> User:
    user = session.scalar(select(User).where(User.username == username.strip()))
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        raise AuthenticationError("wrong username or password") from None
    if user is None or not user.active:
        raise AuthenticationError("wrong username or password")
    return user


@dataclass(frozen=True)
class StartedSession:
    token: str
    csrf_token: str
    expires_at: datetime


def start_session(session: Session, *, user: User, now: datetime, hours: int) -> StartedSession:
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    expires = now + timedelta(hours=hours)
    session.add(
        WebSession(
            token_hash=_digest(token),
            user_id=user.id,
            csrf_token=csrf,
            created_at=now,
            expires_at=expires,
        )
    )
    return StartedSession(token, csrf, expires)


def session_for_token(session: Session, *, token: str, now: datetime) -> WebSession | None:
    """The live session a cookie token belongs to, with its user loaded."""
    found = session.get(WebSession, _digest(token))
    if found is None:
        return None
    if found.expires_at <= now:
        session.delete(found)  # an expired session is gone for good
        return None
    user = session.get(User, found.user_id)
    if user is None or not user.active:
        return None
    found.user = user
    return found


def end_session(session: Session, *, token: str) -> None:
    session.execute(delete(WebSession).where(WebSession.token_hash == _digest(token)))


def set_locale(session: Session, *, user_id: uuid.UUID, locale: str) -> None:
    if locale not in LOCALES:
        raise InvalidUserError(f"the language must be one of {', '.join(LOCALES)}")
    user = session.get(User, user_id)
    if user is not None:
        user.locale = locale


def create_api_token(session: Session, *, user: User, name: str, now: datetime) -> str:
    """A new API token for ``user``; only its hash is stored, so it is shown once."""
    token = "vst_" + secrets.token_urlsafe(32)
    session.add(ApiToken(user_id=user.id, name=name, token_hash=_digest(token), created_at=now))
    return token


def user_for_api_token(session: Session, *, token: str, now: datetime) -> User:
    found = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(token)))
    user = session.get(User, found.user_id) if found else None
    if found is None or user is None or not user.active:
        raise AuthenticationError("invalid API token")
    found.last_used_at = now
    return user


def add_team(
    session: Session,
    *,
    name: str,
    now: datetime,
    escalation: bool = False,
    members: Sequence[str] = (),
) -> Team:
    """A team, with members given by username (each must exist)."""
    name = name.strip()
    if not name or len(name) > 120:
        raise InvalidUserError("the team name must be 1–120 characters")
    if session.scalar(select(Team.id).where(Team.name == name)) is not None:
        raise InvalidUserError(f"a team named {name!r} already exists")
    rows = session.execute(select(User.username, User.id).where(User.username.in_(members)))
    found = {username: user_id for username, user_id in rows}
    unknown = [member for member in members if member not in found]
    if unknown:
        raise InvalidUserError(f"no such user(s): {', '.join(unknown)}")
    team = Team(name=name, escalation=escalation, created_at=now)
    session.add(team)
    session.flush()
    session.add_all(TeamMember(team_id=team.id, user_id=found[member]) for member in members)
    return team


SEEN_EVERY = timedelta(minutes=1)


def mark_seen(user: User, *, now: datetime) -> None:
    """Routing gives work only to agents seen lately; written at most once a minute."""
    if user.last_seen_at is None or now - user.last_seen_at >= SEEN_EVERY:
        user.last_seen_at = now
