"""Headless Chromium for the tests, offline: every network request it makes is bound to fail."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest

#: the flags that keep Debian's Chromium from reaching out (the machine's network is closed), and make any request
#: the page itself makes fail at once
OFFLINE = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--proxy-server=127.0.0.1:9",
    "--host-resolver-rules=MAP * ~NOTFOUND",
)


def chromium() -> str:
    """Chromium's path, or a skip saying how to install it."""
    browser = shutil.which("chromium")
    if browser is None:
        pytest.skip("chromium is not installed (apt-get install chromium); CI installs it")
    return browser


def dump_dom(page: Path, profile: Path) -> subprocess.CompletedProcess:
    """The DOM of the page at `page` after Chromium ran its scripts offline (`stdout`), with Chromium's log
    (`stderr`: a resource that failed to load, an uncaught script error)."""
    started = time.monotonic()
    result = subprocess.run(
        [
            chromium(),
            *OFFLINE,
            f"--user-data-dir={profile}",
            "--enable-logging=stderr",
            "--virtual-time-budget=5000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert time.monotonic() - started < 20
    assert result.returncode == 0, result.stderr[-2000:]
    return result
