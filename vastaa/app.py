"""``create_app(settings)``: the one composition root of the web app. Nothing happens at import."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, IntegrityError

from vastaa.accounts.views import router as accounts_router
from vastaa.clock import Clock, utcnow
from vastaa.config import Settings
from vastaa.conversations.views import router as conversations_router
from vastaa.db import make_engine, make_sessionmaker
from vastaa.errors import AuthenticationError, NotFoundError, PermanentError, PermissionDenied
from vastaa.inbox.views import router as inbox_router
from vastaa.pipeline.views import router as pipeline_router
from vastaa.web.auth import LoginRequired
from vastaa.web.context import AppContext
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


def create_app(
    settings: Settings, *, engine: Engine | None = None, clock: Clock = utcnow
) -> FastAPI:
    engine = engine or make_engine(settings.resolved_database_url())
    app = FastAPI(title="Vastaa", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.context = AppContext(
        settings=settings,
        engine=engine,
        sessions=make_sessionmaker(engine),
        clock=clock,
        templates=Templates(timezone=settings.timezone),
    )
    for router in (accounts_router, inbox_router, conversations_router, pipeline_router):
        app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    _install_error_pages(app)
    _install_security_headers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    def login_required(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(AuthenticationError)
    def unauthenticated(_: Request, error: AuthenticationError) -> Response:
        return JSONResponse({"error": str(error)}, status_code=401)

    @app.exception_handler(PermanentError)
    def permanent(request: Request, error: PermanentError) -> Response:
        status = 404 if isinstance(error, NotFoundError) else 400
        status = 403 if isinstance(error, PermissionDenied) else status
        if _is_api(request):
            return JSONResponse({"error": str(error)}, status_code=status)
        return Response(str(error), status_code=status, media_type="text/plain")

    @app.exception_handler(DBAPIError)
    def database_refused(request: Request, error: DBAPIError) -> Response:
        """A concurrent write or a database hiccup: nothing was committed; the client retries
        (ingestion is idempotent, so a retry cannot store anything twice)."""
        conflict = isinstance(error, IntegrityError)
        message = "conflicting concurrent write" if conflict else "database unavailable"
        body = {"error": f"{message}; nothing was written, please retry"}
        status = 409 if conflict else 503
        if _is_api(request):
            return JSONResponse(body, status_code=status)
        return Response(body["error"], status_code=status, media_type="text/plain")

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> Response:
        details = [{"where": list(e["loc"]), "reason": e["msg"]} for e in error.errors()]
        if _is_api(request):
            return JSONResponse({"errors": details}, status_code=422)
        return Response("invalid request", status_code=422, media_type="text/plain")


def _install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response
