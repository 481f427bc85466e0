"""Under CI a missing browser fails the browser tests; on a developer's machine it skips them."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BROWSER = Path(__file__).resolve().parent / "browser"


def _guard():
    sys.path.insert(0, str(BROWSER))  # the browser conftest imports its labharness
    try:
        spec = importlib.util.spec_from_file_location("browser_conftest", BROWSER / "conftest.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(BROWSER))
    return module._unavailable


def test_missing_browser_fails_under_ci(monkeypatch):
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="chromium missing; CI must run the browser tests"):
        _guard()("chromium missing")


def test_missing_browser_skips_elsewhere(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="chromium missing"):
        _guard()("chromium missing")
