"""Incidents (R29): complaints about the same fault, grouped across channels and languages.

An Incident's ``level`` counts the people who complained within the window: one is
``isolated``, two a ``pattern`` (an alert), three or more a ``problem`` (an incident the team
works: ``status`` investigating → identified → fixed → closed, an owner, a known-issue statement
in Finnish, Turkish and English, and an after-care review, R33). Each complaint in it is an
IncidentMember, with the encoder's vector that later complaints are compared with. On "fixed",
every affected person gets an IncidentFollowUp: a reply drafted for them that an agent sends.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, LargeBinary, String, Text, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, PortableJSON, UTCDateTime, new_id

LEVELS = ("isolated", "pattern", "problem")
STATUSES = ("investigating", "identified", "fixed", "closed")


class Incident(Base):
    __tablename__ = "incident"
    __table_args__ = (Index("ix_incident_open_last", "closed_at", "last_at"),)

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    # What people call it: #12 (unique, in the order incidents began).
    number: Mapped[int] = mapped_column(Integer, unique=True)
    brand_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("brand.id"))
    title: Mapped[str] = mapped_column(String(200), default="")
    level: Mapped[str] = mapped_column(String(10), default="isolated")
    status: Mapped[str] = mapped_column(String(14), default="investigating")
    owner_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))
    # The signature its complaints share: the catalogue's product, fault concepts, error codes.
    product: Mapped[str | None] = mapped_column(String(60))
    faults: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    codes: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    people: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    first_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_at: Mapped[datetime] = mapped_column(UTCDateTime)
    pattern_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    problem_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    identified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    fixed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # {"fi": ..., "tr": ..., "en": ...}: what we tell people about it (the known-issue statement)
    # and, once fixed, what was done.
    statement: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    fix_note: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    # After-care (R33): {"went_well": ..., "improve": ..., "change": ...}.
    review: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class IncidentMember(Base):
    __tablename__ = "incident_member"

    message_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("message.id"), primary_key=True)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    conversation_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("conversation.id"), index=True
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("author.id"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    lang: Mapped[str | None] = mapped_column(String(8))
    sentiment: Mapped[float | None] = mapped_column(Float)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column(Float)  # how well it fitted when it joined
    # What it names and says (``grouping.Signature.as_json``): products, faults, parts, codes,
    # its words' stems and its language; emptied with the vector when the customer is erased.
    signature: Mapped[dict[str, list[str] | str]] = mapped_column(PortableJSON, default=dict)
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float16, L2-normalised


class IncidentFollowUp(Base):
    """A reply to one affected person once the fault is fixed: drafted for them, sent (through
    the coach, review policies and outbox) or skipped by an agent."""

    __tablename__ = "incident_follow_up"

    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    conversation_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("conversation.id"))
    lang: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(10), default="pending")  # pending|sent|skipped
    message_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("message.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("user_account.id"))


class IncidentAlias(Base):
    """The number of an incident merged into another: its links, alerts and audit entries
    still lead somewhere, and the number is never given out again."""

    __tablename__ = "incident_alias"

    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    incident_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("incident.id"), index=True)
    merged_at: Mapped[datetime] = mapped_column(UTCDateTime)
