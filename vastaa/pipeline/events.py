"""The canonical event: the one format every source (connector, file, API) delivers.

``docs/event.schema.json`` is generated from these models (``vastaa schema``) and a test keeps
the two in step.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
)

from vastaa.errors import InvalidEventError

Kind = Literal["post", "comment", "reply", "direct_message", "review", "mention"]
Id = Field(min_length=1, max_length=200)
REPLACEMENT = "\ufffd"


class ChannelRef(BaseModel):
    """Which connected account or listened source the event belongs to."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    platform: str = Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_.-]+$")
    account: str = Field(min_length=1, max_length=200)
    name: str | None = Field(default=None, max_length=200)
    staffed: bool | None = None


class AuthorRef(BaseModel):
    """The identity on the channel that wrote the message."""

    model_config = ConfigDict(extra="forbid")

    id: str = Id
    handle: str = Field(default="", max_length=200)
    name: str = Field(default="", max_length=200)
    followers: int = Field(default=0, ge=0)
    verified: bool = False


class MediaRef(BaseModel):
    """An attachment of a message (its address; Vastaa does not download it)."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2000)
    type: Literal["image", "video", "audio", "file"] = "image"


class MessageEvent(BaseModel):
    """A message was created or edited on the platform (the same shape for both)."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["message"] = "message"
    channel: ChannelRef
    external_id: str = Id
    kind: Kind
    direction: Literal["inbound", "outbound"] = "inbound"
    public: bool = True
    author: AuthorRef
    text: str = Field(max_length=100_000)
    url: str | None = Field(default=None, max_length=2000)
    created_at: AwareDatetime
    edited_at: AwareDatetime | None = None
    thread_id: str | None = Field(default=None, min_length=1, max_length=200)
    parent_id: str | None = Field(default=None, min_length=1, max_length=200)
    lang: str | None = Field(default=None, pattern=r"^[a-z]{2,3}$")
    rating: int | None = Field(default=None, ge=1, le=5)
    client_ref: str | None = Field(default=None, max_length=200)
    media: list[MediaRef] = Field(default_factory=list, max_length=50)
    promoted: bool = False  # a post that is a paid ad (automatic moderation rules may ask)
    raw: dict[str, Any] | None = None

    @property
    def version_at(self) -> datetime:
        return self.edited_at or self.created_at


class DeleteEvent(BaseModel):
    """The platform reports that a message was deleted; we keep its content and a tombstone."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["delete"]
    channel: ChannelRef
    external_id: str = Id
    deleted_at: AwareDatetime
    raw: dict[str, Any] | None = None


Event = MessageEvent | DeleteEvent


def _event_type(value: Any) -> str:
    """``type`` may be left out of a message event; it is the common case."""
    if isinstance(value, dict):
        return str(value.get("type", "message"))
    return str(getattr(value, "type", "message"))


_EVENT = TypeAdapter[Event](
    Annotated[
        Annotated[MessageEvent, Tag("message")] | Annotated[DeleteEvent, Tag("delete")],
        Discriminator(_event_type),
    ]
)


def without_nul(value: Any) -> Any:
    """NUL characters cannot be stored (PostgreSQL refuses them in text and JSON): they become
    U+FFFD, the replacement character, so the rest of the message is kept."""
    if isinstance(value, str):
        return value.replace("\x00", REPLACEMENT) if "\x00" in value else value
    if isinstance(value, dict):
        return {without_nul(k): without_nul(v) for k, v in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    return False


def cleaned(event: Event) -> Event:
    """An event a connector built, with NUL characters replaced as ``parse_event`` does for
    JSON (PostgreSQL refuses them); the same event when it has none."""
    data = event.model_dump()
    if not _has_nul(data):
        return event
    return type(event).model_validate(without_nul(data))


def parse_event(data: Any, position: int) -> Event:
    """Validate one decoded JSON value; raise :class:`InvalidEventError` naming the reason."""
    if not isinstance(data, dict):
        raise InvalidEventError(position, "an event must be a JSON object")
    try:
        return _EVENT.validate_python(without_nul(data))
    except ValidationError as error:
        raise InvalidEventError(position, _reason(error)) from None


def parse_event_json(line: str | bytes, position: int) -> Event:
    """Validate one JSON text (a line of a JSONL file)."""
    if isinstance(line, str):
        line = line.encode()
    if b"\\u0000" in line:
        return parse_event(_decode(line, position), position)
    try:
        return _EVENT.validate_json(line)
    except ValidationError as error:
        raise InvalidEventError(position, _reason(error)) from None


def _decode(line: bytes, position: int) -> Any:
    try:
        return json.loads(line)
    except ValueError as error:
        raise InvalidEventError(position, f"invalid JSON: {error}") from None


def _reason(error: ValidationError) -> str:
    parts = []
    for item in error.errors()[:5]:
        where = ".".join(str(p) for p in item["loc"] if p not in ("message", "delete"))
        parts.append(f"{where or 'event'}: {item['msg']}")
    return "; ".join(parts)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of one canonical event."""
    schema = _EVENT.json_schema()
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        **schema,
        "title": "Vastaa canonical event",
        "description": "One line of `vastaa ingest` input, one item of POST /api/v1/events.",
    }
