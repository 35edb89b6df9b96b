"""The OpenAPI 3 description of /api/v1 (served at /api/v1/openapi.json)."""

from __future__ import annotations

from copy import deepcopy


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


ERRORS = {
    "400": _json(_ref("Error"), "Malformed request"),
    "401": _json(_ref("Error"), "Missing, expired or revoked token"),
    "403": _json(_ref("Error"), "Not allowed for this user"),
    "404": _json(_ref("Error"), "No such resource (or not visible to this user)"),
}


def errors(*codes: str) -> dict:
    """The standard error responses for these status codes."""
    return {code: ERRORS[code] for code in codes}


PATH_ID = {"in": "path", "required": True, "schema": {"type": "integer"}}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "message"],
        "properties": {
            "error": {"type": "string", "example": "no_attempts_left"},
            "message": {"type": "string"},
            "format_errors": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    },
    "Token": {
        "type": "object",
        "properties": {
            "token": {"type": "string"},
            "expires_at": {"type": "string", "format": "date-time"},
        },
    },
    "Me": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "email": {"type": "string"},
            "name": {"type": "string"},
            "is_admin": {"type": "boolean"},
        },
    },
    "Course": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "code": {"type": "string"},
            "title": {"type": "string"},
            "role": {"type": "string", "enum": ["instructor", "ta", "student", "admin"]},
        },
    },
    "AssignmentSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "title": {"type": "string"},
            "mode": {"type": "string", "enum": ["homework", "quiz", "practice"]},
            "published": {"type": "boolean"},
            "opens_at": {"type": "string", "format": "date-time", "nullable": True},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "closes_at": {"type": "string", "format": "date-time", "nullable": True},
            "status": {"type": "string", "enum": ["not started", "in progress", "done"]},
            "score": {"type": "number"},
            "points": {"type": "number"},
            "attempts": {"type": "integer"},
        },
    },
    "AnswerField": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "example": "y"},
            "shape": {"type": "array", "items": {"type": "integer"}, "example": [3]},
            "label": {"type": "string"},
            "symbol": {"type": "string"},
            "type": {"type": "string", "enum": ["number", "boolean", "choice", "shape"]},
            "options": {"type": "array", "items": {"type": "string"}},
        },
    },
    "Gradebook": {
        "type": "object",
        "properties": {
            "course": {"type": "object"},
            "assignments": {
                "type": "array",
                "items": {
                    "type": "object",
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
                    "properties": {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "email": {"type": "string"},
                        "section": {"type": "string"},
                        "assignments": {
                            "type": "object",
                            "description": "assignment id → points, null (nothing submitted) or EX",
                        },
                        "total": {"type": "number"},
                    },
                },
            },
        },
    },
    "AssignmentSpec": {
        "type": "object",
        "required": ["title", "problems"],
        "properties": {
            "id": {"type": "integer", "readOnly": True},
            "title": {"type": "string"},
            "mode": {"type": "string", "enum": ["homework", "quiz", "practice"]},
            "opens_at": {"type": "string", "format": "date-time", "nullable": True},
            "due_at": {"type": "string", "format": "date-time", "nullable": True},
            "closes_at": {"type": "string", "format": "date-time", "nullable": True},
            "late_penalty": {"type": "number"},
            "time_limit_minutes": {"type": "integer", "nullable": True},
            "max_attempts": {"type": "integer", "nullable": True},
            "retry_penalty": {"type": "number"},
            "solution_release": {
                "type": "string",
                "enum": ["after_correct", "after_attempts", "after_due", "never"],
            },
            "score_policy": {"type": "string", "enum": ["best", "last"]},
            "published": {"type": "boolean"},
            "problems": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["kind"],
                    "properties": {
                        "title": {"type": "string"},
                        "kind": {"type": "string"},
                        "points": {"type": "number"},
                        "config": {"type": "object"},
                        "policy": {"type": "object"},
                    },
                },
            },
        },
    },
    "SpecErrors": {
        "allOf": [
            _ref("Error"),
            {
                "type": "object",
                "properties": {
                    "errors": {
                        "type": "array",
                        "items": {
                            "type": "object",
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
        "properties": {
            "title": {"type": "string"},
            "text": {"type": "string"},
            "latex": {"type": "string"},
        },
    },
    "Problem": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "position": {"type": "integer"},
            "title": {"type": "string"},
            "kind": {"type": "string"},
            "points": {"type": "number"},
            "params": {"type": "object", "description": "This student's numbers"},
            "prompt": {"type": "string"},
            "answer_fields": {"type": "array", "items": _ref("AnswerField")},
            "tolerance": {"type": "string"},
            "attempts_used": {"type": "integer"},
            "attempts_left": {"type": "integer", "nullable": True},
            "best_score": {"type": "number", "nullable": True},
            "correct": {"type": "boolean"},
            "accepting": {"type": "boolean"},
            "solution": {"type": "array", "items": _ref("Step"), "nullable": True},
        },
    },
    "Assignment": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "course_id": {"type": "integer"},
            "title": {"type": "string"},
            "mode": {"type": "string"},
            "due_at": {"type": "string", "nullable": True},
            "closes_at": {"type": "string", "nullable": True},
            "max_attempts": {"type": "integer", "nullable": True},
            "time_limit_minutes": {"type": "integer", "nullable": True},
            "problems": {"type": "array", "items": _ref("Problem")},
        },
    },
    "SubmissionRequest": {
        "type": "object",
        "required": ["answers"],
        "properties": {
            "answers": {
                "type": "object",
                "description": "answer name → number, list, nested list or string",
                "example": {"z": [-1, 5, 4], "y": "[0, 5, 4]"},
            }
        },
    },
    "Submission": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "attempt": {"type": "integer"},
            "variant": {"type": "integer"},
            "submitted_at": {"type": "string", "format": "date-time"},
            "answers": {"type": "object"},
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
                "properties": {
                    "attempts_left": {"type": "integer", "nullable": True},
                    "best_score": {"type": "number", "nullable": True},
                    "solution": {"type": "array", "items": _ref("Step"), "nullable": True},
                },
            },
        ],
    },
}

PROBLEM_PARAMS = [dict(PATH_ID, name="assignment_id"), dict(PATH_ID, name="problem_id")]

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
                                "email": {"type": "string"},
                                "password": {"type": "string"},
                            },
                        }
                    }
                },
            },
            "responses": {
                "201": _json(_ref("Token"), "A new token (shown once)"),
                "400": ERRORS["400"],
                "401": ERRORS["401"],
            },
        }
    },
    "/tokens/current": {
        "delete": {
            "summary": "Revoke the token in use",
            "responses": {"204": {"description": "Revoked"}, "401": ERRORS["401"]},
        }
    },
    "/me": {
        "get": {
            "summary": "The token's user",
            "responses": {"200": _json(_ref("Me"), "The user"), "401": ERRORS["401"]},
        }
    },
    "/courses": {
        "get": {
            "summary": "My courses",
            "responses": {
                "200": _json({"type": "array", "items": _ref("Course")}, "Courses with my role"),
                "401": ERRORS["401"],
            },
        }
    },
    "/assignments/{assignment_id}": {
        "get": {
            "summary": "An assignment with my own variant of each problem (created on first view)",
            "parameters": [dict(PATH_ID, name="assignment_id")],
            "responses": {
                "200": _json(_ref("Assignment"), "The assignment"),
                **errors("401", "403", "404"),
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
                    "schema": {"type": "string", "maxLength": 200},
                    "description": "Sent again with the same key, the first result is returned and no attempt is used",
                },
            ],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": _ref("SubmissionRequest")}},
            },
            "responses": {
                "201": _json(_ref("SubmissionResult"), "Graded and stored"),
                **errors("400", "401", "403", "404"),
                "409": _json(
                    _ref("Error"), "Not accepted now: no_attempts_left, closed, not_open, time_up"
                ),
                "422": _json(_ref("Error"), "Format errors: nothing graded, no attempt used"),
            },
        },
        "get": {
            "summary": "My submissions for this problem",
            "parameters": PROBLEM_PARAMS,
            "responses": {
                "200": _json({"type": "array", "items": _ref("Submission")}, "Oldest first"),
                **errors("401", "403", "404"),
            },
        },
    },
    "/courses/{course_id}/gradebook": {
        "get": {
            "summary": "The course's gradebook (instructors and TAs)",
            "parameters": [dict(PATH_ID, name="course_id")],
            "responses": {
                "200": _json(
                    _ref("Gradebook"), "Points per student and assignment; EX for excused"
                ),
                **errors("401", "403", "404"),
            },
        }
    },
    "/courses/{course_id}/gradebook.csv": {
        "get": {
            "summary": "The gradebook as CSV, streamed (instructors and TAs)",
            "parameters": [
                dict(PATH_ID, name="course_id"),
                {
                    "in": "query",
                    "name": "format",
                    "required": False,
                    "schema": {
                        "type": "string",
                        "enum": ["canvas", "wide", "long"],
                        "default": "canvas",
                    },
                },
            ],
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
            "parameters": [dict(PATH_ID, name="course_id")],
            "responses": {
                "200": _json({"type": "array", "items": _ref("AssignmentSummary")}, "Assignments"),
                **errors("401", "403", "404"),
            },
        },
        "post": {
            "summary": "Create an assignment from a spec (instructors); JSON, or YAML as application/yaml",
            "parameters": [dict(PATH_ID, name="course_id")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _ref("AssignmentSpec")},
                    "application/yaml": {"schema": _ref("AssignmentSpec")},
                },
            },
            "responses": {
                "201": _json(_ref("AssignmentSpec"), "Created, with its id"),
                **errors("400", "401", "403", "404"),
                "422": _json(_ref("SpecErrors"), "The spec has errors; nothing written"),
            },
        },
    },
    "/assignments/{assignment_id}/spec": {
        "get": {
            "summary": "An assignment as a spec (instructors); ?format=yaml for the YAML export",
            "parameters": [dict(PATH_ID, name="assignment_id")],
            "responses": {
                "200": _json(_ref("AssignmentSpec"), "The spec"),
                **errors("401", "403", "404"),
            },
        },
        "put": {
            "summary": "Replace an assignment's settings and problems (instructors)",
            "parameters": [dict(PATH_ID, name="assignment_id")],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": _ref("AssignmentSpec")},
                    "application/yaml": {"schema": _ref("AssignmentSpec")},
                },
            },
            "responses": {
                "200": _json(_ref("AssignmentSpec"), "Updated"),
                **errors("400", "401", "403", "404"),
                "409": _json(
                    _ref("Error"),
                    "Students have started: problems' kinds, configs and order are fixed",
                ),
                "422": _json(_ref("SpecErrors"), "The spec has errors; nothing written"),
            },
        },
    },
    "/openapi.json": {
        "get": {
            "summary": "This document",
            "security": [],
            "responses": {"200": {"description": "OpenAPI 3"}},
        }
    },
}


def openapi_document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "NN Grader API",
            "version": "1.0.0",
            "description": 'Students\' own variants and submissions. Errors: {"error": code, "message": text}.',
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": deepcopy(SCHEMAS),
        },
        "paths": deepcopy(PATHS),
    }
