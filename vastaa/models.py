"""Imports every domain's models so that ``Base.metadata`` knows the whole schema."""

from vastaa.accounts.models import ApiToken, User, WebSession
from vastaa.channels.models import Channel
from vastaa.conversations.models import Conversation
from vastaa.customers.models import Author, Customer
from vastaa.db import Base
from vastaa.messages.models import Message, MessageRevision, Tombstone

__all__ = [
    "ApiToken",
    "Author",
    "Base",
    "Channel",
    "Conversation",
    "Customer",
    "Message",
    "MessageRevision",
    "Tombstone",
    "User",
    "WebSession",
]
