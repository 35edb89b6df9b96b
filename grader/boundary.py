"""The app's input boundary, checked once for every request before any view runs, so that no
route (present or future) has to remember it:

- an ``<int:…>`` in a URL matches only 0 … 2³¹−1 (PostgreSQL's integer; SQLite's is wider):
  a larger id is a 404, not a database error;
- no control character (``grader.services.inputs``) in the path, query, form fields and their
  names, uploaded text files, JSON strings and keys, or other text bodies: 400 with a message;
- a JSON body nested deeper than MAX_JSON_DEPTH is refused before anything recursive reads
  it: 400. A YAML body is not parsed here: its only reader (``BoundedSafeLoader``, behind the
  spec endpoint's authentication) stops at MAX_YAML_DEPTH itself.

Bodies (forms, uploads, JSON, text) are only read for a request that matched a rule: a body
sent to no route is never looked at (its 404 or 405 costs nothing). Every check here is one
linear pass over its input (regular expressions that never revisit a byte), so the work done
before login is linear in the size of the request.

The 400s go through the app's error handlers: a page with the message, or
``{"error": "bad_request", "message": …}`` under /api/. Nothing has been read into the
database when they are sent. Responses that may carry grades or personal data are marked
``Cache-Control: no-store``."""

from __future__ import annotations

from flask import Flask, Response, abort, request
from werkzeug.routing import IntegerConverter

from .services import as_sentence
from .services.inputs import (
    MAX_ID,
    bad_text,
    bad_text_in,
    too_deep_json,
)

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
# The request headers the app stores (the others are read, compared or hashed).
STORED_HEADERS = ("Idempotency-Key",)


def digits_at_most(n: int) -> str:
    """A regular expression (no capturing groups) for the decimal numbers 0 … ``n``, leading
    zeros allowed."""
    s = str(n)
    alternatives = [f"[0-9]{{1,{len(s) - 1}}}"] if len(s) > 1 else []
    for i, digit in enumerate(s):
        if digit != "0":  # same length as n: equal up to i, smaller at i, anything after
            rest = f"[0-9]{{{len(s) - i - 1}}}" if i < len(s) - 1 else ""
            alternatives.append(f"{s[:i]}[0-{int(digit) - 1}]{rest}")
    alternatives.append(s)
    return f"0*(?:{'|'.join(alternatives)})"


class IdConverter(IntegerConverter):
    """``<int:…>`` matches ASCII digits up to MAX_ID only. The bound is in the pattern, not in
    ``to_python``: werkzeug checks a rule's method before converting, so a value refused
    there would be a 405 on a path that also has a rule for another method."""

    regex = digits_at_most(MAX_ID)


def register_boundary(app: Flask) -> None:
    """Install the id converter (before any blueprint adds a rule), the request check and the
    no-store default."""
    app.url_map.converters["int"] = IdConverter
    app.before_request(refuse_bad_input)
    app.after_request(no_store)


def refuse_bad_input() -> None:
    """Abort with 400 and a message if the request breaks the boundary's rules."""
    problem = input_problem()
    if problem:
        abort(400, as_sentence(problem))


def input_problem() -> str | None:
    """What is wrong with the request's input, or None."""
    checks = [bad_text(request.path, "the address")]
    for key, value in request.args.items(multi=True):
        checks += [
            bad_text(key, "a query parameter's name"),
            bad_text(value, f"the “{key}” parameter"),
        ]
    for name in STORED_HEADERS:
        value = request.headers.get(name)
        if value is not None:
            checks.append(bad_text(value, f"the {name} header"))
    found = next((c for c in checks if c), None)
    if found:
        return found
    if request.url_rule is None:
        return None  # no route takes this body: routing answers 404/405 without reading it
    if request.mimetype in FORM_TYPES:
        return _form_problem()
    if request.content_length or request.headers.get("Transfer-Encoding"):
        return _body_problem()
    return None


def _form_problem() -> str | None:
    for key, value in request.form.items(multi=True):
        found = bad_text(key, "a form field's name") or bad_text(value, f"the field “{key}”")
        if found:
            return found
    for key, upload in request.files.items(multi=True):
        data = upload.stream.read()
        upload.stream.seek(0)
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # the route says the file is not UTF-8 text
        found = bad_text(key, "a form field's name") or bad_text(
            text, f"the file “{upload.filename or key}”", bom=True
        )
        if found:
            return found
    return None


def _body_problem() -> str | None:
    data = request.get_data(cache=True)
    if request.is_json:
        found = too_deep_json(data)
        if found:
            return found
        return bad_text_in(request.get_json(silent=True), "")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # not text: the route refuses what it cannot read
    return bad_text(text, "the request body")


def no_store(response: Response) -> Response:
    """Every page and download but static files may carry grades or personal data (the
    gradebook, CSV exports, statistics, the API): no cache, shared or private, keeps them.
    A view that sets its own Cache-Control keeps it."""
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response
