"""Digests of bearer secrets (API keys, dashboard session tokens) for storage.

Only the digest is stored.  It is an HMAC keyed with SECRET_KEY rather than a
bare hash, so a copy of the database alone does not let anyone check guesses
offline; changing SECRET_KEY therefore invalidates every API key and session.
"""

from __future__ import annotations

import hashlib
import hmac

from dashboard.config import get_settings


def token_digest(token: str) -> str:
    key = get_settings().secret_key.encode()
    return hmac.new(key, token.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()
