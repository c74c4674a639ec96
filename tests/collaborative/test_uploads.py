"""A file over the upload limit is refused before it is stored (collaborative/uploads.py)."""

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.urls import reverse

from actions.evidence import MAX_EVIDENCE_BYTES
from actions.models import ActionUpdate
from collaborative.uploads import OTHER_FIELDS_BYTES
from tests.factories import MembershipFactory, action_record

pytestmark = pytest.mark.django_db

TOO_BIG = "The file is bigger than 10 MB. Add a smaller file, or a link to it instead."
PDF = b"%PDF-1.4\n"


@pytest.fixture
def owner(collaborative):
    return MembershipFactory(collaborative=collaborative).user


@pytest.fixture
def action(collaborative, owner):
    return action_record(collaborative, by=owner, title="Publish the crisis cafe map")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


class Disk:
    """What reaches the disk: temporary upload files started, bytes written to them, evidence kept."""

    def __init__(self, tmp_path):
        self.temp_dir = tmp_path / "uploads"
        self.evidence_root = tmp_path / "evidence"
        self.temporary_files = 0
        self.bytes_written = 0

    def files(self) -> list:
        return [path for path in self.temp_dir.parent.rglob("*") if path.is_file()]


@pytest.fixture
def disk(settings, tmp_path, monkeypatch) -> Disk:
    disk = Disk(tmp_path)
    disk.temp_dir.mkdir()
    settings.FILE_UPLOAD_TEMP_DIR = str(disk.temp_dir)
    settings.EVIDENCE_ROOT = disk.evidence_root
    new_file, receive = TemporaryFileUploadHandler.new_file, TemporaryFileUploadHandler.receive_data_chunk

    def counting_new_file(handler, *args, **kwargs):
        disk.temporary_files += 1
        return new_file(handler, *args, **kwargs)

    def counting_receive(handler, raw_data, start):
        disk.bytes_written += len(raw_data)
        return receive(handler, raw_data, start)

    monkeypatch.setattr(TemporaryFileUploadHandler, "new_file", counting_new_file)
    monkeypatch.setattr(TemporaryFileUploadHandler, "receive_data_chunk", counting_receive)
    return disk


def add_update(client, action, content: bytes):
    url = reverse("actions:update", kwargs={"slug": action.collaborative.slug, "pk": action.pk})
    return client.post(url, {"text": "The map is at the printers.", "file": SimpleUploadedFile("map.pdf", content)})


def test_the_upload_limit_is_the_evidence_limit(settings):
    """A file the form refuses for its size never reaches the form whole, and one it accepts always does."""
    assert settings.UPLOAD_MAX_BYTES == MAX_EVIDENCE_BYTES


def test_an_upload_over_the_limit_never_reaches_disk(owner_client, action, disk):
    response = add_update(owner_client, action, PDF + b"0" * (MAX_EVIDENCE_BYTES + OTHER_FIELDS_BYTES))

    assert response.status_code == 400
    page = html.unescape(response.content.decode())
    assert TOO_BIG in page
    assert "The map is at the printers." in page, "what they typed is kept"
    assert disk.temporary_files == disk.bytes_written == 0
    assert disk.files() == []
    assert not ActionUpdate.objects.exists()


def test_a_file_just_over_the_limit_is_cut_off_at_the_limit_and_deleted(owner_client, action, disk):
    response = add_update(owner_client, action, PDF + b"0" * MAX_EVIDENCE_BYTES)

    assert response.status_code == 400
    assert TOO_BIG in html.unescape(response.content.decode())
    assert 0 < disk.bytes_written <= MAX_EVIDENCE_BYTES
    assert disk.files() == []
    assert not ActionUpdate.objects.exists()


def test_a_file_of_exactly_the_limit_is_kept(owner_client, action, disk):
    response = add_update(owner_client, action, PDF + b"0" * (MAX_EVIDENCE_BYTES - len(PDF)))

    assert response.status_code == 302
    assert ActionUpdate.objects.get().file_size == MAX_EVIDENCE_BYTES
    assert disk.bytes_written == MAX_EVIDENCE_BYTES
    [kept] = disk.files()
    assert kept.is_relative_to(disk.evidence_root)
