"""Our own state files as FIFOs or devices: the session, the undo journal and the checks' cache are
read only when they are regular files, so opening, editing, saving and checking never hang or eat
memory, and the odd file is left in place, named in a note."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from lora_tagger_widget import CaptionWriteError, Dataset, ImageError

from imagefiles import write_image

ZERO = os.makedev(1, 5)  # /dev/zero: endless bytes when read
STATE_FILES = ["session.json", "history/journal.jsonl", "checks.json"]


def _make_special(path: Path, kind: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    else:
        os.mknod(path, stat.S_IFCHR | 0o666, ZERO)


@pytest.mark.parametrize("kind", ["fifo", "device"])
@pytest.mark.parametrize("name", STATE_FILES)
def test_a_state_file_that_is_not_a_regular_file_is_left_alone(
    tmp_path: Path, name: str, kind: str, watchdog: None,
) -> None:
    if kind == "device" and os.geteuid() != 0:
        pytest.skip("making a device node needs root")
    root = tmp_path / "imgs"
    write_image(root / "a.jpg")
    (root / "a.txt").write_text("x", encoding="utf-8")
    special = root / ".lora-tagger" / name
    _make_special(special, kind)

    ds = Dataset(root)
    notes = [ds.session.problem, ds.history.warning]
    ds.add_tag(0, "y")
    ds.set_reviewed(0)
    try:
        ds.save()
    except CaptionWriteError as error:  # only the session may fail to save, and says so
        assert error.failures == [] and name == "session.json"
        notes.append(str(error))
    report = ds.check()
    notes.append(report.cache_note)

    assert (root / "a.txt").read_text(encoding="utf-8") == "x, y"
    assert any(note and "not a regular file" in note for note in notes), notes
    mode = special.lstat().st_mode
    assert stat.S_ISFIFO(mode) if kind == "fifo" else stat.S_ISCHR(mode)  # not replaced


def test_an_image_swapped_for_a_fifo_after_opening_is_refused_not_waited_on(
    tmp_path: Path, watchdog: None,
) -> None:
    root = tmp_path / "imgs"
    write_image(root / "a.jpg")
    ds = Dataset(root)
    (root / "a.jpg").unlink()
    os.mkfifo(root / "a.jpg")
    with pytest.raises(ImageError, match="not a regular file"):
        ds.preview(0, 64, 64)
    assert "not a regular file" in (ds[0].image_error or "")
