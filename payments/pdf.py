"""Letters and statements as PDF, made by WeasyPrint from the same HTML and CSS as their printable pages.

WeasyPrint is imported only when a PDF is asked for: it needs Pango and fonts from the system (the
Dockerfile and .ci/run install them), and a server without them still runs every other page; asking for
a PDF there gets a page saying to use the browser's Print instead (PdfUnavailable).

Nothing is fetched over the network: the page's stylesheets are read from our own static files, and
any other address in the page is refused.
"""

from urllib.parse import urlsplit

from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.core.exceptions import SuspiciousFileOperation
from django.templatetags.static import static

# The page's own address does not matter: WeasyPrint only needs one to resolve "/static/…" against.
BASE_URL = "https://pdf.invalid/"


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs are missing here."""


def static_file(url: str) -> str | None:
    """The file on disk of a static file's address ("/static/css/site.css"), or None for anything else."""
    prefix = urlsplit(static("")).path
    path = urlsplit(url).path
    if not path.startswith(prefix):
        return None
    name = path.removeprefix(prefix)
    # Collected (with hashed names in production) or, while developing, found in the apps' folders. A name
    # that leads outside those folders ("../settings.py") is refused by both.
    try:
        if staticfiles_storage.exists(name):
            return staticfiles_storage.path(name)
        found = finders.find(name)
    except (SuspiciousFileOperation, NotImplementedError):
        return None
    return found if isinstance(found, str) else None


def _fetcher_class(base):
    class StaticFilesOnly(base):
        """Gives WeasyPrint our static files, read from disk, and nothing else."""

        def fetch(self, url, headers=None):
            from weasyprint.urls import URLFetcherResponse

            path = static_file(url)
            if path is None:
                raise ValueError(f"Only our own static files are used in a PDF, not {url}")
            with open(path, "rb") as file:
                body = file.read()
            content_type = "text/css" if path.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return StaticFilesOnly


def pdf_from_html(html: str) -> bytes:
    """The PDF of a page's HTML, with its print styles (@media print), as a browser would print it."""
    try:
        import weasyprint
        from weasyprint.urls import URLFetcher
    except (ImportError, OSError) as error:  # OSError: Pango or its friends are not installed.
        raise PdfUnavailable(str(error)) from error
    fetcher = _fetcher_class(URLFetcher)()
    try:
        return weasyprint.HTML(string=html, base_url=BASE_URL, url_fetcher=fetcher, media_type="print").write_pdf()
    except OSError as error:  # A library or a font it loads only when it lays out text.
        raise PdfUnavailable(str(error)) from error
