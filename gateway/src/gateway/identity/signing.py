"""The key ring that signs and verifies the gateway's access tokens (ES256 JWTs).

Keys come from `CRM_JWT_KEYS`, a JWK Set of EC P-256 private keys that every replica
reads from the same Secret, so any replica verifies what another signed. Every key in
the set verifies; the one named by `CRM_JWT_ACTIVE_KID` (else the first) signs. Rotating
is therefore: add the new key, deploy; make it active, deploy; drop the old key once
the last token it signed has expired (the access-token lifetime). The public halves are
published at /.well-known/jwks.json for anyone who verifies tokens themselves.
"""

from __future__ import annotations

import json
import logging
import secrets
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

log = logging.getLogger(__name__)
ALGORITHM = "ES256"


def new_private_jwk(kid: str = "") -> dict[str, Any]:
    """A fresh P-256 private key as a JWK (what `gateway.admin new-signing-key` prints)."""
    key = ec.generate_private_key(ec.SECP256R1())
    jwk: dict[str, Any] = json.loads(ECAlgorithm.to_jwk(key))
    kid = kid or f"{datetime.now(UTC):%Y%m%d}-{secrets.token_hex(4)}"
    return {**jwk, "kid": kid, "alg": ALGORITHM, "use": "sig"}


@dataclass
class KeyRing:
    signing: tuple[str, Any]  # (kid, private key)
    verifying: dict[str, Any] = field(default_factory=dict)  # kid -> public key
    public_jwks: list[dict[str, Any]] = field(default_factory=list)

    @classmethod
    def from_jwks(cls, text: str, active_kid: str = "") -> KeyRing:
        if not text:
            # One replica can live with this; several cannot (each would sign with its
            # own key). Production sets CRM_JWT_KEYS from a Secret.
            log.warning("CRM_JWT_KEYS is not set: signing with a key made for this process")
            text = json.dumps({"keys": [new_private_jwk()]})
        keys = json.loads(text).get("keys", [])
        if not keys:
            raise ValueError("CRM_JWT_KEYS holds no keys")
        ring: KeyRing | None = None
        verifying: dict[str, Any] = {}
        published: list[dict[str, Any]] = []
        for data in keys:
            kid = data.get("kid")
            if not kid or data.get("kty") != "EC" or "d" not in data:
                raise ValueError("each key in CRM_JWT_KEYS needs kid, kty EC and its private part")
            private = jwt.PyJWK({**data, "alg": ALGORITHM}).key
            public = private.public_key()
            verifying[kid] = public
            published.append(
                {
                    **ECAlgorithm.to_jwk(public, as_dict=True),
                    "kid": kid,
                    "alg": ALGORITHM,
                    "use": "sig",
                }
            )
            if ring is None and kid == (active_kid or kid):
                ring = cls(signing=(kid, private))
        if ring is None:
            raise ValueError(f"CRM_JWT_ACTIVE_KID {active_kid!r} is not in CRM_JWT_KEYS")
        ring.verifying, ring.public_jwks = verifying, published
        return ring

    def sign(self, claims: dict[str, Any]) -> str:
        kid, key = self.signing
        return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": kid})

    def key_for(self, kid: str) -> Any | None:
        return self.verifying.get(kid)
