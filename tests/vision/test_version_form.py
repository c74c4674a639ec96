"""Writing a draft of the vision (issue 15, item 14): the statement box is sized to its text, each value is
labelled once (its group, "Value 1"), and "Add another value" adds a row without saving, keeping everything
typed, without JavaScript (the whole page) and with htmx (only the values). Also: "Every version" is newest
first."""

import re

import pytest

from tests.vision.test_views_vision import HTMX, VALUES, draft, text, url, values_data
from vision.forms import MAX_VALUES, MOST_ROWS, rows_for
from vision.models import Value, VisionVersion
from vision.services import version_adopt

pytestmark = pytest.mark.django_db

LONG = "Help is easy to get, close to home, when people need it, from people who listen. " * 12  # About 1,000.


def textarea(page: str, name: str) -> str:
    return re.search(rf'<textarea name="{name}"[^>]*>', page).group(0)


def rows_of(page: str, name: str) -> int:
    return int(re.search(r'rows="(\d+)"', textarea(page, name)).group(1))


def test_rows_fit_the_text_between_a_fewest_and_a_most():
    assert rows_for("", 6) == 6
    assert rows_for(None, 3) == 3
    assert rows_for("Short.", 6) == 6
    assert rows_for("x" * 600, 6) == 11  # Ten lines of 60, and one to spare.
    assert rows_for("\n".join(["A line."] * 8), 6) == 9
    assert rows_for("x" * 100_000, 6) == MOST_ROWS


def test_the_statement_box_is_sized_to_its_text(facilitator_client, collaborative, facilitator):
    short = draft(collaborative, facilitator, statement="Help is near.")
    page = text(facilitator_client.get(url("version_edit", number=short.number)))
    assert rows_of(page, "statement") == 6
    assert 'class="fits-text fits-text--long"' in textarea(page, "statement")
    long = draft(collaborative, facilitator, statement=LONG)
    page = text(facilitator_client.get(url("version_edit", number=long.number)))
    assert rows_of(page, "statement") == rows_for(LONG, 6) > 15
    # As typed, when the form comes back with a problem.
    response = facilitator_client.post(url("version_new"), {"statement": LONG, **values_data([("Hope", "")])})
    assert response.status_code == 400
    assert rows_of(text(response), "statement") > 15


def test_each_value_is_labelled_once(facilitator_client, collaborative, facilitator):
    draft(collaborative, facilitator, values=[*VALUES, ("Kindness", "We say thank you.")])
    page = text(facilitator_client.get(url("version_edit", number=1)))
    rows = re.findall(r'<fieldset class="value-row" id="value-(\d)">\s*<legend>(Value \d)</legend>', page)
    assert rows == [("1", "Value 1"), ("2", "Value 2"), ("3", "Value 3")]  # Two values and an empty row.
    labels = re.findall(r'<label for="id_values-\d-(\w+)">([^<]*)</label>', page)
    assert labels == [("name", "Name"), ("meaning", "What it means in practice")] * 3
    assert "Save to get more empty rows" not in page


def test_add_another_value_without_javascript_keeps_what_was_typed_and_saves_nothing(
    facilitator_client, collaborative, facilitator
):
    version = draft(collaborative, facilitator, statement="As saved.")
    typed = {
        "statement": "As typed, not saved.",
        "note": "Adds hope.",
        "ask_members": "on",
        **values_data([("Equal voices", "Changed, not saved."), ("Hope", "")], total=2),
        "add_value": "1",
    }
    response = facilitator_client.post(url("version_edit", number=version.number), typed)
    assert response.status_code == 200
    page = text(response)
    assert "As typed, not saved.</textarea>" in page
    assert "Adds hope.</textarea>" in page
    assert re.search(r'<input type="checkbox" name="ask_members"[^>]* checked', page)
    assert 'value="Equal voices"' in page
    assert "Changed, not saved.</textarea>" in page
    assert 'value="Hope"' in page
    # A row more, with the cursor in it; and no complaint about the value half written.
    assert re.findall(r"<legend>(Value \d)</legend>", page) == ["Value 1", "Value 2", "Value 3"]
    assert re.search(r'<input type="text" name="values-2-name"[^>]* autofocus', page)
    assert 'name="values-TOTAL_FORMS" value="3"' in page
    assert "Say what this value means in practice." not in page
    assert "There is a problem" not in page
    # Leaving the page asks first: nothing is saved yet.
    assert 'data-warn-unsaved="pending"' in page
    version.refresh_from_db()
    assert version.statement == "As saved."
    assert [(v.name, v.meaning) for v in Value.objects.all()] == VALUES

    # Then saved: every value typed, the empty rows left out.
    typed = {**typed, **values_data([("Equal voices", "Changed."), ("Hope", "Change is possible.")], total=3)}
    del typed["add_value"]
    response = facilitator_client.post(url("version_edit", number=version.number), typed)
    assert response.status_code == 302
    version.refresh_from_db()
    assert version.statement == "As typed, not saved."
    assert [(v.name, v.meaning) for v in version.values.all()] == [
        ("Equal voices", "Changed."),
        ("Hope", "Change is possible."),
    ]


def test_add_another_value_on_a_new_draft_saves_nothing(facilitator_client):
    response = facilitator_client.post(
        url("version_new"), {"statement": "", **values_data([("Hope", "")], total=1), "add_value": "1"}
    )
    assert response.status_code == 200
    assert re.findall(r"<legend>(Value \d)</legend>", text(response)) == ["Value 1", "Value 2"]
    assert not VisionVersion.objects.exists()


def test_add_another_value_with_htmx_gives_only_the_values(facilitator_client, collaborative, facilitator):
    version = draft(collaborative, facilitator)
    typed = {"statement": "Typed.", **values_data([("Equal voices", "Kept."), ("Hope", "Typed.")], 2)}
    response = facilitator_client.post(
        url("version_edit", number=version.number), {**typed, "add_value": "1"}, headers=HTMX
    )
    assert response.status_code == 200
    page = text(response)
    assert "<html" not in page
    assert page.strip().startswith('<div id="values">')
    assert 'name="values-TOTAL_FORMS" value="3"' in page
    assert "Kept.</textarea>" in page
    assert 'value="Hope"' in page
    assert re.search(r'<input type="text" name="values-2-name"[^>]* autofocus', page)
    # What was typed counts as not saved, so leaving the page asks first.
    assert re.search(r'<input type="text" name="values-1-name"[^>]* data-unsaved', page)
    assert [(v.name, v.meaning) for v in Value.objects.all()] == VALUES


def test_no_more_rows_than_the_most_values(facilitator_client):
    rows = [(f"Value {number}", "Means it.") for number in range(MAX_VALUES)]
    data = {"statement": "Hope.", **values_data(rows), "add_value": "1"}
    response = facilitator_client.post(url("version_new"), data)
    assert response.status_code == 200
    page = text(response)
    assert len(re.findall(r'<fieldset class="value-row"', page)) == MAX_VALUES
    assert f"A vision has at most {MAX_VALUES} values." in page
    assert "Add another value" not in page


def test_a_broken_post_to_add_a_value_is_refused_plainly(facilitator_client):
    response = facilitator_client.post(url("version_new"), {"statement": "Hope.", "add_value": "1"})
    assert response.status_code == 400
    assert not VisionVersion.objects.exists()


def test_every_version_is_listed_newest_first(member_client, collaborative, facilitator):
    for number in range(3):
        version_adopt(version=draft(collaborative, facilitator, statement=f"Version {number}."), by=facilitator)
    draft(collaborative, facilitator)
    page = text(member_client.get(url("home")))
    table = page[page.index("Every version of the vision, newest first") :]
    assert re.findall(r">Version (\d)</a></th>", table) == ["4", "3", "2", "1"]
