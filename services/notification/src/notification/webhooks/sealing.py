"""Secrets encrypted at rest: AES-256-GCM with a key from the deployment's secrets
(ADR 0030). Sealed text is `<key id>:<base64 nonce + ciphertext>`, bound to its
context (tenant and endpoint) as associated data, so a sealed secret copied onto
another endpoint does not open. Several keys may be configured: the first seals,
every one opens (key rotation)."""

from __future__ import annotations

import base64
import binascii
import os

from crm_runtime.errors import FailedPrecondition
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

NONCE = 12


def parse_keys(spec: str) -> dict[str, bytes]:
    """`id:base64key,id:base64key` (32-byte keys), the first being the one that seals."""
    keys: dict[str, bytes] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        key_id, _, encoded = part.partition(":")
        try:
            raw = base64.b64decode(encoded, validate=True)
        except binascii.Error as exc:
            raise ValueError(f"secret key {key_id!r} is not base64") from exc
        if not key_id or len(raw) != 32:
            raise ValueError(f"secret key {key_id!r} must be named and 32 bytes")
        keys[key_id] = raw
    return keys


def new_key_spec(key_id: str = "k1") -> str:
    """A fresh key in the format `parse_keys` reads (for operators and tests)."""
    return f"{key_id}:{base64.b64encode(os.urandom(32)).decode()}"


class AesGcmSealer:
    def __init__(self, keys: dict[str, bytes]) -> None:
        self.keys = keys

    def seal(self, secret: str, context: str) -> tuple[str, str]:
        if not self.keys:
            raise FailedPrecondition(
                "no key to encrypt webhook secrets is configured "
                "(CRM_NOTIFICATION_SECRET_KEYS); ask the operator"
            )
        key_id, key = next(iter(self.keys.items()))
        nonce = os.urandom(NONCE)
        sealed = nonce + AESGCM(key).encrypt(nonce, secret.encode(), context.encode())
        return key_id, f"{key_id}:{base64.b64encode(sealed).decode()}"

    def unseal(self, sealed: str, context: str) -> str:
        key_id, _, encoded = sealed.partition(":")
        key = self.keys.get(key_id)
        if key is None:
            raise FailedPrecondition(f"the key {key_id!r} that sealed a webhook secret is gone")
        raw = base64.b64decode(encoded)
        try:
            return AESGCM(key).decrypt(raw[:NONCE], raw[NONCE:], context.encode()).decode()
        except InvalidTag as exc:
            raise FailedPrecondition("a webhook secret does not open with its key") from exc
