"""Digit keys 1-9 as stable slots (issue 14): a tag pinned to a key is kept in the session, merged
three-way with what other writers pinned, follows renames and deletes, and reaches the view as
the `_slots` trait; the `set_slot` request pins and frees keys."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.core.session import EMPTY, merge


def session_file(root: Path) -> dict[str, Any]:
    return json.loads((root / ".lora-tagger" / "session.json").read_text(encoding="utf-8"))


def slots(**pinned: str) -> Any:
    return EMPTY._replace(slots={int(key[1:]): tag for key, tag in pinned.items()})


def test_a_pinned_key_is_kept_in_the_session_and_pins_the_tag_to_the_palette(
    make_set: Callable[..., Path],
) -> None:
    root = make_set({"a.jpg": "red, blue", "b.jpg": "red"})
    ds = Dataset(root)
    heard: list[str] = []
    ds.subscribe(lambda change: heard.append(change.kind))
    ds.set_slot(3, "blue")
    ds.set_slot(1, "sky")  # no image has it yet
    assert ds.slots == {1: "sky", 3: "blue"}
    assert heard == ["palette", "palette"]
    assert ("sky", 0, True) in ds.palette
    ds.set_slot(5, "blue")  # a tag holds one key: it moves
    assert ds.slots == {1: "sky", 5: "blue"}
    ds.save()
    assert session_file(root)["slots"] == {"1": "sky", "5": "blue"}
    assert [c.read_text() for c in sorted(root.glob("*.txt"))] == ["red, blue", "red"]
    assert Dataset(root).slots == {1: "sky", 5: "blue"}

    ds.set_slot(1, None)
    ds.save()
    assert Dataset(root).slots == {5: "blue"}
    assert not ds.history_labels()[0]  # pins are session state, not caption edits


def test_bad_keys_and_tags_are_refused_and_change_nothing(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "red"}))
    ds.set_slot(2, "red")
    for slot in (0, 10, -1, 2.0, True, "2"):
        with pytest.raises(ValueError, match="1 to 9"):
            ds.set_slot(slot, "red")  # type: ignore[arg-type]
    for tag in ("", "a, b", "bad\x01tag"):
        with pytest.raises(ValueError):
            ds.set_slot(4, tag)
    assert ds.slots == {2: "red"}


def test_renaming_or_deleting_a_tag_takes_its_key_along(make_set: Callable[..., Path]) -> None:
    ds = Dataset(make_set({"a.jpg": "red hair, blue", "b.jpg": "red_hair, green"}))
    ds.set_slot(1, "red_hair")
    ds.set_slot(2, "red hair")
    ds.set_slot(4, "blue")
    ds.rename_tag("red_hair", "red hair")  # merged into a tag that has its own key
    assert ds.slots == {1: "red hair", 4: "blue"}
    ds.delete_tag("blue")
    assert ds.slots == {1: "red hair"}


def test_the_merge_keeps_every_writers_keys_and_no_tag_holds_two() -> None:
    base = slots(k1="red", k2="blue", k3="green")
    ours = slots(k1="red", k3="sky", k4="green")  # freed 2, pinned sky to 3, moved green to 4
    theirs = slots(k1="red", k2="blue", k3="green", k7="wave", k8="sky")
    assert merge(base, ours, theirs).slots == {1: "red", 3: "sky", 4: "green", 7: "wave"}
    # A key ours freed that theirs pinned another tag to meanwhile keeps theirs.
    theirs = slots(k1="red", k2="water", k3="green")
    assert merge(base, slots(k1="red", k3="green"), theirs).slots == {1: "red", 2: "water",
                                                                      3: "green"}
    # Both pinned the same key: ours wins.
    assert merge(base, slots(k1="dog", k2="blue", k3="green"),
                 slots(k1="cat", k2="blue", k3="green")).slots == {1: "dog", 2: "blue", 3: "green"}
    # Theirs freed a key ours left alone: it is free.
    assert merge(base, base, slots(k1="red", k2="blue")).slots == {1: "red", 2: "blue"}


def test_two_writers_keep_each_others_keys(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red, blue, green"})
    first, second = Dataset(root), Dataset(root)
    first.set_slot(1, "red")
    first.set_slot(2, "blue")
    first.save()
    second.set_slot(2, "green")  # theirs: key 2 changes hands
    second.set_slot(9, "blue")  # and blue moves to key 9
    second.save()
    first.set_slot(1, None)  # ours frees key 1 after the other's save came in
    first.save()
    assert session_file(root)["slots"] == {"2": "green", "9": "blue"}
    assert first.slots == second.slots == {2: "green", 9: "blue"}  # second told by first's save


def test_a_damaged_slots_entry_sets_the_session_aside(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red"})
    state = root / ".lora-tagger"
    state.mkdir()
    (state / "session.json").write_text(
        json.dumps({"version": 1, "slots": {"12": "red"}}), encoding="utf-8")
    ds = Dataset(root)
    assert ds.slots == {}
    assert ds.session.problem and "slots" in ds.session.problem
    assert list(state.glob("session.json.broken-*"))
    (state / "session.json").write_text(
        json.dumps({"version": 1, "slots": {"2": "red", "3": "red"}}), encoding="utf-8")
    assert Dataset(root).slots == {2: "red"}  # a tag in two keys keeps the first


def ask(widget: TaggerWidget, **message: Any) -> dict[str, Any]:
    sent: list[dict[str, Any]] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._on_request(widget, {"rid": 5, **message}, [])
    assert [content["rid"] for content in sent] == [5]
    return sent[0]


def test_the_view_pins_and_frees_keys_and_sees_them_in_its_trait(
    make_set: Callable[..., Path],
) -> None:
    widget = TaggerWidget(Dataset(make_set({"a.jpg": "red, blue"})), autosave=False, workers=0)
    assert widget._slots == {}
    reply = ask(widget, type="set_slot", slot=4, tag="blue")
    assert reply["ok"] and reply["slots"] == {"4": "blue"}
    assert widget._slots == {"4": "blue"} and widget.slots == {4: "blue"}
    widget.set_slot(1, "red")
    assert widget._slots == {"1": "red", "4": "blue"}
    assert ask(widget, type="set_slot", slot=4, tag=None)["slots"] == {"1": "red"}
    for bad in ({"slot": 0, "tag": "red"}, {"slot": "1", "tag": "red"}, {"slot": 2, "tag": 5},
                {"slot": 2, "tag": "a, b"}):
        reply = ask(widget, type="set_slot", **bad)
        assert not reply["ok"] and reply["error"]
    assert widget.slots == {1: "red"}
