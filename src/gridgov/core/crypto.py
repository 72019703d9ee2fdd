"""Field encryption and blind indexes for personal data (DESIGN rule 4).

Keys come from the environment: ``GRIDGOV_FIELD_KEYS`` is a comma-separated list of 32-byte url-safe base64 keys,
newest first (``python -c "import base64,os;print(base64.urlsafe_b64encode(os.urandom(32)).decode())"`` makes
one). The newest encrypts; every listed key decrypts, so a new key can be put in front, the
``rotate_field_keys`` command re-encrypts every row under it, and then the old key can be removed.
``GRIDGOV_BLIND_INDEX_KEY`` keys the HMAC of the blind indexes. When either is unset, a per-installation key is
made once in the data directory (like ``SECRET_KEY``): never a key shipped in the source.

A stored value is ``<key id>$<base64url(nonce ‖ AES-256-GCM ciphertext)>``. The key id (the first 8 hex digits of
the key's SHA-256) says which key encrypted the row, so rotation can select the rows still under an old key
without decrypting anything. The column's name is bound to the ciphertext as associated data: a value copied
into another column does not decrypt.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

NONCE_BYTES = 12


class DecryptionError(Exception):
    """A stored value that no configured key opens (wrong key, tampered, or moved between columns)."""


def new_key() -> str:
    return base64.urlsafe_b64encode(os.urandom(32)).decode()


def _decode_key(text: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(text.strip().encode())
    except (binascii.Error, ValueError) as exc:
        raise ImproperlyConfigured("GRIDGOV_FIELD_KEYS: a key is not url-safe base64") from exc
    if len(raw) != 32:
        raise ImproperlyConfigured("GRIDGOV_FIELD_KEYS: every key must be 32 bytes (base64 of 32 random bytes)")
    return raw


def key_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()[:8]


def _installation_key(name: str) -> str:
    """The key kept in the data directory, made by whichever process needs it first. Several processes (web
    workers, the Celery worker) may start together on a fresh installation: all of them must end up with the
    same key, or rows encrypted by one would not open in the others."""
    path = Path(settings.DATA_DIR) / name
    for _attempt in range(2):
        try:
            text = path.read_text().strip()
        except FileNotFoundError:
            _create_key_file(path)
            continue
        if not text:
            raise ImproperlyConfigured(f"{path} is empty: remove it to make a new key, or restore the key it held")
        return text
    return path.read_text().strip()


def _create_key_file(path: Path) -> None:
    """Write a new key to a private temporary file, then link it to ``path``: the link appears whole or not at
    all, and never replaces a key another process linked first (that one wins; ours is dropped)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)  # never readable by others, not even briefly
    try:
        with os.fdopen(fd, "w") as out:
            out.write(new_key())
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):  # another process linked its key first: that one is the key
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


@dataclass(frozen=True)
class Keyring:
    current_id: str
    aeads: dict[str, AESGCM]
    blind_key: bytes

    @property
    def ids(self) -> list[str]:
        return list(self.aeads)


@lru_cache(maxsize=4)
def _keyring(field_keys: tuple[str, ...], blind_key: str) -> Keyring:
    texts = field_keys or (_installation_key("field_key"),)
    aeads: dict[str, AESGCM] = {}
    current = ""
    for text in texts:
        raw = _decode_key(text)
        kid = key_id(raw)
        if kid in aeads:
            raise ImproperlyConfigured("GRIDGOV_FIELD_KEYS lists the same key twice")
        aeads[kid] = AESGCM(raw)
        current = current or kid
    blind = (blind_key or _installation_key("blind_index_key")).encode()
    return Keyring(current_id=current, aeads=aeads, blind_key=blind)


def keyring() -> Keyring:
    return _keyring(tuple(settings.FIELD_ENCRYPTION_KEYS), settings.BLIND_INDEX_KEY)


def encrypt(plain: str, context: str) -> str:
    ring = keyring()
    nonce = os.urandom(NONCE_BYTES)
    sealed = ring.aeads[ring.current_id].encrypt(nonce, plain.encode(), context.encode())
    return f"{ring.current_id}${base64.urlsafe_b64encode(nonce + sealed).decode()}"


def stored_key_id(token: str) -> str:
    return token.split("$", 1)[0]


def decrypt(token: str, context: str) -> str:
    kid, _, body = token.partition("$")
    aead = keyring().aeads.get(kid)
    if aead is None:
        raise DecryptionError(f"no configured key has id {kid!r}")
    try:
        blob = base64.urlsafe_b64decode(body.encode())
        return aead.decrypt(blob[:NONCE_BYTES], blob[NONCE_BYTES:], context.encode()).decode()
    except (InvalidTag, binascii.Error, ValueError) as exc:
        raise DecryptionError(f"value under key {kid!r} does not decrypt for {context}") from exc


def blind_index(kind: str, normalized: str) -> str:
    """A keyed hash for exact search: equal inputs give equal indexes; the index says nothing without the key."""
    if not normalized:
        return ""
    mac = hmac.new(keyring().blind_key, f"{kind}:{normalized}".encode(), hashlib.sha256)
    return mac.hexdigest()[:32]


def random_token() -> str:
    return secrets.token_hex(8)
