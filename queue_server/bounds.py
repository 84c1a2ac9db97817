"""Bounded input types: every integer fits its column, every string has a length and no NUL.

Use these for every integer and string a request carries — body fields, path and query
parameters alike (`ticket_id: Id`, `limit: Annotated[int, Query(...)]` stays fine when it has
`ge`/`le`). Out-of-range and NUL inputs are then refused with the usual 422 before any handler
(or a shared issuing batch) sees them. `tests/security/test_input_bounds.py` reads the OpenAPI
schema and fails on any request integer without both bounds or string without a length limit, so
a new endpoint cannot forget; the fuzz (`tests/security/test_api_fuzz.py`) checks the result.

PATCH bodies: a field that may be left out but not set to null is declared with the non-null
type and a `None` default (`name: Name = None`): absent means "unchanged" (`exclude_unset`),
an explicit null is a 422, never a NOT NULL violation. Nullable columns keep `X | None = None`.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, Field, StringConstraints

INT32_MAX = 2**31 - 1  # INTEGER on PostgreSQL
INT64_MAX = 2**63 - 1  # BIGINT, and any SQLite integer


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("không được chứa ký tự NUL")
    return value


Id = Annotated[int, Field(ge=1, le=INT32_MAX)]
"""A row id (an INTEGER primary or foreign key)."""

Int32 = Annotated[int, Field(ge=-INT32_MAX - 1, le=INT32_MAX)]
Count = Annotated[int, Field(ge=0, le=INT32_MAX)]
Seq = Annotated[int, Field(ge=0, le=INT64_MAX)]
"""An event sequence number (BIGINT)."""


def text(max_length: int, min_length: int = 0, pattern: str | None = None):
    """A string of at most `max_length` characters, without NUL."""
    return Annotated[
        str,
        StringConstraints(max_length=max_length, min_length=min_length, pattern=pattern),
        AfterValidator(_no_nul),
    ]


Token = text(200, 1)
"""A token or code carried in a path or query (lookup tokens, ticket tokens, dossier codes)."""
Code = text(60, 1)
"""An identifier-like code (procedure codes, references)."""
Name = text(200, 1)
ShortText = text(500)
LongText = text(4000)
