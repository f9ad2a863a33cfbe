"""Jetstream: Bluesky's firehose as JSON over a WebSocket, read a bounded window at a time.

``wss://jetstream2.us-east.bsky.network/subscribe?wantedCollections=app.bsky.feed.post&cursor=T``
replays every event from the Unix time ``T`` (microseconds) and then follows the live stream.
Each message is one JSON event: ``{"did", "time_us", "kind": "commit", "commit": {"rev",
"operation": "create" | "update" | "delete", "collection", "rkey", "record", "cid"}}`` (and
``identity`` / ``account`` events, which carry no post). ``time_us`` is the cursor.

``read_window`` connects, reads for at most ``seconds`` or ``max_events`` new events, and
closes. The caller stores the last ``time_us`` read and asks from a few seconds before it next
time, as Jetstream advises for gapless playback (its cursor is a time, and events are not
strictly ordered by it); what the rewind reads again is stored once, and does not count towards
``max_events``, so a window always gets past it.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from websockets.exceptions import ConnectionClosed, InvalidStatus, InvalidURI, WebSocketException
from websockets.sync.client import ClientConnection, connect

from vastaa.channels.base import RateLimited
from vastaa.errors import PermanentError, RetryableError

POST = "app.bsky.feed.post"
REWIND_US = 3_000_000  # read again from 3 s before the last event read
MAX_MESSAGE_BYTES = 1 << 20
OPEN_TIMEOUT = 10.0

Connect = Callable[[str], ClientConnection]
Clock = Callable[[], float]


@dataclass
class Window:
    """What one window of the stream held: decoded events in order, the frames that could not
    be read, the last ``time_us`` seen, and whether it stopped at ``max_events``."""

    events: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    last_time_us: int | None = None
    full: bool = False


def subscribe_url(base: str, cursor_us: int | None) -> str:
    """The configured ``/subscribe`` address with ``wantedCollections`` and ``cursor``."""
    parts = urlsplit(base)
    query = [(k, v) for k, v in parse_qsl(parts.query) if k not in ("wantedCollections", "cursor")]
    query.append(("wantedCollections", POST))
    if cursor_us is not None:
        query.append(("cursor", str(max(0, cursor_us - REWIND_US))))
    return urlunsplit(parts._replace(query=urlencode(query)))


def read_window(
    url: str,
    *,
    seconds: float,
    max_events: int,
    after_us: int | None = None,
    connector: Connect | None = None,
    monotonic: Callable[[], float] = time.monotonic,
) -> Window:
    """Read ``url`` (from ``subscribe_url``) for at most ``seconds`` or ``max_events`` events
    later than ``after_us`` (the position stored: earlier ones are the rewind's)."""
    opener = connector or _connect
    window = Window()
    try:
        with opener(url) as websocket:
            limits = Limits(monotonic() + seconds, max_events, after_us or 0)
            _drain(websocket, window, limits, monotonic)
    except InvalidStatus as error:
        raise _refused(error.response.status_code) from None
    except InvalidURI:
        raise PermanentError("bluesky: the jetstream_url is not a WebSocket address") from None
    except (OSError, TimeoutError, WebSocketException) as error:
        raise RetryableError(f"bluesky: Jetstream: {type(error).__name__}: {error}") from None
    return window


def _connect(url: str) -> ClientConnection:
    return connect(
        url,
        open_timeout=OPEN_TIMEOUT,
        max_size=MAX_MESSAGE_BYTES,
        compression=None,
    )


@dataclass(frozen=True)
class Limits:
    deadline: float  # on the monotonic clock
    max_events: int
    after_us: int


def _drain(websocket: ClientConnection, window: Window, limits: Limits, clock: Clock) -> None:
    counted = 0
    while counted < limits.max_events:
        remaining = limits.deadline - clock()
        if remaining <= 0:
            return
        try:
            frame = websocket.recv(timeout=remaining)
        except (TimeoutError, ConnectionClosed):
            return  # the window is over, or the stream ended: what was read is kept
        time_us = _take(window, frame)
        counted += time_us is not None and time_us > limits.after_us
    window.full = True


def _take(window: Window, frame: str | bytes) -> int | None:
    try:
        event = json.loads(frame)
    except ValueError:
        window.problems.append("jetstream: a message that is not JSON was skipped")
        return None
    except RecursionError:
        window.problems.append("jetstream: a message nested too deeply was skipped")
        return None
    time_us = event.get("time_us") if isinstance(event, Mapping) else None
    if not isinstance(time_us, int) or isinstance(time_us, bool):
        window.problems.append("jetstream: an event without time_us was skipped")
        return None
    window.events.append(event)
    window.last_time_us = max(time_us, window.last_time_us or 0)
    return time_us


def _refused(status: int) -> Exception:
    if status == 429:
        return RateLimited("bluesky: Jetstream refused the connection (HTTP 429)")
    if 400 <= status < 500:
        return PermanentError(f"bluesky: Jetstream refused the subscription (HTTP {status})")
    return RetryableError(f"bluesky: Jetstream answered HTTP {status}")
