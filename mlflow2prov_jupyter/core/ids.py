"""Identifier encoding (docs/prov-model.md#identifiers): stable keys percent-encoded into local parts."""

from __future__ import annotations

from functools import lru_cache

_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
_SAFE_PATH = _SAFE | {ord("/")}


def _encode(text: str, safe: frozenset[int]) -> str:
    data = str(text).encode("utf-8")
    if all(b in safe for b in data):
        return data.decode("ascii")
    return "".join(chr(b) if b in safe else f"%{b:02X}" for b in data)


@lru_cache(maxsize=65536)
def encode_segment(key: object) -> str:
    """Encode one identifier segment: every byte outside ``A-Za-z0-9-._~`` becomes ``%XX``."""
    return _encode(str(key), _SAFE)


@lru_cache(maxsize=65536)
def encode_path(path: str) -> str:
    """Encode a repository or artifact path: like :func:`encode_segment` but ``/`` is kept (always the last segment)."""
    return _encode(path, _SAFE_PATH)
