"""The policy guard (R26, R27, R7), pure: what the analysis says about a message decides which
moderation actions a person may take, and what to suggest instead.

- Criticism — negative, not abusive, not spam — is answered, not hidden: an agent may not hide,
  delete or mark it as spam, nor block or report its author; a supervisor may, with a written
  reason (an override, recorded).
- Hate or an identity attack is removed and reported (one click: capture, delete, report, block).
- A troll gets no fight: ignore it, or one factual correction for the audience.
- Hiding has a budget per thread: more than ``HIDE_BUDGET`` of its replies hidden shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from vastaa.accounts.models import at_least
from vastaa.errors import PermanentError

# What makes a message disappear from view, or turns on its author: never done to a critic
# lightly.
GUARDED = ("hide", "delete", "spam", "block", "report")
ABUSIVE = 0.7  # an offensive or insult score from which a message is abuse, not criticism
HATE = 0.5  # an identity-attack score from which it is hate
HIDE_BUDGET = 0.10  # R27: the reply count gives hiding away


class PolicyRefused(PermanentError):
    """The guard refused the action; the message says why and what to do instead, ``code``
    which rule refused it (criticism, not_analysed, reason_needed, not_hate)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Reading:
    analysed: bool
    negative: bool
    abusive: bool
    spam: bool
    hate: bool
    troll: bool

    @property
    def criticism(self) -> bool:
        return self.negative and not self.abusive and not self.spam and not self.hate


def read(analysis: Mapping[str, Any] | None) -> Reading:
    if not analysis:
        return Reading(False, False, False, False, False, False)
    abuse = analysis.get("abuse") or {}
    scores = abuse.get("scores") or {}
    hate = float(scores.get("identity_attack", 0.0)) >= HATE
    rude = max(float(scores.get("offensive", 0.0)), float(scores.get("insult", 0.0)))
    abusive = hate or bool(abuse.get("toxic")) or rude >= ABUSIVE
    negative = (analysis.get("sentiment") or {}).get("label") == "negative"
    spam = "spam" in (analysis.get("intents") or [])
    troll = not hate and bool(analysis.get("vague_rude")) and not analysis.get("specific")
    return Reading(True, negative, abusive, spam, hate, troll)


def check(action: str, reading: Reading, *, role: str, reason: str) -> bool:
    """Raise :class:`PolicyRefused` when ``role`` may not take ``action``; returns whether it
    is a supervisor's override (to be recorded with its reason)."""
    if action not in GUARDED:
        return False
    if not reading.analysed:
        if at_least(role, "supervisor"):
            return False
        raise PolicyRefused(
            "not_analysed",
            "this message has not been analysed yet: wait a moment, or ask a supervisor",
        )
    if not reading.criticism:
        return False
    if not at_least(role, "supervisor"):
        raise PolicyRefused(
            "criticism",
            "this reads as criticism (negative, not abusive, not spam): answer it instead of "
            "hiding it, because removing criticism looks like hiding it; a supervisor may "
            "override with a written reason",
        )
    if not reason.strip():
        raise PolicyRefused("reason_needed", "hiding or deleting criticism needs a written reason")
    return True


def may_remove_hate(reading: Reading, *, role: str) -> bool:
    return reading.hate or at_least(role, "supervisor")


@dataclass(frozen=True)
class Budget:
    replies: int
    hidden: int  # counting the one about to be hidden

    @property
    def share(self) -> float:
        return self.hidden / self.replies if self.replies else 1.0

    @property
    def over(self) -> bool:
        return self.share > HIDE_BUDGET


def advice(reading: Reading) -> list[str]:
    """What to suggest on the conversation page, most important first."""
    found = []
    if reading.hate:
        found.append("remove_hate")
    if reading.troll:
        found.append("troll")
    if reading.criticism:
        found.append("answer_criticism")
    if reading.spam:
        found.append("spam")
    return found
