"""Daily rollups for the analytics dashboard and the weekly report (R31).

Counting a million messages on every page view is too slow, so the worker keeps three small
tables of sums per day (a day in the team's time zone, ``VASTAA_TIMEZONE``). They are derived
data: any day can be recomputed from the messages and conversations at any time
(``vastaa analytics refresh --all``), and the worker recomputes the days that changed.

- DailyMessages: what was said, by the day it was written: inbound messages, mentions,
  complaints, sentiment, and our replies, per channel, language and problem area.
- DailyCases: the conversations, by the day they began: answered or not, first response time
  (sum and a histogram), SLA met or missed, resolved and how long it took, tone changes and what
  followed them (R30), per channel, language and team.
- DailyAgents: what each agent did, by the day they did it: replies, first responses and their
  times, per channel and language.

Coarser tables hold the same sums with fewer keys, so that a view of a whole year reads
thousands of rows, not a hundred thousand: DailyMessageTotals (no problem area), and, for views
without a channel or language filter, DailyAreaTotals (per problem area), DailyCaseTotals (per
team) and DailyAgentTotals (per agent). The refresh writes them together with the fine ones.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import Date, Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from vastaa.db import Base, UTCDateTime

# First response time buckets, in minutes: up to 15, 60, 240, 1440, and more.
FRT_BUCKETS = (15, 60, 240, 1440)


class SaidSums:
    """What was said on a day: the sums DailyMessages and DailyMessageTotals share."""

    inbound: Mapped[int] = mapped_column(Integer, default=0)
    mentions: Mapped[int] = mapped_column(Integer, default=0)
    complaints: Mapped[int] = mapped_column(Integer, default=0)
    negative: Mapped[int] = mapped_column(Integer, default=0)
    neutral: Mapped[int] = mapped_column(Integer, default=0)
    positive: Mapped[int] = mapped_column(Integer, default=0)
    sentiment_sum: Mapped[float] = mapped_column(Float, default=0.0)
    sentiment_n: Mapped[int] = mapped_column(Integer, default=0)
    outbound: Mapped[int] = mapped_column(Integer, default=0)


class AgentSums:
    """What an agent did on a day: the sums DailyAgents and DailyAgentTotals share."""

    replies: Mapped[int] = mapped_column(Integer, default=0)
    first_responses: Mapped[int] = mapped_column(Integer, default=0)
    frt_minutes: Mapped[float] = mapped_column(Float, default=0.0)


class DailyMessages(SaidSums, Base):
    __tablename__ = "daily_messages"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)  # "" when not known
    area: Mapped[str] = mapped_column(String(16), primary_key=True)  # "" when none


class DailyMessageTotals(SaidSums, Base):
    """DailyMessages summed over the problem areas."""

    __tablename__ = "daily_message_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"), primary_key=True)
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)


class CaseSums:
    """What became of the conversations begun on a day: the sums DailyCases and DailyCaseTotals
    share."""

    cases: Mapped[int] = mapped_column(Integer, default=0)
    needing: Mapped[int] = mapped_column(Integer, default=0)  # waited for, or got, an answer
    answered: Mapped[int] = mapped_column(Integer, default=0)
    frt_minutes: Mapped[float] = mapped_column(Float, default=0.0)  # sum over the answered
    frt_15: Mapped[int] = mapped_column(Integer, default=0)
    frt_60: Mapped[int] = mapped_column(Integer, default=0)
    frt_240: Mapped[int] = mapped_column(Integer, default=0)
    frt_1440: Mapped[int] = mapped_column(Integer, default=0)
    frt_more: Mapped[int] = mapped_column(Integer, default=0)
    sla_met: Mapped[int] = mapped_column(Integer, default=0)
    sla_missed: Mapped[int] = mapped_column(Integer, default=0)
    resolved: Mapped[int] = mapped_column(Integer, default=0)
    resolution_minutes: Mapped[float] = mapped_column(Float, default=0.0)
    tone_changes: Mapped[int] = mapped_column(Integer, default=0)
    tone_thanked: Mapped[int] = mapped_column(Integer, default=0)  # we answered after it
    tone_left: Mapped[int] = mapped_column(Integer, default=0)  # resolved without an answer


class DailyCases(CaseSums, Base):
    __tablename__ = "daily_cases"
    __table_args__ = (Index("ix_daily_cases_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    lang: Mapped[str] = mapped_column(String(8))
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))


class DailyCaseTotals(CaseSums, Base):
    """DailyCases summed over the channels and languages."""

    __tablename__ = "daily_case_totals"
    __table_args__ = (Index("ix_daily_case_totals_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    team_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("team.id"))


class DailyAreaTotals(SaidSums, Base):
    """DailyMessages summed over the channels and languages (the top problem areas)."""

    __tablename__ = "daily_area_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    area: Mapped[str] = mapped_column(String(16), primary_key=True)


class DailyAgents(AgentSums, Base):
    __tablename__ = "daily_agents"
    __table_args__ = (Index("ix_daily_agents_day", "day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    day: Mapped[date] = mapped_column(Date)
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"))
    channel_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("channel.id"))
    lang: Mapped[str] = mapped_column(String(8))


class DailyAgentTotals(AgentSums, Base):
    """DailyAgents summed over the channels and languages."""

    __tablename__ = "daily_agent_totals"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    agent_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("user_account.id"), primary_key=True)


class AnalyticsState(Base):
    """One row: up to when the rollups are known to be complete, and in which time zone."""

    __tablename__ = "analytics_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    timezone: Mapped[str] = mapped_column(String(64))
    refreshed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    swept_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the last full recompute


class AnalyticsStale(Base):
    """A moment whose day must be summed again, left by a change that leaves no trace of its
    own on that day (an older message moving its conversation's first day, threads merged, a
    reply that failed later, an erasure). The next refresh recomputes those days and deletes
    the rows it read."""

    __tablename__ = "analytics_stale"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
