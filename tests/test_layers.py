"""The layers stay apart: the core needs no Jupyter, and the view's logic needs no traitlets.

`lora_tagger_widget/core/` is plain Python (data sets, captions, history, checks, exports);
`lora_tagger_widget/app/` is the view's logic; `widget.py` maps traits and messages onto it.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import lora_tagger_widget

PACKAGE = Path(lora_tagger_widget.__file__).parent
JUPYTER = frozenset({"anywidget", "ipywidgets", "traitlets", "IPython"})
WIDGET_ONLY = frozenset({"anywidget", "ipywidgets", "traitlets"})

LOAD_EVERYTHING_BUT_THE_WIDGET = """
import importlib, json, pkgutil, sys
from lora_tagger_widget import Dataset, make_sample_dataset, plot_sizes
import lora_tagger_widget.app, lora_tagger_widget.core
for package in (lora_tagger_widget.core, lora_tagger_widget.app):
    for module in pkgutil.iter_modules(package.__path__, package.__name__ + "."):
        importlib.import_module(module.name)
print(json.dumps(sorted(sys.modules)))
"""


def loaded_by(code: str) -> set[str]:
    """The top-level names of the modules a fresh Python has loaded after running `code`."""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, timeout=120)
    return {name.split(".")[0] for name in json.loads(done.stdout)}


def imports_of(path: Path) -> list[tuple[int, str]]:
    """`(level, module)` of every import statement in `path` (level 0: absolute)."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(0, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            found.append((node.level, node.module or ""))
    return found


def test_the_core_and_the_app_layer_load_no_jupyter_module() -> None:
    loaded = loaded_by(LOAD_EVERYTHING_BUT_THE_WIDGET)
    assert "lora_tagger_widget" in loaded
    assert not loaded & JUPYTER


def test_the_widget_is_imported_from_the_package_root_when_asked_for() -> None:
    loaded = loaded_by("import json, sys\nfrom lora_tagger_widget import TaggerWidget\n"
                       "assert TaggerWidget.__module__ == 'lora_tagger_widget.widget'\n"
                       "print(json.dumps(sorted(sys.modules)))")
    assert {"anywidget", "traitlets"} <= loaded


def test_no_core_module_imports_jupyter_or_the_layers_above() -> None:
    modules = sorted((PACKAGE / "core").glob("*.py"))
    assert len(modules) > 20
    for path in modules:
        for level, module in imports_of(path):
            top = module.split(".")[0]
            assert level > 0 or top not in JUPYTER, f"{path.name} imports {module}"
            assert level < 2 or top not in ("app", "widget"), f"{path.name} imports ..{module}"


def test_no_app_module_imports_the_widget_toolkit_or_the_widget() -> None:
    modules = sorted((PACKAGE / "app").glob("*.py"))
    assert len(modules) > 4
    for path in modules:
        for level, module in imports_of(path):
            top = module.split(".")[0]
            assert level > 0 or top not in WIDGET_ONLY, f"{path.name} imports {module}"
            assert level < 2 or top != "widget", f"{path.name} imports ..{module}"
