#!/usr/bin/env bash
# Headless Chromium for the browser tests (tests/browser): Debian's `chromium` package and Playwright's
# Python package. Playwright never downloads a browser here (no `playwright install`): the tests launch
# /usr/bin/chromium through `executable_path`.
set -euo pipefail

SUDO=""
if [ "$(id -u)" != "0" ]; then
  SUDO="sudo"
fi

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q chromium
fi

if ! python -c "import playwright.sync_api" 2>/dev/null; then
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 python -m pip install -q "playwright>=1.40"
fi

/usr/bin/chromium --version 2>/dev/null || true
