"""Every message this package passes on (its own errors and warnings, a library's text) goes through
:func:`public_line`: credentials are removed and control characters escaped, so a message never shows a
password and never spans (or fakes) a second line."""

from __future__ import annotations

import os
import re
import socket

# scheme://user:password@host → scheme://host (any scheme: http, ftp, postgresql+psycopg2, s3, …)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/@'\"<>]+@")
# token=…, password=…, access_token=… (URL queries, key=value text) and JSON's "password": "…"
_SECRET_KEYS = (
    r"access_token|refresh_token|id_token|token|api_?key|apikey|client_secret|secret|password|passwd|pwd|"
    r"sig|signature|x-amz-signature|x-amz-credential|x-amz-security-token|sas|auth|authorization"
)
_SECRET_VALUE = re.compile(
    rf"(?i)(?<![a-z0-9_])((?:{_SECRET_KEYS})=|[\"'](?:{_SECRET_KEYS})[\"']\s*:\s*[\"']?)([^\s&;,\"'<>]+)"
)
_BEARER = re.compile(r"(?i)\b(bearer|authorization:\s*basic)\s+([a-z0-9._~+/\-]+=*)")
#: Environment variables whose values are secrets wherever they appear in a message.
SECRET_ENV = (
    "MLFLOW_TRACKING_PASSWORD", "MLFLOW_TRACKING_TOKEN", "DATABRICKS_TOKEN", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN", "AZURE_STORAGE_ACCESS_KEY", "AZURE_STORAGE_CONNECTION_STRING", "M2P_PSEUDONYM_KEY",
)  # fmt: skip
MASK = "***"

_CONTROL = {c: f"\\x{c:02x}" for c in (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0))}
_CONTROL.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r", 0x2028: "\\u2028", 0x2029: "\\u2029"})


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """``text`` without URL userinfo, secret-named key=value values, bearer tokens, the values of the
    :data:`SECRET_ENV` variables and the given ``secrets``."""
    out = _USERINFO.sub(r"\1", text)
    out = _SECRET_VALUE.sub(lambda m: m.group(1) + MASK, out)
    out = _BEARER.sub(lambda m: f"{m.group(1)} {MASK}", out)
    for value in (*secrets, *(os.environ.get(k) for k in SECRET_ENV)):
        if value and len(value) >= 4 and value in out:
            out = out.replace(value, MASK)
    return out


def escape_controls(text: str) -> str:
    """Control characters and line separators as visible escapes (``\\n``, ``\\x1b``, …)."""
    return text.translate(_CONTROL)


def public_line(text: object, secrets: tuple[str, ...] = ()) -> str:
    """A message fit to show: secrets removed (:func:`redact`), one line (:func:`escape_controls`)."""
    return escape_controls(redact(str(text), secrets))


def first_line(exc: BaseException) -> str:
    """A library exception's first non-empty line, made public ("" if it has no text)."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return public_line(lines[0]) if lines else ""


def one_line(error: object, limit: int | None = None) -> str:
    """An exception (or a text) as one short public line: runs of white space joined by one space, made public
    (:func:`public_line`), a failed connection named by its cause (:func:`connection_cause`), cut to ``limit``
    characters with "…"; an exception without text gives its type name."""
    text = public_line(" ".join(str(error).split()))
    if not text:
        return type(error).__name__ if isinstance(error, BaseException) else ""
    if isinstance(error, (ConnectionError, TimeoutError, socket.gaierror)) or any(m in text for m in _POOL_MARKS):
        text = connection_cause(text)
    return text if limit is None or len(text) <= limit else text[: limit - 1] + "…"


# an HTTP client's failure as requests/urllib3 word it (MLflow's client passes them on inside its own message)
_POOL_MARKS = ("ConnectionPool(", "Max retries exceeded")
_TIMEOUT_SECONDS = re.compile(r"timeout=(\d+(?:\.\d+)?)\b")


def connection_cause(text: str) -> str:
    """A failed connection's message by its cause: "connection refused", "no answer within 5 s" (the seconds
    the message names), "unknown host", else the innermost cause the message quotes."""
    low = text.lower()
    if "connection refused" in low:
        return "connection refused"
    if "timed out" in low or "timeout" in low:
        seconds = _TIMEOUT_SECONDS.search(text)
        return f"no answer within {seconds.group(1)} s" if seconds else "no answer in time"
    if "name or service not known" in low or "nodename nor servname" in low or "getaddrinfo failed" in low:
        return "unknown host"
    for marker in ("Caused by ", "Failed to establish a new connection: "):
        if marker in text:
            text = text.split(marker, 1)[1]
    return text.strip(" ()'\"")


__all__ = [
    "redact", "escape_controls", "public_line", "first_line", "one_line", "connection_cause", "SECRET_ENV", "MASK"
]  # fmt: skip
