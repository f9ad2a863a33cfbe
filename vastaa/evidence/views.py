"""Downloading a conversation's evidence as a ZIP (supervisors; the download is audited)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter
from fastapi.responses import Response

from vastaa.evidence import export
from vastaa.web.auth import Context, User

router = APIRouter()


@router.get("/conversations/{conversation_id}/evidence.zip")
def evidence_zip(context: Context, user: User, conversation_id: uuid.UUID) -> Response:
    user.require("supervisor")
    now = context.clock()
    with context.transaction() as session:
        data, _ = export.conversation_zip(
            session, conversation_id, by=user.display_name, actor_id=user.id, now=now
        )
    name = f"evidence-{conversation_id}-{now:%Y%m%dT%H%M%SZ}.zip"
    return Response(
        data,
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
