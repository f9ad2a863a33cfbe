"""The incidents pages (R29, R33): the list, and one incident with its members, timeline,
channels, languages, sentiment trend, status and owner, the known-issue statement, the suggested
reassurance replies, the follow-ups once fixed, and the after-care review with its exports."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select
from starlette.responses import Response

from vastaa.accounts.models import User as UserAccount
from vastaa.accounts.models import at_least
from vastaa.audit.service import log
from vastaa.errors import NotFoundError, PermanentError
from vastaa.i18n import N_, translations
from vastaa.incidents import queries, regroup, report, service
from vastaa.incidents.detection import Thresholds
from vastaa.incidents.models import IncidentFollowUp
from vastaa.incidents.names import fault_name
from vastaa.replies.service import BlockedReply, agent_signature, reply
from vastaa.replies.views import review_rules
from vastaa.web.auth import CheckedUser, Context, CurrentUser, User

router = APIRouter()
Text = Annotated[str, Form()]


@router.get("/incidents", response_class=HTMLResponse)
def incidents_page(
    request: Request, context: Context, user: User, show: str = "open"
) -> HTMLResponse:
    show = show if show in ("open", "all", "isolated") else "open"
    with context.transaction() as session:
        rows = queries.listed(session, show=show)
    return context.templates.render(
        request,
        "incidents/list.html",
        {"user": user, "rows": rows, "show": show, "now": context.clock()},
        locale=user.locale,
    )


@router.get("/incidents/aftercare", response_model=None)
def aftercare_period(
    request: Request,
    context: Context,
    user: User,
    start: str = "",
    end: str = "",
    format: str = "html",  # noqa: A002 (the query parameter's name)
) -> Response:
    """After-care over a period (R33): every incident active in it, as a page, Markdown or PDF."""
    try:
        since, until = report.period(start, end, context.clock(), context.settings.timezone)
    except (ValueError, OverflowError):
        raise PermanentError("dates are YYYY-MM-DD, the start before the end") from None
    if format in ("md", "pdf"):
        user.require("supervisor")
    with context.transaction() as session:
        pages = queries.in_period(session, since, until, timezone=context.settings.timezone)
        text = report.period_markdown(
            pages, start=since, end=until, timezone=context.settings.timezone
        )
        if format in ("md", "pdf"):
            service.exported(
                session,
                what=f"after-care {since:%Y-%m-%d}–{until:%Y-%m-%d}",
                actor_id=user.id,
                now=context.clock(),
            )
    if format in ("md", "pdf"):
        name = f"aftercare-{since:%Y-%m-%d}-{until - timedelta(days=1):%Y-%m-%d}"
        return _download(text, format, name)
    return context.templates.render(
        request,
        "incidents/aftercare.html",
        {
            "user": user,
            "pages": pages,
            "start": f"{since:%Y-%m-%d}",
            "end": f"{until - timedelta(days=1):%Y-%m-%d}",
        },
        locale=user.locale,
    )


def _detail(
    request: Request,
    context: Context,
    user: CurrentUser,
    number: int,
    *,
    error: PermanentError | None = None,
    findings: object = None,
    edited: dict[uuid.UUID, str] | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """The incident's page; ``edited`` keeps a follow-up's text as the agent left it when it
    could not be sent."""
    with context.transaction() as session:
        merged = regroup.merged_into(session, number)
        if merged is not None:  # a form sent from the page of one merged since: this one's page
            error = PermanentError(
                N_("incident #{number} was merged into this one; nothing was changed"),
                number=number,
            )
            number, status_code = merged, 409
        page = queries.detail(session, number, timezone=context.settings.timezone)
        users = session.execute(
            select(UserAccount.id, UserAccount.display_name).order_by(UserAccount.display_name)
        ).all()
        others = regroup.candidates(session, page.incident) if _supervises(user) else []
    gettext = translations(user.locale).gettext
    return context.templates.render(
        request,
        "incidents/detail.html",
        {
            "user": user,
            "page": page,
            "incident": page.incident,
            "users": users,
            "now": context.clock(),
            "error": error.said(gettext) if error else "",
            "findings": findings,
            "edited": edited or {},
            "others": others,
            "faults": [gettext(fault_name(key)) for key in page.incident.faults],
        },
        locale=user.locale,
        status_code=status_code,
    )


@router.get("/incidents/{number}", response_class=HTMLResponse)
def incident_page(request: Request, context: Context, user: User, number: int) -> Response:
    """One incident; the number of one merged into another leads to that one."""
    with context.transaction() as session:
        merged = regroup.merged_into(session, number)
    if merged is not None:
        return RedirectResponse(f"/incidents/{merged}", status_code=303)
    return _detail(request, context, user, number)


def _back(number: int, anchor: str = "") -> Response:
    return RedirectResponse(f"/incidents/{number}{anchor}", status_code=303)


@router.post("/incidents/{number}/status")
def change_status(
    request: Request, context: Context, user: CheckedUser, number: int, status: Text
) -> Response:
    user.require("supervisor")
    try:
        with context.transaction() as session:
            incident = service.incident_numbered(session, number)
            service.set_status(session, incident, status, actor_id=user.id, now=context.clock())
    except PermanentError as error:
        return _detail(request, context, user, number, error=error, status_code=422)
    return _back(number)


@router.post("/incidents/{number}/owner")
def change_owner(context: Context, user: CheckedUser, number: int, owner: Text = "") -> Response:
    user.require("supervisor")
    try:
        owner_id = uuid.UUID(owner) if owner else None
    except ValueError:
        raise PermanentError(N_("no such user")) from None
    with context.transaction() as session:
        incident = service.incident_numbered(session, number)
        service.set_owner(session, incident, owner_id, actor_id=user.id, now=context.clock())
    return _back(number)


@router.post("/incidents/{number}/texts")
def save_texts(
    request: Request,
    context: Context,
    user: CheckedUser,
    number: int,
    which: Text,
    title: Text = "",
    fi: Text = "",
    tr: Text = "",
    en: Text = "",
    went_well: Text = "",
    improve: Text = "",
    change: Text = "",
) -> Response:
    """Save the title, the statement, the fix note or the review (``which``)."""
    user.require("supervisor")
    per_language = {"fi": fi, "tr": tr, "en": en}
    choices: dict[str, dict[str, object]] = {
        "title": {"title": title},
        "statement": {"statement": per_language},
        "fix_note": {"fix_note": per_language},
        "review": {"review": {"went_well": went_well, "improve": improve, "change": change}},
    }
    given = choices.get(which, {})
    try:
        if not given:
            raise PermanentError(N_("nothing to save"))
        with context.transaction() as session:
            incident = service.incident_numbered(session, number)
            service.save_texts(
                session,
                incident,
                actor_id=user.id,
                now=context.clock(),
                **given,  # type: ignore[arg-type]
            )
    except PermanentError as error:
        return _detail(request, context, user, number, error=error, status_code=422)
    return _back(number, "#" + which.replace("_", "-"))


@router.post("/incidents/{number}/move")
def move_complaints(
    request: Request,
    context: Context,
    user: CheckedUser,
    number: int,
    to: Text = "new",
    member: Annotated[list[uuid.UUID], Form()] = [],  # noqa: B006 (FastAPI reads it, never mutates)
) -> Response:
    """Move the ticked complaints to another incident (``to`` is its number) or a new one."""
    user.require("supervisor")
    try:
        with context.transaction() as session:
            source = service.incident_numbered(session, number)
            target = None if to == "new" else service.incident_numbered(session, _number(to))
            receiver = regroup.move(
                session,
                source,
                member,
                target,
                thresholds=Thresholds.of(context.settings),
                actor_id=user.id,
                now=context.clock(),
            )
            moved_to = receiver.number
    except PermanentError as error:
        return _detail(request, context, user, number, error=error, status_code=422)
    return _back(moved_to)


@router.post("/incidents/{number}/merge")
def merge_incident(
    request: Request, context: Context, user: CheckedUser, number: int, other: Text = ""
) -> Response:
    """Merge another incident (``other``, its number) into this one."""
    user.require("supervisor")
    try:
        with context.transaction() as session:
            survivor = service.incident_numbered(session, number)
            absorbed = service.incident_numbered(session, _number(other))
            regroup.merge(
                session,
                survivor,
                absorbed,
                thresholds=Thresholds.of(context.settings),
                actor_id=user.id,
                now=context.clock(),
            )
    except PermanentError as error:
        return _detail(request, context, user, number, error=error, status_code=422)
    return _back(number)


def _supervises(user: CurrentUser) -> bool:
    return at_least(user.role, "supervisor")


def _number(given: str) -> int:
    try:
        return int(given.strip().lstrip("#"))
    except ValueError:
        raise PermanentError(N_("choose an incident")) from None


@router.post("/incidents/{number}/follow-ups/{follow_up_id}")
def finish_follow_up(
    request: Request,
    context: Context,
    user: CheckedUser,
    number: int,
    follow_up_id: uuid.UUID,
    action: Text,
    text: Text = "",
) -> Response:
    """Send a follow-up (as edited) through the coach, review policies and outbox, or skip it."""
    try:
        with context.transaction() as session:
            item = session.get(IncidentFollowUp, follow_up_id)
            incident = service.incident_numbered(session, number)
            if item is None or item.incident_id != incident.id:
                raise PermanentError("no such follow-up in this incident")
            now = context.clock()
            message_id = None
            if action == "send":
                if not text.strip():
                    raise PermanentError("write the follow-up before sending it")
                sent = reply(
                    session,
                    conversation_id=item.conversation_id,
                    text=text,
                    lang=item.lang,
                    sent_by_id=user.id,
                    now=now,
                    signature=agent_signature(
                        session,
                        item.conversation_id,
                        context.settings.reply_signature,
                        user.display_name,
                    ),
                    review=review_rules(context.settings),
                    connectors=context.connectors,
                )
                message_id = sent.id
                log(
                    session,
                    actor_id=user.id,
                    action="reply",
                    now=now,
                    target=("conversation", item.conversation_id),
                    summary=f"follow-up of incident #{number}",
                )
            elif action != "skip":
                raise PermanentError("send or skip")
            service.finish_follow_up(
                session,
                follow_up_id,
                state="sent" if action == "send" else "skipped",
                actor_id=user.id,
                now=now,
                message_id=message_id,
            )
    except BlockedReply as blocked:
        return _detail(
            request,
            context,
            user,
            number,
            findings=blocked.findings,
            edited={follow_up_id: text},
            status_code=422,
        )
    except PermanentError as error:
        return _detail(
            request,
            context,
            user,
            number,
            error=error,
            edited={follow_up_id: text},
            status_code=422,
        )
    return _back(number, "#follow-ups")


@router.get("/incidents/{number}/aftercare.{kind}")
def aftercare(context: Context, user: User, number: int, kind: str) -> Response:
    """After-care as Markdown (``md``) or PDF (``pdf``). The exports hold every complaint's text
    and author: supervisors only, and audited."""
    if kind not in ("md", "pdf"):
        raise NotFoundError(f"after-care as {kind!r}")
    user.require("supervisor")
    with context.transaction() as session:
        merged = regroup.merged_into(session, number)
        if merged is not None:  # the number of one merged into another: that one's report
            return RedirectResponse(f"/incidents/{merged}/aftercare.{kind}", status_code=303)
        page = queries.detail(session, number, timezone=context.settings.timezone)
        text = report.markdown(page, timezone=context.settings.timezone)
        service.exported(
            session, what=f"after-care #{number}", actor_id=user.id, now=context.clock()
        )
    return _download(text, kind, f"incident-{number}")


def _download(text: str, kind: str, name: str) -> Response:
    """A report as an attachment: Markdown as written, or the same text as PDF."""
    return Response(
        report.pdf(text) if kind == "pdf" else text,
        media_type="application/pdf" if kind == "pdf" else "text/markdown; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )
