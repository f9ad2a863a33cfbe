"""Reading the archive for pages: how many records there are about some messages."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from vastaa.evidence.models import EvidenceRecord


def evidence_count(session: Session, message_ids: Sequence[uuid.UUID]) -> int:
    if not message_ids:
        return 0
    query = select(func.count()).where(EvidenceRecord.message_id.in_(list(message_ids)))
    return session.scalar(query) or 0
