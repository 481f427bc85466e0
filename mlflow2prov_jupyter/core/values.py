"""Value conventions of the model (docs/prov-model.md#values): times, empty values, metric values, secret-free URIs."""

from __future__ import annotations

import math
import re
from datetime import datetime, timezone
from typing import TypeVar
from urllib.parse import parse_qsl, urlencode, urlsplit

_T = TypeVar("_T")
_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def from_millis(ms: int | float | str | None) -> datetime | None:
    """MLflow milliseconds → aware UTC datetime; None, 0, negative or unparsable → None (unknown)."""
    if ms is None or ms == "":
        return None
    try:
        value = int(ms)
    except (TypeError, ValueError):
        return None
    if value <= 0:
        return None
    return datetime.fromtimestamp(value / 1000, tz=timezone.utc)


def from_seconds(s: int | float | None) -> datetime | None:
    """Unix seconds (git) → aware UTC datetime; None, 0 or negative → None."""
    if s is None or s <= 0:
        return None
    return datetime.fromtimestamp(int(s), tz=timezone.utc)


def parse_iso(text: str | datetime | None) -> datetime | None:
    """ISO-8601 text (or a datetime) → aware UTC datetime; naive values are taken as UTC."""
    if text is None or text == "":
        return None
    if isinstance(text, datetime):
        dt = text
    else:
        t = str(text).strip()
        if t.endswith("Z") or t.endswith("z"):
            t = t[:-1] + "+00:00"
        dt = datetime.fromisoformat(t)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)


def blank_to_none(value: _T | None) -> _T | None:
    """Optional scalar fields: ``""`` ≡ None ≡ absent (docs/prov-model.md#values)."""
    if value is None:
        return None
    if isinstance(value, str) and value == "":
        return None
    return value


def metric_value(value: float) -> float | str:
    """Metric values are doubles; non-finite ones become the strings NaN, INF, -INF."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "INF" if v > 0 else "-INF"
    return v


_SECRET_PARAM = re.compile(r"token|sig|key|secret|password|passwd|credential|auth", re.IGNORECASE)


def strip_secrets(uri: str | None) -> str | None:
    """Remove userinfo and secret-looking query parameters from a URI (docs/prov-model.md#values); else unchanged."""
    if uri is None or uri == "":
        return uri
    text = str(uri)
    if "://" not in text and "?" not in text:
        return text
    try:
        parts = urlsplit(text)
    except ValueError:
        return text
    netloc = parts.netloc
    if "@" in netloc:
        netloc = netloc.rsplit("@", 1)[1]
    query = parts.query
    if query:
        pairs = parse_qsl(query, keep_blank_values=True)
        kept = [(k, v) for k, v in pairs if not _SECRET_PARAM.search(k)]
        if len(kept) != len(pairs):
            query = urlencode(kept)
    if netloc == parts.netloc and query == parts.query:
        return text
    # Joined by hand: urlunsplit turns sqlite:////abs/path (empty host, path //abs/path) into sqlite://abs/path.
    head = f"{parts.scheme}://" if text[len(parts.scheme) : len(parts.scheme) + 3] == "://" else f"{parts.scheme}:"
    return (
        head + netloc + parts.path + (f"?{query}" if query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    )


def truncate(text: str, limit: int) -> tuple[str, bool]:
    """Cut text longer than ``limit`` characters (0 = off); returns (text, was_truncated)."""
    if limit and isinstance(text, str) and len(text) > limit:
        return text[:limit], True
    return text, False


def label(text: str, limit: int = 80) -> str:
    """A deterministic prov:label of at most ``limit`` characters (first line only)."""
    first = str(text).split("\n", 1)[0]
    if len(first) > limit:
        return first[: limit - 1] + "…"
    return first
