"""A number no field can hold (10**400 from JSON or YAML, ±inf, NaN, a boolean) anywhere in
an assignment spec or a template form gives a clear 4xx message, never a 500, and nothing
is written: through the API (JSON and YAML), the web import and the template form."""

from __future__ import annotations

import io
import json

import pytest
import sqlalchemy as sa

import problems
from grader.extensions import db
from grader.models import Assignment, ProblemTemplate
from tests.helpers import TEST_PASSWORD, login, post

BIG = "1" + "0" * 400
# the same bad numbers as JSON text and as YAML text
JSON_BAD = [BIG, "-" + BIG, "Infinity", "-Infinity", "NaN", "true"]
YAML_BAD = [BIG, "-" + BIG, ".inf", "-.inf", ".nan", "true"]
TOP = ["late_penalty", "retry_penalty", "time_limit_minutes", "max_attempts"]


@pytest.fixture
def course(make_user, make_course):
    return make_course("NN-H", instructor=make_user(email="t@example.edu"))


def _specs(bad: str):
    """(what, spec text) with ``bad`` in each numeric field: top-level, points, every setting
    of every kind (all at once per kind) and a pinned parameter of every kind."""
    problem = '{"kind": "activation", "points": 1}'
    for field in TOP:
        yield field, f'{{"title": "T", "{field}": {bad}, "problems": [{problem}]}}'
    yield "points", f'{{"title": "T", "problems": [{{"kind": "activation", "points": {bad}}}]}}'
    for slug in problems.KINDS:
        kind = problems.get(slug)
        numeric = [s for s in kind.settings if s.type not in ("choice", "multi-choice", "bool")]
        for s in numeric:
            value = f"[{bad}, 1]" if s.type in ("range", "int-list") else bad
            value = f"[[{bad}, 1]]" if s.type == "matrix" else value
            config = f'{{"{s.name}": {value}}}'
            yield (
                f"{slug}.{s.name}",
                (f'{{"title": "T", "problems": [{{"kind": "{slug}", "config": {config}}}]}}'),
            )
        pinned = kind.param_names[0]
        config = f'{{"fixed": {{"{pinned}": [{bad}, 1]}}}}'
        yield (
            f"{slug}.fixed",
            (f'{{"title": "T", "problems": [{{"kind": "{slug}", "config": {config}}}]}}'),
        )


def _count():
    return db.session.scalar(sa.select(sa.func.count()).select_from(Assignment))


def test_api_json_and_yaml_refuse_bad_numbers_with_a_422(client, course):
    r = client.post("/api/v1/tokens", json={"email": "t@example.edu", "password": TEST_PASSWORD})
    h = {"Authorization": f"Bearer {r.json['token']}"}
    url = f"/api/v1/courses/{course.id}/assignments"
    for jbad, ybad in zip(JSON_BAD, YAML_BAD, strict=True):
        for what, text in _specs(jbad):
            if jbad == "true" and what == "activation.allow_kink":
                continue
            r = client.post(url, data=text, content_type="application/json", headers=h)
            assert r.status_code == 422, (what, jbad, r.status_code)
            assert r.json["errors"][0]["message"], (what, jbad)
            # JSON is YAML: the same document with YAML's spelling of inf and NaN
            ytext = text.replace(jbad, ybad)
            r = client.post(url, data=ytext, content_type="application/yaml", headers=h)
            assert r.status_code == 422, (what, ybad, r.status_code)
    assert _count() == 0


def test_web_import_refuses_bad_numbers_with_a_400(client, course):
    c = client.application.test_client()
    login(c, "t@example.edu")
    for ybad in YAML_BAD:
        for field in [*TOP, "points"]:
            where = "  " if field == "points" else ""
            text = f"title: T\n{where and ''}problems:\n  - kind: activation\n"
            text = (
                f"title: T\nproblems:\n  - kind: activation\n    points: {ybad}\n"
                if field == "points"
                else f"title: T\n{field}: {ybad}\nproblems:\n  - kind: activation\n"
            )
            data = {"file": (io.BytesIO(text.encode()), "a.yaml")}
            r = post(
                c,
                f"/courses/{course.id}/assignments/import",
                data,
                content_type="multipart/form-data",
            )
            assert r.status_code == 400, (field, ybad)
            assert field in r.get_data(as_text=True)
        text = f"title: T\nproblems:\n  - kind: activation\n    config:\n      fixed: {{z: [{ybad}, 1]}}\n"
        data = {"file": (io.BytesIO(text.encode()), "a.yaml")}
        r = post(
            c, f"/courses/{course.id}/assignments/import", data, content_type="multipart/form-data"
        )
        assert r.status_code == 400, ybad
        assert "pinned z" in r.get_data(as_text=True)
    assert _count() == 0


def test_template_form_refuses_bad_numbers_with_a_400(client, course):
    c = client.application.test_client()
    login(c, "t@example.edu")
    url = f"/courses/{course.id}/templates/new?kind=activation"
    good = {
        "title": "t",
        "cfg_activations": "relu",
        "cfg_size_lo": "3",
        "cfg_size_hi": "3",
        "cfg_range_lo": "-2",
        "cfg_range_hi": "2",
        "cfg_decimals": "1",
        "cfg_alpha": "",
        "fixed": "",
        "tolerance": "relative",
        "rtol": "0.001",
        "atol": "0.0005",
        "entry": "numbers",
        "partial_credit": "entries",
    }
    for jbad in JSON_BAD[:5]:
        cases = [{"fixed": json.dumps({"z": [1, 2]}).replace("1", jbad, 1)}]
        cases += [{f: jbad} for f in ("cfg_range_lo", "cfg_range_hi", "cfg_alpha", "rtol")]
        for change in cases:
            r = post(c, url, {**good, **change})
            assert r.status_code == 400, (change, r.status_code)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ProblemTemplate)) == 0
