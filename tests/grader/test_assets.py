"""Every stylesheet, script, icon and image a page refers to is served by the app itself
(a closed campus network reaches no CDN) and exists: a missing file is a 404 in every
student's browser console, which app tests through the client never see."""

import re

from tests.helpers import login

WORKED = {
    "fixed": {"W": [[1, -1], [0, 2], [3, 1]], "x": [1, 2], "b": [0, 1, -1], "activation": "relu"}
}
# the resources of a page: <link href>, <script src>, <img src> (not <a href>: navigation)
RESOURCE = re.compile(r"<(?:link|script|img)\b[^>]*?\b(?:href|src)=\"([^\"]+)\"")


def resources(html: str) -> set[str]:
    return set(RESOURCE.findall(html))


def test_every_resource_a_page_loads_is_local_and_found(
    client, make_course, make_user, enrol, make_assignment
):
    teacher = make_user(email="t@example.edu")
    course = make_course("NN-A", instructor=teacher)
    ada = make_user(email="ada@example.edu")
    enrol(ada, course)
    a = make_assignment(course, [("dense_forward", WORKED, 10)], title="HW 1")
    pages = {"/login": client.get("/login").get_data(as_text=True)}
    login(client, "ada@example.edu")
    for url in ("/", f"/courses/{course.id}", f"/assignments/{a.id}/problems/{a.problems[0].id}"):
        r = client.get(url, follow_redirects=True)
        assert r.status_code == 200, url
        pages[url] = r.get_data(as_text=True)
    found = set().union(*(resources(html) for html in pages.values()))
    # the stylesheet, the icon and the page scripts at least
    assert {"/static/style.css", "/static/favicon.svg"} <= found, found
    for ref in sorted(found):
        assert ref.startswith("/") and not ref.startswith("//"), f"not served here: {ref}"
        assert client.get(ref).status_code == 200, ref
