"""Two-step sign-in secrets, encrypted where they are stored.

allauth keeps each authenticator app's secret and the seed of each person's recovery codes
in the database; with them, anyone who can read the database or a backup could make
that person's codes. allauth's MFA adapter encrypts them through these two functions
(members.adapter.MFAAdapter): Fernet (AES in CBC mode with an HMAC), with a key made from
SECRET_KEY. Values from SECRET_KEY_FALLBACKS still open, so the key can be rotated as
Django's own signing is; values stored before encryption (no prefix) are read as they are
and encrypted by migration members 0009.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.crypto import salted_hmac

PREFIX = "fernet:"


def _fernet() -> MultiFernet:
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return MultiFernet(
        [
            Fernet(
                base64.urlsafe_b64encode(
                    salted_hmac("members.secrets", "two-step", secret=key, algorithm="sha256").digest()
                )
            )
            for key in keys
        ]
    )


def secret_encrypt(text: str) -> str:
    return PREFIX + _fernet().encrypt(text.encode()).decode()


def secret_decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored  # Stored before secrets were encrypted.
    try:
        return _fernet().decrypt(stored.removeprefix(PREFIX).encode()).decode()
    except InvalidToken as error:
        raise ValueError("A two-step secret was encrypted with a key this site no longer has.") from error
