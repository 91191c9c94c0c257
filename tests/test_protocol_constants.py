"""The constants Python and the front end share (message types, trait names, limits, choices)
agree: each side's value is read from its own source (Python's by its assignment, wherever in the
package it lives; the front end's by importing its modules in node), so a change on one side that
the other does not follow fails here."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "lora_tagger_widget"
JS_SRC = ROOT / "js" / "src"

JS_VALUES = """
const load = (path) => import(new URL(path, process.argv[1]).href);
await load("../test/helpers.js"); // the modules' .css imports load as nothing
const model = await load("lib/model.js");
const thumbs = await load("grid/thumbs.js");
const items = await load("grid/items.js");
const preview = await load("editor/preview.js");
const captiontext = await load("editor/captiontext.js");
const batch = await load("panels/batch/logic.js");
const checks = await load("panels/checks/logic.js");
const plots = await load("panels/plots/logic.js");
const exporter = await load("panels/export/logic.js");
process.stdout.write(JSON.stringify({
  traits: model.TRAITS,
  thumbBatch: thumbs.BATCH,
  itemsPage: items.PAGE_SIZE,
  previewSides: [preview.MIN_SIDE, preview.MAX_SIDE],
  maxViewCaption: captiontext.MAX_VIEW_CAPTION,
  batchKinds: batch.KINDS.map((k) => k.value),
  batchParameters: batch.PARAMETERS,
  severities: checks.SEVERITIES,
  checksResolutions: checks.RESOLUTIONS,
  plotsResolutions: plots.RESOLUTIONS,
  exportTargets: exporter.TARGETS.map((t) => t.value),
  exportFixes: exporter.FIXES.map((f) => f.key),
}));
"""


def python_modules() -> list[ast.Module]:
    """Every module of the package, parsed."""
    return [ast.parse(path.read_text(encoding="utf-8")) for path in sorted(PACKAGE.rglob("*.py"))]


def python_constant(name: str) -> Any:
    """The value of the module-level constant `name`, wherever in the package it is assigned."""
    found = []
    for module in python_modules():
        for node in module.body:
            if isinstance(node, ast.AnnAssign):
                targets = [node.target]
            else:
                targets = getattr(node, "targets", [])
            named = any(isinstance(t, ast.Name) and t.id == name for t in targets)
            if named and node.value is not None:
                found.append(node.value)
    assert len(found) == 1, f"{name} is assigned {len(found)} times in the package"
    value = found[0]
    literal = all(isinstance(v, ast.Constant | ast.Tuple) for v in getattr(value, "values", []))
    if isinstance(value, ast.Dict) and not literal:  # a table of handlers: its keys
        return {ast.literal_eval(key) for key in value.keys if key is not None}
    if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "frozenset":
        return frozenset(ast.literal_eval(value.args[0]))
    return ast.literal_eval(value)


def python_synced_traits() -> set[str]:
    """The names of the traits Python syncs with the front end (`... .tag(sync=True)`)."""
    names = set()
    for module in python_modules():
        for node in ast.walk(module):
            if not (isinstance(node, ast.Assign) and isinstance(node.value, ast.Call)):
                continue
            call = node.value
            synced = isinstance(call.func, ast.Attribute) and call.func.attr == "tag" and any(
                k.arg == "sync" and getattr(k.value, "value", None) is True for k in call.keywords)
            if synced:
                names.update(t.id for t in node.targets if isinstance(t, ast.Name))
    return names


def front_end_text() -> str:
    return "\n".join(path.read_text(encoding="utf-8") for path in sorted(JS_SRC.rglob("*.js")))


@pytest.fixture(scope="module")
def js() -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to read the front end's constants (it comes with Node.js).")
    done = subprocess.run([node, "--input-type=module", "-e", JS_VALUES, (JS_SRC / "x").as_uri()],
                          capture_output=True, text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_every_request_the_front_end_sends_is_one_python_handles() -> None:
    sent = set(re.findall(r"\b(?:request|act)\(\s*\"([a-z_]+)\"", front_end_text()))
    handled = set(python_constant("HANDLERS"))
    assert len(sent) > 20
    assert sent <= handled, f"sent but not handled: {sorted(sent - handled)}"


def test_every_trait_the_front_end_reads_or_sets_is_synced_by_python(js: dict[str, Any]) -> None:
    text = front_end_text()
    used = set(js["traits"])
    used |= set(re.findall(r"model\.(?:get|set)\(\s*\"(\w+)\"", text))
    used |= set(re.findall(r"\"change:(\w+)\"", text))
    used |= set(re.findall(r"setTrait\(\s*\"(\w+)\"", text))
    synced = python_synced_traits()
    assert "_palette_delta" in used and "_shown_selection" in used
    assert used <= synced, f"not synced by Python: {sorted(used - synced)}"


def test_request_sizes_stay_within_what_python_accepts(js: dict[str, Any]) -> None:
    assert 0 < js["thumbBatch"] <= python_constant("MAX_THUMBS")
    assert 0 < js["itemsPage"] <= python_constant("MAX_ITEMS")
    assert js["previewSides"][1] == python_constant("MAX_PREVIEW_SIDE")
    assert js["maxViewCaption"] == python_constant("MAX_VIEW_CAPTION")


def test_the_choices_the_panels_offer_are_pythons(js: dict[str, Any]) -> None:
    assert js["batchKinds"] == list(python_constant("KINDS"))
    parameters = python_constant("_PARAMETERS")
    assert js["batchParameters"] == {kind: list(names) for kind, names in parameters.items()}
    assert js["severities"] == list(python_constant("SEVERITIES"))
    assert js["checksResolutions"] == list(python_constant("RESOLUTIONS"))
    assert js["plotsResolutions"] == list(python_constant("RESOLUTIONS"))
    assert js["exportTargets"] == list(python_constant("TARGETS"))
    assert set(js["exportFixes"]) == python_constant("FIX_NAMES")
