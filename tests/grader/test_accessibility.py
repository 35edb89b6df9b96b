"""axe-core on every main page (issue 12, item 15), in the same headless Chromium as the
browser test, at 1280 px and at a phone's 390 px: no serious or critical violation. Also
the keyboard path of a student (skip link, focus moved to the result) and that no page is
wider than a phone's screen (mathematics and tables scroll inside their own box)."""

from datetime import timedelta

import pytest

from grader.extensions import db
from grader.models import Draft, utcnow
from grader.services import jobs
from grader.services.quiz import start_quiz
from grader.services.submissions import submit
from grader.services.variants import get_or_create_variant
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, TEST_PASSWORD, require_browser

pytestmark = pytest.mark.browser

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
MLP = {
    "fixed": {"x": [1, -2], "W1": [[1, -1], [2, 0.5]], "b1": [0, -1], "W2": [[1, 2]], "b2": [0.5]}
}
WIDTHS = {"desktop": 1280, "phone": 390}


@pytest.fixture
def site(live_server, make_course, make_user, enrol, make_assignment):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-AX", "Accessible networks", instructor=teacher)
    ada = make_user(email="ada@example.edu", name="Ada Lovelace")
    enrol(ada, course)
    a = make_assignment(
        course,
        [("dense_forward", WORKED, 10), ("mlp_forward", MLP, 10), ("softmax_cross_entropy", {}, 5)],
        title="Homework 3",
        max_attempts=5,
    )
    submit(a.problems[0], ada, {"z": [-1, 5, 4], "y": [-1, 5, 4]})  # a wrong y₁: marks shown
    db.session.commit()
    # timed quizzes: one not started (its start page), one under way, one over with a draft
    # graded at the time limit
    quizzes = [
        make_assignment(
            course,
            [("dense_forward", WORKED, 10), ("dense_forward", WORKED, 10)],
            title=f"Quiz {n}",
            mode="quiz",
            time_limit_minutes=20,
            max_attempts=2,
        )
        for n in (1, 2, 3)
    ]
    start_quiz(quizzes[1], ada, now=utcnow() - timedelta(minutes=10))
    start_quiz(quizzes[2], ada, now=utcnow() - timedelta(minutes=30))
    over = get_or_create_variant(quizzes[2].problems[0], ada)
    draft = {f"ans-z-{k}": v for k, v in enumerate(["-1", "5", "4"])}
    db.session.add(
        Draft(variant_id=over.id, raw=draft | {"ans-y-0": "0", "ans-y-1": "5", "ans-y-2": "4"})
    )
    db.session.commit()
    job, _created = jobs.start("export_long", course, teacher)  # a finished job, with its log
    jobs.start("regrade_plan", course, teacher, a)  # the regrade page shows a finished plan
    jobs.run_pending()
    ids = {"c": course.id, "a": a.id, "p": a.problems[0].id, "p2": a.problems[1].id, "job": job.id}
    ids |= {"t": a.problems[1].template_id, "ada": ada.id}
    ids |= {f"q{n}": q.id for n, q in enumerate(quizzes, 1)}
    ids |= {f"q{n}p": q.problems[0].id for n, q in enumerate(quizzes, 1)}
    return live_server, ids


def pages(ids) -> dict[str, list[str]]:
    c, a = ids["c"], ids["a"]
    student = [
        f"/courses/{c}",
        f"/assignments/{a}",
        f"/assignments/{a}/problems/{ids['p']}",
        f"/assignments/{a}/problems/{ids['p2']}",
        "/account",
        f"/assignments/{ids['q1']}",
        f"/assignments/{ids['q1']}/start",
        f"/assignments/{ids['q2']}",
        f"/assignments/{ids['q2']}/problems/{ids['q2p']}",
        f"/assignments/{ids['q3']}",
        f"/assignments/{ids['q3']}/problems/{ids['q3p']}",
    ]
    staff = [
        "/?all=1",
        f"/courses/{c}",
        f"/courses/{c}/templates",
        f"/courses/{c}/templates/{ids['t']}?seed=3&fill=key",
        f"/courses/{c}/assignments/{a}/edit",
        f"/courses/{c}/assignments/{a}/extensions",
        f"/courses/{c}/assignments/import",
        f"/courses/{c}/gradebook",
        f"/courses/{c}/gradebook/students/{ids['ada']}",
        f"/courses/{c}/gradebook?sort=a{a}&dir=asc&q=ADA",
        f"/courses/{c}/assignments/{a}/regrade",
        f"/courses/{c}/stats",
        f"/courses/{c}/stats/assignments/{a}",
        f"/courses/{c}/jobs",
        f"/courses/{c}/jobs/{ids['job']}",
        f"/courses/{c}/simulate",
    ]
    return {"ada@example.edu": student, "t@example.edu": staff}


def _login(page, base, email):
    page.goto(base + "/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("width", list(WIDTHS))
def test_no_page_has_a_serious_accessibility_violation_or_scrolls_sideways(site, width):
    require_browser()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base, ids = site
    axe = Axe()
    found, wide = [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        anonymous = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
        anonymous.goto(base + "/login")
        checked = [("anonymous", "/login", anonymous)]
        for who, urls in pages(ids).items():
            page = browser.new_page(viewport={"width": WIDTHS[width], "height": 900})
            _login(page, base, who)
            for url in urls:
                response = page.goto(base + url)
                assert response.status == 200, (who, url, response.status)
                checked.append((who, url, page))
                _audit(axe, page, who, url, found, wide)
        _audit(axe, anonymous, "anonymous", "/login", found, wide)
        browser.close()
    assert len(checked) == 28
    assert not found, "\n".join(found)
    assert not wide, wide


def _audit(axe, page, who, url, found, wide):
    results = axe.run(page)
    for v in results.response["violations"]:
        if v["impact"] in ("serious", "critical"):
            targets = [n["target"] for n in v["nodes"]][:3]
            found.append(f"{who} {url}: {v['id']} ({v['impact']}) {v['help']} at {targets}")
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if overflow > 0:
        wide.append((url, overflow))


def test_a_keyboard_user_skips_to_the_content_and_lands_on_the_result(site):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    base, ids = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        _login(page, base, "ada@example.edu")
        page.goto(base + f"/assignments/{ids['a']}/problems/{ids['p']}")
        page.keyboard.press("Tab")
        skip = page.get_by_role("link", name="Skip to the content")
        expect(skip).to_be_focused()
        page.keyboard.press("Enter")
        expect(page.locator("#main")).to_be_focused()
        # the earlier wrong attempt: y₁ is marked invalid with a text alternative, y₂ is not
        expect(page.get_by_label("y₁", exact=True)).to_have_attribute("aria-invalid", "true")
        assert page.get_by_label("y₂", exact=True).get_attribute("aria-invalid") is None
        expect(page.get_by_role("img", name="wrong")).to_have_count(1)
        for label, value in (("z₁", "-1"), ("z₂", "5"), ("z₃", "4")):
            page.get_by_label(label, exact=True).fill(value)
        for label, value in (("y₁", "0"), ("y₂", "5"), ("y₃", "4")):
            page.get_by_label(label, exact=True).fill(value)
        page.get_by_role("button", name="Submit answer").click()
        page.wait_for_load_state()
        result = page.locator("#result")
        expect(result).to_be_focused()
        expect(result).to_contain_text("Attempt 2: score 100 %")
        browser.close()
