"""Checking uploaded evidence by what is inside the file, not by its name or what the browser says.

A PDF, a picture or an office document is accepted; anything else (a program renamed
"report.pdf", a web page, a script) is refused. Office documents are zip files (Word,
Excel, PowerPoint since 2007, and OpenDocument) or the older compound files (.doc,
.xls, .ppt); a zip counts only if it holds the main part of its type, and a compound file
only if its directory names the stream its program keeps the document in. Documents with
macros, and zips carrying programs, are refused whatever else is in them.
"""

import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings

# The site's upload limit: collaborative/uploads.py drops anything bigger before it is stored.
MAX_EVIDENCE_BYTES = settings.UPLOAD_MAX_BYTES


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
# The part each program keeps the document in; a zip without one is not that document.
OOXML = {"word/document.xml": WORD, "xl/workbook.xml": EXCEL, "ppt/presentation.xml": POWERPOINT}

NOT_ALLOWED = "This kind of file cannot be added. Add a PDF, a picture (JPEG, PNG, GIF or WebP) or an office document."
MACROS = (
    "The document contains macros (small programs that run when it is opened), so it cannot be added. "
    "Save it as an ordinary document without macros and add that instead."
)
PROGRAM_INSIDE = "The document has a program packed inside it, so it cannot be added. Add the document on its own."
DAMAGED = "The file seems to be damaged and could not be checked. Save it again and add the new copy."
TOO_BIG_UNPACKED = (
    "The document is too big once unpacked (over 100 MB, or more than 5,000 parts). "
    "Add a smaller file, or a link to it instead."
)


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
    if head.startswith(COMPOUND_FILE_SIGNATURE):
        try:
            kind = _old_office(upload.read())
        finally:
            upload.seek(0)
        if kind:
            return kind
    if head.startswith(b"PK\x03\x04"):
        try:
            kind = _office_zip(upload)
        finally:
            upload.seek(0)
        if kind:
            return kind
    raise ValueError(NOT_ALLOWED)


# The stream each older Office program keeps its document in, as a top-level entry of the
# file's directory. Other files of the same container format (installers, for one) have none.
OLD_OFFICE_STREAMS = {
    "WordDocument": Evidence("Word document (older)", "application/msword", "doc"),
    "Workbook": Evidence("Excel spreadsheet (older)", "application/vnd.ms-excel", "xls"),
    "Book": Evidence("Excel spreadsheet (older)", "application/vnd.ms-excel", "xls"),
    "PowerPoint Document": Evidence("PowerPoint presentation (older)", "application/vnd.ms-powerpoint", "ppt"),
}
# Where Word and Excel keep macros; compared as the format does, ignoring case.
OLD_OFFICE_MACROS = {"macros", "_vba_project_cur", "vba", "_vba_project"}

# The compound file format ([MS-CFB]): a 512-byte header, then sectors numbered from 0, chained
# through a file allocation table (FAT) that is itself listed in the header and, for big files,
# in further DIFAT sectors.
COMPOUND_FILE_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
END_OF_CHAIN = 0xFFFFFFFE
NO_ENTRY = 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5
DIRECTORY_ENTRY_BYTES = 128


def _old_office(content: bytes) -> Evidence | None:
    entries = _compound_directory(content)
    top = {(name, kind) for name, kind in _top_level(entries)}
    for stream, evidence in OLD_OFFICE_STREAMS.items():
        if (stream, STREAM) in top:
            if any(entry and entry[0].casefold() in OLD_OFFICE_MACROS for entry in entries):
                raise ValueError(MACROS)
            return evidence
    return None


def _compound_directory(content: bytes) -> list[tuple[str, int, int, int, int] | None]:
    """Every directory entry as (name, type, left, right, child), None for unused ones.

    Everything read from the file is checked before it is used: a sector out of range or a
    chain that comes back on itself means a damaged (or crafted) file, and every loop is
    bounded by the number of sectors the file has.
    """
    if len(content) < 512:
        raise ValueError(DAMAGED)
    byte_order, sector_shift = struct.unpack_from("<HH", content, 28)
    if byte_order != 0xFFFE or sector_shift not in (9, 12):
        raise ValueError(DAMAGED)
    size = 1 << sector_shift
    sectors = len(content) // size - 1  # Whole sectors after the header (which takes one sector).
    per_sector = size // 4
    fat_count, directory_start = struct.unpack_from("<II", content, 44)
    difat_start, difat_count = struct.unpack_from("<II", content, 68)
    if fat_count > sectors or difat_count > sectors:
        raise ValueError(DAMAGED)

    def offset(number: int) -> int:
        if number >= sectors:
            raise ValueError(DAMAGED)
        return (number + 1) * size

    # The first 109 FAT sectors are listed in the header; a file over about 7 MB (with
    # 512-byte sectors) needs more, listed in a chain of DIFAT sectors, each ending with the next.
    fat = list(struct.unpack_from("<109I", content, 76))
    number, seen = difat_start, set()
    for _ in range(difat_count):
        if number in seen:
            raise ValueError(DAMAGED)
        seen.add(number)
        *listed, number = struct.unpack_from(f"<{per_sector}I", content, offset(number))
        fat.extend(listed)
    fat = fat[:fat_count]

    def next_sector(number: int) -> int:
        index, slot = divmod(number, per_sector)
        if index >= len(fat):
            raise ValueError(DAMAGED)
        return struct.unpack_from("<I", content, offset(fat[index]) + slot * 4)[0]

    entries = []
    number, seen = directory_start, set()
    while number != END_OF_CHAIN:
        if number in seen:
            raise ValueError(DAMAGED)
        seen.add(number)
        start = offset(number)
        for at in range(start, start + size, DIRECTORY_ENTRY_BYTES):
            name_bytes, kind = struct.unpack_from("<HB", content, at + 64)
            if kind not in (STORAGE, STREAM, ROOT):
                entries.append(None)
                continue
            # The name's length counts its closing zero, in bytes; the field holds 32 characters.
            if name_bytes < 2 or name_bytes > 64 or name_bytes % 2:
                raise ValueError(DAMAGED)
            name = content[at : at + name_bytes - 2].decode("utf-16-le", "replace")
            entries.append((name, kind, *struct.unpack_from("<III", content, at + 68)))
        number = next_sector(number)
    return entries


def _top_level(entries: list) -> list[tuple[str, int]]:
    """The names and types of the entries directly in the root: the root's child and its siblings."""
    if not entries or entries[0] is None or entries[0][1] != ROOT:
        raise ValueError(DAMAGED)
    found, seen, waiting = [], set(), [entries[0][4]]
    while waiting:
        index = waiting.pop()
        if index == NO_ENTRY:
            continue
        if index in seen or index >= len(entries) or entries[index] is None:
            raise ValueError(DAMAGED)
        seen.add(index)
        name, kind, left, right, _child = entries[index]
        found.append((name, kind))
        waiting += [left, right]
    return found


MAX_UNPACKED_BYTES = 100 * 1024 * 1024
MAX_ZIP_ENTRIES = 5000
# Programs and scripts Windows, Java or a shell would run, by name and by their first bytes.
PROGRAM_EXTENSIONS = (".exe", ".dll", ".bat", ".cmd", ".com", ".js", ".vbs", ".ps1", ".scr", ".msi", ".jar", ".sh")
PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF")


def _office_zip(upload) -> Evidence | None:
    try:
        archive = zipfile.ZipFile(upload)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None  # Not a zip, whatever its first bytes say.
    with archive:
        entries = archive.infolist()
        # The sizes are as the zip declares them. Nothing below unpacks more than a few bytes of
        # a part, or one small part, so a zip that lies about them cannot make us unpack much.
        if len(entries) > MAX_ZIP_ENTRIES or sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
            raise ValueError(TOO_BIG_UNPACKED)
        names = {entry.filename for entry in entries}
        if "mimetype" in names:
            kind = OPEN_DOCUMENT.get(_unpack(archive, "mimetype", 200).decode("ascii", "replace").strip())
        elif "[Content_Types].xml" in names:
            kind = next((kind for part, kind in OOXML.items() if part in names), None)
        else:
            kind = None
        if kind is None:
            return None
        for entry in entries:
            if entry.filename.lower().endswith(PROGRAM_EXTENSIONS):
                raise ValueError(PROGRAM_INSIDE)
            if not entry.is_dir() and _unpack(archive, entry, 4).startswith(PROGRAM_SIGNATURES):
                raise ValueError(PROGRAM_INSIDE)
        if kind in OOXML.values():
            content_types = _unpack(archive, "[Content_Types].xml", 1024 * 1024).lower()
            if (
                any(name.lower().endswith("vbaproject.bin") for name in names)
                or b"macroenabled" in content_types
                or b"vbaproject" in content_types
            ):
                raise ValueError(MACROS)
    return kind


def _unpack(archive: zipfile.ZipFile, entry, limit: int) -> bytes:
    """Up to `limit` bytes of one part; a part that cannot be read means a damaged file."""
    try:
        with archive.open(entry) as part:
            return part.read(limit)
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, RuntimeError, NotImplementedError, KeyError) as error:
        raise ValueError(DAMAGED) from error
