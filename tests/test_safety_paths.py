"""Nothing outside the data set's root is ever read, written or sent (DESIGN.md, "files").

Item ids from the front end are looked up, never joined to paths; links that lead outside the
root are refused. This is proved with an audit hook (`sys.addaudithook`) that records every path
the process opens, lists or renames while a test has it switched on, on a root that holds a
linked folder, a linked image and a linked caption leading to a sibling `outside/` folder whose
files carry a marker.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from lora_tagger_widget import Dataset, TaggerWidget

from imagefiles import write_image

MARKER = b"SECRET-MARKER-5f0c1e"
SECRET_SIZE = (77, 33)  # the outside image's size: a reply carrying it came from outside

# Audit events that name a path the process is about to read, list or change.
WATCHED = frozenset(
    {"open", "os.listdir", "os.scandir", "os.rename", "os.remove", "os.rmdir", "os.mkdir",
     "os.chmod", "os.truncate", "os.utime", "os.link", "os.symlink", "os.chown",
     "shutil.copyfile", "shutil.copymode", "shutil.copystat", "shutil.copytree", "shutil.move",
     "shutil.rmtree", "glob.glob"}
)
TWO_PATHS = frozenset({"os.rename", "os.link", "os.symlink", "shutil.copyfile", "shutil.move"})

_record: list[tuple[str, str, str]] | None = None  # (event, path as given, path resolved)
_hooked = False


def _audit(event: str, args: tuple[Any, ...]) -> None:
    record = _record
    if record is None or event not in WATCHED:
        return
    for arg in args[: 2 if event in TWO_PATHS else 1]:
        if isinstance(arg, str | bytes | os.PathLike):
            with contextlib.suppress(Exception):  # an audit hook must never break the caller
                raw = os.fsdecode(arg)
                record.append((event, raw, os.path.realpath(raw)))


@contextlib.contextmanager
def recording_paths() -> Iterator[list[tuple[str, str, str]]]:
    """Record every path opened, listed or changed inside the `with` block.

    Audit hooks cannot be removed, so one hook is installed for the process, the first time, and
    does nothing outside these blocks.
    """
    global _record, _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    record: list[tuple[str, str, str]] = []
    _record = record
    try:
        yield record
    finally:
        _record = None


def touched_in(record: list[tuple[str, str, str]], folder: Path) -> list[tuple[str, str]]:
    """The recorded (event, path) pairs whose path, links resolved, lies in `folder`."""
    real = Path(os.path.realpath(folder))
    return [(event, raw) for event, raw, resolved in record if Path(resolved).is_relative_to(real)]


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file() and not path.is_symlink()
    }


# The layout

def make_outside(tmp_path: Path) -> Path:
    """A sibling of the root with secrets in it: text, an image and a folder with both."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_bytes(MARKER + b", red hair")
    write_image(outside / "secret.jpg", SECRET_SIZE, "crimson", comment=MARKER)
    write_image(outside / "deep" / "inner.jpg", SECRET_SIZE, "crimson", comment=MARKER)
    (outside / "deep" / "inner.txt").write_bytes(MARKER)
    (outside / "sub").mkdir()
    write_image(outside / "sub" / "b.jpg", SECRET_SIZE, "crimson", comment=MARKER)
    (outside / "sub" / "b.txt").write_bytes(MARKER)
    return outside


def make_root_with_links(tmp_path: Path) -> tuple[Path, Path]:
    """A data set root with three real images, the caption of one of them a link to outside, and
    a linked folder, a linked image and a chain of links leading outside."""
    outside = make_outside(tmp_path)
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    (root / "a.txt").write_bytes(b"red hair")
    write_image(root / "sub" / "b.jpg")
    write_image(root / "victim.jpg")
    (root / "victim.txt").symlink_to("../outside/secret.txt")
    (root / "linked.jpg").symlink_to("../outside/secret.jpg")
    (root / "linked.txt").symlink_to("../outside/secret.txt")
    (root / "linked-dir").symlink_to("../outside")
    (root / "sub" / "deep-link").symlink_to("../../outside/deep")
    (root / "hop").symlink_to(outside / "secret.jpg")
    (root / "chain.jpg").symlink_to("hop")
    return root, outside


REAL_IDS = ["a.jpg", "sub/b.jpg", "victim.jpg"]


def bad_ids(root: Path, outside: Path) -> list[object]:
    """Ids a front end could send that name no item: paths, links, encodings and wrong types."""
    return [
        "", ".", "..", "/", "../outside/secret.txt", "../outside/secret.jpg", "../../etc/passwd",
        "..\\..\\x", "..\\outside\\secret.jpg", "/etc/passwd", str(root / "a.jpg"),
        str(root / "victim.jpg"), str(outside / "secret.jpg"), "linked.jpg", "chain.jpg",
        "linked-dir/secret.jpg", "linked-dir/deep/inner.jpg", "sub/deep-link/inner.jpg",
        "linked-dir/../a.jpg", "sub/../a.jpg", "./a.jpg", "sub//b.jpg", "sub\\b.jpg", "A.JPG",
        "a.jpg\x00", "a.jpg\x00../../outside/secret.jpg", "%2e%2e/outside/secret.jpg",
        "..%2Foutside%2Fsecret.jpg", "sub%2Fb.jpg", "file://" + str(outside / "secret.jpg"),
        "~/secret.jpg", "victim.txt", "hop", 0, 1, -1, 2**64, 1.5, True, None, ["a.jpg"],
        {"id": "a.jpg"},
    ]


def id_requests(item_id: object) -> list[dict[str, Any]]:
    """Every request that names an item, for `item_id`."""
    return [
        {"type": "preview", "id": item_id, "width": 256, "height": 256},
        {"type": "region", "id": item_id, "x": 0, "y": 0, "w": 8, "h": 8, "scale": 1},
        {"type": "add_tag", "id": item_id, "tag": "new"},
        {"type": "remove_tag", "id": item_id, "tag": "red hair"},
        {"type": "toggle_tag", "id": item_id, "tag": "red hair"},
        {"type": "set_tags", "id": item_id, "tags": []},
        {"type": "set_tags", "id": item_id, "tags": ["red hair"]},
        {"type": "toggle_reviewed", "id": item_id},
        {"type": "resolve_conflict", "id": item_id, "keep": "theirs"},
        {"type": "resolve_conflict", "id": item_id, "keep": "mine"},
        {"type": "allow_rewrite", "id": item_id},
    ]


class Front:
    """Plays the front end: sends requests through `_on_request` and keeps every reply."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.widget = widget
        self.replies: list[tuple[dict[str, Any], list[bytes]]] = []
        widget.send = self._send  # type: ignore[method-assign]

    def _send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.replies.append((content, list(buffers or [])))

    def ask(self, **message: Any) -> dict[str, Any]:
        count = len(self.replies)
        self.widget._on_request(self.widget, {"rid": 5, **message}, [])
        assert len(self.replies) == count + 1
        return self.replies[-1][0]

    def leaked(self) -> list[dict[str, Any]]:
        """Replies that carry the marker, or the size of the image outside."""
        return [
            content
            for content, buffers in self.replies
            if MARKER in json.dumps(content, ensure_ascii=False).encode()
            or any(MARKER in buffer for buffer in buffers)
            or (content.get("width"), content.get("height")) == SECRET_SIZE
        ]


def state_text(widget: TaggerWidget) -> bytes:
    state = {k: v for k, v in widget.get_state().items() if k not in ("_esm", "_css")}
    return json.dumps(state, ensure_ascii=False, default=str).encode()


# The tests

def test_opening_a_root_with_links_leading_outside_reads_nothing_outside(tmp_path: Path) -> None:
    root, outside = make_root_with_links(tmp_path)
    before = files_of(outside)
    with recording_paths() as record:
        dataset = Dataset(root)
        widget = TaggerWidget(dataset, autosave=False, workers=0)
        for item in dataset:
            assert item.flags is not None and item.image_error is None
            assert item.image_info is not None and item.image_info.width == 64
            assert dataset.preview(item.id, 64, 64).width == 64
        state = state_text(widget)
    assert [item.id for item in dataset] == REAL_IDS
    assert touched_in(record, outside) == []
    assert (("open", str(root / "a.jpg")) in touched_in(record, root)), "the hook saw no open"
    assert dataset["victim.jpg"].caption == "" and MARKER not in state
    assert files_of(outside) == before


def test_requests_naming_no_item_are_refused_and_read_nothing_outside(tmp_path: Path) -> None:
    root, outside = make_root_with_links(tmp_path)
    before = files_of(outside)
    with recording_paths() as record:
        widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
        front = Front(widget)
        accepted = [
            message
            for item_id in bad_ids(root, outside)
            for message in id_requests(item_id)
            if front.ask(**message)["ok"]
        ]
        for index in [-1, 3, 2**64, "1", "../1", 1.5, True, None, [1], {"index": 1}]:
            if front.ask(type="goto", index=index)["ok"]:
                accepted.append({"type": "goto", "index": index})
        assert front.ask(type="save")["ok"]
        state = state_text(widget)
    assert accepted == []
    assert touched_in(record, outside) == []
    assert front.leaked() == [] and MARKER not in state
    assert files_of(outside) == before
    assert widget.dataset.unsaved == [] and widget.dataset.session.reviewed == set()


def test_a_caption_linked_outside_is_never_read_edited_or_written(tmp_path: Path) -> None:
    root, outside = make_root_with_links(tmp_path)
    before = files_of(outside)
    with recording_paths() as record:
        widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
        front = Front(widget)
        assert front.ask(type="goto", index=REAL_IDS.index("victim.jpg"))["ok"]
        assert front.ask(type="preview", id="victim.jpg", width=64, height=64)["ok"]
        edits = [
            {"type": "add_tag", "id": "victim.jpg", "tag": "new"},
            {"type": "toggle_tag", "id": "victim.jpg", "tag": "red hair"},
            {"type": "remove_tag", "id": "victim.jpg", "tag": "red hair"},
            {"type": "set_tags", "id": "victim.jpg", "tags": []},
        ]
        accepted = [edit for edit in edits if front.ask(**edit)["ok"]]
        front.ask(type="allow_rewrite", id="victim.jpg")
        accepted += [edit for edit in edits if front.ask(**edit)["ok"]]
        for keep in ("theirs", "mine"):
            front.ask(type="resolve_conflict", id="victim.jpg", keep=keep)
        front.ask(type="toggle_reviewed", id="victim.jpg")
        front.ask(type="palette_delete", tag="red hair")
        front.ask(type="next")
        front.ask(type="prev")
        front.ask(type="save")
        state = state_text(widget)
    assert accepted == [], "edits of a caption that leads outside were accepted"
    assert touched_in(record, outside) == []
    assert front.leaked() == [] and MARKER not in state
    assert files_of(outside) == before
    assert os.readlink(root / "victim.txt") == "../outside/secret.txt"


def test_the_python_api_refuses_path_like_refs_without_reading_outside(tmp_path: Path) -> None:
    root, outside = make_root_with_links(tmp_path)
    positions = (0, 1, -1)  # valid positions in Python, where -1 is the last item
    refs = [ref for ref in bad_ids(root, outside) if not (type(ref) is int and ref in positions)]
    with recording_paths() as record:
        dataset = Dataset(root)
        for ref in refs:
            with pytest.raises((KeyError, IndexError, TypeError)):
                dataset.preview(ref, 64, 64)  # type: ignore[arg-type]
            with pytest.raises((KeyError, IndexError, TypeError)):
                dataset[ref]  # type: ignore[index]
    assert touched_in(record, outside) == []


def _swap_caption(root: Path, outside: Path) -> None:
    (root / "sub" / "b.txt").unlink()
    (root / "sub" / "b.txt").symlink_to(outside / "secret.txt")


def _swap_image(root: Path, outside: Path) -> None:
    (root / "sub" / "b.jpg").unlink()
    (root / "sub" / "b.jpg").symlink_to(outside / "secret.jpg")


def _swap_folder(root: Path, outside: Path) -> None:
    shutil.move(root / "sub", root.parent / "old-sub")
    (root / "sub").symlink_to(outside / "sub")


@pytest.mark.parametrize("swap", [_swap_caption, _swap_image, _swap_folder])
def test_a_file_replaced_by_a_link_to_outside_after_opening_is_not_read(
    tmp_path: Path, swap: Any,
) -> None:
    outside = make_outside(tmp_path)
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    write_image(root / "sub" / "b.jpg")
    (root / "sub" / "b.txt").write_bytes(b"red hair")
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    front = Front(widget)
    assert front.ask(type="add_tag", id="sub/b.jpg", tag="mine")["ok"]  # unsaved: save will try
    swap(root, outside)
    before = files_of(outside)
    with recording_paths() as record:
        front.ask(type="goto", index=1)
        preview = front.ask(type="preview", id="sub/b.jpg", width=64, height=64)
        front.ask(type="add_tag", id="sub/b.jpg", tag="more")
        front.ask(type="save")
        front.ask(type="resolve_conflict", id="sub/b.jpg", keep="theirs")
        front.ask(type="goto", index=0)
        front.ask(type="goto", index=1)
        item = widget.dataset["sub/b.jpg"]
        facts = (item.flags, item.image_info, item.caption)
        state = state_text(widget)
    assert touched_in(record, outside) == []
    assert front.leaked() == [] and MARKER not in state and MARKER.decode() not in repr(facts)
    assert files_of(outside) == before
    if swap is not _swap_caption:
        assert preview["ok"] is False


@pytest.mark.parametrize("link", ["folder", "file"])
def test_session_state_behind_a_link_to_outside_is_neither_read_nor_written(
    tmp_path: Path, link: str,
) -> None:
    outside = make_outside(tmp_path)
    state = outside / "state"
    state.mkdir()
    session = {"version": 1, "position": "a.jpg", "reviewed": [], "settings": {},
               "palette": [MARKER.decode()]}
    (state / "session.json").write_text(json.dumps(session))
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    if link == "folder":
        (root / ".lora-tagger").symlink_to(state)
    else:
        (root / ".lora-tagger").mkdir()
        (root / ".lora-tagger" / "session.json").symlink_to(state / "session.json")
    before = files_of(outside)
    with recording_paths() as record:
        widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
        front = Front(widget)
        front.ask(type="toggle_reviewed", id="a.jpg")
        front.ask(type="palette_add", tag="ohwx")
        front.ask(type="save")
        shown = state_text(widget)
    assert touched_in(record, outside) == []
    assert MARKER not in shown and front.leaked() == []
    assert files_of(outside) == before


def test_a_symlink_loop_does_not_break_the_scan(tmp_path: Path) -> None:
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    write_image(root / "sub" / "b.jpg")
    (root / "loop").symlink_to(".")
    (root / "sub" / "up").symlink_to("..")
    (root / "sub" / "again").symlink_to("../sub")
    (root / "self").symlink_to("self")
    (root / "self.jpg").symlink_to("self.jpg")
    (root / "ping.jpg").symlink_to("pong.jpg")
    (root / "pong.jpg").symlink_to("ping.jpg")
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    front = Front(widget)
    ids = [item.id for item in widget.dataset]
    assert ids.count("a.jpg") == 1 and ids.count("sub/b.jpg") == 1
    assert set(ids) <= {"a.jpg", "sub/b.jpg", "self.jpg", "ping.jpg", "pong.jpg"}
    for index, item_id in enumerate(ids):
        assert front.ask(type="goto", index=index)["index"] == index
        reply = front.ask(type="preview", id=item_id, width=64, height=64)
        assert reply["ok"] is (item_id in ("a.jpg", "sub/b.jpg")), reply
    assert front.ask(type="add_tag", id="a.jpg", tag="kept")["ok"]
    assert front.ask(type="save")["ok"]
    assert (root / "a.txt").read_bytes() == b"kept"


def test_a_dangling_link_named_like_an_image_does_not_break_the_scan(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    write_image(root / "a.jpg")
    (root / "dangling.jpg").symlink_to("missing.jpg")
    (root / "gone.jpg").symlink_to(outside / "missing.jpg")
    (root / "b.jpg").symlink_to(root / "nowhere" / "b.jpg")
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    front = Front(widget)
    ids = [item.id for item in widget.dataset]
    assert "a.jpg" in ids and "gone.jpg" not in ids
    assert set(ids) <= {"a.jpg", "b.jpg", "dangling.jpg"}
    for index, item_id in enumerate(ids):
        assert front.ask(type="goto", index=index)["index"] == index
        reply = front.ask(type="preview", id=item_id, width=64, height=64)
        assert reply["ok"] is (item_id == "a.jpg"), reply
        if item_id != "a.jpg":
            assert reply["error"]
    assert front.ask(type="add_tag", id="a.jpg", tag="kept")["ok"]
    assert front.ask(type="save")["ok"]
    assert (root / "a.txt").read_bytes() == b"kept"
