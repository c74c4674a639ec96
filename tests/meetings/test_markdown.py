"""Notes are Markdown that anyone with the facilitator role types, shown to every member.

The sanitiser is tested on what a browser would do with its output: each result is parsed
with html.parser and every tag, attribute and link address is checked, not only searched
for a substring. Then the same payloads go through the real pages, from the notes form to
a member's meeting page and the email that tells them.
"""

import re
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone
from markdown_it import MarkdownIt

from collaborative import markdown
from collaborative.markdown import render_markdown
from meetings.emails import NOTES_PUBLISHED
from meetings.models import AgendaItem, Meeting
from notifications.delivery import messages_claim, messages_send
from notifications.models import Message
from tests.factories import MeetingFactory

# What notes may contain: plain formatting, tables and links; nothing that loads or runs anything.
SAFE_TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "hr", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
SAFE_ATTRIBUTES = {"href", "title", "rel", "start", "align"}
SAFE_SCHEMES = {"", "http", "https", "mailto"}

PAYLOADS = {
    "script": "<script>alert(1)</script>",
    "img onerror": "<img src=x onerror=alert(1)>",
    "a javascript": '<a href="javascript:alert(1)">click</a>',
    "markdown javascript link": "[click](javascript:alert(1))",
    "mixed case": "[click](JaVaScRiPt:alert(1))",
    "leading spaces": "[click](   javascript:alert(1))",
    "angle brackets": "[click](<javascript:alert(1)>)",
    "reference link": "[click][evil]\n\n[evil]: javascript:alert(1)",
    "autolink": "<javascript:alert(1)>",
    "vbscript": "[click](vbscript:msgbox(1))",
    "data html": "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "data upper case": "[click](DATA:text/html,<script>alert(1)</script>)",
    "data image": "![pic](data:image/svg+xml,<svg onload=alert(1)>)",
    "iframe": '<iframe src="https://evil.example/"></iframe>',
    "svg onload": "<svg onload=alert(1)><circle r=1 /></svg>",
    "style": "<style>body { display: none }</style>",
    "style attribute": '<p style="position:fixed;inset:0">cover</p>',
    "onclick": '<b onclick="alert(1)">bold</b>',
    "entity j": "[click](&#106;avascript:alert(1))",
    "hex entity": "[click](&#x6A;avascript:alert(1))",
    "colon entity": "[click](javascript&colon;alert(1))",
    "raw entity": '<a href="&#106;avascript:alert(1)">click</a>',
    "encoded tab": "[click](java&#x09;script:alert(1))",
    "percent encoded": "[click](%6Aavascript:alert(1))",
    "title breakout": '[click](https://ok.example/ "a" onmouseover="alert(1)")',
    "autolink quote": '<https://ok.example/"onmouseover="alert(1)>',
    "html in link text": "[<img src=x onerror=alert(1)>](https://ok.example/)",
    "nested tags": "<scr<script>ipt>alert(1)</script>",
    "html block": "<div onclick=alert(1)>\n\nhello\n\n</div>",
    "details": "<details open ontoggle=alert(1)>",
    "object": '<object data="https://evil.example/x.swf"></object><embed src="x">',
    "form": '<form action="https://evil.example/"><input name=password></form>',
    "table cell": "| <script>alert(1)</script> | b |\n|---|---|\n| <img src=x onerror=alert(1)> | 2 |",
    "code": "`<script>alert(1)</script>`\n\n    <script>alert(2)</script>",
}


class Elements(HTMLParser):
    """Every start tag in a piece of HTML, with its attributes (entities decoded, as a browser would)."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    handle_startendtag = handle_starttag


def scheme(url: str) -> str:
    """The scheme a browser would see: it drops surrounding spaces and controls, and tabs and newlines inside."""
    url = re.sub(r"[\t\n\r]", "", url.strip("\x00\x01\x02\x03\x04\x05\x06\x07\x08 \x0b\x0c\x0e\x0f\x1f"))
    match = re.match(r"([a-zA-Z][a-zA-Z0-9+.\-]*):", url)
    return match[1].lower() if match else ""


def assert_harmless(markup: str) -> None:
    for tag, attrs in Elements(markup).tags:
        assert tag in SAFE_TAGS, f"<{tag}> in {markup!r}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}> in {markup!r}"
            assert name != "style", f"style on <{tag}> in {markup!r}"
            if name in ("href", "src", "action", "formaction", "data", "xlink:href"):
                assert scheme(value or "") in SAFE_SCHEMES, f'{name}="{value}" in {markup!r}'


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_nothing_written_in_notes_can_run_script(payload):
    markup = str(render_markdown(payload))
    assert_harmless(markup)
    attributes = {name for _, attrs in Elements(markup).tags for name in attrs}
    assert attributes <= SAFE_ATTRIBUTES
    lowered = markup.lower()
    for live in ("<script", "<img", "<iframe", "<svg", "<style", "<object", "<embed", "<form", "<input"):
        assert live not in lowered


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
def test_the_sanitiser_alone_stops_them_even_if_markdown_let_raw_html_through(monkeypatch, payload):
    """Two walls: Markdown with raw HTML off, then nh3. This checks the second on its own."""
    monkeypatch.setattr(markdown, "_markdown", MarkdownIt("commonmark", {"html": True}).enable("table"))
    markup = str(markdown.render_markdown(payload))
    assert_harmless(markup)
    assert {name for _, attrs in Elements(markup).tags for name in attrs} <= SAFE_ATTRIBUTES


def test_what_is_not_allowed_is_shown_as_text_not_lost():
    markup = str(render_markdown("We said <script>alert(1)</script> was a bad idea."))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in markup
    assert Elements(markup).tags == [("p", {})]


def test_the_scheme_check_sees_what_a_browser_sees():
    """The test's own helper: a browser ignores case, leading spaces and tabs inside a scheme."""
    assert scheme(" JaVa\tScRipt:alert(1)") == "javascript"
    assert scheme("https://example.org/") == "https"
    assert scheme("java%09script:alert(1)") == ""  # A relative address, not a scheme.
    assert scheme("/c/lambeth/") == ""


def test_ordinary_markdown_survives():
    markup = str(
        render_markdown(
            "# Waiting times\n\n"
            "## For talking therapies\n\n"
            "### What people said\n\n"
            "**Six months** is *too long*.\n\n"
            "- Write to the trust\n- Ask the GP federation\n\n"
            "3. third\n4. fourth\n\n"
            "> A quote from the survey.\n\n"
            'See [the report](https://example.org/report "The report") or '
            "[write to us](mailto:lambeth@example.org).\n\n"
            "| Month | Weeks |\n|---|---|\n| May | 26 |\n\n"
            "`code`"
        )
    )
    assert_harmless(markup)
    tags = [tag for tag, _ in Elements(markup).tags]
    # Headings go two levels down, under the page's own h1 and h2, and keep their order.
    assert [tag for tag in tags if tag.startswith("h") and tag[1:].isdigit()] == ["h3", "h4", "h5"]
    assert "<h3>Waiting times</h3>" in markup
    assert "<strong>Six months</strong>" in markup
    assert "<em>too long</em>" in markup
    assert "<li>Write to the trust</li>" in markup
    assert tags.count("ul") == 1
    assert ("ol", {"start": "3"}) in Elements(markup).tags
    assert "blockquote" in tags
    assert {"table", "th", "td"} <= set(tags)
    assert "<code>code</code>" in markup
    links = [attrs for tag, attrs in Elements(markup).tags if tag == "a"]
    assert links == [
        {"href": "https://example.org/report", "title": "The report", "rel": "nofollow noopener noreferrer"},
        {"href": "mailto:lambeth@example.org", "rel": "nofollow noopener noreferrer"},
    ]


def test_every_level_of_heading_stays_below_the_page_headings():
    markup = str(render_markdown("\n\n".join(f"{'#' * level} Level {level}" for level in range(1, 7))))
    tags = [tag for tag, _ in Elements(markup).tags]
    assert tags == ["h3", "h4", "h5", "h6", "h6", "h6"]


def test_empty_notes_are_empty():
    assert render_markdown("") == ""
    assert render_markdown(None) == ""


# From the notes form to a member's page and inbox


@pytest.mark.django_db
def test_payloads_saved_and_published_by_a_facilitator_reach_members_only_as_text(
    client, people, collaborative, mailoutbox
):
    now = timezone.now()
    meeting = MeetingFactory(
        collaborative=collaborative, starts_at=now - timedelta(minutes=5), ends_at=now + timedelta(hours=2)
    )
    item = AgendaItem.objects.create(meeting=meeting, title="Crisis care", status=AgendaItem.Status.ACCEPTED)
    payloads = list(PAYLOADS.values())
    half = len(payloads) // 2
    client.force_login(people["facilitator"])
    notes_url = reverse("meetings:notes", kwargs={"slug": "lambeth", "pk": meeting.pk})
    response = client.post(
        notes_url,
        {f"item_{item.pk}": "\n\n".join(payloads[:half]), "general_notes": "\n\n".join(payloads[half:])},
    )
    assert response.status_code == 302
    client.post(
        reverse("meetings:decision_add", kwargs={"slug": "lambeth", "pk": meeting.pk}),
        {"text": '<script>alert("decided")</script> <img src=x onerror=alert(1)>'},
    )
    response = client.post(reverse("meetings:notes_publish", kwargs={"slug": "lambeth", "pk": meeting.pk}))
    assert response.status_code == 302
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert meeting.notes_published_at is not None
    assert meeting.general_notes.endswith(payloads[-1])  # Stored as typed: escaping is on the way out.

    # The facilitator's notes page shows the text in the boxes, escaped.
    assert_page_harmless(client.get(notes_url).content.decode())

    client.force_login(people["member"])
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "Crisis care" in page
    assert "&lt;script&gt;alert(&quot;decided&quot;)&lt;/script&gt;" in page
    assert "&lt;iframe" in page  # Shown as what was typed.
    assert_page_harmless(page)

    claim, ids = messages_claim()
    messages_send(claim=claim, ids=ids)
    assert Message.objects.filter(kind=NOTES_PUBLISHED.key, recipient=people["member"]).exists()
    email = next(e for e in mailoutbox if e.to == [people["member"].email] and "Notes of the meeting" in e.subject)
    html_body = next(content for content, mimetype in email.alternatives if mimetype == "text/html")
    assert "&lt;script&gt;" in html_body
    assert "<script" not in html_body.lower()
    assert "<img" not in html_body.lower()
    assert_page_harmless(html_body, email=True)


def assert_page_harmless(page: str, *, email: bool = False) -> None:
    """The whole page: only the site's own scripts, and nothing typed in the notes became markup.

    Emails style their buttons inline (mail programs ignore style sheets); pages never do.
    """
    elements = Elements(page).tags
    for tag, attrs in elements:
        assert tag not in {"iframe", "svg", "style", "img", "object", "embed"}, f"<{tag}> on the page"
        if tag == "script":
            assert (attrs.get("src") or "").startswith("/static/"), f"an inline or foreign script: {attrs}"
        for name, value in attrs.items():
            assert not name.startswith("on"), f"{name} on <{tag}>"
            assert email or name != "style", f"style on <{tag}>"
            if name in ("href", "src", "action", "formaction"):
                assert scheme(value or "") in SAFE_SCHEMES, f'{name}="{value}"'
    # The site's own forms post to itself; none comes from a note.
    assert not [attrs for tag, attrs in elements if tag == "form" and "evil.example" in (attrs.get("action") or "")]
    assert not [attrs for tag, attrs in elements if tag == "input" and attrs.get("name") == "password"]
