"""Permissions and ownership: a state folder others own, a state that cannot be written, and saves
that say exactly what was and was not written. Runs the hostile side as user nobody."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from lora_tagger_widget import CaptionLockedError, CaptionWriteError, Dataset

from imagefiles import write_image
from privileges import NOBODY, needs_root, run_as_nobody


def _folder(tmp_path: Path) -> Path:
    root = tmp_path / "imgs"
    write_image(root / "a.jpg")
    (root / "a.txt").write_text("x, y", encoding="utf-8")
    for path in (tmp_path, root, root / "a.jpg", root / "a.txt"):
        os.chmod(path, 0o777 if path.is_dir() else 0o666)
    for path in (root / "a.jpg", root / "a.txt"):
        os.chown(path, NOBODY, NOBODY)  # nobody's own files, in a folder others share
    return root


def _open_tag_and_save(root: str) -> dict[str, object]:
    ds = Dataset(root)
    seen: dict[str, object] = {"session": ds.session.problem, "history": ds.history.warning}
    ds.add_tag(0, "z")
    ds.set_reviewed(0)
    try:
        ds.save()
    except CaptionWriteError as error:
        seen["error"] = str(error)
        seen["failed"] = [str(path) for path, _ in error.failures]
    seen["preview"] = ds.preview(0, 64, 64).width
    return seen


@needs_root
def test_a_state_folder_nobody_can_read_opens_and_says_what_was_written(open_tmp: Path) -> None:
    root = _folder(open_tmp)
    state = root / ".lora-tagger"
    state.mkdir()
    (state / "session.json").write_text('{"version": 1, "reviewed": ["a.jpg"]}')
    os.chmod(state, 0o000)
    try:
        seen = run_as_nobody(_open_tag_and_save, str(root))
    finally:
        os.chmod(state, 0o755)

    assert str(state / "session.json") in str(seen["session"])
    assert str(state / "history") in str(seen["history"])
    assert seen["failed"] == []  # the caption was written; only the session was not
    assert "1 caption file(s) were written" in str(seen["error"])
    assert "Could not save the session" in str(seen["error"])
    assert "kept in memory" in str(seen["error"])
    assert (root / "a.txt").read_text(encoding="utf-8") == "x, y, z"
    assert seen["preview"] > 0  # previews still come, from memory
    assert '"a.jpg"' in (state / "session.json").read_text()  # left as it was


def test_a_session_that_cannot_be_written_is_not_called_a_caption_failure(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    (root / ".lora-tagger" / "session.json").mkdir(parents=True)  # a folder where the file goes
    ds = Dataset(root)
    ds.add_tag(0, "z")
    ds.set_reviewed(0)
    with pytest.raises(CaptionWriteError) as caught:
        ds.save()
    assert caught.value.failures == [] and caught.value.written == 1
    assert caught.value.state_error is not None
    assert "1 caption file(s) were written" in str(caught.value)
    assert "Could not write" not in str(caught.value)
    assert (root / "a.txt").read_text(encoding="utf-8") == "x, y, z"


def test_a_root_moved_away_is_folder_gone_not_a_conflict(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    ds = Dataset(root)
    ds.add_tag(0, "z")
    root.rename(tmp_path / "moved")
    assert ds.refresh(0) is False and ds[0].conflict is None
    with pytest.raises(CaptionWriteError, match="data set folder is gone"):
        ds.save()
    assert ds[0].dirty  # kept in memory


def test_a_caption_of_an_image_deleted_on_disk_is_not_written(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    write_image(root / "b.png")
    ds = Dataset(root)
    ds.add_tag("b.png", "orphan")
    (root / "b.png").unlink()
    with pytest.raises(CaptionWriteError, match="its image is no longer on disk"):
        ds.save()
    assert not (root / "b.txt").exists()


def test_an_undo_after_the_caption_file_was_deleted_says_so(tmp_path: Path) -> None:
    from lora_tagger_widget import UndoConflictError

    root = _folder(tmp_path)
    ds = Dataset(root)
    ds.add_tag(0, "z")
    ds.save()
    (root / "a.txt").unlink()
    ds.refresh(0)
    with pytest.raises(UndoConflictError, match="caption file"):
        ds.undo()


def test_a_read_only_caption_is_locked_until_allowed_and_stays_read_only(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    os.chmod(root / "a.txt", 0o444)
    ds = Dataset(root)
    assert "read-only" in (ds[0].locked_reason or "")
    with pytest.raises(CaptionLockedError):
        ds.add_tag(0, "z")
    report = ds.apply_batch({"kind": "add", "tags": ["z"]})
    assert report.changes == () and report.skipped_locked == ("a.jpg",)  # batches leave it out
    ds.allow_rewrite(0)
    ds.add_tag(0, "z")
    ds.save()
    assert (root / "a.txt").read_text(encoding="utf-8") == "x, y, z"
    assert (root / "a.txt").stat().st_mode & 0o777 == 0o444
    ds.add_tag(0, "w")  # the consent holds for the next edits
    ds.save()
    assert (root / "a.txt").read_text(encoding="utf-8") == "x, y, z, w"


@needs_root
def test_another_users_caption_keeps_its_owner_when_root_edits_it(tmp_path: Path) -> None:
    root = _folder(tmp_path)
    ds = Dataset(root)
    assert ds[0].locked_reason is None  # root can keep the owner
    ds.add_tag(0, "z")
    ds.save()
    status = (root / "a.txt").stat()
    assert (status.st_uid, status.st_gid, status.st_mode & 0o777) == (NOBODY, NOBODY, 0o666)


def _edit_roots_caption(root: str) -> tuple[str | None, str]:
    ds = Dataset(root)
    reason = ds[0].locked_reason
    ds.allow_rewrite(0)
    ds.add_tag(0, "z")
    try:
        ds.save()
    except CaptionWriteError as error:
        return reason, str(error)
    return reason, "saved"


@needs_root
def test_a_caption_of_another_user_is_locked_for_nobody_and_never_changes_owner(
    open_tmp: Path,
) -> None:
    root = _folder(open_tmp)
    os.chown(root / "a.txt", 0, 0)
    reason, outcome = run_as_nobody(_edit_roots_caption, str(root))
    assert reason is not None and "another user" in reason
    assert "owner" in outcome and "kept in memory" in outcome
    status = (root / "a.txt").stat()
    assert status.st_uid == 0 and (root / "a.txt").read_text(encoding="utf-8") == "x, y"
