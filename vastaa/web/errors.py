"""Error answers: JSON for the API, a translated page for people, a login redirect when needed."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy.exc import DBAPIError, IntegrityError

from vastaa.accounts import service as accounts
from vastaa.errors import AuthenticationError, NotFoundError, PermanentError, PermissionDenied
from vastaa.i18n import negotiate
from vastaa.web.auth import SESSION_COOKIE, LoginRequired
from vastaa.web.context import AppContext


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def page_locale(request: Request, context: AppContext) -> str:
    """The logged-in user's language, else the browser's."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        try:
            with context.transaction() as session:
                found = accounts.session_for_token(session, token=token, now=context.clock())
                if found is not None:
                    return found.user.locale
        except DBAPIError:
            pass
    header = request.headers.get("accept-language", "")
    return negotiate(header, context.settings.default_locale)


def error_answer(request: Request, status: int, message: str) -> Response:
    if is_api(request):
        return JSONResponse({"error": message}, status_code=status)
    context: AppContext = request.app.state.context
    return context.templates.render(
        request,
        "error.html",
        {"status": status, "user": None},
        locale=page_locale(request, context),
        status_code=status,
    )


def install_error_pages(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    def login_required(request: Request, _: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target, safe='')}", status_code=303)

    @app.exception_handler(AuthenticationError)
    def unauthenticated(request: Request, error: AuthenticationError) -> Response:
        return error_answer(request, 401, str(error))

    @app.exception_handler(PermanentError)
    def permanent(request: Request, error: PermanentError) -> Response:
        status = 404 if isinstance(error, NotFoundError) else 400
        status = 403 if isinstance(error, PermissionDenied) else status
        return error_answer(request, status, str(error))

    @app.exception_handler(DBAPIError)
    def database_refused(request: Request, error: DBAPIError) -> Response:
        """A concurrent write or a database hiccup: nothing was committed; the client retries
        (ingestion is idempotent, so a retry cannot store anything twice)."""
        conflict = isinstance(error, IntegrityError)
        message = "conflicting concurrent write" if conflict else "database unavailable"
        status = 409 if conflict else 503
        return error_answer(request, status, f"{message}; nothing was written, please retry")

    @app.exception_handler(RequestValidationError)
    def invalid_request(request: Request, error: RequestValidationError) -> Response:
        if is_api(request):
            details = [{"where": list(e["loc"]), "reason": e["msg"]} for e in error.errors()]
            return JSONResponse({"errors": details}, status_code=422)
        return error_answer(request, 422, "invalid request")
