"""The Checks panel shows the settings a run uses: its defaults are CheckSettings' own, and each
code a check can give has a title in the panel."""

from __future__ import annotations

import ast
import dataclasses
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lora_tagger_widget.core import checks
from lora_tagger_widget.core.checks import CheckSettings

ROOT = Path(__file__).resolve().parents[1]
LOGIC = ROOT / "js" / "src" / "panels" / "checks" / "logic.js"
READ = """
const logic = await import(process.argv[1]);
const values = { defaults: logic.SETTING_DEFAULTS, titles: logic.KIND_TITLES };
process.stdout.write(JSON.stringify(values));
"""


@pytest.fixture(scope="module")
def panel() -> dict[str, dict[str, object]]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to read the Checks panel's constants (it comes with Node.js).")
    done = subprocess.run([node, "--input-type=module", "-e", READ, LOGIC.as_uri()],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_the_panels_defaults_are_the_check_settings_defaults(
        panel: dict[str, dict[str, object]]) -> None:
    defaults = {field.name: field.default for field in dataclasses.fields(CheckSettings)}
    assert panel["defaults"] == {"maxAspect": defaults["max_aspect"],
                                 "distance": defaults["near_duplicate_distance"],
                                 "blur": defaults["blur_threshold"]}


def test_every_finding_code_has_a_title_in_the_panel(panel: dict[str, dict[str, object]]) -> None:
    source = ast.parse(Path(checks.__file__).read_text(encoding="utf-8"))
    codes = {node.args[1].value for node in ast.walk(source)
             if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Finding"
             and len(node.args) > 1 and isinstance(node.args[1], ast.Constant)}
    assert len(codes) > 20
    assert codes <= panel["titles"].keys()
