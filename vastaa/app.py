"""``create_app(settings)``: the one composition root of the web app. Nothing happens at import."""

from __future__ import annotations

import gc
from datetime import timedelta
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

from vastaa.accounts.views import router as accounts_router
from vastaa.analytics.views import router as analytics_router
from vastaa.audit.views import router as audit_router
from vastaa.channels.registry import Registry, builtin
from vastaa.channels.views import router as channels_router
from vastaa.clock import Clock, utcnow
from vastaa.config import Settings
from vastaa.conversations.views import router as conversations_router
from vastaa.customers.views import router as customers_router
from vastaa.db import make_engine, make_sessionmaker
from vastaa.evidence.views import router as evidence_router
from vastaa.inbox.counts import ViewCounts
from vastaa.inbox.views import router as inbox_router
from vastaa.incidents.views import router as incidents_router
from vastaa.listening.views import router as listening_router
from vastaa.moderation.views import router as moderation_router
from vastaa.pipeline.views import router as pipeline_router
from vastaa.replies.review import ReviewRules
from vastaa.replies.views import router as replies_router
from vastaa.sla.views import router as sla_router
from vastaa.web.context import AppContext
from vastaa.web.errors import install_error_pages
from vastaa.web.templating import Templates

STATIC = Path(__file__).parent / "web" / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
}


def settle_memory() -> None:
    """Leave what start-up built (modules, templates, models) out of the garbage collector's
    future passes: a full pass otherwise walks all of it and adds tens of milliseconds to an
    unlucky request (BENCHMARKS.md, "Analytics dashboard"). Called once the server is built."""
    gc.collect()
    gc.freeze()


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Clock = utcnow,
    connectors: Registry | None = None,
) -> FastAPI:
    ReviewRules.parse(settings.review_policies)  # a misspelt policy stops the start, loudly
    engine = engine or make_engine(settings.resolved_database_url())
    app = FastAPI(title="Vastaa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.context = AppContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock,
        templates=Templates(timezone=settings.timezone),
        counts=ViewCounts(max_age=timedelta(seconds=max(1, settings.live_seconds))),
        connectors=connectors or builtin(),
    )
    for router in (
        accounts_router,
        inbox_router,
        conversations_router,
        customers_router,
        sla_router,
        replies_router,
        pipeline_router,
        moderation_router,
        evidence_router,
        audit_router,
        channels_router,
        listening_router,
        incidents_router,
        analytics_router,
    ):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    install_error_pages(app)
    _install_security_headers(app)
    return app


def _install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
