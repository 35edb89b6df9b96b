"""The grader web app: ``create_app(test_config=None)`` builds it."""

from __future__ import annotations

import dataclasses
import os

import sqlalchemy as sa
from flask import Flask, Response, g, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.middleware.proxy_fix import ProxyFix

from . import config as config_module
from .boundary import register_boundary
from .extensions import csrf, db, login_manager, migrate
from .services.errors import DomainError

PACKAGE = os.path.dirname(os.path.abspath(__file__))


def data_dir(name: str) -> str:
    """Where ``templates`` or ``migrations`` is: inside the package in an installed wheel
    (pyproject maps them to ``grader.templates`` and ``grader.migrations`` as package data),
    else at the top of the checkout, where the project keeps them (a checkout or an editable
    install, whose ``grader`` is the checkout's)."""
    packaged = os.path.join(PACKAGE, name)
    if os.path.isdir(packaged):
        return packaged
    return os.path.join(os.path.dirname(PACKAGE), name)


def create_app(test_config: dict | None = None) -> Flask:
    """The app: settings from the environment, then ``test_config``; extensions, blueprints,
    error pages, security headers and commands registered. Refuses the development secret
    key unless in debug or testing."""
    app = Flask(__name__, instance_relative_config=True, template_folder=data_dir("templates"))
    app.config.from_mapping(config_module.from_environment(app.instance_path))
    if test_config is not None:
        app.config.from_mapping(test_config)
    if app.config["SECRET_KEY"] == config_module.DEV_SECRET_KEY and not (app.debug or app.testing):
        raise RuntimeError(
            "SECRET_KEY is not set: set it in the environment (the development key is only "
            "accepted with --debug or in tests)"
        )
    os.makedirs(app.instance_path, exist_ok=True)
    register_proxies(app)
    register_extensions(app)
    register_boundary(app)  # before the blueprints: it installs the <int:…> converter
    register_blueprints(app)
    register_errorhandlers(app)
    register_security_headers(app)
    register_commands(app)
    register_health(app)
    register_template_filters(app)
    return app


def register_health(app: Flask) -> None:
    """``GET /healthz`` for load balancers: 200 when this process reaches the database,
    503 (with Retry-After) when it does not, so a balancer takes the machine out."""

    @app.get("/healthz")
    def healthz():
        db.session.execute(sa.text("SELECT 1"))
        return jsonify({"status": "ok", "database": db.engine.dialect.name})


def register_template_filters(app: Flask) -> None:
    """``points``: 1 point, 2.5 points. ``when``: a stored time as UTC text in a <time>
    element; static/page.js adds the reader's own time beside it. ``misconception``: a
    stored tag in words (``no_activation`` → "Activation not applied"), for staff pages."""
    from markupsafe import Markup, escape

    import problems

    @app.template_filter("misconception")
    def misconception(tag: str, kind: str | None = None) -> str:
        return problems.misconception_name(tag, problems.KINDS.get(kind) if kind else None)

    @app.template_filter("misconceptions_in_words")
    def misconceptions_in_words(table):
        """A statistics table (and so its chart) with its "Misconception" column in words;
        the CSV keeps the stored tags, which are what a spreadsheet groups by."""
        if "Misconception" not in getattr(table, "columns", ()):
            return table
        i = table.columns.index("Misconception")
        rows = [[*r[:i], problems.misconception_name(r[i]), *r[i + 1 :]] for r in table.rows]
        return dataclasses.replace(table, rows=rows)

    @app.template_filter("points")
    def points(value: float) -> str:
        return f"{value:g} point{'' if value == 1 else 's'}"

    @app.template_filter("when")
    def when(value, seconds: bool = False) -> Markup:
        if value is None:
            return Markup("—")
        text = value.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M") + " UTC"
        return Markup(
            f'<time datetime="{escape(value.isoformat())}" class="utc">{escape(text)}</time>'
        )


def register_proxies(app: Flask) -> None:
    """Behind ``TRUSTED_PROXIES`` proxies, the client's address and scheme are read from
    their X-Forwarded-For/-Proto headers (login throttling counts per client address);
    with none, those headers are ignored, so a client cannot pick its own address."""
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n)


def register_extensions(app: Flask) -> None:
    db.init_app(app)
    migrate.init_app(app, db, directory=data_dir("migrations"), render_as_batch=True)
    csrf.init_app(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please log in to see this page."

    from .services.accounts import user_for_login_id

    login_manager.user_loader(user_for_login_id)

    from .services.jobs import make_huey

    make_huey(app)

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            sa.event.listen(db.engine, "connect", _sqlite_pragmas)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def register_blueprints(app: Flask) -> None:
    from .api.routes import bp as api_bp
    from .auth.routes import bp as auth_bp
    from .courses.routes import bp as courses_bp
    from .instructor.routes import bp as instructor_bp
    from .jobs.routes import bp as jobs_bp
    from .stats.routes import bp as stats_bp
    from .student.routes import bp as student_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(courses_bp)
    app.register_blueprint(student_bp)
    app.register_blueprint(instructor_bp)
    app.register_blueprint(jobs_bp)
    app.register_blueprint(stats_bp)
    app.register_blueprint(api_bp)

    from .lti import init_app as init_lti

    init_lti(app)


ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "too_many_requests",
    500: "server_error",
    503: "unavailable",
}


def register_errorhandlers(app: Flask) -> None:
    """Error pages in the app's look; JSON ``{"error", "message"}`` under /api/."""

    def render(code: int, title: str, message: str) -> Response:
        if request.path.startswith("/api/"):
            body = jsonify({"error": ERROR_CODES.get(code, "error"), "message": message})
            return app.make_response((body, code))
        try:
            page = render_template("errors/error.html", code=code, title=title, message=message)
        except _database_errors() as exc:
            # The page's header names the logged-in user, which loads them from the database:
            # when that is what is down, the answer is the 503 page, drawn for a visitor.
            if code == 503:
                raise
            return unavailable(app, render, exc)
        return app.make_response((page, code))

    def handle(e: HTTPException):
        code = e.code or 500
        default = type(e).description
        message = (
            e.description
            if e.description and e.description != default
            else DEFAULT_MESSAGES.get(code, default)
        )
        response = render(code, e.name, message)
        # The exception's own headers (a 405's Allow, a 401's WWW-Authenticate) are part of
        # the answer; only its Content-Type is replaced by the page's or the JSON's.
        if response.status_code == code:
            for name, value in e.get_headers():
                if name.lower() != "content-type":
                    response.headers[name] = value
        return response

    for code in (400, 403, 404, 405, 413):
        app.register_error_handler(code, handle)

    def refused(e: DomainError):
        # The one place a service's refusal becomes a page (the API has its own, in JSON).
        db.session.rollback()
        return render(e.status, HTTP_STATUS_CODES.get(e.status, "Error"), e.text)

    app.register_error_handler(DomainError, refused)
    app.register_error_handler(
        CSRFError,
        lambda e: render(
            400,
            "Form expired",
            "The form's security token is missing or stale: reload the page and try again.",
        ),
    )

    @app.errorhandler(500)
    def server_error(e):
        try:
            db.session.rollback()
        except _database_errors():  # the connection is gone: the page below says so
            db.session.remove()
        # Not "nothing was saved": the error may come after a commit.
        return render(500, "Server error", "Something went wrong on our side.")

    register_database_errors(app, render)


RETRY_AFTER_SECONDS = 30
UNAVAILABLE = {
    "web": "The database cannot be reached just now: try again in a minute. If you had just "
    "sent an answer, it may have been saved; the problem page shows your attempts.",
    "api": "The database cannot be reached just now: try again in 30 seconds. A request sent "
    "just before may have been saved: send it again with the same Idempotency-Key.",
}


def _database_errors() -> tuple[type[Exception], ...]:
    """Errors that mean the database cannot be reached (or is too busy) now: the
    connection failed, dropped or timed out waiting in the pool."""
    errors: list[type[Exception]] = [
        sa.exc.OperationalError,
        sa.exc.InterfaceError,
        sa.exc.TimeoutError,
        sa.exc.DisconnectionError,
    ]
    try:  # psycopg's own, should one escape SQLAlchemy's wrapping
        import psycopg

        errors += [psycopg.OperationalError, psycopg.InterfaceError]
    except ImportError:  # SQLite-only installs
        pass
    return tuple(errors)


def unavailable(app: Flask, render, e: Exception) -> Response:
    """The 503 answer while the database is down (JSON under /api/, a page elsewhere) with
    Retry-After; the session's transaction is dropped so that the next request starts on a
    fresh connection, and the page is drawn for a visitor (loading the user needs the
    database). The session cookie is kept."""
    app.logger.error("database unavailable: %s", e)
    try:
        db.session.rollback()
    except Exception:  # the connection is gone: removing the session below discards it
        app.logger.debug("rollback failed", exc_info=True)
    db.session.remove()
    g._login_user = login_manager.anonymous_user()
    where = "api" if request.path.startswith("/api/") else "web"
    response = render(503, "Service unavailable", UNAVAILABLE[where])
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def register_database_errors(app: Flask, render) -> None:
    """While the database is down: 503 with Retry-After, never a 500 (also when it is an
    error page, not the view, that found it down: see ``render``)."""
    for error in _database_errors():
        app.register_error_handler(error, lambda e: unavailable(app, render, e))


DEFAULT_MESSAGES = {
    400: "The request could not be understood.",
    403: "You do not have access to this page.",
    404: "There is no such page.",
    405: "This address does not accept that method.",
    413: "The upload is larger than 2 MB.",
}


def register_security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
        )
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response


def register_commands(app: Flask) -> None:
    from .cli import register

    register(app)
