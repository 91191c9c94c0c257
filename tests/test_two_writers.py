"""Several writers on one folder: real processes editing, saving, marking and undoing the same
captions. Every save reported as written is on disk (or was seen by the writer who replaced it),
every lost race is a conflict, and the session and undo journal keep what every writer added."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lora_tagger_widget import CaptionConflictError, Dataset, split_tags

from imagefiles import write_image

IMAGES = 3  # few images, so that the writers collide often

WRITER = r"""
import json, os, random, sys, time
from lora_tagger_widget import CaptionConflictError, Dataset, UndoConflictError, split_tags

root, name, rounds, log_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
rng = random.Random(name)
ds = Dataset(root)
open(log_path + ".ready", "w").close()
while not os.path.exists(os.path.join(root, "..", "go")):  # all start together
    time.sleep(0.01)
added, undone, undo_lost, conflicts, undos = [], [], [], 0, 0
for k in range(rounds):
    item = ds[rng.randrange(len(ds))]
    ds.refresh(item.id)
    ds.set_reviewed(f"img{(k * 5 + len(name)) % len(ds)}.jpg")
    ds.pin_tag(f"pin {name}-{k}")
    removed = {}
    if k % 4 == 3:  # undo the newest edit of the shared history, whoever made it
        try:
            entry = ds.undo()
        except UndoConflictError:
            entry = None
        if entry is None:
            ds.save()
            continue
        undos += 1
        removed = {e.id: sorted(set(split_tags(e.after or "")) - set(split_tags(e.before or "")))
                   for e in entry.edits}
    else:
        tag = f"{name}-{k}"
        ds.add_tag(item.id, tag)
    try:
        report = ds.save()
    except CaptionConflictError:
        conflicts += 1
        undo_lost += [t for tags in removed.values() for t in tags]
        for lost in ds.conflicts:
            ds.resolve_conflict(lost.id, keep="theirs")
        continue
    if removed:
        undone += [[i, t] for i, tags in removed.items() if i in report.written for t in tags]
    elif item.id in report.written:
        added.append([item.id, tag])
with open(log_path, "w") as log:
    json.dump({"added": added, "undone": undone, "undo_lost": undo_lost, "conflicts": conflicts,
               "undos": undos}, log)
"""


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    root.mkdir()
    for n in range(IMAGES):
        write_image(root / f"img{n}.jpg")
        (root / f"img{n}.txt").write_text("start", encoding="utf-8")
    return root


def _run_writers(root: Path, tmp_path: Path, names: list[str], rounds: int) -> list[dict]:
    logs = [tmp_path / f"{name}.json" for name in names]
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(root), name, str(rounds),
                               str(log)]) for name, log in zip(names, logs, strict=True)]
    deadline = time.monotonic() + 120
    while not all(Path(f"{log}.ready").exists() for log in logs) and time.monotonic() < deadline:
        time.sleep(0.05)
    (root.parent / "go").touch()
    for proc in procs:
        assert proc.wait(timeout=240) == 0
    return [json.loads(log.read_text()) for log in logs]


def _lost_writes(root: Path, results: list[dict]) -> dict[str, set[str]]:
    """For each caption, the tags that are not as the writers were told: every tag a save
    reported as written is on disk unless an undo reported as written took it away, and no
    other tag is there (a lost update drops a written tag; a blind overwrite brings one back)."""
    lost = {}
    for n in range(IMAGES):
        item_id = f"img{n}.jpg"
        added = {t for r in results for i, t in r["added"] if i == item_id}
        undone = {t for r in results for i, t in r["undone"] if i == item_id}
        expected = ({"start"} | added) - undone
        on_disk = set(split_tags((root / f"img{n}.txt").read_text(encoding="utf-8")))
        if on_disk != expected:
            lost[item_id] = on_disk ^ expected
    return lost


@pytest.mark.slow
@pytest.mark.parametrize("writers", [2, 4])
def test_writers_on_one_folder_lose_nothing(tmp_path: Path, writers: int) -> None:
    root = _folder(tmp_path)
    names = [f"w{n}" for n in range(writers)]
    rounds = 60 if writers == 2 else 30
    results = _run_writers(root, tmp_path, names, rounds)

    assert _lost_writes(root, results) == {}
    saved = sum(len(r["added"]) for r in results)
    undone = sum(len(r["undone"]) for r in results)
    raced = sum(r["conflicts"] for r in results)
    assert saved > 0 and undone > 0
    print(f"writers={writers} rounds={writers * rounds} edits written={saved} "
          f"undos={sum(r['undos'] for r in results)} undos written={undone} "
          f"conflicts={raced} lost=0")

    reopened = Dataset(root)
    pinned = set(reopened.session.palette)
    assert {f"pin {name}-{k}" for name in names for k in range(rounds)} <= pinned
    undo, redo = reopened.history_labels()
    labels = " ".join(undo + redo)
    on_disk = {t for n in range(IMAGES) for t in reopened[n].tags} - {"start"}
    # An undo that lost its race leaves its tag on disk with the entry to redo, which a later
    # edit may drop; every other tag on disk has its entry in the shared journal.
    undo_lost = {t for r in results for t in r["undo_lost"]}
    assert {tag for tag in on_disk - undo_lost if f'"{tag}"' not in labels} == set()
    print(f"journal: all {len(on_disk - undo_lost)} edits on disk have their entry")
    marked = {f"img{(k * 5 + 2) % IMAGES}.jpg" for k in range(rounds)}
    assert marked <= reopened.session.reviewed


def test_a_second_dataset_object_stays_in_step(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    first, second = Dataset(root), Dataset(root)
    first.add_tag(0, "red")
    first.save()
    assert second[0].tags == ["start", "red"]  # told at once, no watcher needed

    second.add_tag(1, "blue")
    first.add_tag(1, "green")
    second.save()
    assert first[1].conflict is not None and first[1].conflict.theirs == "start, blue"
    with pytest.raises(CaptionConflictError):
        first.save()
    assert (root / "img1.txt").read_text(encoding="utf-8") == "start, blue"


def test_sessions_merge_marks_pins_and_settings(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    first, second = Dataset(root), Dataset(root)
    first.set_reviewed(0)
    first.set_reviewed(1)
    first.pin_tag("kept")
    first.save()
    second.set_reviewed(2)
    second.pin_tag("theirs")
    second.trigger = "ohwx"
    second.save()  # merges first's marks and pin with its own
    first.set_reviewed(1, False)  # an unmark is kept as one
    first.save()

    session = json.loads((root / ".lora-tagger" / "session.json").read_text())
    assert session["reviewed"] == ["img0.jpg", "img2.jpg"]
    assert session["palette"] == ["kept", "theirs"]
    assert session["settings"]["trigger"] == "ohwx"
    assert first.trigger == "ohwx" and first.is_reviewed(2)
    assert not second.is_reviewed(1) and second.is_reviewed(0)  # told by first's save


def test_journal_keeps_both_writers_entries_and_undo_follows_it(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    first, second = Dataset(root), Dataset(root)
    for k in range(20):
        first.add_tag(0, f"a{k}")
        second.add_tag(1, f"b{k}")
    first.save()
    second.save()
    reopened = Dataset(root)
    undo, _ = reopened.history_labels()
    assert sum("a" in label and "img0" in label for label in undo) == 20
    assert sum("img1" in label for label in undo) == 20

    entry = second.undo()  # the newest entry of the shared history: second's own b19
    assert entry is not None and "b19" in entry.label
    second.save()
    assert "b19" not in (root / "img1.txt").read_text(encoding="utf-8")
    assert first.history_labels()[1][0] == entry.label  # first sees it as the one to redo
