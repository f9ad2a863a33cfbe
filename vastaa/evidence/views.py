"""Downloading a conversation's evidence as a ZIP (supervisors; the download is audited)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from vastaa.audit.service import log
from vastaa.errors import NotFoundError
from vastaa.evidence import export
from vastaa.web.auth import Context, User

router = APIRouter()


@router.get("/conversations/{conversation_id}/evidence.zip")
def evidence_zip(context: Context, user: User, conversation_id: uuid.UUID) -> Response:
    user.require("supervisor")
    now = context.clock()
    with context.transaction() as session:
        items = export.conversation_items(session, conversation_id)
        if not items:
            raise NotFoundError("no evidence about this conversation")
        data = export.write_zip(
            session,
            items,
            title=f"Evidence: conversation {conversation_id}",
            subject={"conversation": str(conversation_id)},
            by=user.display_name,
            now=now,
        )
        log(
            session,
            actor_id=user.id,
            action="export",
            now=now,
            target=("conversation", conversation_id),
            summary=f"evidence ZIP, {len(items)} records",
        )
    name = f"evidence-{conversation_id}-{now:%Y%m%dT%H%M%SZ}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
