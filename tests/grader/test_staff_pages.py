"""Issue 12, items 9 and 11: what staff read about students, checked by hand.

The class: the lecture's dense layer (W = [[1, -1], [0, 2], [3, 1]], x = [1, 2],
b = [0, 1, -1], ReLU: z = [-1, 5, 4], y = [0, 5, 4]) for 30 points, best attempt counts.
Ana Zed answers z right with y = [0, 5, 3] (z 3 of 3, y 2 of 3: (1 + 2/3)/2 = 5/6, 25.00
points), then y = [0, 5, 4] (30.00). Student 2 gives y = z = [-1, 5, 4] (no activation:
y₁ wrong, 25.00). Student 10 is right at once (30.00). Student 1 sends nothing."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from grader.services import jobs
from grader.services.natural import natural_key
from grader.services.submissions import submit
from tests.helpers import login, post

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
Z = [-1, 5, 4]


class Tables(HTMLParser):
    """Every table of a page as rows of cell texts (whitespace collapsed)."""

    def __init__(self, html: str):
        super().__init__()
        self.tables: list[dict] = []
        self.stack: list[dict] = []
        self.cell: list[str] | None = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.stack.append({"class": dict(attrs).get("class") or "", "rows": []})
        elif tag == "tr" and self.stack:
            self.stack[-1]["rows"].append([])
        elif tag in ("td", "th") and self.stack:
            self.cell = []

    def handle_endtag(self, tag):
        if tag == "table" and self.stack:
            self.tables.append(self.stack.pop())
        elif tag in ("td", "th") and self.cell is not None and self.stack:
            self.stack[-1]["rows"][-1].append(" ".join("".join(self.cell).split()))
            self.cell = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell.append(data)


def tables(html: str, cls: str) -> list[list[list[str]]]:
    return [t["rows"] for t in Tables(html).tables if not cls or cls in t["class"].split()]


def row(rows: list[list[str]], heading: str) -> list[str]:
    """The row whose heading cell (first or second) is ``heading``."""
    return next(r for r in rows if heading in r[:2])


@pytest.fixture
def klass(make_user, make_course, enrol, make_assignment):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-S", instructor=teacher)
    ana = make_user(email="ana.zed@example.edu", name="Ana Zed")
    enrol(ana, course, section="A")
    students = {}
    for i in (10, 2, 1):  # enrolled out of order: the order on the page is the page's
        students[i] = make_user(email=f"s{i}@example.edu", name=f"Student {i}")
        enrol(students[i], course, section="B")
    hw = make_assignment(course, [("dense_forward", WORKED, 30)], title="HW 1")
    ap = hw.problems[0]
    submit(ap, ana, {"z": Z, "y": [0, 5, 3]})
    submit(ap, ana, {"z": Z, "y": [0, 5, 4]})
    submit(ap, students[2], {"z": Z, "y": Z})
    submit(ap, students[10], {"z": Z, "y": [0, 5, 4]})
    return {"course": course, "hw": hw, "ap": ap, "ana": ana, "teacher": teacher, **students}


@pytest.fixture
def teacher(client, klass):
    login(client, "t@example.edu")
    return client


def drill(client, klass, who) -> str:
    r = client.get(f"/courses/{klass['course'].id}/gradebook/students/{klass[who].id}")
    assert r.status_code == 200
    return r.get_data(as_text=True)


# ---------------------------------------------------------------- the drill-down


def test_drill_down_shows_the_attempts_side_by_side_with_a_mark_per_entry(teacher, klass):
    page = drill(teacher, klass, "ana")
    (attempts,) = tables(page, "attempts")
    assert attempts[0] == ["Answer", "Entry", "Key", "Attempt 1", "Attempt 2 counts"]
    # entry 3 of y: 3 is wrong, then 4 is right
    assert row(attempts, "y₃") == ["", "y₃", "4", "3 ✗ wrong", "4 ✓ right"]
    assert row(attempts, "y₁") == ["y = f(Wx + b)", "y₁", "0", "0 ✓ right", "0 ✓ right"]
    assert row(attempts, "z₁") == ["z = Wx + b", "z₁", "-1", "-1 ✓ right", "-1 ✓ right"]
    assert len([r for r in attempts if r[1][:1] in "zy" and r[1][1:] in "₁₂₃"]) == 6
    assert row(attempts, "Score") == ["Score", "25.00 / 30 pts", "30.00 / 30 pts"]
    assert row(attempts, "Flags") == ["Flags", "—", "—"]
    assert row(attempts, "Feedback the student read") == [
        "Feedback the student read",
        "y: 2 of 3 entries are correct.",
        "All correct.",
    ]
    # the question as the student read it: the prompt, the givens as MathML, the rule
    assert "A dense layer has 2 inputs and 3 outputs" in page
    assert page.count("<math") >= 3 and "Tolerance:" in page
    assert "Credited: <strong>30.00 / 30 pts</strong>" in page
    # the key in full precision, in a details row
    assert "<code>[0.0, 5.0, 4.0]</code>" not in page  # per entry, not as one list
    assert re.search(r"<th scope=\"row\">y₃</th><td><code>4(\.0)?</code></td>", page)


def test_slips_are_named_in_words_never_by_their_stored_tag(teacher, klass):
    page = drill(teacher, klass, 2)
    (attempts,) = tables(page, "attempts")
    assert row(attempts, "Slips recognised") == ["Slips recognised", "Activation not applied"]
    assert "You added the bias but did not apply ReLU" in page  # what the student read
    assert "no_activation" not in page
    assert row(attempts, "y₁") == ["y = f(Wx + b)", "y₁", "0", "-1 ✗ wrong"]


def test_an_unopened_problem_says_so(teacher, klass):
    page = drill(teacher, klass, 1)
    assert "Not opened yet." in page and "nothing submitted" in page
    assert not tables(page, "attempts")


def test_overrides_are_shown_in_points_wherever_staff_see_them(teacher, klass):
    c, course, ap = teacher, klass["course"], klass["ap"]
    url = f"/courses/{course.id}/gradebook/students/{klass[2].id}/problems/{ap.id}/override"
    assert post(c, url, {"points": "18", "reason": "oral exam"}).status_code == 302
    page = drill(c, klass, 2)  # 18 of 30 points
    assert "<strong>18.00 / 30 pts</strong> (override)" in page
    assert "override 18.00 / 30 pts — oral exam" in page
    ext = c.get(f"/courses/{course.id}/assignments/{klass['hw'].id}/extensions")
    (overrides,) = [
        t for t in tables(ext.get_data(as_text=True), "") if t[0][:2] == ["Student", "Email"]
    ]
    assert overrides[1][:5] == [
        "Student 2",
        "s2@example.edu",
        "1. dense_forward #1",
        "18.00 / 30 pts (override)",
        "oral exam",
    ]
    focus = c.get(f"/courses/{course.id}/gradebook?assignment={klass['hw'].id}").get_data(
        as_text=True
    )
    (book,) = tables(focus, "gradebook")
    assert row(book, "Student 2")[3:] == ["18.00 / 30 pts override", "18.00"]
    # removed again: the attempts count again, and the history says so
    post(c, url, {"score": "", "reason": "typo"})
    page = drill(c, klass, 2)
    assert "<strong>25.00 / 30 pts</strong>" in page and "override removed" in page


# ---------------------------------------------------------------- the gradebook


def names(client, course, query="") -> list[str]:
    page = client.get(f"/courses/{course.id}/gradebook{query}")
    assert page.status_code == 200
    (book,) = tables(page.get_data(as_text=True), "gradebook")
    return [r[0] for r in book[1:]]


def test_natural_sort_key():
    people = ["Student 10", "student 2", "Student 1", "Ana Zed", "Student 2b"]
    assert sorted(people, key=natural_key) == [
        "Ana Zed",
        "Student 1",
        "student 2",
        "Student 2b",
        "Student 10",
    ]


def test_gradebook_sorts_by_each_column(teacher, klass):
    course, hw = klass["course"], klass["hw"]
    everyone = ["Ana Zed", "Student 1", "Student 2", "Student 10"]
    assert names(teacher, course) == everyone  # by name, naturally: 2 before 10
    assert names(teacher, course, "?sort=name&dir=desc") == everyone[::-1]
    assert names(teacher, course, "?sort=email") == everyone  # ana.zed@, s1@, s2@, s10@
    # HW 1, highest first (equal points by name), then lowest first
    assert names(teacher, course, f"?sort=a{hw.id}") == [
        "Ana Zed",
        "Student 10",
        "Student 2",
        "Student 1",
    ]
    assert names(teacher, course, f"?sort=a{hw.id}&dir=asc") == [
        "Student 1",
        "Student 2",
        "Ana Zed",
        "Student 10",
    ]
    assert names(teacher, course, "?sort=section&dir=desc")[-1] == "Ana Zed"  # B before A
    # anything else sorts by name, never a 500
    for query in ("?sort=a999999", "?sort=total&dir=sideways", "?sort=x&page=-3"):
        assert names(teacher, course, query)[0] in ("Ana Zed", "Student 10")
    assert teacher.get(f"/courses/{course.id}/gradebook?sort=%00").status_code == 400


def test_the_sorted_column_says_so_and_its_button_reverses_it(teacher, klass):
    page = teacher.get(f"/courses/{klass['course'].id}/gradebook?sort=name").get_data(as_text=True)
    heading = re.search(r'<th scope="col" aria-sort="(\w+)">\s*<form[^>]*>(.*?)</form>', page, re.S)
    assert heading and heading.group(1) == "ascending"
    assert 'name="dir" value="desc"' in heading.group(2)
    assert 'name="sort" value="name"' in heading.group(2)
    assert page.count("aria-sort=") == 1
    # every column but the problems' is a button: name, email, section, HW 1, total
    assert page.count('<button type="submit" name="sort"') == 5


def test_gradebook_search_by_name_or_email_in_any_case(teacher, klass):
    course = klass["course"]
    for q in ("zed", "ZED", "Ana Z"):
        page = teacher.get(f"/courses/{course.id}/gradebook", query_string={"q": q})
        assert "1 of 4 students match" in page.get_data(as_text=True)
        assert names(teacher, course, f"?q={q.replace(' ', '+')}") == ["Ana Zed"]
    assert names(teacher, course, "?q=s1@") == ["Student 1"]
    assert names(teacher, course, "?q=s1&sort=name&dir=desc") == ["Student 10", "Student 1"]
    page = teacher.get(f"/courses/{course.id}/gradebook?q=%25").get_data(as_text=True)
    assert "0 of 4 students match" in page and "No student matches" in page  # % is a letter


def test_staff_tries_are_neither_students_nor_not_started(teacher, klass):
    """The instructor tries the homework as themselves: the course home shows staff what the
    assignment is (problems, points), not a 'not started 0.00 / 30' row of their own; the
    gradebook lists students only."""
    submit(klass["ap"], klass["teacher"], {"z": Z, "y": Z})
    home = teacher.get(f"/courses/{klass['course'].id}").get_data(as_text=True)
    (assignments,) = [t for t in tables(home, "") if t[0][0] == "Assignment"]
    assert assignments[0] == ["Assignment", "Mode", "Due", "Problems", "Points"]
    assert assignments[1][3:] == ["1", "30"]
    assert "not started" not in home and "0.00 / 30" not in home
    assert "Tess Teacher" not in names(teacher, klass["course"])


# ---------------------------------------------------------------- the regrade page


def test_the_regrade_table_names_students(teacher, klass):
    """With atol 1.5, Ana's y₃ = 3 against 4 passes, and Student 2's y₁ = -1 against 0: her
    first attempt and his only one go from 5/6 to 1."""
    ap, course, hw = klass["ap"], klass["course"], klass["hw"]
    ap.template.policy = {"atol": 1.5, "rtol": 0}
    from grader.extensions import db

    db.session.commit()
    post(teacher, f"/courses/{course.id}/assignments/{hw.id}/regrade", {"action": "plan"})
    assert jobs.run_pending() == 1
    page = teacher.get(f"/courses/{course.id}/assignments/{hw.id}/regrade").get_data(as_text=True)
    changes = [t for t in tables(page, "") if t[0][:2] == ["Student", "Email"]]
    assert changes and [r[:2] + r[3:] for r in changes[0][1:]] == [
        ["Ana Zed", "ana.zed@example.edu", "83.3 %", "100.0 %"],
        ["Student 2", "s2@example.edu", "83.3 %", "100.0 %"],
    ]
    assert "Student id" not in page


def test_the_drill_down_shows_every_kind_entry_by_entry(
    client, make_user, make_course, enrol, make_assignment
):
    """Each kind's key sent as the answer (vectors, matrices, numbers, shapes, choices,
    true/false): one row per entry, each marked right, and the score in full."""
    import problems
    from grader.services.variants import get_or_create_variant

    teacher = make_user(email="t@example.edu")
    course = make_course("NN-K", instructor=teacher)
    kid = make_user(email="kid@example.edu", name="Kid")
    enrol(kid, course)
    a = make_assignment(course, [(slug, {}, 2) for slug in problems.KINDS], title="All kinds")
    entries = 0
    for ap in a.problems:
        v = get_or_create_variant(ap, kid)
        kind = problems.get(v.kind)
        submit(ap, kid, kind.solve(v.params))
        entries += sum(len(render_labels(f)) for f in kind.answer_fields(v.params))
    login(client, "t@example.edu")
    page = client.get(f"/courses/{course.id}/gradebook/students/{kid.id}").get_data(as_text=True)
    attempts = tables(page, "attempts")
    assert len(attempts) == len(problems.KINDS)
    marks = [
        cell for t in attempts for r in t for cell in r[3:] if cell.endswith(("right", "wrong"))
    ]
    assert len(marks) == entries and all(m.endswith("✓ right") for m in marks)
    # per problem: the credited line and the one attempt's score
    assert page.count("<strong>2.00 / 2 pts</strong>") == 2 * len(problems.KINDS)


def render_labels(field):
    from grader.services.render import entry_labels

    return entry_labels(field) if field["type"] == "number" else [field["symbol"]]


def test_an_answer_of_another_shape_stands_whole_in_its_first_row():
    """A 2×3 key answered with its 3×2 transpose: the whole answer is shown on the first
    entry's row (every entry marked wrong), the other rows say nothing was read there."""
    from types import SimpleNamespace

    from grader.services.render import attempt_rows

    field = {"name": "W", "label": "W", "symbol": "W", "shape": [2, 3], "type": "number"}
    wrong = [[False] * 3] * 2
    sub = SimpleNamespace(
        parsed={"W": [[1, 4], [2, 5], [3, 6]]}, raw={}, results={"W": {"entries": wrong}}
    )
    rows = attempt_rows([field], {"W": [[1, 2, 3], [4, 5, 6]]}, [sub])
    assert [r["label"] for r in rows] == ["W₁₁", "W₁₂", "W₁₃", "W₂₁", "W₂₂", "W₂₃"]
    assert [r["key"] for r in rows] == ["1", "2", "3", "4", "5", "6"]
    assert rows[0]["cells"] == [("[1, 4], [2, 5], [3, 6]".join("[]"), False)]
    assert [r["cells"][0] for r in rows[1:]] == [("—", False)] * 5
