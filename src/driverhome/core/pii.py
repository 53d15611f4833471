"""Personal information at rest: authenticated encryption, keyed lookup hashes, masking.

* ``encrypt``/``decrypt`` use Fernet (AES-128-CBC + HMAC-SHA256, authenticated)
  through ``MultiFernet``: the first key in ``DRIVERHOME_FIELD_KEYS`` encrypts,
  every listed key decrypts, so keys rotate by putting a new one first and
  running ``driverhome rotate-keys``.
* ``lookup_hash`` is an HMAC-SHA256 of the normalised value with
  ``DRIVERHOME_LOOKUP_KEY``: exact search and uniqueness without the clear value.
* ``mask_id``, ``mask_phone`` and ``mask_email`` give the forms shown everywhere by default.
* ``new_personal_key``, ``seal`` and ``unseal``: values encrypted under one person's own
  key (``accounts.PersonalKey``) rather than the field keys, for rows that can never be
  changed (the audit and access logs) or are not worth finding (rendered notices): when
  erasure destroys the person's key, every value sealed under it is unreadable
  (crypto-shredding).
"""

from __future__ import annotations

import hashlib
import hmac
import json
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


def mask_email(value: str) -> str:
    """``wang.shifu@example.cn`` -> ``w***@example.cn``."""
    if not value:
        return ""
    local, at, domain = value.partition("@")
    if not at:
        return "*" * len(value)
    return f"{local[:1]}***@{domain}"


def mask_name(value: str) -> str:
    """``王建国`` -> ``王**``: the family name only, as hotline records show a caller."""
    if not value:
        return ""
    return value[:1] + "*" * max(len(value) - 1, 1)


def new_personal_key() -> str:
    """A fresh random key for one person (stored encrypted under the field keys)."""
    return Fernet.generate_key().decode("ascii")


@lru_cache(maxsize=1024)
def _personal_fernet(key: str) -> Fernet:
    return Fernet(key.encode("ascii"))


def seal(key: str, values: dict) -> str:
    """``values`` (JSON-able) encrypted under one person's ``key``: one Fernet token."""
    data = json.dumps(values, ensure_ascii=False, separators=(",", ":"), default=str)
    return _personal_fernet(key).encrypt(data.encode("utf-8")).decode("ascii")


def unseal(key: str, token: str) -> dict:
    """What ``seal`` encrypted; ``ValueError`` if ``token`` was not sealed under ``key``."""
    try:
        return json.loads(_personal_fernet(key).decrypt(token.encode("ascii")))
    except InvalidToken:
        raise ValueError("a sealed value could not be opened with this person's key") from None


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
