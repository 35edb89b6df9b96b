"""The gradebook in a real headless Chromium (issue 12, item 11): a column heading sorts
when focused and pressed with Enter (no mouse), and the search box finds a student as one
types and when the form is sent. The class and its points are those of test_staff_pages:
Ana Zed 30, Student 10 30, Student 2 25, Student 1 nothing."""

import pytest

from grader.services.submissions import submit
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, TEST_PASSWORD, require_browser

pytestmark = pytest.mark.browser

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
Z = [-1, 5, 4]


@pytest.fixture
def site(live_server, make_course, make_user, enrol, make_assignment):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-GB", instructor=teacher)
    people = {}
    for name, email in [
        ("Student 10", "s10@example.edu"),
        ("Ana Zed", "ana.zed@example.edu"),
        ("Student 2", "s2@example.edu"),
        ("Student 1", "s1@example.edu"),
    ]:
        people[name] = make_user(email=email, name=name)
        enrol(people[name], course)
    hw = make_assignment(course, [("dense_forward", WORKED, 30)], title="HW 1")
    ap = hw.problems[0]
    submit(ap, people["Ana Zed"], {"z": Z, "y": [0, 5, 3]})
    submit(ap, people["Ana Zed"], {"z": Z, "y": [0, 5, 4]})
    submit(ap, people["Student 2"], {"z": Z, "y": Z})
    submit(ap, people["Student 10"], {"z": Z, "y": [0, 5, 4]})
    return live_server, course.id


def test_keyboard_sorts_the_gradebook_and_the_search_box_finds_a_student(site):
    require_browser()
    from playwright.sync_api import expect, sync_playwright

    base, course_id = site
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(base + "/login")
        page.get_by_label("Email").fill("t@example.edu")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{base}/courses/{course_id}/gradebook")
        rows = page.locator("#gradebook tbody th[scope=row]")
        expect(rows).to_have_text(["Ana Zed", "Student 1", "Student 2", "Student 10"])
        student = page.locator("th[aria-sort]")
        expect(student).to_have_attribute("aria-sort", "ascending")

        # the sorted column's button, focused and pressed: names from Z to A
        page.get_by_role("button", name="Student").focus()
        page.keyboard.press("Enter")
        expect(rows).to_have_text(["Student 10", "Student 2", "Student 1", "Ana Zed"])
        expect(page.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")
        assert "sort=name" in page.url and "dir=desc" in page.url

        # HW 1's heading, reached with Tab from the name's: highest first, equal by name
        page.get_by_role("button", name="Section").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.value") == page.evaluate(
            "document.querySelector('button.sort[value^=a]').value"
        )
        page.keyboard.press("Enter")
        expect(rows).to_have_text(["Ana Zed", "Student 10", "Student 2", "Student 1"])
        expect(page.locator("th[aria-sort] button")).to_contain_text("HW 1")

        # typing filters as one types (every student is on the page)...
        box = page.get_by_label("Find a student (name or email)")
        box.press_sequentially("zed")
        expect(page.locator("#gradebook tbody tr:visible th")).to_have_text(["Ana Zed"])
        expect(page.locator("#student-count")).to_have_text("1 of 4 students match “zed”.")
        box.fill("")
        box.press_sequentially("s1")  # the emails s1@ and s10@
        expect(page.locator("#gradebook tbody tr:visible th")).to_have_text(
            ["Student 10", "Student 1"]
        )
        # ...and Enter asks the server, which keeps the sort
        box.press("Enter")
        page.wait_for_url("**q=s1**")
        expect(rows).to_have_text(["Student 10", "Student 1"])
        expect(page.locator("#student-count")).to_contain_text("2 of 4 students match “s1”")
        assert "sort=a" in page.url
        browser.close()
