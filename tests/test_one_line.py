"""core.redact.one_line: every caller's "an exception as one short public line" (issue 15: one source)."""

from __future__ import annotations

import socket

import pytest
import requests

from mlflow2prov_jupyter.core.redact import MASK, one_line


def test_one_line_joins_lines_scrubs_secrets_and_escapes_controls():
    exc = ValueError("cannot open\x1b[2J\n  https://alice:s3cret@host/x?token=abc  done")
    text = one_line(exc)
    assert text == f"cannot open\\x1b[2J https://host/x?token={MASK} done"
    assert "s3cret" not in text and "abc" not in text and "\n" not in text and "\x1b" not in text


def test_one_line_names_an_empty_exception_by_its_type_and_cuts_to_the_limit():
    assert one_line(KeyError()) == "KeyError"
    assert one_line("") == ""
    cut = one_line(RuntimeError("x" * 300), 200)
    assert len(cut) == 200 and cut.endswith("…")
    assert one_line("short", 200) == "short"


def test_a_text_that_only_mentions_a_timeout_is_left_alone():
    """Only a failed connection is reworded: a usage message about --timeout keeps its words."""
    message = "Invalid value for '--timeout': 'soon' is not a valid integer."
    assert one_line(message) == message


def test_a_refused_connection_is_named_by_its_cause():
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as err:
        requests.get(f"http://127.0.0.1:{port}/", timeout=5)
    assert one_line(err.value) == "connection refused"


def test_a_silent_server_is_named_by_the_seconds_it_was_given():
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        with pytest.raises(requests.Timeout) as err:
            requests.get(f"http://127.0.0.1:{listener.getsockname()[1]}/", timeout=1)
    assert one_line(err.value) == "no answer within 1 s"
