"""The palette goes to the view whole once (the `palette` request) and then as the rows that
change (the `_palette_delta` trait): a copy kept from the deltas is always the palette."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.app import viewmodel
from lora_tagger_widget.core.vocabulary import CHANGE_LOG, Vocabulary, rank

JS = Path(__file__).resolve().parents[1] / "js"


def ask(widget: TaggerWidget, **message: Any) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._on_request(widget, {"rid": 3, **message}, [])
    assert [content["rid"] for content in sent] == [3]
    assert sent[0]["ok"], sent[0]
    return sent[0]


class Copy:
    """The view's copy of the palette, kept as the protocol says (the rules of palettestore.js)."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.widget = widget
        self.rows: dict[str, tuple[int, bool]] = {}
        self.version: int | None = None
        self.asked = 0
        self.deltas: list[dict[str, Any]] = []
        widget.observe(lambda change: self.deltas.append(change["new"]), "_palette_delta")
        self.apply(widget._palette_delta)

    def apply(self, delta: dict[str, Any]) -> None:
        if self.version is not None and delta["version"] <= self.version:
            return
        if self.version is None or delta["rows"] is None or delta["since"] > self.version:
            self.asked += 1
            reply = ask(self.widget, type="palette")
            self.rows = {tag: (n, pinned) for tag, n, pinned in reply["rows"]}
            self.version = reply["version"]
            return
        for tag, n, pinned in delta["rows"]:
            self.rows.pop(tag, None)
            if n or pinned:
                self.rows[tag] = (n, pinned)
        self.version = delta["version"]

    def catch_up(self, *, last_only: bool = False) -> None:
        """Apply the deltas set since the last call (only the last: updates sent together)."""
        seen, self.deltas = self.deltas, []
        for delta in seen[-1:] if last_only else seen:
            self.apply(delta)

    def ordered(self) -> list[list[object]]:
        rows = sorted(self.rows.items(), key=lambda item: rank(item[0], item[1][0]))
        return [[tag, n, pinned] for tag, (n, pinned) in rows]


@pytest.fixture
def widget(make_set: Callable[..., Path]) -> TaggerWidget:
    root = make_set({"a.jpg": "red hair, smiling", "b.jpg": "red hair", "c.jpg": None})
    return TaggerWidget(Dataset(root), autosave=False, workers=0)


def test_the_view_asks_for_the_palette_once_then_gets_only_what_changes(
    widget: TaggerWidget,
) -> None:
    copy = Copy(widget)
    assert copy.asked == 1 and copy.ordered() == widget.palette
    ask(widget, type="add_tag", id="c.jpg", tag="outdoors")
    assert [d["rows"] for d in copy.deltas] == [[["outdoors", 1, False]]]
    ask(widget, type="toggle_tag", id="a.jpg", tag="red hair")
    ask(widget, type="remove_tag", id="a.jpg", tag="smiling")
    # each delta has the rows of the last few changes, as they are now
    assert sorted(copy.deltas[-1]["rows"]) == [
        ["outdoors", 1, False], ["red hair", 1, False], ["smiling", 0, False]]
    assert len(copy.deltas) == 3
    ask(widget, type="next")  # moving changes no count: no delta
    assert len(copy.deltas) == 3
    copy.catch_up()
    assert copy.asked == 1
    assert copy.ordered() == widget.palette == [["outdoors", 1, False], ["red hair", 1, False]]


def test_pins_renames_deletes_and_imports_reach_the_copy(widget: TaggerWidget) -> None:
    copy = Copy(widget)
    ask(widget, type="palette_add", tag="ohwx")
    assert copy.deltas[-1]["rows"] == [["ohwx", 0, True]]
    assert copy.deltas[-1]["since"] == copy.version
    ask(widget, type="palette_import", text="zeta\nalpha\n")
    widget.dataset.rename_tag("ohwx", "ohwx woman")
    ask(widget, type="palette_delete", tag="red hair")  # two changes in one request
    ask(widget, type="undo")
    copy.catch_up()
    assert copy.asked == 1
    assert copy.ordered() == widget.palette
    assert widget.palette == [["red hair", 2, False], ["smiling", 1, False], ["alpha", 0, True],
                              ["ohwx woman", 0, True], ["zeta", 0, True]]


def test_updates_sent_together_still_bring_the_copy_up_to_date(widget: TaggerWidget) -> None:
    copy = Copy(widget)
    with widget.hold_sync():  # as a request's trait updates: only the last value is sent
        for tag in ("one", "two", "three"):
            widget.dataset.add_tag("c.jpg", tag)
        widget.dataset.pin_tag("pinned")
    copy.catch_up(last_only=True)
    assert copy.asked == 1 and copy.ordered() == widget.palette
    for n in range(viewmodel.PALETTE_WINDOW + 1):  # more than a delta spans
        widget.dataset.add_tag("c.jpg", f"more{n}")
    copy.catch_up(last_only=True)
    assert copy.asked == 2 and copy.ordered() == widget.palette


def test_a_change_of_too_many_rows_makes_the_view_ask_for_all(
    widget: TaggerWidget, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(viewmodel, "PALETTE_DELTA_MAX", 3)
    copy = Copy(widget)
    widget.dataset.set_tags("c.jpg", ["w", "x", "y", "z"])
    assert copy.deltas[-1]["rows"] is None
    copy.catch_up()
    assert copy.asked == 2 and copy.ordered() == widget.palette


def test_the_vocabulary_names_the_tags_whose_counts_changed() -> None:
    vocabulary = Vocabulary()
    vocabulary.add_all([("a", "b"), ("b",)])
    start = vocabulary.version
    vocabulary.replace(("a", "b"), ("a", "c"))
    assert vocabulary.changed_since(start) == {"b", "c"}
    middle = vocabulary.version
    vocabulary.replace(("b",), ("b",))
    assert vocabulary.changed_since(middle) == set()
    assert vocabulary.changed_since(start - 1) is None  # before add_all: every tag changed
    for n in range(CHANGE_LOG + 1):
        vocabulary.replace((), (f"t{n}",))
    assert vocabulary.changed_since(middle) is None  # forgotten
    assert vocabulary.changed_since(vocabulary.version) == set()


def test_the_front_ends_store_keeps_the_palette_from_the_widgets_deltas(
    widget: TaggerWidget,
) -> None:
    """The real palettestore.js, in node, fed the widget's deltas, orders as Python does."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the front end's palette store.")
    tags = ["Zeta", "zeta", "ß", "ss", "Straße", "Ω", "ω", "😀", "\uffe0", "é", "E", "10", "9"]
    full = ask(widget, type="palette")
    deltas = []
    widget.observe(lambda change: deltas.append(change["new"]), "_palette_delta")
    for n, tag in enumerate(tags):
        widget.dataset.add_tag("abc"[n % 3] + ".jpg", tag)
    widget.dataset.pin_tag("pinned only")
    widget.dataset.remove_tag("a.jpg", "smiling")
    script = """
import { createPaletteStore } from "./src/editor/palettestore.js";
const { full, deltas } = JSON.parse(process.argv[1]);
const store = createPaletteStore();
store.load(full.rows, full.version);
for (const delta of deltas) if (store.apply(delta) !== "applied") throw new Error("not applied");
console.log(JSON.stringify(store.rows.map((r) => [r.tag, r.count, r.pinned])));
"""
    done = subprocess.run([node, "--input-type=module", "-e", script,
                           json.dumps({"full": full, "deltas": deltas})],
                          cwd=JS, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == widget.palette
