"""Students in natural order with a filter on the course's statistics page (issue 12, item
13): "Sim Student 2" before "Sim Student 10", and ?q= keeps the names (or emails) holding
every typed word. The shared key is grader.services.natural.natural_key."""

import re

import pytest

from grader.services.natural import matches, natural_key
from tests.helpers import login


def test_natural_key_orders_numbers_as_numbers_and_ignores_case():
    names = ["Sim Student 10", "sim student 2", "Sim Student 100", "Sim Student 1", "Ada", "", None]
    assert sorted(names, key=natural_key) == [
        "",
        None,
        "Ada",
        "Sim Student 1",
        "sim student 2",
        "Sim Student 10",
        "Sim Student 100",
    ]
    # plain string order, for comparison: 1, 10, 100, 2
    assert sorted(["Student 2", "Student 10", "Student 1"]) == [
        "Student 1",
        "Student 10",
        "Student 2",
    ]
    assert sorted(["a2b10", "a2b9", "a10b1", "A2B9"], key=natural_key) == [
        "A2B9",
        "a2b9",
        "a2b10",
        "a10b1",
    ]
    assert sorted(["x 007", "x 7", "x 6"], key=natural_key) == ["x 6", "x 007", "x 7"]


def test_matches_every_word_in_name_or_email():
    assert matches("", "Ada")
    assert matches("student 1", "Sim Student 10", "s10@example.invalid")
    assert matches("ADA example", "Ada Lovelace", "ada@example.edu")
    assert not matches("ada turing", "Ada Lovelace", "ada@example.edu")


@pytest.fixture
def roster(make_course, make_user, enrol):
    teacher = make_user(email="t@example.edu", name="Tess Teacher")
    course = make_course("NN-N", instructor=teacher)
    for n in (1, 10, 2, 100, 20, 3):
        enrol(make_user(email=f"sim-{n}@example.invalid", name=f"Sim Student {n}"), course)
    enrol(make_user(email="ada@example.edu", name="Ada Lovelace"), course)
    return course


def names(html: str) -> list[str]:
    block = html.split('id="student-list"')[1].split("</ul>")[0]
    return re.findall(r">([^<>]+)</a></li>", block)


def test_students_are_listed_in_natural_order_and_filtered(client, roster):
    login(client, "t@example.edu")
    page = client.get(f"/courses/{roster.id}/stats").get_data(as_text=True)
    assert names(page) == [
        "Ada Lovelace",
        *(f"Sim Student {n}" for n in (1, 2, 3, 10, 20, 100)),
    ]
    assert "Students <small>(7)</small>" in page
    assert 'src="/static/filter.js"' in page and 'role="search"' in page
    page = client.get(f"/courses/{roster.id}/stats?q=student+1").get_data(as_text=True)
    assert names(page) == ["Sim Student 1", "Sim Student 10", "Sim Student 100"]
    assert "3 of 7 students match “student 1”." in page
    page = client.get(f"/courses/{roster.id}/stats?q=EXAMPLE.EDU").get_data(as_text=True)
    assert names(page) == ["Ada Lovelace"]  # by email; the teacher is not a student
    page = client.get(f"/courses/{roster.id}/stats?q=%3Cb%3Enobody").get_data(as_text=True)
    assert names(page) == [] and "No student matches “&lt;b&gt;nobody”." in page


@pytest.mark.browser
def test_the_filter_box_filters_as_one_types(live_server, roster):
    """filter.js: typing "student 1" leaves Sim Student 1, 10 and 100 shown (3 of 7) without
    a request; clearing the box shows all 7 again."""
    from tests.helpers import CHROMIUM, CHROMIUM_ARGS, TEST_PASSWORD, require_browser

    require_browser()
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page()
        page.goto(live_server + "/login")
        page.get_by_label("Email").fill("t@example.edu")
        page.get_by_label("Password").fill(TEST_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.goto(f"{live_server}/courses/{roster.id}/stats")
        box = page.get_by_label("Filter students by name or email")
        box.fill("student 1")
        shown = page.locator("#student-list li:not([hidden])")
        expect(shown).to_have_count(3)
        assert shown.all_inner_texts() == ["Sim Student 1", "Sim Student 10", "Sim Student 100"]
        expect(page.locator("#student-count")).to_have_text("3 of 7 shown match “student 1”.")
        assert page.url.endswith("/stats")  # no request: the page stayed as it was
        box.fill("EXAMPLE.EDU")  # by email, which the list does not show
        expect(shown).to_have_count(1)
        assert shown.all_inner_texts() == ["Ada Lovelace"]
        box.fill("")
        expect(shown).to_have_count(7)
        browser.close()
