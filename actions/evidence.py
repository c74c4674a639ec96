"""Checking uploaded evidence by what is inside the file, not by its name or what the browser says.

A PDF, a picture or an office document is accepted; anything else (a program renamed
"report.pdf", a web page, a script) is refused. Office documents are zip files (Word,
Excel, PowerPoint since 2007, and OpenDocument) or the older compound files (.doc,
.xls, .ppt); a zip counts only if it holds the parts an office document has.
"""

import zipfile
from dataclasses import dataclass

MAX_EVIDENCE_BYTES = 10 * 1024 * 1024


@dataclass(frozen=True)
class Evidence:
    kind: str  # In words, for the page.
    content_type: str  # Sent back when the file is downloaded.
    extension: str


PDF = Evidence("PDF", "application/pdf", "pdf")
PNG = Evidence("picture (PNG)", "image/png", "png")
JPEG = Evidence("picture (JPEG)", "image/jpeg", "jpg")
GIF = Evidence("picture (GIF)", "image/gif", "gif")
WEBP = Evidence("picture (WebP)", "image/webp", "webp")
WORD = Evidence("Word document", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx")
EXCEL = Evidence("Excel spreadsheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx")
POWERPOINT = Evidence(
    "PowerPoint presentation", "application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"
)
OPEN_DOCUMENT = {
    "application/vnd.oasis.opendocument.text": Evidence(
        "OpenDocument text", "application/vnd.oasis.opendocument.text", "odt"
    ),
    "application/vnd.oasis.opendocument.spreadsheet": Evidence(
        "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    "application/vnd.oasis.opendocument.presentation": Evidence(
        "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp"
    ),
}
OOXML = {"word/": WORD, "xl/": EXCEL, "ppt/": POWERPOINT}

NOT_ALLOWED = "This kind of file cannot be added. Add a PDF, a picture (JPEG, PNG, GIF or WebP) or an office document."


def evidence_kind(upload) -> Evidence:
    """What the file really is, or ValueError with a plain message."""
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValueError("The file is bigger than 10 MB. Add a smaller file, or a link to it instead.")
    if upload.size == 0:
        raise ValueError("The file is empty.")
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        kind = _old_office(upload)
        upload.seek(0)
        if kind:
            return kind
    if head.startswith(b"PK\x03\x04"):
        kind = _office_zip(upload)
        upload.seek(0)
        if kind:
            return kind
    raise ValueError(NOT_ALLOWED)


# The stream each older Office program keeps its document in, as the file's directory names it
# (UTF-16). Other files of the same container format (installers, for one) have none of them.
OLD_OFFICE_STREAMS = {
    "WordDocument": Evidence("Word document (older)", "application/msword", "doc"),
    "Workbook": Evidence("Excel spreadsheet (older)", "application/vnd.ms-excel", "xls"),
    "Book": Evidence("Excel spreadsheet (older)", "application/vnd.ms-excel", "xls"),
    "PowerPoint Document": Evidence("PowerPoint presentation (older)", "application/vnd.ms-powerpoint", "ppt"),
}


def _old_office(upload) -> Evidence | None:
    content = upload.read()
    for stream, kind in OLD_OFFICE_STREAMS.items():
        # A directory entry: the name in UTF-16, then the end of the name.
        if (stream + "\0").encode("utf-16-le") in content:
            return kind
    return None


def _office_zip(upload) -> Evidence | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = archive.namelist()
            if "mimetype" in names:
                mimetype = archive.read("mimetype").decode("ascii", "replace").strip()
                return OPEN_DOCUMENT.get(mimetype)
            if "[Content_Types].xml" in names:
                for prefix, kind in OOXML.items():
                    if any(name.startswith(prefix) for name in names):
                        return kind
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None
