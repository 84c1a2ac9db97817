"""Password hashing (argon2), staff access tokens (JWT) and device tokens (random, stored hashed)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from ..timeutil import utcnow

_hasher = PasswordHasher()
DEVICE_TOKEN_PREFIX = "mdv_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def make_access_token(secret: str, user_id: int, token_version: int, minutes: int) -> str:
    now = utcnow()
    claims = {
        "sub": str(user_id),
        "tv": token_version,
        "iat": now,
        "exp": now + timedelta(minutes=minutes),
        "typ": "staff",
    }
    return jwt.encode(claims, secret, algorithm="HS256")


def read_access_token(secret: str, token: str) -> dict | None:
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return claims if claims.get("typ") == "staff" else None


def new_device_token() -> str:
    return DEVICE_TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_public_token() -> str:
    """Unguessable token for links printed on paper (ticket pages, receipt lookups)."""
    return secrets.token_urlsafe(18)
