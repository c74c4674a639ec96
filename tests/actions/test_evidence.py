"""Updates with evidence: a link or a file, checked by what is inside it, stored outside the
web root under a random name, and given back only to members, as a download that cannot run."""

import html
import io
import itertools
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.evidence import (
    DAMAGED,
    MACROS,
    MAX_EVIDENCE_BYTES,
    NOT_ALLOWED,
    PROGRAM_INSIDE,
    TOO_BIG_UNPACKED,
    evidence_kind,
)
from actions.models import ActionUpdate
from members.models import Membership
from tests.factories import MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TOO_BIG = "The file is bigger than 10 MB. Add a smaller file, or a link to it instead."


def text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.fixture
def evidence_root(settings, tmp_path):
    settings.EVIDENCE_ROOT = tmp_path / "evidence"
    return settings.EVIDENCE_ROOT


@pytest.fixture
def owner(collaborative):
    return MembershipFactory(collaborative=collaborative, user__display_name="Olu Owner").user


@pytest.fixture
def action(collaborative, owner):
    return action_record(collaborative, by=owner, title="Publish the crisis cafe map")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def update_url(action) -> str:
    return reverse("actions:update", kwargs={"slug": "lambeth", "pk": action.pk})


def evidence_url(update: ActionUpdate) -> str:
    return reverse("actions:evidence", kwargs={"slug": "lambeth", "pk": update.pk})


def stored(root) -> list:
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def zipped(parts: dict[str, bytes], first: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        if first:
            archive.writestr(zipfile.ZipInfo(first), parts.pop(first))  # Stored, not compressed, as ODF asks.
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40 + b"\xff\xd9"
DOCX = zipped(
    {
        "[Content_Types].xml": b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        b'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>',
        "word/document.xml": b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
        b'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Report</w:t></w:r></w:p></w:body></w:document>',
    }
)
ODT = zipped(
    {
        "mimetype": b"application/vnd.oasis.opendocument.text",
        "content.xml": b'<?xml version="1.0"?><office:document-content/>',
        "META-INF/manifest.xml": b'<?xml version="1.0"?><manifest:manifest/>',
    },
    first="mimetype",
)
PE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"This program cannot be run"
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 56
PLAIN_ZIP = zipped({"readme.txt": b"Nothing official here.", "run.exe": PE})


@pytest.mark.parametrize(
    ("name", "content", "sent_as", "kept_as"),
    [
        ("report.pdf", PDF, "application/pdf", "application/pdf"),
        ("photo.png", PNG, "image/png", "image/png"),
        ("photo.jpg", JPEG, "image/jpeg", "image/jpeg"),
        (
            "minutes.docx",
            DOCX,
            "application/octet-stream",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("minutes.odt", ODT, "application/octet-stream", "application/vnd.oasis.opendocument.text"),
        # The name and what the browser says do not matter; what is inside does.
        ("photo.exe", PNG, "application/x-msdownload", "image/png"),
    ],
)
def test_a_file_is_kept_under_a_random_name_with_the_type_it_really_is(
    owner_client, action, evidence_root, name, content, sent_as, kept_as
):
    response = owner_client.post(
        update_url(action),
        {"text": "The evidence.", "file": SimpleUploadedFile(name, content, content_type=sent_as)},
    )
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    # Named for what it really is: photo.exe holding a picture downloads as photo.png.
    extension = {"image/png": "png", "image/jpeg": "jpg", "application/pdf": "pdf"}.get(kept_as)
    expected = f"{name.rsplit('.', 1)[0]}.{extension}" if extension else name
    assert (update.file_name, update.file_type, update.file_size) == (expected, kept_as, len(content))
    [path] = stored(evidence_root)
    assert path.read_bytes() == content
    assert path.relative_to(evidence_root).parts[:2] == (str(action.collaborative_id), str(action.pk))
    assert name not in path.name
    assert "." not in path.name
    assert len(path.name) == 32
    assert update.file.name == path.relative_to(evidence_root).as_posix()


def test_two_files_of_the_same_name_get_different_names(owner_client, action, evidence_root):
    for _ in range(2):
        owner_client.post(update_url(action), {"text": "Again.", "file": SimpleUploadedFile("report.pdf", PDF)})
    first, second = stored(evidence_root)
    assert first.name != second.name


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", PE),
        ("report.pdf", ELF),
        ("report.pdf", PLAIN_ZIP),
        ("report.docx", PLAIN_ZIP),
        ("page.pdf", b"<!doctype html><script>alert(1)</script>"),
        ("run.pdf", b"#!/bin/sh\nrm -rf /\n"),
        ("broken.docx", b"PK\x03\x04 not really a zip"),
    ],
)
def test_a_disguised_file_is_refused_and_nothing_is_kept(owner_client, action, evidence_root, name, content):
    response = owner_client.post(
        update_url(action),
        {"text": "Here it is.", "file": SimpleUploadedFile(name, content, content_type="application/pdf")},
    )
    assert response.status_code == 400
    assert NOT_ALLOWED in text(response)
    assert not ActionUpdate.objects.exists()
    assert stored(evidence_root) == []


def test_an_empty_file_is_refused(owner_client, action, evidence_root):
    response = owner_client.post(update_url(action), {"text": "Here.", "file": SimpleUploadedFile("empty.pdf", b"")})
    assert response.status_code == 400
    assert not ActionUpdate.objects.exists()
    assert stored(evidence_root) == []


def test_a_file_over_10_mb_is_refused_and_10_mb_is_not(owner_client, action, evidence_root):
    big = PDF + b"0" * (MAX_EVIDENCE_BYTES + 1 - len(PDF))
    response = owner_client.post(update_url(action), {"text": "Big.", "file": SimpleUploadedFile("big.pdf", big)})
    assert response.status_code == 400
    assert TOO_BIG in text(response)
    assert not ActionUpdate.objects.exists()
    assert stored(evidence_root) == []

    response = owner_client.post(
        update_url(action), {"text": "Just fits.", "file": SimpleUploadedFile("fits.pdf", big[:MAX_EVIDENCE_BYTES])}
    )
    assert response.status_code == 302
    assert ActionUpdate.objects.get().file_size == MAX_EVIDENCE_BYTES


def test_an_update_with_a_link(owner_client, action, evidence_root):
    response = owner_client.post(update_url(action), {"text": "On the council's site.", "link": "example.org/map"})
    assert response.status_code == 302
    update = ActionUpdate.objects.get()
    assert (update.link, update.file.name) == ("https://example.org/map", "")
    page = text(owner_client.get(action.get_absolute_url()))
    assert 'href="https://example.org/map" rel="noopener noreferrer nofollow"' in page
    assert stored(evidence_root) == []


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"text": "   "}, "What has happened: Say what has happened."),
        ({"text": "See this.", "link": "javascript:alert(1)"}, "Enter a valid URL."),
    ],
)
def test_an_update_needs_words_and_a_real_link(owner_client, action, evidence_root, data, message):
    response = owner_client.post(update_url(action), data)
    assert response.status_code == 400
    assert message in text(response)
    assert not ActionUpdate.objects.exists()


@pytest.fixture
def evidence(owner_client, action, evidence_root) -> ActionUpdate:
    owner_client.post(
        update_url(action),
        {"text": "The map.", "file": SimpleUploadedFile("crisis map.pdf", PDF, content_type="text/html")},
    )
    return ActionUpdate.objects.get()


def test_members_download_the_file_as_an_attachment_that_cannot_run(client, people, evidence):
    for role in ("member", "facilitator", "commissioner"):
        client.force_login(people[role])
        response = client.get(evidence_url(evidence))
        assert response.status_code == 200, role
        assert b"".join(response.streaming_content) == PDF
        assert response.headers["Content-Type"] == "application/pdf"
        assert response.headers["Content-Disposition"] == 'attachment; filename="crisis map.pdf"'
        policy = response.headers["Content-Security-Policy"]
        assert policy.split(";")[0].strip() == "sandbox"
        assert "default-src 'none'" in policy
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response.headers["Cache-Control"]


def test_the_page_links_the_file_for_members(client, member, evidence):
    client.force_login(member)
    page = text(client.get(evidence.action.get_absolute_url()))
    assert f'href="{evidence_url(evidence)}">crisis map.pdf</a>' in page


def test_no_one_else_gets_the_file(client, people, evidence, other_collaborative, collaborative):
    commissioner_elsewhere = MembershipFactory(
        collaborative=other_collaborative, role=Membership.Role.COMMISSIONER
    ).user
    for person in (people["outsider"], commissioner_elsewhere):
        client.force_login(person)
        assert client.get(evidence_url(evidence)).status_code == 404
        other_address = reverse("actions:evidence", kwargs={"slug": "luton", "pk": evidence.pk})
        assert client.get(other_address).status_code == 404
    left = MembershipFactory(collaborative=collaborative).user
    Membership.objects.filter(user=left).update(status=Membership.Status.LEFT, left_at=evidence.created_at)
    client.force_login(left)
    assert client.get(evidence_url(evidence)).status_code == 404
    client.logout()
    assert client.get(evidence_url(evidence)).status_code == 302


def test_an_update_without_a_file_has_nothing_to_download(member_client, owner_client, action, evidence_root):
    owner_client.post(update_url(action), {"text": "No file."})
    update = ActionUpdate.objects.get()
    assert member_client.get(evidence_url(update)).status_code == 404


def test_the_evidence_root_is_not_under_the_web_root(settings):
    root = Path(settings.EVIDENCE_ROOT).resolve()
    for public in [settings.STATIC_ROOT, *getattr(settings, "STATICFILES_DIRS", [])]:
        if public:
            assert not root.is_relative_to(Path(public).resolve())


FREE, END_OF_CHAIN, FAT_SECTOR, DIFAT_SECTOR, NO_ENTRY = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFC, 0xFFFFFFFF
STORAGE, STREAM, ROOT = 1, 2, 5


def compound(tree: dict, *, shift: int = 9, directory_at: int = 0) -> bytes:
    """A compound file, the container of .doc, .xls and .ppt, laid out as [MS-CFB] describes.

    Storages are dicts and streams bytes. The sectors hold the FAT, then DIFAT sectors if the
    FAT needs more than the 109 the header lists, then `directory_at` empty sectors, the
    directory and each stream. Sector n starts at byte (n + 1) * sector size, so the FAT
    entry for sector n is at byte sector size + 4n while the FAT fits one sector.
    """
    size = 1 << shift
    per_sector = size // 4
    entries = []  # [name, type, left, right, child, data]

    def add(name: str, content, kind: int) -> int:
        index = len(entries)
        entries.append([name, kind, NO_ENTRY, NO_ENTRY, NO_ENTRY, content if isinstance(content, bytes) else b""])
        if isinstance(content, dict):
            children = [
                add(key, value, STORAGE if isinstance(value, dict) else STREAM) for key, value in content.items()
            ]
            for left, right in itertools.pairwise(children):
                entries[left][3] = right  # Siblings as a chain to the right: a valid, if unbalanced, tree.
            entries[index][4] = children[0] if children else NO_ENTRY
        return index

    add("Root Entry", tree, ROOT)
    directory_sectors = -(-len(entries) * 128 // size)
    stream_sectors = [-(-len(entry[5]) // size) for entry in entries]
    rest = directory_at + directory_sectors + sum(stream_sectors)
    fat_count = difat_count = 0
    while True:
        needed_fat = -(-(fat_count + difat_count + rest) // per_sector)
        needed_difat = -(-max(0, needed_fat - 109) // (per_sector - 1))
        if (needed_fat, needed_difat) == (fat_count, difat_count):
            break
        fat_count, difat_count = needed_fat, needed_difat

    fat = [FAT_SECTOR] * fat_count + [DIFAT_SECTOR] * difat_count + [FREE] * (fat_count * per_sector)
    fat = fat[: fat_count * per_sector]

    def chain(first: int, count: int) -> int:
        for number in range(first, first + count):
            fat[number] = number + 1 if number < first + count - 1 else END_OF_CHAIN
        return first if count else END_OF_CHAIN

    directory_start = chain(fat_count + difat_count + directory_at, directory_sectors)
    number, starts = directory_start + directory_sectors, []
    for count in stream_sectors:
        starts.append(chain(number, count))
        number += count

    directory = b"".join(
        struct.pack(
            "<64sHBBIII16sI16sIQ",
            (name + "\0").encode("utf-16-le"),
            len(name) * 2 + 2,
            kind,
            1,
            left,
            right,
            child,
            b"",
            0,
            b"",
            start,
            len(data),
        )
        for (name, kind, left, right, child, data), start in zip(entries, starts, strict=True)
    )
    fat_sectors, difat_sectors = list(range(fat_count)), list(range(fat_count, fat_count + difat_count))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        b"",
        0x3E,
        3 if shift == 9 else 4,
        0xFFFE,
        shift,
        6,
        b"",
        directory_sectors if shift == 12 else 0,
        fat_count,
        directory_start,
        0,
        4096,
        END_OF_CHAIN,
        0,
        difat_sectors[0] if difat_sectors else END_OF_CHAIN,
        difat_count,
        *(fat_sectors[:109] + [FREE] * (109 - len(fat_sectors[:109]))),
    )
    difat = b""
    for n in range(difat_count):
        listed = fat_sectors[109 + n * (per_sector - 1) :][: per_sector - 1]
        following = difat_sectors[n + 1] if n + 1 < len(difat_sectors) else END_OF_CHAIN
        difat += struct.pack(f"<{per_sector}I", *listed, *[FREE] * (per_sector - 1 - len(listed)), following)

    def padded(data: bytes) -> bytes:
        return data + b"\0" * (-len(data) % size)

    return b"".join(
        [
            padded(header),
            struct.pack(f"<{len(fat)}I", *fat),
            difat,
            b"\0" * (directory_at * size),
            padded(directory),
            *(padded(entry[5]) for entry in entries),
        ]
    )


def ooxml(main: str, more: dict[str, bytes] | None = None, content_types: bytes = b"") -> bytes:
    types = content_types or (
        b'<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        b'<Default Extension="xml" ContentType="application/xml"/></Types>'
    )
    return zipped({"[Content_Types].xml": types, main: b'<?xml version="1.0"?><root/>', **(more or {})})


def post_file(client, action, name: str, content: bytes):
    return client.post(update_url(action), {"text": "Evidence.", "file": SimpleUploadedFile(name, content)})


SUMMARY = {"\x05SummaryInformation": b"\xfe\xff" + b"\0" * 46}
DOC = compound({"WordDocument": b"\xec\xa5" + b"\0" * 1000, "1Table": b"\0" * 600, **SUMMARY})


@pytest.mark.parametrize(
    ("name", "content", "kept_as"),
    [
        ("minutes.docx", DOCX, "minutes.docx"),
        ("budget.xlsx", ooxml("xl/workbook.xml"), "budget.xlsx"),
        ("plan.pptx", ooxml("ppt/presentation.xml"), "plan.pptx"),
        ("minutes.doc", DOC, "minutes.doc"),
        ("budget.xls", compound({"Workbook": b"\x09\x08" + b"\0" * 700, **SUMMARY}), "budget.xls"),
        ("old budget.xls", compound({"Book": b"\x09\x08" + b"\0" * 100}), "old budget.xls"),
        ("plan.ppt", compound({"PowerPoint Document": b"\0" * 800, "Current User": b"\0" * 40}), "plan.ppt"),
        # Version 4 compound files use 4096-byte sectors.
        ("big minutes.doc", compound({"WordDocument": b"\xec\xa5" + b"\0" * 9000}, shift=12), "big minutes.doc"),
        # Many top-level entries, so the directory spans several sectors.
        ("notes.msi", compound({f"Stream {n}": b"" for n in range(9)} | {"WordDocument": b"\0" * 10}), "notes.doc"),
    ],
)
def test_office_documents_are_accepted_for_what_they_are(owner_client, action, evidence_root, name, content, kept_as):
    response = post_file(owner_client, action, name, content)
    assert response.status_code == 302
    assert ActionUpdate.objects.get().file_name == kept_as
    assert len(stored(evidence_root)) == 1


def test_an_older_office_file_over_7_mb_is_read_through_its_difat(evidence_root):
    """With 512-byte sectors the header lists the FAT sectors for the first 7 MB; the rest are
    listed in DIFAT sectors, which have to be followed to find the directory."""
    content = compound({"Workbook": b"\x09\x08" + b"\0" * 100}, directory_at=14_000)
    assert struct.unpack_from("<I", content, 72)[0] == 1  # One DIFAT sector.
    assert len(content) < MAX_EVIDENCE_BYTES
    assert evidence_kind(SimpleUploadedFile("big.xls", content)).extension == "xls"


def with_fat_entry(content: bytes, sector: int, value: int) -> bytes:
    at = 512 + sector * 4
    return content[:at] + struct.pack("<I", value) + content[at + 4 :]


def with_header_field(content: bytes, at: int, value: int) -> bytes:
    return content[:at] + struct.pack("<I", value) + content[at + 4 :]


def with_directory_entry_field(content: bytes, entry: int, at: int, value: int) -> bytes:
    return with_header_field(content, 512 * 2 + entry * 128 + at, value)  # The directory is sector 1.


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        # An installer shares the container, and its directory names none of the documents.
        ("minutes.doc", compound({"\u4840\u3b3f\u4577": b"\0" * 600, **SUMMARY}), NOT_ALLOWED),
        # The name only in the data, not in the directory.
        ("minutes.doc", compound({"Data": "WordDocument\0".encode("utf-16-le") * 10}), NOT_ALLOWED),
        # A storage of that name, or a stream of that name inside a storage, is not the document.
        ("minutes.doc", compound({"WordDocument": {"Data": b"\0" * 10}}), NOT_ALLOWED),
        ("minutes.doc", compound({"Inside": {"WordDocument": b"\0" * 10}}), NOT_ALLOWED),
        ("minutes.doc", compound({"WordDocument": b"\0", "Macros": {"VBA": {"dir": b"\0"}}}), MACROS),
        ("budget.xls", compound({"Workbook": b"\0", "_VBA_PROJECT_CUR": {"VBA": {"dir": b"\0"}}}), MACROS),
        # A FAT chain that comes back on itself: the directory's one sector says it continues at itself.
        ("minutes.doc", with_fat_entry(DOC, 1, 1), DAMAGED),
        ("minutes.doc", with_fat_entry(DOC, 1, 70_000), DAMAGED),  # On into a sector the file does not have.
        ("minutes.doc", with_header_field(DOC, 48, 9_999), DAMAGED),  # The directory beyond the end.
        ("minutes.doc", with_header_field(DOC, 72, 3), DAMAGED),  # DIFAT sectors that do not exist.
        ("minutes.doc", with_directory_entry_field(DOC, 1, 72, 1), DAMAGED),  # An entry its own sibling.
        ("minutes.doc", with_directory_entry_field(DOC, 0, 76, 500), DAMAGED),  # No such entry.
        ("minutes.doc", with_header_field(DOC, 28, 0), DAMAGED),  # Not the byte order the format has.
        ("minutes.doc", DOC[:600], DAMAGED),
        # Zips: the main part of the type and the list of content types are both needed.
        ("r.docx", ooxml("word/styles.xml"), NOT_ALLOWED),
        ("r.docx", zipped({"word/document.xml": b"<w:document/>"}), NOT_ALLOWED),
        ("r.xlsx", ooxml("xl/styles.xml"), NOT_ALLOWED),
        ("r.docx", ooxml("word/vbaProject.bin", {"evil.exe": PE}), NOT_ALLOWED),  # The review's example.
        ("r.docx", ooxml("word/document.xml", {"word/vbaProject.bin": b"\xcc\x61"}), MACROS),
        ("r.xlsx", ooxml("xl/workbook.xml", {"xl/VBAPROJECT.BIN": b"\xcc\x61"}), MACROS),
        (
            "r.docx",
            ooxml(
                "word/document.xml",
                content_types=b'<Types><Override PartName="/word/document.xml" '
                b'ContentType="application/vnd.ms-word.document.macroEnabled.main+xml"/></Types>',
            ),
            MACROS,
        ),
        ("r.docx", ooxml("word/document.xml", {"word/vbaProject.bin": b"\xcc", "evil.exe": PE}), PROGRAM_INSIDE),
        ("r.docx", ooxml("word/document.xml", {"word/media/image1.png": PE}), PROGRAM_INSIDE),
        ("r.xlsx", ooxml("xl/workbook.xml", {"xl/media/run": ELF}), PROGRAM_INSIDE),
        ("r.pptx", ooxml("ppt/presentation.xml", {"ppt/open.JS": b"alert(1)"}), PROGRAM_INSIDE),
    ],
)
def test_an_office_file_that_is_not_what_it_seems_is_refused(
    owner_client, action, evidence_root, name, content, message
):
    response = post_file(owner_client, action, name, content)
    assert response.status_code == 400
    assert message in text(response)
    assert not ActionUpdate.objects.exists()
    assert stored(evidence_root) == []


def test_a_zip_with_a_damaged_part_is_refused(owner_client, action, evidence_root):
    second = DOCX.index(b"PK\x03\x04", 4)
    damaged = DOCX[:second] + b"PK\x00\x00" + DOCX[second + 4 :]  # The second part's own header spoiled.
    assert damaged.startswith(b"PK\x03\x04")
    response = post_file(owner_client, action, "minutes.docx", damaged)
    assert response.status_code == 400
    assert DAMAGED in text(response)
    assert stored(evidence_root) == []


@pytest.mark.parametrize(
    "parts",
    [
        {"word/media/blank.bin": b"\0" * (100 * 1024 * 1024 + 1)},
        {f"word/part{n}.xml": b"" for n in range(5_000)},
    ],
)
def test_a_zip_that_unpacks_too_big_is_refused(owner_client, action, evidence_root, parts):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", b"<Types/>")
        archive.writestr("word/document.xml", b"<w:document/>")
        for name, content in parts.items():
            archive.writestr(name, content)
    assert len(buffer.getvalue()) < MAX_EVIDENCE_BYTES
    response = post_file(owner_client, action, "minutes.docx", buffer.getvalue())
    assert response.status_code == 400
    assert TOO_BIG_UNPACKED in text(response)
    assert stored(evidence_root) == []
