"""The OpenAPI 3 description of /api/v1 (served at /api/v1/openapi.json).

The document is a contract that tests hold the routes to (tests/grader/test_schemathesis.py
fuzzes every operation with it): a request the schemas allow is one the endpoint reads, a
request they forbid is refused with a 4xx, and every response matches its declared status,
media type and schema. So the request schemas state the same bounds as the endpoints'
validation (taken from the same constants where there are constants), and every error code
a route can send is in ``ERROR_CODES``."""

from __future__ import annotations

from copy import deepcopy

import problems

from ..models import MODES, ROLES, SCORE_POLICIES, SOLUTION_RELEASES
from ..services.exports import FORMATS
from ..services.inputs import MAX_ID, MAX_PROBLEMS, REFUSED_IN_TEXT, char_class
from ..services.submissions import MAX_KEY

# Every "error" code an /api/v1 response can carry, by the status it comes with.
ERROR_CODES_BY_STATUS = {
    "400": ["bad_request", "bad_json", "bad_format", "bad_idempotency_key"],
    "401": ["unauthorized"],
    "403": ["forbidden"],
    "404": ["not_found"],
    "405": ["method_not_allowed"],
    "409": [
        "no_attempts_left",
        "closed",
        "not_open",
        "time_up",
        "conflict",
        "started",
        "problem_unavailable",
        "not_timed",
        "not_started",
        "use_export_job",
    ],
    "413": ["too_large"],
    "422": ["format_errors", "invalid_spec"],
    "429": ["too_many_requests"],
    "500": ["server_error"],
    "503": ["unavailable"],
}
ERROR_CODES = sorted({c for codes in ERROR_CODES_BY_STATUS.values() for c in codes})


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


COUNTED_SCORE = {
    "type": "number",
    "nullable": True,
    "description": (
        "the score that counts for the problem: the best or the last attempt's, as the "
        "assignment says (score_policy)"
    ),
}


def _deprecated_alias(name: str) -> dict:
    """``best_score``, the old name of the counted score (not always the best)."""
    return {**COUNTED_SCORE, "deprecated": True, "description": f"the same value as {name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _codes(status: str) -> str:
    return ", ".join(f"`{c}`" for c in ERROR_CODES_BY_STATUS[status])


ERRORS = {
    "400": _json(_ref("Error"), f"Malformed request ({_codes('400')})"),
    "401": {
        **_json(_ref("Error"), "Missing, expired or revoked token (`unauthorized`)"),
        "headers": {
            "WWW-Authenticate": {"schema": {"type": "string"}, "description": 'Bearer realm="api"'}
        },
    },
    "403": _json(_ref("Error"), "Not allowed for this user (`forbidden`)"),
    "404": _json(_ref("Error"), "No such resource, or not visible to this user (`not_found`)"),
    "413": _json(_ref("Error"), "The body is larger than 2 MB (`too_large`)"),
    "503": {
        **_json(
            _ref("Error"),
            "The database cannot be reached just now (`unavailable`): try again after "
            "Retry-After seconds; a submission sent again with the same Idempotency-Key is "
            "not counted twice",
        ),
        "headers": {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}},
    },
}


def errors(*codes: str) -> dict:
    """The standard error responses for these status codes."""
    return {code: ERRORS[code] for code in codes}


def path_id(name: str) -> dict:
    return {
        "in": "path",
        "name": name,
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_ID},
    }


# Text in a request holds no control or invisible format character (services.inputs: C0 but
# tab, line feed and carriage return; DEL; C1; Cf but ZWNJ and ZWJ): the app refuses it with
# 400 before any view runs. Strings inside free-form objects (answers, config, policy) are
# held to the same rule. (The pattern names the Basic Multilingual Plane's only: JavaScript
# and schema tools read no astral character in a class without the "u" flag; the few
# beyond it, tag characters and the like, are refused all the same.)
CONTROL = char_class(tuple(r for r in REFUSED_IN_TEXT if r[1] <= 0xFFFF))
TEXT = {"type": "string", "pattern": f"^[^{CONTROL}]*$"}
# ... and, where it must not be blank, at least one character that is not white space.
NONBLANK = f"^[^{CONTROL}]*[^\\s{CONTROL}][^{CONTROL}]*$"
SPEC_TITLE = {"type": "string", "minLength": 1, "maxLength": 200, "pattern": NONBLANK}
DATE = {
    "type": "string",
    "format": "date-time",
    "nullable": True,
    "example": "2026-12-01T23:59:00Z",
}
FRACTION = {"type": "number", "minimum": 0, "maximum": 1}
COUNT_OR_NONE = {"type": "integer", "minimum": 1, "maximum": 10000, "nullable": True}

# The assignment spec's fields as the endpoints read them (services.assignment_spec.validate):
# every field but title and problems may be left out (its default is given); unknown fields
# are refused.
SPEC_FIELDS = {
    "title": SPEC_TITLE,
    "mode": {"type": "string", "enum": list(MODES), "default": "homework"},
    "opens_at": DATE,
    "due_at": {**DATE, "description": "closes_at must not be before it"},
    "closes_at": DATE,
    "late_penalty": {**FRACTION, "default": 0, "description": "a fraction of the score"},
    "time_limit_minutes": {**COUNT_OR_NONE, "description": "null: no time limit"},
    "max_attempts": {**COUNT_OR_NONE, "description": "null: unlimited"},
    "retry_penalty": {**FRACTION, "default": 0, "description": "per attempt after the first"},
    "solution_release": {
        "type": "string",
        "enum": list(SOLUTION_RELEASES),
        "default": "after_correct",
    },
    "score_policy": {"type": "string", "enum": list(SCORE_POLICIES), "default": "best"},
    "published": {"type": "boolean", "default": False},
}
SPEC_PROBLEM = {
    "type": "object",
    "required": ["kind"],
    "additionalProperties": False,
    "properties": {
        "title": {**SPEC_TITLE, "description": "default: the kind"},
        "kind": {"type": "string", "enum": list(problems.KINDS)},
        "points": {"type": "number", "minimum": 0, "maximum": 10000, "default": 1},
        "config": {
            "type": "object",
            "description": (
                "the kind's settings, checked by the engine (422 with its message); no "
                "control character in its strings (400)"
            ),
        },
        "policy": {"type": "object", "description": "the grading policy: tolerances, weights"},
    },
}


def _openapi30(schema):
    """A kind's config JSON Schema (from its declared settings) in OpenAPI 3.0's dialect:
    ``anyOf [X, {"type": "null"}]`` → X nullable, a numeric ``exclusiveMinimum`` → minimum
    with ``exclusiveMinimum: true``, ``propertyNames`` → named properties only."""
    if isinstance(schema, list):
        return [_openapi30(x) for x in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _openapi30(v) for k, v in schema.items()}
    options = out.get("anyOf")
    if options and {"type": "null"} in options:
        rest = [o for o in options if o != {"type": "null"}]
        del out["anyOf"]
        out.update(rest[0] if len(rest) == 1 else {"anyOf": rest})
        out["nullable"] = True
    for key, bound in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if isinstance(out.get(key), int | float) and not isinstance(out[key], bool):
            out[bound], out[key] = out[key], True
    names = out.pop("propertyNames", None)
    if names:
        out["properties"] = {name: {} for name in names["enum"]}
        out["additionalProperties"] = False
    return out


def _config_schemas() -> dict:
    """Per kind: ``Config_<kind>`` (its settings) and ``SpecProblem_<kind>`` (a problem of
    that kind in a spec), chosen by ``kind`` in ``SpecProblemInput``."""
    out = {}
    for slug, kind in problems.KINDS.items():
        out[f"Config_{slug}"] = _openapi30(kind.config_schema())
        out[f"SpecProblem_{slug}"] = {
            **SPEC_PROBLEM,
            "properties": {
                **SPEC_PROBLEM["properties"],
                "kind": {"type": "string", "enum": [slug]},
                "config": _ref(f"Config_{slug}"),
            },
        }
    out["SpecProblemInput"] = {
        "oneOf": [_ref(f"SpecProblem_{slug}") for slug in problems.KINDS],
        "discriminator": {
            "propertyName": "kind",
            "mapping": {
                slug: f"#/components/schemas/SpecProblem_{slug}" for slug in problems.KINDS
            },
        },
    }
    return out


SPEC_EXAMPLE = {
    "title": "Homework 4: one dense layer",
    "mode": "homework",
    "due_at": "2026-12-01T23:59:00Z",
    "max_attempts": 3,
    "published": True,
    "problems": [
        {"title": "Dense layer, 2 → 3", "kind": "dense_forward", "points": 10, "config": {}}
    ],
}

# The lecture's worked example: W = [[1, -1], [0, 2], [3, 1]], x = [1, 2], b = [0, 1, -1], ReLU.
# In the demo course it is problem 1 of "Practice: the lecture's examples".
WORKED_EXAMPLE_ANSWER = {"answers": {"z": [-1, 5, 4], "y": "[0, 5, 4]"}}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "enum": ERROR_CODES, "example": "no_attempts_left"},
            "message": {"type": "string", "description": "a sentence for people"},
            "format_errors": {
                "type": "object",
                "additionalProperties": {"type": "string"},
                "description": "422 format_errors: answer name → what could not be read",
            },
            "export_job": {
                "type": "string",
                "description": "409 use_export_job: the URL to POST to make the file as a job",
            },
        },
    },
    "Job": {
        "type": "object",
        "required": [
            "id",
            "kind",
            "status",
            "progress_done",
            "progress_total",
            "created_at",
            "started_at",
            "finished_at",
            "error",
            "result",
            "url",
            "file_url",
            "file_expired",
        ],
        "properties": {
            "id": {"type": "integer"},
            "kind": {
                "type": "string",
                "description": "export_long, regrade_plan, regrade_apply or simulate_class",
            },
            "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
            "progress_done": {"type": "integer"},
            "progress_total": {"type": "integer", "nullable": True},
            "created_at": {"type": "string", "format": "date-time"},
            "started_at": {"type": "string", "format": "date-time", "nullable": True},
            "finished_at": {"type": "string", "format": "date-time", "nullable": True},
            "error": {"type": "string", "nullable": True},
            "result": {"type": "object", "nullable": True, "description": "the job's result"},
            "url": {"type": "string", "description": "this job (GET it to follow progress)"},
            "file_url": {
                "type": "string",
                "nullable": True,
                "description": "its file, once done (the long CSV)",
            },
            "file_expired": {
                "type": "boolean",
                "description": "its file was deleted after EXPORT_RETENTION_DAYS: start it again",
            },
            "created": {
                "type": "boolean",
                "description": "POST only: false when the same export was already queued or running",
            },
        },
    },
    "Token": {
        "type": "object",
        "required": ["token", "expires_at"],
        "properties": {
            "token": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "Me": {
        "type": "object",
        "required": ["id", "email", "name", "is_admin"],
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "is_admin": {"type": "boolean"},
        },
    },
    "Course": {
        "type": "object",
        "required": ["id", "code", "title", "role"],
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "role": {"type": "string", "enum": list(ROLES)},
        },
    },
    "AssignmentSummary": {
        "type": "object",
        "required": [
            "id",
            "title",
            "mode",
            "published",
            "opens_at",
            "due_at",
            "closes_at",
            "status",
            "score",
            "points",
            "attempts",
        ],
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "mode": {"type": "string", "enum": list(MODES)},
            "published": {"type": "boolean"},
            "opens_at": {"type": "string", "format": "date-time", "nullable": True},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "closes_at": {"type": "string", "format": "date-time", "nullable": True},
            "status": {
                "type": "string",
                "enum": ["not started", "in progress", "done"],
                "description": "a timed quiz: in progress from its start, done once its time is over",
            },
            "score": {"type": "number", "description": "points earned"},
            "points": {"type": "number", "description": "points possible"},
            "attempts": {"type": "integer"},
        },
    },
    "AnswerField": {
        "type": "object",
        "required": ["name", "shape", "label", "symbol", "type"],
        "properties": {
            "name": {"type": "string", "example": "y"},
            "shape": {
                "type": "array",
                "items": {"type": "integer"},
                "example": [3],
                "description": "[] for one number",
            },
            "label": {"type": "string"},
            "symbol": {"type": "string"},
            "type": {"type": "string", "enum": ["number", "boolean", "choice", "shape"]},
            "options": {"type": "array", "items": {"type": "string"}},
            "transposable": {"type": "boolean"},
        },
    },
    "Gradebook": {
        "type": "object",
        "required": ["course", "assignments", "students"],
        "properties": {
            "course": {
                "type": "object",
                "required": ["id", "code", "title"],
                "properties": {
                    "id": {"type": "integer"},
                    "code": {"type": "string"},
                    "title": {"type": "string"},
                },
            },
            "assignments": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "title", "points"],
                    "properties": {
                        "id": {"type": "integer"},
                        "title": {"type": "string"},
                        "points": {"type": "number"},
                    },
                },
            },
            "students": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["id", "name", "email", "section", "assignments", "total"],
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "section": {"type": "string"},
                        "assignments": {
                            "type": "object",
                            "description": "assignment id → points, null (nothing submitted) or EX",
                            "additionalProperties": {
                                "nullable": True,
                                "anyOf": [
                                    {"type": "number"},
                                    {"type": "string", "enum": ["EX"]},
                                ],
                            },
                        },
                        "total": {"type": "number"},
                    },
                },
            },
        },
    },
    "AssignmentSpecInput": {
        "type": "object",
        "required": ["title", "problems"],
        "additionalProperties": False,
        "properties": {
            **SPEC_FIELDS,
            "problems": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_PROBLEMS,
                "items": _ref("SpecProblemInput"),
            },
        },
        "example": SPEC_EXAMPLE,
    },
    "AssignmentSpecExport": {
        "type": "object",
        "required": [*SPEC_FIELDS, "problems"],
        "additionalProperties": False,
        "properties": {
            **SPEC_FIELDS,
            "problems": {
                "type": "array",
                "items": {
                    **SPEC_PROBLEM,
                    "required": ["title", "kind", "points", "config", "policy"],
                },
            },
        },
    },
    "AssignmentSpec": {
        "type": "object",
        "required": ["id", *SPEC_FIELDS, "problems"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            **SPEC_FIELDS,
            "problems": {
                "type": "array",
                "items": {
                    **SPEC_PROBLEM,
                    "required": ["title", "kind", "points", "config", "policy"],
                },
            },
        },
    },
    "SpecErrors": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "required": ["errors"],
                "properties": {
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["line", "message"],
                            "properties": {
                                "line": {"type": "integer", "nullable": True},
                                "message": {"type": "string"},
                            },
                        },
                    }
                },
            },
        ],
    },
    "Step": {
        "type": "object",
        "required": ["title", "text", "latex"],
        "properties": {
            "title": {"type": "string"},
            "text": {"type": "string"},
            "latex": {"type": "string"},
        },
    },
    "Problem": {
        "type": "object",
        "required": [
            "id",
            "position",
            "title",
            "kind",
            "points",
            "params",
            "prompt",
            "answer_fields",
            "tolerance",
            "attempts_used",
            "attempts_left",
            "score",
            "best_score",
            "correct",
            "accepting",
            "solution",
        ],
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer"},
            "title": {"type": "string"},
            "kind": {"type": "string", "enum": list(problems.KINDS)},
            "points": {"type": "number"},
            "params": {"type": "object", "description": "This student's numbers"},
            "prompt": {"type": "string"},
            "answer_fields": {
                "type": "array",
                "items": _ref("AnswerField"),
                "description": "the names and shapes a submission's answers must have",
            },
            "tolerance": {"type": "string"},
            "attempts_used": {"type": "integer"},
            "attempts_left": {"type": "integer", "nullable": True, "description": "null: no cap"},
            "score": COUNTED_SCORE,
            "best_score": _deprecated_alias("score"),
            "correct": {"type": "boolean"},
            "accepting": {"type": "boolean"},
            "solution": {"type": "array", "items": _ref("Step"), "nullable": True},
        },
    },
    "Assignment": {
        "type": "object",
        "required": [
            "id",
            "course_id",
            "title",
            "mode",
            "due_at",
            "closes_at",
            "max_attempts",
            "time_limit_minutes",
            "problems",
        ],
        "properties": {
            "id": {"type": "integer"},
            "course_id": {"type": "integer"},
            "title": {"type": "string"},
            "mode": {"type": "string", "enum": list(MODES)},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "closes_at": {"type": "string", "format": "date-time", "nullable": True},
            "max_attempts": {"type": "integer", "nullable": True},
            "time_limit_minutes": {"type": "integer", "nullable": True},
            "problems": {"type": "array", "items": _ref("Problem")},
            "quiz": {
                "allOf": [_ref("QuizClock")],
                "nullable": True,
                "description": "A timed quiz: my clock on it (null for staff and other modes)",
            },
        },
    },
    "QuizClock": {
        "type": "object",
        "description": (
            "My clock on a timed quiz. It starts with POST /assignments/{id}/start (or with "
            "the first GET of the assignment or the first submission through the API, which "
            "show its numbers); it ends at the time limit or when the quiz closes, if sooner."
        ),
        "required": ["started", "started_at", "ends_at", "seconds_left", "over"],
        "properties": {
            "started": {"type": "boolean"},
            "started_at": {"type": "string", "format": "date-time", "nullable": True},
            "ends_at": {"type": "string", "format": "date-time", "nullable": True},
            "seconds_left": {"type": "integer", "minimum": 0, "nullable": True},
            "over": {"type": "boolean"},
        },
    },
    "SubmissionRequest": {
        "type": "object",
        "required": ["answers"],
        "properties": {
            "answers": {
                "type": "object",
                "description": (
                    "answer name → number, list, nested list or string, with the names and "
                    "shapes of the problem's answer_fields (GET /assignments/{id}); another "
                    "name or shape is a 422 format error and uses no attempt; a control "
                    "character in any string is a 400"
                ),
            }
        },
    },
    "Submission": {
        "type": "object",
        "required": [
            "id",
            "attempt",
            "variant",
            "submitted_at",
            "answers",
            "score",
            "raw_score",
            "late",
            "results",
            "misconceptions",
            "feedback",
        ],
        "properties": {
            "id": {"type": "integer"},
            "attempt": {"type": "integer"},
            "variant": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "answers": {"type": "object", "description": "as sent"},
            "score": {"type": "number", "description": "after late and retry penalties, 0 to 1"},
            "raw_score": {"type": "number"},
            "late": {"type": "boolean"},
            "results": {"type": "object", "description": "per answer: correct, score, entries"},
            "misconceptions": {"type": "array", "items": {"type": "string"}},
            "feedback": {"type": "array", "items": {"type": "string"}},
        },
    },
    "SubmissionResult": {
        "allOf": [
            _ref("Submission"),
            {
                "type": "object",
                "required": ["attempts_left", "problem_score", "best_score", "solution"],
                "properties": {
                    "attempts_left": {"type": "integer", "nullable": True},
                    "problem_score": COUNTED_SCORE,
                    "best_score": _deprecated_alias("problem_score"),
                    "solution": {"type": "array", "items": _ref("Step"), "nullable": True},
                    "same_as_attempt": {
                        "type": "integer",
                        "minimum": 1,
                        "description": "present (with status 200) when the answer is the "
                        "previous attempt's again: that attempt is returned, no attempt used",
                    },
                },
            },
        ],
    },
}

PROBLEM_PARAMS = [path_id("assignment_id"), path_id("problem_id")]
SPEC_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": _ref("AssignmentSpecInput")},
        "application/yaml": {"schema": _ref("AssignmentSpecInput")},
    },
}
SPEC_REFUSED = _json(
    _ref("SpecErrors"), "The spec has errors (`invalid_spec`, each with its line); nothing written"
)

PATHS = {
    "/tokens": {
        "post": {
            "summary": "Log in: a bearer token for the API",
            "security": [],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {
                            "type": "object",
                            "required": ["email", "password"],
                            "properties": {
                                "email": TEXT,
                                "password": TEXT,
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _json(_ref("Token"), "A new token (shown once)"),
                "400": ERRORS["400"],
                "401": _json(
                    _ref("Error"),
                    "Wrong email or password (`unauthorized`), the same answer for an email "
                    "that has no account",
                ),
                "413": ERRORS["413"],
                "429": {
                    **_json(
                        _ref("Error"),
                        "Too many failed logins from this address or for this email "
                        "(`too_many_requests`): try again after Retry-After seconds",
                    ),
                    "headers": {
                        "Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}
                    },
                },
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "summary": "Revoke the token in use",
            "responses": {"204": {"description": "Revoked"}, **errors("400", "401")},
        }
    },
    "/me": {
        "get": {
            "summary": "The token's user",
            "responses": {"200": _json(_ref("Me"), "The user"), **errors("400", "401")},
        }
    },
    "/courses": {
        "get": {
            "summary": "My courses",
            "responses": {
                "200": _json({"type": "array", "items": _ref("Course")}, "Courses with my role"),
                **errors("400", "401"),
            },
        }
    },
    "/assignments/{assignment_id}": {
        "get": {
            "summary": "An assignment with my own variant of each problem (created on first view)",
            "description": (
                "On a timed quiz this shows the numbers, so it starts my clock (as POST "
                "/assignments/{id}/start does) unless the quiz has closed; `quiz` is the clock."
            ),
            "parameters": [path_id("assignment_id")],
            "responses": {
                "200": _json(_ref("Assignment"), "The assignment"),
                **errors("400", "401", "403", "404"),
                "409": _json(
                    _ref("Error"),
                    "`problem_unavailable`: a problem's template needs fixing by the "
                    "instructor (nothing was created)",
                ),
            },
        }
    },
    "/assignments/{assignment_id}/start": {
        "post": {
            "summary": "Start my clock on a timed quiz (a second call changes nothing)",
            "parameters": [path_id("assignment_id")],
            "responses": {
                "201": _json(_ref("QuizClock"), "Started now"),
                "200": _json(_ref("QuizClock"), "Started before: the clock as it is"),
                **errors("401", "403", "404"),
                "409": _json(
                    _ref("Error"),
                    "`not_timed`: no time limit (or staff, who have no clock); `not_open`, "
                    "`closed`",
                ),
            },
        }
    },
    "/assignments/{assignment_id}/clock": {
        "get": {
            "summary": "My clock on a timed quiz: the server's seconds left",
            "parameters": [path_id("assignment_id")],
            "responses": {
                "200": _json(_ref("QuizClock"), "The clock (started false: not started)"),
                **errors("401", "403", "404"),
                "409": _json(_ref("Error"), "`not_timed`: no clock runs for me here"),
            },
        }
    },
    "/assignments/{assignment_id}/problems/{problem_id}/submissions": {
        "post": {
            "summary": "Submit an answer: graded at once",
            "parameters": [
                *PROBLEM_PARAMS,
                {
                    "in": "header",
                    "name": "Idempotency-Key",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_KEY,
                        "pattern": NONBLANK,
                    },
                    "description": (
                        "Sent again with the same key, the first result is returned (with the "
                        "header Idempotent-Replayed: true) and no attempt is used"
                    ),
                },
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": _ref("SubmissionRequest"),
                        "examples": {
                            "worked_example": {
                                "summary": "The right answer to the lecture's worked example",
                                "description": (
                                    "For the problem W = [[1, -1], [0, 2], [3, 1]], "
                                    "x = [1, 2], b = [0, 1, -1], ReLU (in the demo course: "
                                    "problem 1 of “Practice: the lecture's examples”); an "
                                    "entry may be a number or text, a list may be JSON or a "
                                    "string. Another problem has its own names and shapes: "
                                    "see its answer_fields."
                                ),
                                "value": WORKED_EXAMPLE_ANSWER,
                            }
                        },
                    }
                },
            },
            "responses": {
                "200": _json(
                    _ref("SubmissionResult"),
                    "The same answer as the previous attempt (read to the same numbers): "
                    "that attempt again, with `same_as_attempt`; nothing stored, no attempt used",
                ),
                "201": {
                    **_json(_ref("SubmissionResult"), "Graded and stored"),
                    "headers": {
                        "Idempotent-Replayed": {
                            "schema": {"type": "string", "enum": ["true"]},
                            "description": "present when the first result is returned again",
                        }
                    },
                },
                **errors("400", "401", "403", "404"),
                "409": _json(
                    _ref("Error"),
                    "Not accepted now: `not_open`, `closed`, `time_up`, `no_attempts_left`; "
                    "`conflict`: another attempt was being saved at the same moment, send it "
                    "again (nothing was saved); `problem_unavailable`: the problem's template "
                    "needs fixing by the instructor (nothing was graded)",
                ),
                "413": ERRORS["413"],
                "422": _json(
                    _ref("Error"),
                    "Format errors (`format_errors`, with format_errors): nothing graded, "
                    "no attempt used",
                ),
            },
        },
        "get": {
            "summary": "My submissions for this problem",
            "parameters": PROBLEM_PARAMS,
            "responses": {
                "200": _json({"type": "array", "items": _ref("Submission")}, "Oldest first"),
                **errors("400", "401", "403", "404"),
            },
        },
    },
    "/courses/{course_id}/gradebook": {
        "get": {
            "summary": "The course's gradebook (instructors and TAs)",
            "parameters": [path_id("course_id")],
            "responses": {
                "200": _json(
                    _ref("Gradebook"), "Points per student and assignment; EX for excused"
                ),
                **errors("400", "401", "403", "404"),
            },
        }
    },
    "/courses/{course_id}/gradebook.csv": {
        "get": {
            "summary": "The gradebook as CSV, streamed (instructors and TAs)",
            "parameters": [
                path_id("course_id"),
                {
                    "in": "query",
                    "name": "format",
                    "required": False,
                    "schema": {"type": "string", "enum": list(FORMATS), "default": "canvas"},
                },
            ],
            "responses": {
                "200": {
                    "description": "CSV",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                **errors("400", "401", "403", "404"),
                "409": _json(
                    _ref("Error"),
                    "format=long for a class whose long CSV has more rows than "
                    "LONG_CSV_STREAM_MAX_ROWS (default 50,000): `use_export_job`, with "
                    "export_job, the URL to POST to make it as a background job",
                ),
            },
        }
    },
    "/courses/{course_id}/exports/long": {
        "post": {
            "summary": "Make the long CSV (a row per submission) as a background job "
            "(instructors and TAs); a job already queued or running is returned instead",
            "parameters": [path_id("course_id")],
            "responses": {
                "202": {
                    **_json(_ref("Job"), "Queued (or the active one): follow its url"),
                    "headers": {
                        "Location": {"schema": {"type": "string"}, "description": "the job's url"}
                    },
                },
                **errors("400", "401", "403", "404"),
                "409": _json(_ref("Error"), "The job queue cannot be reached (`conflict`)"),
            },
        }
    },
    "/courses/{course_id}/jobs/{job_id}": {
        "get": {
            "summary": "A job of the course: status, progress, result, its file's url (staff)",
            "parameters": [path_id("course_id"), path_id("job_id")],
            "responses": {
                "200": _json(_ref("Job"), "The job"),
                **errors("400", "401", "403", "404"),
            },
        }
    },
    "/courses/{course_id}/jobs/{job_id}/file": {
        "get": {
            "summary": "A finished job's file, streamed (staff); 404 before it is done or "
            "after it expired",
            "parameters": [path_id("course_id"), path_id("job_id")],
            "responses": {
                "200": {
                    "description": "CSV",
                    "content": {"text/csv": {"schema": {"type": "string"}}},
                },
                **errors("400", "401", "403", "404"),
            },
        }
    },
    "/courses/{course_id}/assignments": {
        "get": {
            "summary": "Assignments of a course (students: published ones)",
            "parameters": [path_id("course_id")],
            "responses": {
                "200": _json({"type": "array", "items": _ref("AssignmentSummary")}, "Assignments"),
                **errors("400", "401", "403", "404"),
            },
        },
        "post": {
            "summary": "Create an assignment from a spec (instructors); JSON, or YAML as application/yaml",
            "parameters": [path_id("course_id")],
            "requestBody": SPEC_BODY,
            "responses": {
                "201": _json(_ref("AssignmentSpec"), "Created, with its id"),
                **errors("400", "401", "403", "404", "413"),
                "422": SPEC_REFUSED,
            },
        },
    },
    "/assignments/{assignment_id}/spec": {
        "get": {
            "summary": "An assignment as a spec (instructors); ?format=yaml for the YAML export",
            "parameters": [
                path_id("assignment_id"),
                {
                    "in": "query",
                    "name": "format",
                    "required": False,
                    "schema": {"type": "string", "enum": ["json", "yaml"], "default": "json"},
                },
            ],
            "responses": {
                "200": {
                    "description": "The spec: JSON with its id, or the YAML export (no id)",
                    "content": {
                        "application/json": {"schema": _ref("AssignmentSpec")},
                        "application/yaml": {"schema": _ref("AssignmentSpecExport")},
                    },
                },
                **errors("400", "401", "403", "404"),
            },
        },
        "put": {
            "summary": "Replace an assignment's settings and problems (instructors)",
            "parameters": [path_id("assignment_id")],
            "requestBody": SPEC_BODY,
            "responses": {
                "200": _json(_ref("AssignmentSpec"), "Updated"),
                **errors("400", "401", "403", "404", "413"),
                "409": _json(
                    _ref("Error"),
                    "Students have started (`started`): problems' kinds, configs and order are "
                    "fixed",
                ),
                "422": SPEC_REFUSED,
            },
        },
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {
                "200": _json({"type": "object", "required": ["openapi", "paths"]}, "OpenAPI 3")
            },
        }
    },
}


# Responses any operation may give, whatever it does: the app's input checks (a control
# character anywhere in the request, JSON nested too deep) answer 400 before any view runs,
# and every operation that reads the database answers 503 while it cannot be reached.
EVERY_OPERATION = ("400", "503")
NO_DATABASE = {"/openapi.json"}


def openapi_document() -> dict:
    paths = deepcopy(PATHS)
    for path, item in paths.items():
        for operation in item.values():
            for code in EVERY_OPERATION:
                if code == "503" and path in NO_DATABASE:
                    continue
                operation["responses"].setdefault(code, deepcopy(ERRORS[code]))
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "NN Grader API",
            "version": "1.0.0",
            "description": (
                'Students\' own variants and submissions. Errors: {"error": code, "message": '
                "text}, with these codes: " + ", ".join(ERROR_CODES) + ". Every operation may "
                "also answer 405 (`method_not_allowed`, with an Allow header) to another method "
                "and 500 (`server_error`)."
            ),
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": deepcopy(SCHEMAS) | _config_schemas(),
        },
        "paths": paths,
    }
