"""The parts apps above meetings add to a meeting's pages (meetings/panels.py)."""

import pytest

from meetings import panels


def test_the_actions_app_adds_its_panels_to_the_meeting_page_and_the_printed_agenda():
    templates = {(panel.page, panel.template) for panel in panels._panels}
    assert (panels.DETAIL, "actions/_meeting_actions.html") in templates
    assert (panels.AGENDA_PRINT, "actions/_agenda_print_actions.html") in templates


def test_a_panel_with_nothing_to_show_is_left_out(monkeypatch):
    monkeypatch.setattr(panels, "_panels", [])
    panels.register(panels.Panel(page=panels.DETAIL, template="a.html", context=lambda meeting, membership: None))
    panels.register(panels.Panel(page=panels.DETAIL, template="b.html", context=lambda meeting, membership: "b"))
    panels.register(panels.Panel(page=panels.AGENDA_PRINT, template="c.html", context=lambda meeting, membership: "c"))
    assert panels.panels_for(panels.DETAIL, None, None) == [panels.Shown(template="b.html", panel="b")]


def test_a_page_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="No meeting page"):
        panels.register(panels.Panel(page="elsewhere", template="a.html", context=lambda meeting, membership: None))
