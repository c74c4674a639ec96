"""Markdown that members write (meeting notes), turned into HTML that cannot run anything.

markdown-it-py renders CommonMark with raw HTML switched off; nh3 (the ammonia
sanitiser) then keeps only plain formatting tags, and links only to http, https and
mailto addresses. Whatever a person types, no script, event handler or javascript: link
reaches a page.
"""

import re

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")
_HEADING = re.compile(r"<(/?)h([1-6])>")

TAGS = {
    "p", "br", "strong", "em", "ul", "ol", "li", "blockquote", "code", "pre", "h3", "h4", "h5", "h6", "hr", "a",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "th": {"align"}, "td": {"align"}}


def render_markdown(text: str) -> SafeString:
    """Safe HTML for the text; headings start at level 3, under the page's own headings."""
    # Every heading goes two levels down (to h6 at most), so that "# Heading" in notes does
    # not compete with the page's h1 and h2 and "###" stays below "##". With raw HTML off,
    # every <hN> here came from Markdown: a typed "<h1>" arrives escaped.
    html = _HEADING.sub(lambda tag: f"<{tag[1]}h{min(int(tag[2]) + 2, 6)}>", _markdown.render(text or ""))
    clean = nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer",
    )
    return mark_safe(clean)
