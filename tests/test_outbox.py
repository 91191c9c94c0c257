"""The outbox and the `sync` request: what Python sent outside an answer reaches a front end that
gets only answers (Colab), and nothing binary is in the widget's initial state."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ipywidgets.widgets.widget import _remove_buffers

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.app.outbox import Outbox

from imagefiles import write_image


def test_sync_gets_messages_after_the_last_number_and_replies_only_to_the_rids_asked() -> None:
    box = Outbox()
    notice = box.keep({"type": "notice", "message": "disk full"})
    reply = box.keep({"type": "reply", "rid": 7, "ok": True}, [b"jpeg"])
    box.keep({"type": "reply", "rid": 8, "ok": True})
    found = box.since(0, rids=[7])
    assert [(e.seq, e.content.get("rid"), e.buffers) for e in found.entries] == [
        (notice, None, []), (reply, 7, [b"jpeg"])]
    assert found.seq == 3
    assert box.since(notice).entries == []  # replies come only to a front end still waiting
    assert [e.seq for e in box.since(3, rids=[7]).entries] == [reply]  # asked again: once more


def test_trait_changes_are_numbered_with_the_messages() -> None:
    box = Outbox()
    box.touch("loading")
    seen = box.keep({"type": "notice", "message": "x"})
    box.touch("_checks")
    box.touch("loading")
    found = box.since(seen)
    assert found.traits == ["_checks", "loading"]
    assert box.since(box.seq).traits == []
    assert box.since(0).traits == ["_checks", "loading"]


def test_the_outbox_stays_within_its_bounds_and_keeps_the_newest() -> None:
    box = Outbox(max_entries=3, max_bytes=10)
    for n in range(5):
        box.keep({"type": "notice", "message": str(n)})
    assert [e.content["message"] for e in box.since(0).entries] == ["2", "3", "4"]
    box.keep({"type": "reply", "rid": 1}, [b"123456"])
    box.keep({"type": "reply", "rid": 2}, [b"123456"])  # 12 bytes: the first goes
    assert [e.content.get("rid") for e in box.since(0, rids=[1, 2]).entries] == [2]
    box.keep({"type": "reply", "rid": 3}, [b"x" * 50])  # over the bound alone: still kept
    assert [e.content.get("rid") for e in box.since(0, rids=[3]).entries] == [3]
    with pytest.raises(ValueError):
        Outbox(max_entries=0)


def test_the_outbox_numbers_every_message_once_across_threads() -> None:
    box = Outbox(max_entries=10_000)
    threads = [threading.Thread(target=lambda: [box.keep({"type": "notice"}) for _ in range(500)])
               for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    seqs = [e.seq for e in box.since(0).entries]
    assert seqs == list(range(1, 2001))


class Wire:
    """What the widget sends, as a host that delivers only answers sees it: the reply to each
    request, and nothing sent outside one."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.widget = widget
        self.outside: list[dict[str, Any]] = []
        self._answer: list[tuple[dict[str, Any], list[bytes]]] = []
        self._in_request = False
        self.rid = 100

        def send(content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
            if self._in_request:
                self._answer.append((content, list(buffers or [])))
            else:
                self.outside.append(content)

        widget.send = send  # type: ignore[method-assign]

    def ask(self, **message: Any) -> tuple[dict[str, Any], list[bytes]] | None:
        self.rid += 1
        self._answer, self._in_request = [], True
        try:
            self.widget._on_request(self.widget, {"rid": self.rid, **message}, [])
        finally:
            self._in_request = False
        return self._answer[0] if self._answer else None

    def sync(self, since: int, rids: list[int]) -> tuple[dict[str, Any], list[bytes]]:
        answer = self.ask(type="sync", since=since, rids=rids)
        assert answer is not None and answer[0]["ok"], answer
        return answer


def test_the_widgets_state_has_nothing_binary(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red hair", "b.jpg": None})
    w = TaggerWidget(root, autosave=False, workers=0)
    state, paths, buffers = _remove_buffers(w.get_state())
    assert paths == [] and buffers == []
    assert state["_current"]["id"] == "a.jpg"
    w.close()


def test_a_preview_made_on_a_worker_comes_with_sync(make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red hair", "b.jpg": None})
    w = TaggerWidget(root, autosave=False, workers=1)
    wire = Wire(w)
    start = wire.sync(0, [])[0]["seq"]
    assert wire.ask(type="preview", id="a.jpg", width=64, height=64) is None  # made on a worker
    rid = wire.rid
    for _ in range(400):  # until the worker sent it
        if wire.outside:
            break
        time.sleep(0.05)
    [direct] = wire.outside  # sent outside the answer: Colab drops it
    assert direct["rid"] == rid and direct["ok"]
    content, buffers = wire.sync(start, [rid])
    [entry] = content["messages"]
    assert entry["content"] == direct and entry["buffers"] == 1
    assert buffers[0][:2] == b"\xff\xd8"  # the JPEG itself
    assert wire.sync(start, [])[0]["messages"] == []  # a front end that has it gets nothing
    w.close()


def test_traits_set_off_a_request_and_notices_come_with_sync(
        make_set: Callable[..., Path]) -> None:
    root = make_set({"a.jpg": "red hair", "b.jpg": None})
    w = TaggerWidget(Dataset(root), autosave=False, workers=0)
    wire = Wire(w)
    seen = wire.sync(0, [])[0]["seq"]
    w.dataset.add_tag(1, "blue eyes")  # another cell's edit: trait updates outside any answer
    w._send_notice("The disk is full.")
    content, _ = wire.sync(seen, [])
    assert {"progress", "items_version", "status"} <= set(content["state"])
    assert content["state"]["progress"]["tagged"] == 2
    assert content["state"]["items_version"] == w.items_version
    [notice] = content["messages"]
    assert notice["content"]["message"] == "The disk is full."
    assert any(m.get("seq") == notice["seq"] for m in wire.outside)  # the direct one: same number
    again, _ = wire.sync(content["seq"], [])
    assert again == {"type": "reply", "rid": wire.rid, "ok": True, "seq": content["seq"],
                     "state": {}, "messages": []}
    w.close()


def test_sync_answers_while_the_folder_is_read(tmp_path: Path) -> None:
    for n in range(3):
        write_image(tmp_path / f"{n}.png")
    w = TaggerWidget(tmp_path, autosave=False, workers=0, background=True)
    wire = Wire(w)
    content, _ = wire.sync(0, [])
    assert content["state"]["loading"]["phase"] in ("scanning", "ready")
    assert wire.ask(type="sync", since=0, rids=["x"])[0]["ok"] is False
    assert wire.ask(type="sync", since=-1, rids=[])[0]["ok"] is False
    w.dataset  # noqa: B018 (waits for the scan)
    content, _ = wire.sync(content["seq"], [])
    assert content["state"]["loading"]["phase"] == "ready"
    w.close()


def test_replies_are_kept_only_while_a_request_may_still_wait_for_them() -> None:
    now = [0.0]
    box = Outbox(reply_seconds=60.0, clock=lambda: now[0])
    box.keep({"type": "reply", "rid": 1}, [b"x" * 10])
    notice = box.keep({"type": "notice", "message": "m"})
    now[0] = 59.0
    assert [e.content.get("rid") for e in box.since(0, [1]).entries] == [1, None]
    now[0] = 61.0
    box.keep({"type": "reply", "rid": 2})  # keeping drops the reply no request waits for
    found = box.since(0, [1, 2])
    assert [e.content.get("rid") for e in found.entries] == [None, 2]
    assert found.entries[0].seq == notice  # a notice stays until the count or size bound
