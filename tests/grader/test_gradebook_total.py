"""The gradebook sorted by total: the database sums each student's points (credited
scores, overrides in force, excusals) and hands over one page, in the order the totals
computed in Python give."""

from grader.extensions import db
from grader.models import Extension
from grader.services import gradebook
from grader.services.gradebook import gradebook_page, graded_assignments, iter_grades
from grader.services.submissions import submit

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
KERAS = {"fixed": {"layers": [784, 128, 64, 10]}}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}
NO_ACT = {"z": [-1, 5, 4], "y": [-1, 5, 4]}  # 5/6 of the points


def test_sorted_by_total_in_the_database(make_course, make_user, enrol, make_assignment):
    """HW (best attempt): P1 dense layer 10 points, P2 parameter count 5 points.
    Quiz (last attempt): P1 dense layer 6 points.
    Ann:  HW P1 right (10), quiz right then wrong, last counts (5/6 × 6 = 5)   total 15
    Bob:  HW P1 5/6 (8.33), P2 overridden to 1.0 (5)                          total 13.33
    Cid:  HW P1 right and P2 right (15) but HW excused; quiz 5/6 (5)          total 5
    Dee:  P2 wrong (0), override set to 0.5 then removed: credited score 0     total 0
    Eve:  nothing                                                             total 0"""
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-GB", instructor=teacher)
    hw = make_assignment(course, [("dense_forward", WORKED, 10), ("param_count", KERAS, 5)])
    quiz = make_assignment(
        course, [("dense_forward", WORKED, 6)], title="Quiz", score_policy="last"
    )
    names = ["Eve", "Dee", "Cid", "Bob", "Ann"]  # enrolled in reverse, so name order matters
    users = {}
    for n in names:
        users[n] = make_user(email=f"{n.lower()}@example.edu", name=n)
        enrol(users[n], course)
    p1, p2 = hw.problems
    (q1,) = quiz.problems
    submit(p1, users["Ann"], RIGHT)
    submit(q1, users["Ann"], RIGHT)
    submit(q1, users["Ann"], NO_ACT)
    submit(p1, users["Bob"], NO_ACT)
    gradebook.override(p2, users["Bob"], 1.0, "oral exam", teacher)
    submit(p1, users["Cid"], RIGHT)
    submit(p2, users["Cid"], {"count": 109386})
    submit(q1, users["Cid"], NO_ACT)
    db.session.add(Extension(assignment_id=hw.id, user_id=users["Cid"].id, excused=True))
    db.session.commit()
    submit(p2, users["Dee"], {"count": 109184})
    gradebook.override(p2, users["Dee"], 0.5, "typo", teacher)
    gradebook.override(p2, users["Dee"], None, "typo after all", teacher)

    view = gradebook_page(course, sort="total")
    order = [g.user.name for g in view.rows]
    assert order == ["Ann", "Bob", "Cid", "Dee", "Eve"]  # Dee and Eve tie at 0: by name
    totals = [round(g.total(view.assignments), 2) for g in view.rows]
    assert totals == [15.0, 13.33, 5.0, 0.0, 0.0]
    assert view.count == 5 and view.pages == 1
    # the same order as sorting everyone's Python total (the definition the CSV uses)
    assignments = graded_assignments(course)
    python = sorted(iter_grades(course, assignments), key=lambda g: -g.total(assignments))
    assert [g.user.name for g in python] == order


def test_a_page_of_the_sorted_gradebook(
    make_course, make_user, enrol, make_assignment, monkeypatch
):
    monkeypatch.setattr(gradebook, "PAGE", 2)
    course = make_course("NN-GB2")
    hw = make_assignment(course, [("param_count", KERAS, 5)])
    for i, right in enumerate([False, True, True, False, True]):
        u = make_user(email=f"s{i}@example.edu", name=f"Student {i}")
        enrol(u, course)
        if right:
            submit(hw.problems[0], u, {"count": 109386})
    pages = [
        [g.user.name for g in gradebook_page(course, sort="total", page=p).rows] for p in (1, 2, 3)
    ]
    # 5 points: students 1, 2, 4; then 0: students 0 and 3, by name
    assert pages == [["Student 1", "Student 2"], ["Student 4", "Student 0"], ["Student 3"]]
    assert gradebook_page(course, sort="total", page=3).pages == 3
