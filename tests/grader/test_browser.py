"""End to end in a real headless Chromium (Debian's chromium driven by Playwright): a
student answers the lecture's worked example wrong, reads the feedback, answers right and
sees the worked solution with the plot. In CI (CI=true) a missing browser is a failure."""

import os

import pytest

from tests.helpers import CHROMIUM, CHROMIUM_ARGS, browser_login, require_browser

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
ARGS = CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def test_student_answers_the_worked_example(
    live_server, make_course, make_user, enrol, make_assignment, tmp_path
):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    course = make_course("NN-W3")
    enrol(make_user(email="ada@example.edu", name="Ada Lovelace"), course)
    make_assignment(course, [("dense_forward", WORKED, 10)], title="Homework 3", max_attempts=3)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page()
        browser_login(page, live_server, "ada@example.edu", "correct-horse")
        # one course: the student lands on it
        expect(page.get_by_role("heading", name="NN-W3 — Test course")).to_be_visible()
        page.get_by_role("link", name="Homework 3").click()
        page.get_by_role("link", name="dense_forward #1").click()
        expect(page.locator("math").first).to_be_visible()

        # wrong: z right, but y = z (no activation); paste fills the grid
        page.get_by_label("z₁", exact=True).fill("-1")
        page.get_by_label("z₂", exact=True).fill("5")
        page.get_by_label("z₃", exact=True).fill("4")
        for i, v in enumerate(["-1", "5", "4"], 1):
            page.get_by_label(f"y{'₁₂₃'[i - 1]}", exact=True).fill(v)
        page.get_by_role("button", name="Submit answer").click()
        expect(page.get_by_text("You added the bias but did not apply ReLU")).to_be_visible()
        expect(page.get_by_text("Attempt 1: score 83 %")).to_be_visible()
        expect(page.get_by_text("2 attempts left.")).to_be_visible()
        expect(page.get_by_role("heading", name="Worked solution")).to_have_count(0)

        page.get_by_label("y₁", exact=True).fill("0")
        page.get_by_role("button", name="Submit answer").click()
        expect(page.get_by_text("All correct.")).to_be_visible()
        expect(page.get_by_role("heading", name="Worked solution")).to_be_visible()
        expect(page.get_by_text("Wx = [-1, 4, 5]")).to_be_visible()
        plot = page.get_by_role("img", name="The activation, with your z values marked.")
        expect(plot).to_be_visible()
        page.wait_for_function(
            "() => { const i = document.querySelector('figure img');"
            " return i && i.complete && i.naturalWidth > 0; }",
            timeout=15000,
        )
        assert plot.evaluate("img => img.naturalWidth") == 576  # 6 in × 72 pt × 4/3 px per pt
        page.screenshot(path=str(tmp_path / "solution.png"), full_page=True)
        if os.environ.get("SCREENSHOT_DIR"):
            page.screenshot(
                path=os.path.join(os.environ["SCREENSHOT_DIR"], "solution.png"), full_page=True
            )
        browser.close()
