"""Imports every domain's models so that ``Base.metadata`` knows the whole schema."""

from vastaa.accounts.models import ApiToken, Team, TeamMember, User, WebSession
from vastaa.analytics.models import (
    AnalyticsState,
    DailyAgents,
    DailyAgentTotals,
    DailyCases,
    DailyMessages,
    DailyMessageTotals,
)
from vastaa.audit.models import AuditEntry
from vastaa.channels.models import Brand, Channel, OutboxItem
from vastaa.conversations.models import Conversation, ConversationEvent
from vastaa.customers.models import Author, Customer, CustomerNote, CustomerTag
from vastaa.db import Base
from vastaa.evidence.models import EvidenceContent, EvidenceHead, EvidenceRecord
from vastaa.incidents.models import Incident, IncidentAlias, IncidentFollowUp, IncidentMember
from vastaa.listening.models import ListeningMatch, ListeningQuery
from vastaa.messages.models import Message, MessageRevision, Tombstone
from vastaa.moderation.models import ModerationAction, ModerationRule
from vastaa.replies.models import Article, Snippet
from vastaa.routing.models import RoutingRule
from vastaa.sla.models import Alert, SlaPolicy

__all__ = [
    "AnalyticsState",
    "DailyAgents",
    "DailyAgentTotals",
    "DailyCases",
    "DailyMessages",
    "DailyMessageTotals",
    "ModerationRule",
    "ModerationAction",
    "EvidenceRecord",
    "EvidenceHead",
    "EvidenceContent",
    "AuditEntry",
    "Alert",
    "ApiToken",
    "Article",
    "Author",
    "Base",
    "Brand",
    "Channel",
    "Conversation",
    "ConversationEvent",
    "Customer",
    "Incident",
    "IncidentAlias",
    "IncidentFollowUp",
    "IncidentMember",
    "ListeningMatch",
    "ListeningQuery",
    "CustomerNote",
    "CustomerTag",
    "Message",
    "MessageRevision",
    "OutboxItem",
    "RoutingRule",
    "SlaPolicy",
    "Snippet",
    "Team",
    "TeamMember",
    "Tombstone",
    "User",
    "WebSession",
]
