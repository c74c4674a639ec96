"""Refusing a file over the upload limit before any of it is stored.

Django's own upload handlers keep a small file in memory and write a large one to a
temporary file, whatever its size, before any form can look at it: a 5 GB upload would
fill the disk first and be refused after. UploadLimitHandler comes first in
FILE_UPLOAD_HANDLERS and stops that:

- A request whose Content-Length is over the limit (with room for the form's other
  fields) has every file in it dropped as it arrives: the handlers after this one never
  see a byte, so nothing is held in memory or written to disk.
- In a request within that, a file is passed on until it goes over the limit; the rest
  of it is dropped and the part already written is deleted.

Either way the form receives a TooBigUpload in the file's place: its name and its size,
always over the limit, with no content. The form's own size check then tells the person
the file is too big and what the limit is, with everything else they typed kept, and
nothing changes. A form with a file field must check the size (actions/forms.py does).
"""

from io import BytesIO

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopFutureHandlers

# Room in a request for the other fields of a form with a file, and for the multipart
# headers around each part, on top of the file itself.
OTHER_FIELDS_BYTES = 256 * 1024


class TooBigUpload(UploadedFile):
    """Stands in for a file over the limit: its name and size, none of its content."""

    def __init__(self, name: str, content_type: str, size: int, charset=None, content_type_extra=None) -> None:
        super().__init__(BytesIO(), name, content_type, size, charset, content_type_extra)


class UploadLimitHandler(FileUploadHandler):
    """Drops every byte of a file past settings.UPLOAD_MAX_BYTES before it is stored."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None) -> None:
        self.body_length = content_length
        self.body_too_big = content_length > settings.UPLOAD_MAX_BYTES + OTHER_FIELDS_BYTES
        return None  # Parse the request as usual: the other fields are still wanted.

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0
        if self.body_too_big:
            # The handlers after this one never start a file for it.
            raise StopFutureHandlers

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes | None:
        self.received += len(raw_data)
        if self.body_too_big or self.received > settings.UPLOAD_MAX_BYTES:
            return None  # Dropped: the handlers after this one never get it.
        return raw_data

    def file_complete(self, file_size: int) -> TooBigUpload | None:
        if not self.body_too_big:
            if self.received <= settings.UPLOAD_MAX_BYTES:
                return None  # Within the limit: the next handler has the whole file.
            # The handlers after this one hold the part within the limit: delete it.
            for handler in self.request.upload_handlers:
                if handler is not self:
                    handler.upload_interrupted()
        # Sent in a request over the limit, a file counts as that big even if it is not.
        size = max(self.received, self.body_length) if self.body_too_big else self.received
        return TooBigUpload(self.file_name, self.content_type, size, self.charset, self.content_type_extra)
