"""Encryption at rest of citizens' personal data, and the keyed hashes that find it (DOMAIN.md §10).

Values are sealed with AES-256-GCM (authenticated: a changed byte fails to open rather than reading as
something else). A stored value is a token: `1` (the format), the key's id (8 hex digits of the
SHA-256 of the key), `$`, then URL-safe base64 of a random 12-byte nonce and the ciphertext with its tag.
The key id says which key opens the token, so keys can be rotated: put a new key first in
`PERSONAL_DATA_KEYS`, keep the old ones after it (they still open old tokens), run
`manage.py personal_data_rekey` to seal every value under the new key, then drop the old keys.

Search never needs the plain value: a keyed hash (HMAC-SHA256) of the normalised value, with keys of its
own (`PERSONAL_DATA_LOOKUP_KEYS`), is stored beside it and indexed. An 18-digit ID number has little
entropy, so a plain or salted hash could be reversed by trying every birth date and region; an HMAC
cannot be without its key, which never lives in the database. Lookups try every configured hash key, so
rotating the hash key is the same three steps.

With `DEBUG` on and no keys configured, the settings derive keys from `SECRET_KEY` so that a newcomer's
machine works without configuration; with `DEBUG` off they refuse to start without real ones.
"""

import base64
import binascii
import hashlib
import hmac
import os
from dataclasses import dataclass
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver

TOKEN_FORMAT = "1"
_SEPARATOR = "$"
_KEY_ID_LENGTH = 8
_NONCE_BYTES = 12
_KEY_BYTES = 32


class PersonalDataKeyError(Exception):
    """A stored value cannot be opened: its key is not configured, or it was changed."""


@dataclass(frozen=True)
class Keyring:
    """The configured keys: the first encryption key seals, every one opens; hashes use every hash key,
    the first one for what is written."""

    current_id: str
    ciphers: dict[str, AESGCM]
    lookup_keys: tuple[bytes, ...]


def generate_key() -> str:
    """A new random key in the form the settings take (URL-safe base64 of 32 bytes)."""
    return base64.urlsafe_b64encode(os.urandom(_KEY_BYTES)).decode()


def _decode_key(text: str, setting: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as error:
        raise ImproperlyConfigured(f"{setting}: a key is not valid base64.") from error
    if len(key) != _KEY_BYTES:
        raise ImproperlyConfigured(
            f"{setting}: each key must be 32 random bytes in URL-safe base64; generate one with "
            "python manage.py personal_data_rekey --new-key"
        )
    return key


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:_KEY_ID_LENGTH]


@cache
def keyring() -> Keyring:
    """The keys of the settings, decoded once per process (and again when a test changes them)."""
    encryption_keys = [_decode_key(text, "PERSONAL_DATA_KEYS") for text in settings.PERSONAL_DATA_KEYS]
    lookup_keys = [
        _decode_key(text, "PERSONAL_DATA_LOOKUP_KEYS") for text in settings.PERSONAL_DATA_LOOKUP_KEYS
    ]
    if not encryption_keys or not lookup_keys:
        raise ImproperlyConfigured("PERSONAL_DATA_KEYS and PERSONAL_DATA_LOOKUP_KEYS must each name a key.")
    ciphers = {key_id(key): AESGCM(key) for key in encryption_keys}
    return Keyring(key_id(encryption_keys[0]), ciphers, tuple(lookup_keys))


@receiver(setting_changed)
def _forget_keys(*, setting, **kwargs):
    if setting in {"PERSONAL_DATA_KEYS", "PERSONAL_DATA_LOOKUP_KEYS"}:
        keyring.cache_clear()


def encrypt(value: str) -> str:
    """The token of `value` under the current key. A new random nonce each time: the same value never
    gives the same token, so tokens reveal nothing about which rows hold equal values."""
    ring = keyring()
    nonce = os.urandom(_NONCE_BYTES)
    sealed = ring.ciphers[ring.current_id].encrypt(nonce, value.encode(), None)
    body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
    return f"{TOKEN_FORMAT}{ring.current_id}{_SEPARATOR}{body}"


def token_key_id(token: str) -> str:
    """The id of the key that sealed `token` ("" if it is not a token)."""
    head, separator, _body = token.partition(_SEPARATOR)
    if not separator or not head.startswith(TOKEN_FORMAT) or len(head) != 1 + _KEY_ID_LENGTH:
        return ""
    return head[1:]


def is_current(token: str) -> bool:
    """Whether `token` is sealed under the current key (rotation re-seals the others)."""
    return token_key_id(token) == keyring().current_id


def decrypt(token: str) -> str:
    """The value sealed in `token`. Raises PersonalDataKeyError, naming the key id, when no configured
    key opens it: a key was removed too early, or the stored value was changed."""
    identifier = token_key_id(token)
    if not identifier:
        raise PersonalDataKeyError("A personal-data column holds a value that is not encrypted.")
    cipher = keyring().ciphers.get(identifier)
    if cipher is None:
        raise PersonalDataKeyError(
            f"No key in PERSONAL_DATA_KEYS has the id {identifier}: add the key that sealed this value."
        )
    body = token.partition(_SEPARATOR)[2]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        return cipher.decrypt(raw[:_NONCE_BYTES], raw[_NONCE_BYTES:], None).decode()
    except (InvalidTag, binascii.Error, ValueError, UnicodeDecodeError) as error:
        raise PersonalDataKeyError(
            f"A value sealed with key {identifier} does not open: it was changed."
        ) from error


def keyed_hashes(purpose: str, text: str) -> list[str]:
    """HMAC-SHA256 (hex) of `text` under every hash key, the current key's first. `purpose` keeps the
    hashes of different kinds of value apart (a phone and an ID number never share a hash)."""
    message = f"{purpose}:{text}".encode()
    return [hmac.new(key, message, hashlib.sha256).hexdigest() for key in keyring().lookup_keys]
