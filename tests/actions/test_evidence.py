"""Updates with evidence: a link or a file, checked by what is inside it, stored outside the
web root under a random name, and given back only to members, as a download that cannot run."""

import html
import io
import zipfile
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from actions.evidence import MAX_EVIDENCE_BYTES, NOT_ALLOWED
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


def test_an_installer_in_an_office_container_is_refused(owner_client, action, evidence_root):
    """Older Office files share their container with Windows installers: only a Word, Excel or
    PowerPoint document inside one is accepted."""
    installer = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "\u4840\u3b3f\u4577".encode("utf-16-le") * 20
    document = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504 + "WordDocument\0".encode("utf-16-le")

    refused = owner_client.post(
        update_url(action), {"text": "Setup.", "file": SimpleUploadedFile("minutes.doc", installer)}
    )
    accepted = owner_client.post(
        update_url(action), {"text": "Minutes.", "file": SimpleUploadedFile("minutes.msi", document)}
    )

    assert refused.status_code == 400
    assert "This kind of file cannot be added" in html.unescape(refused.content.decode())
    assert accepted.status_code == 302
    update = ActionUpdate.objects.get()
    assert (update.file_name, update.file_type) == ("minutes.doc", "application/msword")
