"""The exception tree of Vastaa.

::

    VastaaError
    ├── RetryableError          try again later (a database hiccup, a platform time-out)
    └── PermanentError          retrying will not help; a person must look
        ├── InvalidEventError   an event does not follow the canonical format
        ├── NotFoundError       the thing asked for does not exist
        ├── PermissionDenied    the user may not do this
        └── AuthenticationError wrong credentials or token
"""

from __future__ import annotations

from collections.abc import Callable


class VastaaError(Exception):
    """Base of every error Vastaa raises on purpose.

    A message meant for a person is written in English, marked for the catalogs
    (``vastaa.i18n.N_``), with its changing parts named in braces and given as keywords:
    ``PermanentError(N_("incident #{number} is closed"), number=7)``. ``str()`` is the English;
    ``said`` the same in a person's language."""

    def __init__(self, message: str = "", **fields: object) -> None:
        super().__init__(message.format(**fields) if fields else message)
        self.message = message
        self.fields = fields

    def said(self, gettext: Callable[[str], str]) -> str:
        """The message through ``gettext`` (its catalog entry, English when it has none)."""
        if not self.message:
            return str(self)
        translated = gettext(self.message)
        return translated.format(**self.fields) if self.fields else translated


class RetryableError(VastaaError):
    """A transient failure: the same call may succeed later."""


class PermanentError(VastaaError):
    """A failure that retrying cannot fix."""


class InvalidEventError(PermanentError):
    """An event that does not follow the canonical format; ``position`` is its index."""

    def __init__(self, position: int, reason: str) -> None:
        super().__init__(f"event {position}: {reason}")
        self.position = position
        self.reason = reason


class NotFoundError(PermanentError):
    """The requested object does not exist."""


class PermissionDenied(PermanentError):
    """The user's role does not allow this action."""


class AuthenticationError(PermanentError):
    """Wrong username, password or token."""
