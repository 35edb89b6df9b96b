"""Statistics on a hand-built class of five students whose numbers are worked out below,
on SQLite and PostgreSQL alike."""

import csv
import io
import os
import re
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Variant
from grader.services import stats
from grader.services.submissions import submit
from grader.services.variants import get_or_create_variant
from tests.helpers import login

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
KERAS = {"fixed": {"layers": [784, 128, 64, 10]}}
RIGHT = {"z": [-1, 5, 4], "y": [0, 5, 4]}
NO_ACT = {"z": [-1, 5, 4], "y": [-1, 5, 4]}  # z right, y 2 of 3: (1 + 2/3)/2 = 5/6
ZEROS = {"z": [0, 0, 0], "y": [0, 0, 0]}  # z none right, y₁ right: (0 + 1/3)/2 = 1/6
T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)


def at(minutes):
    return T0 + timedelta(minutes=minutes)


@pytest.fixture
def klass(make_course, make_user, enrol, make_assignment):
    """P1: dense layer, 10 points; P2: Keras parameter count, 5 points.
    s1: P1 right at once (viewed 9:00, right 9:02), P2 right          total 15
    s2: P1 no activation then right (9:00 → 9:10), P2 forgot biases   total 10
    s3: P1 no activation (5/6) on day 2, P2 right                     total 13.33
    s4: P2 forgot biases                                              total 0
    s5: P1 zeros (1/6)                                                total 1.67"""
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-W3", instructor=teacher)
    a = make_assignment(
        course, [("dense_forward", WORKED, 10), ("param_count", KERAS, 5)], title="HW"
    )
    p1, p2 = a.problems
    users = []
    for i in range(1, 6):
        u = make_user(email=f"s{i}@example.edu", name=f"Student {i}")
        enrol(u, course)
        users.append(u)
    s1, s2, s3, s4, s5 = users

    def view(ap, u):
        v = get_or_create_variant(ap, u)
        v.created_at = T0
        db.session.commit()

    for ap, u in ((p1, s1), (p1, s2), (p1, s3), (p1, s5), (p2, s1), (p2, s2), (p2, s3), (p2, s4)):
        view(ap, u)
    submit(p1, s1, RIGHT, now=at(2))
    submit(p2, s1, {"count": 109386}, now=at(3))
    submit(p1, s2, NO_ACT, now=at(5))
    submit(p1, s2, RIGHT, now=at(10))
    submit(p2, s2, {"count": 109184}, now=at(11))
    submit(p1, s3, NO_ACT, now=at(24 * 60 + 1))
    submit(p2, s3, {"count": 109386}, now=at(24 * 60 + 2))
    submit(p2, s4, {"count": 109184}, now=at(20))
    submit(p1, s5, ZEROS, now=at(30))
    return course, a, users


X1 = [1, 1, 5 / 6, 0, 1 / 6]  # P1 score per student (0 where not attempted)
X2 = [1, 0, 1, 0, 0]
TOTAL = [10 * a + 5 * b for a, b in zip(X1, X2, strict=True)]  # [15, 10, 13.33, 0, 1.67]


def test_per_problem_statistics(klass):
    _course, a, _users = klass
    p1, p2 = stats.problem_stats(a)
    assert p1.attempted == 4
    assert p1.mean == pytest.approx(0.75)  # (1 + 1 + 5/6 + 1/6) / 4
    assert p1.median == pytest.approx(11 / 12)  # middle of 1/6, 5/6, 1, 1
    assert p1.std == pytest.approx(np.std([1, 1, 5 / 6, 1 / 6], ddof=1))  # 0.39675
    assert p1.first_try == pytest.approx(0.25) and p1.eventually == pytest.approx(0.5)
    assert p1.attempts_to_correct == pytest.approx(1.5)  # s1 at 1, s2 at 2
    assert p1.histogram == [0, 1, 0, 0, 0, 0, 0, 0, 1, 2]
    assert p1.discrimination == pytest.approx(np.corrcoef(X1, TOTAL)[0, 1])
    rest = [t - 10 * x for t, x in zip(TOTAL, X1, strict=True)]  # [5, 0, 5, 0, 0]
    assert p1.corrected == pytest.approx(np.corrcoef(X1, rest)[0, 1])
    # quintiles by total: s4 (0), s5 (1.67), s2 (10), s3 (13.33), s1 (15)
    assert p1.quintiles == pytest.approx([0, 1 / 6, 1, 5 / 6, 1])
    assert p2.quintiles == pytest.approx([0, 0, 0, 1, 1])
    assert p1.time_to_correct_median == pytest.approx(360)  # 2 and 10 minutes
    # P2: s1 right 3 min after the view, s3 on day 2 (1,442 min): median and mean 722.5
    assert stats.time_to_correct_table([p1, p2]).rows == [
        ["1. dense_forward #1", 6.0, 6.0],
        ["2. param_count #2", 722.5, 722.5],
    ]
    assert p1.time_to_correct_mean == pytest.approx(360)
    assert (p2.attempted, p2.mean, p2.median) == (4, pytest.approx(0.5), pytest.approx(0.5))
    assert p2.first_try == pytest.approx(0.5) and p2.eventually == pytest.approx(0.5)
    assert p2.discrimination == pytest.approx(np.corrcoef(X2, TOTAL)[0, 1])


def test_assignment_tables(klass):
    course, a, _users = klass
    # totals 15, 10, 13.33, 0, 1.67 of 15: mean 8 = 53.3 %, median 10 = 66.7 %
    assert stats.course_overview(course).rows == [["HW", 5, 53.3, 66.7]]
    dist = stats.assignment_distribution(a)  # totals / 15: 1.0, 0.667, 0.889, 0, 0.111
    assert [r[1] for r in dist.rows] == [1, 1, 0, 0, 0, 0, 1, 0, 1, 1]
    comp = stats.completion(a)  # s1, s2 tried both problems on day 1, s3 on day 2
    assert comp.rows == [["2026-11-20", 2, 2], ["2026-11-21", 1, 3]]
    tags = stats.misconception_table(a)
    assert sorted(tags.rows) == [["forgot_biases", 2, 2], ["no_activation", 2, 2]]
    by_problem = stats.misconception_problem_table(a)
    assert by_problem.rows == [[1, "no_activation", 2, 2], [2, "forgot_biases", 2, 2]]
    wrong = stats.wrong_answers_table(a)
    assert wrong.rows == [[1, '{"y": [-1, 5, 4], "z": [-1, 5, 4]}', 2], [2, '{"count": 109184}', 2]]
    by_act = stats.facet_table(a, "activation")
    assert by_act.rows == [[1, "relu", 4, 25.0, 50.0, 0.75]]
    by_shape = stats.overall_facet_table(a, "shape")
    assert by_shape.rows == [["3x2", 4, 25.0, 50.0, 0.75]]


def test_per_activation_breakdown(make_course, make_user, enrol, make_assignment):
    course = make_course()
    a = make_assignment(
        course, [("activation_derivative", {"activations": ["relu", "sigmoid"]}, 1)]
    )
    ap = a.problems[0]
    students = []
    for i, (activation, z) in enumerate(
        [("relu", [1, -1]), ("relu", [1, -1]), ("sigmoid", [0]), ("sigmoid", [0])]
    ):
        u = make_user(email=f"p{i}@example.edu")
        enrol(u, course)
        # each student's variant pinned to a known activation (relu' = [1, 0]; sigmoid'(0) = 0.25)
        db.session.add(
            Variant(
                assignment_problem_id=ap.id,
                user_id=u.id,
                kind="activation_derivative",
                seed=i,
                params={"activation": activation, "alpha": None, "z": z},
                answers={},
                facets={"activation": activation},
            )
        )
        students.append(u)
    db.session.commit()
    submit(ap, students[0], {"da_dz": [1, 0]})
    submit(ap, students[1], {"da_dz": [1, 1]})
    submit(ap, students[1], {"da_dz": [1, 0]})
    submit(ap, students[2], {"da_dz": [0.5]})
    submit(ap, students[3], {"da_dz": [0.25]})
    table = stats.overall_facet_table(a, "activation")
    # relu: first try 1 of 2, eventually 2 of 2; sigmoid: 1 of 2 and 1 of 2
    assert table.rows == [["relu", 2, 50.0, 100.0, 1.0], ["sigmoid", 2, 50.0, 50.0, 0.5]]


def test_empty_problems_do_not_divide_by_zero(make_course, make_assignment):
    course = make_course()
    a = make_assignment(course, [("dense_forward", WORKED, 10)])
    (st,) = stats.problem_stats(a)
    assert (st.attempted, st.mean, st.median, st.std, st.discrimination) == (
        0,
        None,
        None,
        None,
        None,
    )
    assert st.histogram == [0] * 10 and st.quintiles == [None] * 5
    assert stats.completion(a).rows == [] and stats.misconception_table(a).rows == []
    assert stats.course_overview(course).rows == [["Homework", 0, None, None]]


def test_pages_charts_and_csv(client, klass, make_user, enrol):
    course, a, users = klass
    ta = make_user(email="ta@example.edu")
    enrol(ta, course, "ta")
    login(client, "ta@example.edu")
    page = client.get(f"/courses/{course.id}/stats/assignments/{a.id}")
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert (
        "Per problem" in body
        and "Activation not applied" in body
        and "Most common wrong answers" in body
    )
    # the page draws its charts inline: it refers to no chart image
    assert "<svg" in body and not re.search(r"<(img|object|embed|iframe)\b[^>]*\.svg", body)
    svg = client.get(f"/courses/{course.id}/stats/assignments/{a.id}/distribution.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml" and b"<svg" in svg.data
    assert "attachment" in svg.headers["Content-Disposition"]  # a download, not the page's chart
    ET.fromstring(svg.data)  # a well-formed standalone image
    assert b'width="640"' in svg.data
    assert client.get(f"/courses/{course.id}/stats/assignments/{a.id}/nope.svg").status_code == 404
    # a table without a chart (the wrong answers) has no image to download
    wrong = client.get(f"/courses/{course.id}/stats/assignments/{a.id}/wrong-answers.svg")
    assert wrong.status_code == 404
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/courses/{course.id}/stats/assignments/{a.id}/problems.csv").get_data(
                    as_text=True
                )
            )
        )
    )
    assert rows[0][:3] == ["Problem", "Attempted", "Mean"]
    assert rows[1][:4] == ["1. dense_forward #1", "4", "0.75", "0.917"]
    hist = client.get(f"/courses/{course.id}/stats/assignments/{a.id}/hist-{a.problems[0].id}.csv")
    assert hist.get_data(as_text=True).splitlines()[-1] == "0.9–1.0,2"
    assert client.get(f"/courses/{course.id}/stats/assignments/{a.id}/nope.csv").status_code == 404
    assert client.get(f"/courses/{course.id}/stats").status_code == 200
    progress = client.get(
        f"/courses/{course.id}/stats/students/{users[1].id}/progress.csv"
    ).get_data(as_text=True)
    assert (
        progress.splitlines()[1] == "HW,10.0,15.0,2,1,2,2"
    )  # s2: 10 points, 2 tried, 1 right, 2 slips


def test_only_staff_of_the_course(client, klass, make_user, make_course):
    course, a, users = klass
    login(client, "s1@example.edu")
    for url in (
        f"/courses/{course.id}/stats",
        f"/courses/{course.id}/stats/assignments/{a.id}",
        f"/courses/{course.id}/stats/assignments/{a.id}/problems.csv",
        f"/courses/{course.id}/stats/students/{users[1].id}",
    ):
        assert client.get(url).status_code == 403, url
    other = client.application.test_client()
    make_course("NN-X", instructor=make_user(email="o@example.edu"))
    login(other, "o@example.edu")
    assert other.get(f"/courses/{course.id}/stats/assignments/{a.id}").status_code == 403


def test_running_summary_matches_the_submissions(klass):
    """Each variant's summary, kept up as attempts arrive, equals one recomputed from scratch."""
    from grader.services.submissions import refresh_summary

    fields = (
        "attempts",
        "best_score",
        "last_score",
        "first_correct",
        "correct",
        "first_correct_attempt",
        "first_at",
        "first_correct_at",
    )
    variants = db.session.scalars(sa.select(Variant)).all()
    kept = {v.id: tuple(getattr(v, f) for f in fields) for v in variants}
    for v in variants:
        refresh_summary(v)
        assert tuple(getattr(v, f) for f in fields) == kept[v.id]
    db.session.rollback()
    s2_p1 = next(
        v for v in variants if v.user.email == "s2@example.edu" and v.kind == "dense_forward"
    )
    assert kept[s2_p1.id][:6] == (2, 1.0, 1.0, False, True, 2)


def test_staff_and_admin_tries_do_not_count(klass, make_user, enrol):
    """The course's instructor, a TA and an admin try problem 1: nothing changes."""
    course, a, _users = klass
    ta = make_user(email="ta2@example.edu")
    enrol(ta, course, "ta")
    admin = make_user(email="root@example.edu", admin=True)
    teacher = course.enrollments[0].user
    for u in (ta, admin, teacher):
        submit(a.problems[0], u, NO_ACT)
    p1, _p2 = stats.problem_stats(a)
    assert p1.attempted == 4 and p1.mean == pytest.approx(0.75)
    assert sorted(stats.misconception_table(a).rows) == [
        ["forgot_biases", 2, 2],
        ["no_activation", 2, 2],
    ]
    assert stats.course_overview(course).rows == [["HW", 5, 53.3, 66.7]]
    assert stats.wrong_answers_table(a).rows[0][2] == 2  # s2 and s3; not the staff's three


SVG_NS = "{http://www.w3.org/2000/svg}"


def section_svg(body: str, section_id: str) -> ET.Element:
    """The inline chart of the page's section ``section_id``, parsed."""
    section = re.search(rf'<section[^>]* id="{section_id}"[^>]*>(.*?)</section>', body, re.S)
    assert section, f"no section {section_id}"
    svg = re.search(r"<svg.*?</svg>", section.group(1), re.S)
    assert svg, f"no chart in {section_id}"
    return ET.fromstring(svg.group(0))


def bars(svg: ET.Element) -> list[tuple[str, str, float]]:
    """(label, value, height in px) of each bar of a histogram."""
    return [
        (r.get("data-label"), r.get("data-value"), float(r.get("height")))
        for r in svg.iter(f"{SVG_NS}rect")
        if r.get("class") == "bar"
    ]


def test_charts_are_inline_with_the_tables_numbers(client, klass, make_user, enrol):
    """The histogram of P1 (scores 1, 1, 5/6, 1/6: one student in 0.1–0.2, one in 0.8–0.9,
    two in 0.9–1.0) is drawn in the page: bars of 1, 1 and 2 students, the value axis up to
    2 (0, 0.5, 1, 1.5, 2), so 75 px and 150 px tall in its 150 px plot."""
    course, a, _users = klass
    p1, _p2 = a.problems
    ta = make_user(email="ta@example.edu")
    enrol(ta, course, "ta")
    login(client, "ta@example.edu")
    body = client.get(f"/courses/{course.id}/stats/assignments/{a.id}").get_data(as_text=True)
    assert "<img" not in body  # no chart is fetched by a request of its own
    hist = bars(section_svg(body, f"hist-{p1.id}"))
    assert [v for _label, v, _h in hist] == ["0", "1", "0", "0", "0", "0", "0", "0", "1", "2"]
    assert [h for _label, _v, h in hist] == [0, 75, 0, 0, 0, 0, 0, 0, 75, 150]
    assert hist[9][0] == "0.9–1.0"
    svg = section_svg(body, f"hist-{p1.id}")
    titles = [t.text for t in svg.iter(f"{SVG_NS}title")]
    assert "Score 0.9–1.0: Students 2" in titles
    assert svg.get("role") == "img" and svg.get("aria-labelledby") == f"chart-hist-{p1.id}"
    # totals / 15: 1.0, 0.667, 0.889, 0, 0.111: students per tenth
    dist = bars(section_svg(body, "distribution"))
    assert [v for _label, v, _h in dist] == ["1", "1", "0", "0", "0", "0", "1", "0", "1", "1"]
    # per problem: the bars are first-try correct %, P1 25 % (s1 of 4), P2 50 % (s1, s3 of 4)
    per_problem = section_svg(body, "problems")
    groups = [g for g in per_problem.iter(f"{SVG_NS}g") if g.get("class") == "bar"]
    assert [(g.get("data-label"), g.get("data-value")) for g in groups] == [
        ("1. dense_forward #1", "25.0"),
        ("2. param_count #2", "50.0"),
    ]
    widths = [r.get("width") for g in groups for r in g.iter(f"{SVG_NS}rect")]
    assert widths == ["41.00%", "82.00%"]  # the longest bar is 82 % of the chart's width
    # completion: 2 students on day 1, 3 by day 2
    points = [
        (c.get("data-label"), c.get("data-value"))
        for c in section_svg(body, "completion").iter(f"{SVG_NS}circle")
    ]
    assert points == [("2026-11-20", "2"), ("2026-11-21", "3")]


def test_contents_link_to_sections_of_the_page(client, klass):
    course, a, _users = klass
    login(client, "t@example.edu")
    for url in (f"/courses/{course.id}/stats/assignments/{a.id}", f"/courses/{course.id}/stats"):
        body = client.get(url).get_data(as_text=True)
        toc = re.search(r'<nav class="toc.*?</nav>', body, re.S).group(0)
        anchors = re.findall(r'href="#([^"]+)"', toc)
        ids = set(re.findall(r'\bid="([^"]+)"', body))
        assert anchors and set(anchors) <= ids, set(anchors) - ids
    body = client.get(f"/courses/{course.id}/stats/assignments/{a.id}").get_data(as_text=True)
    toc = re.search(r'<nav class="toc.*?</nav>', body, re.S).group(0)
    assert {"problems", "distribution", f"hist-{a.problems[0].id}", "histograms"} <= set(
        re.findall(r'href="#([^"]+)"', toc)
    )


def test_chart_text_is_at_least_11_px_at_any_width(client, klass):
    """No viewBox: one SVG unit is one CSS pixel whatever the chart's rendered width, so a
    font size in px is the size on screen (the browser test measures it too)."""
    course, a, _users = klass
    login(client, "t@example.edu")
    body = client.get(f"/courses/{course.id}/stats/assignments/{a.id}").get_data(as_text=True)
    charts = re.findall(r"<svg.*?</svg>", body, re.S)
    # per problem, time, distribution, completion, misconceptions, by activation and shape
    # (per problem and all together), 2 histograms; tables with no rows have no chart
    assert len(charts) == 11
    sizes = []
    for chart in charts:
        svg = ET.fromstring(chart)
        assert svg.get("viewBox") is None and svg.get("width") == "100%"
        for t in svg.iter(f"{SVG_NS}text"):
            size = t.get("font-size")
            assert size.endswith("px"), size
            sizes.append(float(size[:-2]))
    assert sizes and min(sizes) >= 11


@pytest.mark.browser
@pytest.mark.parametrize("width", [1280, 390])
def test_charts_in_a_browser_fit_and_are_legible(app, klass, width, tmp_path):
    """In headless Chromium at a desktop and a phone width: the page's charts do not overflow
    the page sideways and every chart label is drawn at 11 px or more (font size times the
    chart's scale on screen)."""
    from tests.helpers import CHROMIUM, require_browser
    from tests.helpers import CHROMIUM_ARGS as ARGS

    require_browser()
    import threading

    from playwright.sync_api import sync_playwright
    from werkzeug.serving import make_server

    course, a, _users = klass
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(base + "/login")
            page.get_by_label("Email").fill("t@example.edu")
            page.get_by_label("Password").fill("correct-horse")
            page.get_by_role("button", name="Log in").click()
            page.wait_for_url(base + "/")
            for name, path in (
                ("assignment", f"/courses/{course.id}/stats/assignments/{a.id}"),
                ("course", f"/courses/{course.id}/stats"),
            ):
                page.goto(base + path)
                seen = page.evaluate(MEASURE)
                assert seen["charts"] >= 1, name
                assert seen["pageWidth"] <= width, (name, seen)  # no horizontal scrolling
                assert seen["widestChart"] <= seen["pageWidth"], (name, seen)
                assert seen["smallestText"] >= 11, (name, seen)
                shots = os.environ.get("SCREENSHOT_DIR") or str(tmp_path)
                page.screenshot(
                    path=os.path.join(shots, f"stats-{name}-{width}.png"), full_page=True
                )
            # the contents' first link leads to its section
            page.goto(base + f"/courses/{course.id}/stats/assignments/{a.id}")
            page.get_by_role("navigation", name="Contents").get_by_role(
                "link", name="Per problem", exact=True
            ).click()
            assert page.url.endswith("#problems")
            browser.close()
    finally:
        server.shutdown()
        thread.join(5)


MEASURE = """() => {
  const out = {charts: 0, pageWidth: document.documentElement.scrollWidth, widestChart: 0,
               smallestText: 1e9};
  for (const svg of document.querySelectorAll('svg.chart')) {
    out.charts++;
    out.widestChart = Math.max(out.widestChart, svg.getBoundingClientRect().right);
    for (const t of svg.querySelectorAll('text')) {
      const px = t.getScreenCTM().a * parseFloat(getComputedStyle(t).fontSize);
      out.smallestText = Math.min(out.smallestText, px);
    }
  }
  return out;
}"""
