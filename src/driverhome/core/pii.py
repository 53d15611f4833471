"""Personal information at rest: authenticated encryption, keyed lookup hashes, masking.

* ``encrypt``/``decrypt`` use Fernet (AES-128-CBC + HMAC-SHA256, authenticated)
  through ``MultiFernet``: the first key in ``DRIVERHOME_FIELD_KEYS`` encrypts,
  every listed key decrypts, so keys rotate by putting a new one first and
  running ``driverhome rotate-keys``.
* ``lookup_hash`` is an HMAC-SHA256 of the normalised value with
  ``DRIVERHOME_LOOKUP_KEY``: exact search and uniqueness without the clear value.
* ``mask_id`` and ``mask_phone`` give the forms shown everywhere by default.
"""

from __future__ import annotations

import hashlib
import hmac
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode()) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return fernet().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken:
        raise ValueError(
            "a protected value could not be decrypted with any configured key"
        ) from None


def rotate(token: str) -> str:
    """Re-encrypt a token under the newest key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")


@lru_cache(maxsize=4)
def _lookup_key(key: str) -> bytes:
    return key.encode("utf-8")


def lookup_hash(value: str, *, kind: str) -> str:
    """A keyed hash of ``value`` for exact lookup; ``kind`` separates ID, phone, ... domains."""
    normalised = value.strip().upper()
    digest = hmac.new(
        _lookup_key(settings.FIELD_LOOKUP_KEY), f"{kind}:{normalised}".encode(), hashlib.sha256
    )
    return digest.hexdigest()


def mask_id(value: str) -> str:
    """``330206199001011234`` -> ``3302**********1234``."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_phone(value: str) -> str:
    """``13812345678`` -> ``138****5678``."""
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


class EncryptedTextField(models.TextField):
    """A text column that holds only ciphertext; Python sees the clear value.

    Decryption is lazy per access of the attribute only in the sense that the
    ciphertext is decrypted when the row is loaded; lists that do not need the
    clear value should ``.defer()`` the field.
    """

    description = "Text encrypted at rest"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)
