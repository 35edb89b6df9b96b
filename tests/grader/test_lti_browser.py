"""LTI 1.3 in Chromium: the platform's auto-submitting form carries the launch (as in an
LMS), the learner lands on the assignment, the instructor's deep-linking pick goes back to
the platform by itself; the LTI pages have no serious axe-core violation and do not
scroll sideways at 390 px."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from grader.extensions import db
from grader.models import Course
from grader.services import lti as lti_service
from tests.grader.lti_platform import INSTRUCTOR, LEARNER, LmsPlatform
from tests.grader.test_accessibility import _audit
from tests.helpers import CHROMIUM, CHROMIUM_ARGS, browser_login, require_browser

pytestmark = pytest.mark.browser

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}


@pytest.fixture
def lms(app, live_server):
    p = LmsPlatform(live_server, lti_service.public_jwks())
    lti_service.register_platform(**p.tool_registration_values())
    yield live_server, p
    p.stop()


def test_a_launch_in_chromium_lands_on_the_assignment_and_the_lti_pages_are_accessible(
    lms, make_assignment, make_user
):
    require_browser()
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    base, platform = lms
    make_user(email="root@example.edu", admin=True)
    found, wide = [], []
    axe = Axe()
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        teacher = browser.new_page(viewport={"width": 390, "height": 900})
        teacher.goto(platform.login_url("t-1", INSTRUCTOR, name="Tess Teacher"))
        teacher.wait_for_url(base + "/courses/*")
        course = db.session.scalar(sa.select(Course))
        a = make_assignment(course, [("dense_forward", WORKED, 10)], title="Homework 1")
        _audit(axe, teacher, "teacher", "/courses/<id>", found, wide)
        teacher.goto(base + f"/lti/courses/{course.id}/scores")
        _audit(axe, teacher, "teacher", "/lti/courses/<id>/scores", found, wide)
        # deep linking: pick the assignment; the answer posts itself to the platform
        teacher.goto(platform.login_url("t-1", INSTRUCTOR, deep_link=True))
        teacher.wait_for_url(base + "/lti/deep-link")
        _audit(axe, teacher, "teacher", "/lti/deep-link", found, wide)
        teacher.get_by_label("Assignment").select_option(label="Homework 1")
        teacher.get_by_role("button", name="Place it").click()
        teacher.wait_for_url(platform.url + "/deep-link-return")
        assert "placed 1 item(s)" in teacher.content()
        assert platform.deep_link_items[0]["lineItem"]["scoreMaximum"] == 10

        student = browser.new_page(viewport={"width": 390, "height": 900})
        student.goto(
            platform.login_url(
                "s-1", LEARNER, name="Sam Student", custom={"assignment_id": str(a.id)}
            )
        )
        student.wait_for_url(base + f"/assignments/{a.id}")
        assert student.get_by_role("heading", level=1).inner_text().startswith("Homework 1")

        admin = browser.new_page(viewport={"width": 390, "height": 900})
        browser_login(admin, base, "root@example.edu")
        admin.goto(base + "/lti/registrations")
        _audit(axe, admin, "admin", "/lti/registrations", found, wide)
        browser.close()
    assert not found, "\n".join(found)
    assert not wide, wide
