"""The front end's own unit tests (js/test, run by node's test runner) are part of this suite, so
the README's one test command runs them too."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).resolve().parents[1] / "js"


def test_the_front_end_unit_tests_pass() -> None:
    npm = shutil.which("npm")
    if npm is None:
        pytest.fail("npm is needed to build and test the front end (it comes with Node.js).")
    done = subprocess.run([npm, "test"], cwd=JS, capture_output=True, text=True, timeout=300)
    report = done.stdout + done.stderr
    assert done.returncode == 0, report[-4000:]
    passed = re.search(r"^# pass (\d+)$", report, re.M)
    failed = re.search(r"^# fail (\d+)$", report, re.M)
    assert passed and int(passed.group(1)) > 100, report[-2000:]
    assert failed and int(failed.group(1)) == 0
