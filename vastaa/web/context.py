"""What every request may need, built once by ``create_app`` and found on ``app.state``."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fastapi import Request
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from vastaa.channels.registry import Registry, builtin
from vastaa.clock import Clock
from vastaa.config import Settings
from vastaa.conversations.presence import Presence
from vastaa.db import transaction
from vastaa.inbox.counts import ViewCounts
from vastaa.web.templating import Templates


@dataclass(frozen=True)
class AppContext:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    clock: Clock
    templates: Templates
    presence: Presence = field(default_factory=Presence)
    counts: ViewCounts = field(default_factory=ViewCounts)
    connectors: Registry = field(default_factory=builtin)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """The request is the boundary: it commits, services never do."""
        with transaction(self.sessions) as session:
            # Services that re-triage read the configured weights from here.
            session.info["priority_weights"] = self.settings.priority_weights
            yield session
            changed = session.info.get("inbox_changed", False)
        if changed:
            self.counts.forget()


def app_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context
