"""A timed quiz end to end in headless Chromium (Debian's chromium driven by Playwright):
the start page, the clock on every page, a draft saved as the student types (checked in
the database), the 1-minute warning, and the end: the page reloads by itself at 0:00 and
the draft typed in the last seconds is graded. Time is moved by moving the quiz's start in
the database. With SCREENSHOT_DIR set, screenshots at 1280 and 390 px go there."""

import os
from datetime import timedelta

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Draft, QuizStart, Submission, utcnow
from grader.services.submissions import AUTO_KEY
from tests.grader.test_quiz import timed_quiz
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, browser_login, require_browser

pytestmark = pytest.mark.browser


def shoot(page, name: str) -> None:
    """The page at 1280 px and at a phone's 390 px (neither scrolls sideways)."""
    folder = os.environ.get("SCREENSHOT_DIR")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, (name, width, overflow)
        if folder:
            page.screenshot(path=os.path.join(folder, f"quiz_{name}_{width}.png"), full_page=True)
    page.set_viewport_size({"width": 1280, "height": 900})


def move_start(minutes_ago: float) -> None:
    db.session.execute(
        sa.update(QuizStart).values(started_at=utcnow() - timedelta(minutes=minutes_ago))
    )
    db.session.commit()


def test_a_timed_quiz_from_start_to_the_graded_draft(
    live_server, make_course, make_user, enrol, make_assignment
):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    course = make_course("NN-Q")
    enrol(make_user(email="ada@example.edu", name="Ada Lovelace"), course)
    quiz = timed_quiz(make_assignment, course)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        browser_login(page, live_server, "ada@example.edu")

        # opening a problem shows the start page; nothing has started
        page.goto(live_server + f"/assignments/{quiz.id}/problems/{quiz.problems[0].id}")
        expect(page.get_by_text("This quiz has 3 problems and a 20-minute limit.")).to_be_visible()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(QuizStart)) == 0
        shoot(page, "start")
        page.get_by_role("button", name="Start quiz").click()

        # problem 1, with the clock counting down from 20:00
        expect(page.get_by_role("heading", name="Problem 1: dense_forward #1")).to_be_visible()
        left = page.locator("#quiz-left")
        first = left.inner_text()
        assert first in ("20 min 00 s", "19 min 59 s", "19 min 58 s"), first
        expect(left).not_to_have_text(first, timeout=3000)  # it counts
        assert left.inner_text().startswith("19 min")

        # typing saves a draft on the server, no attempt used
        for i, v in enumerate(["-1", "5", "4"], 1):
            page.get_by_label(f"z{'₁₂₃'[i - 1]}", exact=True).fill(v)
        for i, v in enumerate(["0", "5", "4"], 1):
            page.get_by_label(f"y{'₁₂₃'[i - 1]}", exact=True).fill(v)
        expect(page.locator("#draft-status")).to_contain_text("Draft saved at")
        db.session.expire_all()
        draft = db.session.scalar(sa.select(Draft))
        assert [draft.raw[f"ans-y-{k}"] for k in range(3)] == ["0", "5", "4"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Submission)) == 0
        shoot(page, "timer")

        # the assignment page shows the clock too, and that the quiz is under way
        page.goto(live_server + f"/assignments/{quiz.id}")
        expect(page.get_by_text("in progress, 20 min left")).to_be_visible()
        expect(page.locator("#quiz-clock")).to_be_visible()

        # 19 minutes later: the reloaded page has the boxes as typed, and the warning
        move_start(19)
        page.goto(live_server + f"/assignments/{quiz.id}/problems/{quiz.problems[0].id}")
        expect(page.get_by_role("status")).to_have_text("1 minute left: your answers are saved.")
        expect(page.get_by_label("y₁", exact=True)).to_have_value("0")
        shoot(page, "warning")

        # 5 seconds before the end Ada changes y₃; at 0:00 the page reloads by itself and
        # shows the quiz over, her last draft graded (y₃ = 3 is wrong: (1 + 2/3) / 2)
        move_start(20 - 5 / 60)
        page.reload()
        page.get_by_label("y₃", exact=True).fill("3")
        expect(page.get_by_role("heading", name="This quiz is over")).to_be_visible(timeout=15000)
        expect(page.locator("#quiz-over")).to_contain_text(
            "graded from your saved answer at the time limit"
        )
        expect(page.get_by_role("button", name="Submit answer")).to_have_count(0)
        expect(page.get_by_text("Time left")).to_have_count(0)
        db.session.expire_all()
        sub = db.session.scalar(sa.select(Submission))
        assert sub.idempotency_key == AUTO_KEY and sub.raw["y"] == ["0", "5", "3"]
        assert round(sub.score, 4) == 0.8333
        shoot(page, "closed_problem")

        page.goto(live_server + f"/assignments/{quiz.id}")
        over = page.locator("#quiz-over")
        expect(over).to_contain_text("Problem 1 (dense_forward #1): attempt 1, graded from your")
        expect(over).to_contain_text("Problem 2 (dense_forward #2): nothing submitted")
        expect(over).to_contain_text("Score: 8.33 / 30")
        shoot(page, "closed")
        browser.close()
