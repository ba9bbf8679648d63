"""Ed25519 keys of reviewers: one per user account, never in a case; it signs dossiers and
the head of each case's custody chain.

The private key lives in desk's per-user config folder, created with owner-only permissions
on first use. A reader checks a signature against the fingerprint the desk publishes, so the
fingerprint (SHA-256 of the raw 32-byte public key) is what the dossier prints.
"""

from __future__ import annotations

import hashlib
import os
import stat
import sys
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

from desk.core.identity import user_config_dir

KEY_FILE = "signing_key.pem"


class KeyUnusable(ValueError):
    """A key file or public key that cannot be used, said in one sentence."""


def key_path() -> Path:
    return user_config_dir() / KEY_FILE


def load_or_create_key(path: Path | None = None) -> Ed25519PrivateKey:
    """The reviewer's signing key, made on first use (0600, written exclusively, no races)."""
    path = path or key_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another export made it a moment ago: use that one
        else:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pem)
                fh.flush()
                os.fsync(fh.fileno())
            return key
    if sys.platform != "win32":
        mode = stat.S_IMODE(path.stat().st_mode)
        if mode & 0o077:
            path.chmod(0o600)  # a private key readable by others is tightened, not refused
    try:
        stored = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as exc:
        raise KeyUnusable(f"The signing key {path} cannot be read ({exc}).") from exc
    if not isinstance(stored, Ed25519PrivateKey):
        raise KeyUnusable(f"The signing key {path} is not an Ed25519 key.")
    return stored


def public_pem(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    return public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def fingerprint(key: Ed25519PrivateKey | Ed25519PublicKey) -> str:
    """SHA-256 of the raw public key, hex: the number a reader compares."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def sign(key: Ed25519PrivateKey, data: bytes) -> bytes:
    """A detached raw 64-byte signature (what `openssl pkeyutl -verify -rawin` reads)."""
    return key.sign(data)


def load_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except (ValueError, TypeError) as exc:
        raise KeyUnusable(f"the public key cannot be read ({exc})") from exc
    if not isinstance(key, Ed25519PublicKey):
        raise KeyUnusable("the public key is not an Ed25519 key")
    return key


def check_signature(public: Ed25519PublicKey, signature: bytes, data: bytes) -> bool:
    try:
        public.verify(signature, data)
    except InvalidSignature:
        return False
    return True
