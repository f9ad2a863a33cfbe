"""Collision detection: who else has a conversation open, and who is writing in it, as their
browsers report every few seconds. Kept in memory — Vastaa serves from one process — and
forgotten after ``STALE`` without a report."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

ACTIVITIES = ("viewing", "drafting")
STALE = timedelta(seconds=25)


@dataclass(frozen=True)
class Seen:
    user_id: uuid.UUID
    name: str
    activity: str
    at: datetime


class Presence:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seen: dict[uuid.UUID, dict[uuid.UUID, Seen]] = {}

    def report(
        self,
        conversation_id: uuid.UUID,
        user_id: uuid.UUID,
        name: str,
        activity: str,
        now: datetime,
    ) -> None:
        if activity not in ACTIVITIES:
            activity = "viewing"
        with self._lock:
            self._seen.setdefault(conversation_id, {})[user_id] = Seen(user_id, name, activity, now)
            self._sweep(now)

    def _sweep(self, now: datetime) -> None:
        """Forget stale reports and conversations nobody has open (called under the lock)."""
        for conversation_id in list(self._seen):
            here = self._seen[conversation_id]
            for key in [key for key, seen in here.items() if now - seen.at > STALE]:
                del here[key]
            if not here:
                del self._seen[conversation_id]

    def leave(self, conversation_id: uuid.UUID, user_id: uuid.UUID) -> None:
        with self._lock:
            here = self._seen.get(conversation_id, {})
            here.pop(user_id, None)
            if not here:
                self._seen.pop(conversation_id, None)

    def others(self, conversation_id: uuid.UUID, user_id: uuid.UUID, now: datetime) -> list[Seen]:
        """Everyone else seen here lately, drafting first, then by name."""
        with self._lock:
            here = self._seen.get(conversation_id, {})
            for key in [key for key, seen in here.items() if now - seen.at > STALE]:
                del here[key]
            found = [seen for key, seen in here.items() if key != user_id]
        return sorted(found, key=lambda seen: (seen.activity != "drafting", seen.name))

    def viewers(
        self, conversation_ids: list[uuid.UUID], now: datetime
    ) -> dict[uuid.UUID, list[str]]:
        """For the inbox: the names seen lately in each of these conversations."""
        with self._lock:
            return {
                conversation_id: sorted(
                    seen.name
                    for seen in self._seen.get(conversation_id, {}).values()
                    if now - seen.at <= STALE
                )
                for conversation_id in conversation_ids
                if self._seen.get(conversation_id)
            }
