"""The channels page (admins connect, test and remove accounts and sources) and the webhook
endpoints platforms push to (``/webhooks/{platform}``: Meta's Facebook and Instagram)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, RedirectResponse
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from vastaa.audit import service as audit
from vastaa.channels import queries, service
from vastaa.channels.base import Delivery, MalformedPayload, Unauthorized
from vastaa.channels.models import PLATFORMS, Channel
from vastaa.errors import NotFoundError, PermanentError, VastaaError
from vastaa.pipeline.events import Event, cleaned
from vastaa.pipeline.ingest import ingest
from vastaa.web.auth import CheckedUser, Context, CurrentUser, User
from vastaa.web.context import AppContext

router = APIRouter()
Text = Annotated[str, Form()]
MAX_WEBHOOK_BYTES = 1_000_000


class TooLarge(PermanentError):
    """A delivery over ``MAX_WEBHOOK_BYTES``: answered 413 before it is read to the end."""


async def _delivery(request: Request) -> Delivery:
    """The request as delivered, read no further than ``MAX_WEBHOOK_BYTES`` (nobody is signed
    in yet: the signature is checked after)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_WEBHOOK_BYTES:
        raise TooLarge(f"a delivery may be at most {MAX_WEBHOOK_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > MAX_WEBHOOK_BYTES:
            raise TooLarge(f"a delivery may be at most {MAX_WEBHOOK_BYTES} bytes")
    headers = {name.lower(): value for name, value in request.headers.items()}
    return Delivery(body=bytes(body), headers=headers, params=dict(request.query_params))


@router.get("/webhooks/{platform}")
async def webhook_handshake(request: Request, context: Context, platform: str) -> Response:
    """The platform's subscription handshake (Meta: hub.mode, hub.verify_token, hub.challenge)."""
    try:
        receiver = context.connectors.webhook(platform, context.settings)
        answer = receiver.challenge(await _delivery(request))
    except Unauthorized as error:
        return PlainTextResponse(str(error), status_code=403)
    except TooLarge as error:
        return PlainTextResponse(str(error), status_code=413)
    except PermanentError as error:
        return PlainTextResponse(str(error), status_code=404)
    return PlainTextResponse(answer)


@router.post("/webhooks/{platform}")
async def webhook_delivery(request: Request, context: Context, platform: str) -> Response:
    """A delivery: its signature is checked on the exact bytes before anything is read; the
    events are stored in one transaction. A platform that sends the same delivery again gets
    the same answer and nothing is stored twice."""
    try:
        receiver = context.connectors.webhook(platform, context.settings)
        events = receiver.receive(await _delivery(request))
    except Unauthorized as error:
        return JSONResponse({"error": str(error)}, status_code=401)
    except TooLarge as error:
        return JSONResponse({"error": str(error)}, status_code=413)
    except MalformedPayload as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    except PermanentError as error:
        return JSONResponse({"error": str(error)}, status_code=404)
    stored = await run_in_threadpool(_store, context, events)
    return JSONResponse({"stored": stored})


def _store(context: AppContext, events: list[Event]) -> int:
    with context.transaction() as session:
        results = ingest(session, [cleaned(event) for event in events], now=context.clock())
    return sum(result.status != "duplicate" for result in results)


def _pairs(text: str) -> dict[str, str]:
    """``key=value`` lines; an empty value is kept out (the stored one stays)."""
    pairs: dict[str, str] = {}
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if not line.strip():
            continue
        if not sep or not key.strip():
            raise PermanentError("write each setting as KEY=VALUE on its own line")
        if value.strip():
            pairs[key.strip()] = value.strip()
    return pairs


def _page(
    request: Request,
    context: Context,
    user: CurrentUser,
    *,
    form: dict[str, object] | None = None,
    notice: str = "",
    status_code: int = 200,
) -> HTMLResponse:
    with context.transaction() as session:
        rows = [
            (channel, brand, sorted(context.connectors.capabilities(channel)))
            for channel, brand in queries.channels(session)
        ]
        brands = queries.brands(session)
    return context.templates.render(
        request,
        "channels/page.html",
        {
            "user": user,
            "rows": rows,
            "brands": brands,
            "platforms": PLATFORMS,
            "connected": context.connectors.platforms(),
            "form": form or {},
            "notice": notice,
        },
        locale=user.locale,
        status_code=status_code,
    )


@router.get("/channels", response_class=HTMLResponse)
def channels_page(request: Request, context: Context, user: User) -> HTMLResponse:
    user.require("admin")
    return _page(request, context, user)


@router.post("/channels", response_class=HTMLResponse)
def save_channel(
    request: Request,
    context: Context,
    user: CheckedUser,
    platform: Text = "",
    account: Text = "",
    name: Text = "",
    brand: Text = "",
    staffed: Text = "",
    config: Text = "",
    credentials: Text = "",
) -> Response:
    """Add a channel or change one; credentials left empty keep the stored ones."""
    user.require("admin")
    form = {"platform": platform, "account": account, "name": name, "brand": brand}
    try:
        with context.transaction() as session:
            saved = service.save_channel(
                session,
                platform=platform,
                account=account.strip(),
                now=context.clock(),
                name=name.strip() or None,
                brand=brand or None,
                staffed=bool(staffed),
                config=_pairs(config),
                credentials=_pairs(credentials),
            )
            audit.log(
                session,
                actor_id=user.id,
                action="channel_change",
                now=context.clock(),
                target=("channel", saved.id),
                summary=f"saved {platform}:{saved.account}",
            )
    except PermanentError as error:
        return _page(request, context, user, form={**form, "error": str(error)}, status_code=400)
    return RedirectResponse("/channels", status_code=303)


@router.post("/channels/{channel_id}/test", response_class=HTMLResponse)
def test_channel(
    request: Request, context: Context, user: CheckedUser, channel_id: uuid.UUID
) -> HTMLResponse:
    """One call to the platform with the channel's settings; the answer is shown on the page."""
    user.require("admin")
    with context.transaction() as session:
        found = session.get(Channel, channel_id)
        if found is None:
            raise NotFoundError("no such channel")
        label = f"{found.platform}:{found.account}"
    try:
        said = context.connectors.connector(found).check()
        notice, ok = f"{label}: {said}", True
    except VastaaError as error:
        notice, ok = f"{label}: {error}", False
    return _page(request, context, user, notice=notice, status_code=200 if ok else 502)


@router.post("/channels/{channel_id}/remove")
def remove_channel(context: Context, user: CheckedUser, channel_id: uuid.UUID) -> Response:
    user.require("admin")
    with context.transaction() as session:
        found = session.get(Channel, channel_id)
        if found is None:
            raise NotFoundError("no such channel")
        platform, account = found.platform, found.account
        kept = service.remove_channel(session, platform=platform, account=account)
        audit.log(
            session,
            actor_id=user.id,
            action="channel_change",
            now=context.clock(),
            target=("channel", channel_id),
            summary=f"{'disconnected' if kept else 'removed'} {platform}:{account}",
        )
    return RedirectResponse("/channels", status_code=303)
