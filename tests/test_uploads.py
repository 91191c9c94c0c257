"""Images, captions and zips added to a data set by upload (core/uploads.py, with its names,
limits and zips in core/uploadnames.py, uploadlimits.py, uploadzips.py), the data set taking them
in at once (`Dataset.add_images`, `uploads.take_in`), and the widget's upload requests."""

from __future__ import annotations

import base64
import io
import os
import stat
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from lora_tagger_widget import Dataset, TaggerWidget, UploadError, UploadLimits, Uploads
from lora_tagger_widget.core.images import IMAGE_EXTENSIONS
from lora_tagger_widget.core.uploadlimits import MAX_CHUNK
from lora_tagger_widget.core.uploadnames import kind_of, safe_name
from lora_tagger_widget.core.uploads import (
    PARTIAL_SUFFIX,
    STALE_PARTIAL_SECONDS,
    UPLOADS_DIR,
    take_in,
)

from imagefiles import write_image


def png(color: str = "red", size: tuple[int, int] = (40, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, "PNG")
    return out.getvalue()


def jpeg(color: str = "blue") -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (50, 40), color).save(out, "JPEG")
    return out.getvalue()


def zipped(members: dict[str, bytes], **options: Any) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", options.get("compression", zipfile.ZIP_DEFLATED)) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def send(uploads: Uploads, name: str, data: bytes, folder: str = "", *,
         batch: str | None = None, chunk: int = 1000) -> Any:
    """Upload `data` as the front end does: begin, chunks in order, finish."""
    upload = uploads.begin(name, len(data), folder, batch=batch)
    for offset in range(0, len(data), chunk):
        uploads.write(upload, offset, data[offset: offset + chunk])
    return uploads.finish(upload)


def partials(root: Path) -> list[str]:
    folder = root / ".lora-tagger" / UPLOADS_DIR
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def files_of(root: Path) -> list[str]:
    """Every file below `root` but the state folder, relative."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and ".lora-tagger" not in p.parts)


@pytest.fixture
def root(make_set: Callable[..., Path]) -> Path:
    return make_set({"a.png": "old, caption", "b.jpg": None})


@pytest.fixture
def uploads(root: Path) -> Uploads:
    return Uploads(root, root / ".lora-tagger")


# Names


@pytest.mark.parametrize(("given", "safe"), [
    ("photo.png", "photo.png"),
    ("my: photo?.png", "my_ photo_.png"),
    ("con.png", "con_.png"),
    ("LPT1.jpg", "LPT1_.jpg"),
    (".hidden.png", "hidden.png"),
    ("trailing. .png", "trailing.png"),
    ("tab\there\x7f.png", "tab_here_.png"),
    ("bidi\u202eevil.png", "bidi_evil.png"),
    ("Cafe\u0301.png", "Caf\u00e9.png"),
    ("x" * 300 + ".png", "x" * 120 + ".png"),
])
def test_names_are_made_safe_for_every_system_and_trainer(given: str, safe: str) -> None:
    assert safe_name(given) == safe


@pytest.mark.parametrize("given", ["../x.png", "a/b.png", "a\\b.png", "..", "", "  "])
def test_a_path_or_no_name_is_refused(uploads: Uploads, given: str) -> None:
    with pytest.raises(UploadError):
        uploads.begin(given, 10)
    assert partials(uploads.root) == []


def test_files_are_told_apart_by_extension_in_any_case() -> None:
    assert [kind_of(n) for n in ("a.PNG", "x.jpeg", "y.HEIC", "a.txt", "set.Zip", "a.tar.zip")] \
        == ["image", "image", "image", "caption", "zip", "zip"]
    assert [kind_of(n) for n in ("run.sh", ".png", "noextension", "a.", "a.png.part")] \
        == [None] * 5


def test_only_images_captions_and_zips_are_taken(uploads: Uploads) -> None:
    with pytest.raises(UploadError, match=r"not an image .*\.zip"):
        uploads.begin("run.sh", 10)
    with pytest.raises(UploadError, match="not an image"):
        uploads.begin("noextension", 10)


# Images


def test_an_image_lands_in_chunks_and_the_state_folder_keeps_no_partial(root: Path,
                                                                        uploads: Uploads) -> None:
    data = png()
    upload = uploads.begin("new.png", len(data))
    assert partials(root) == [f"{upload}{PARTIAL_SUFFIX}"]
    assert uploads.write(upload, 0, data[:50]) == 50
    assert "new.png" not in files_of(root)  # nothing beside the images before it is whole
    uploads.write(upload, 50, data[50:])
    result = uploads.finish(upload)
    assert result.images == ["new.png"] and not result.refused
    assert (root / "new.png").read_bytes() == data
    assert partials(root) == []
    assert not result.landed[0].renamed


def test_a_name_taken_is_never_overwritten_the_image_gets_a_free_one(root: Path,
                                                                    uploads: Uploads) -> None:
    before = (root / "a.png").read_bytes()
    first = send(uploads, "a.png", png("green"))
    second = send(uploads, "A.PNG", png("yellow"))  # case-insensitive file systems clash too
    (root / "c.txt").write_text("orphan caption")
    third = send(uploads, "c.webp", png("white"))  # "c" is taken by a caption: not adopted
    assert (root / "a.png").read_bytes() == before
    assert first.images == ["a-2.png"] and first.landed[0].renamed
    assert second.images == ["A-3.PNG"]
    assert third.images == ["c-2.webp"]
    assert "Added 1 image(s)" in first.summary() and "renamed" in first.summary()


def test_a_subfolder_is_made_and_the_data_set_shows_the_images_there(root: Path,
                                                                   uploads: Uploads) -> None:
    send(uploads, "x.png", png(), "set/10_ohwx")
    assert (root / "set" / "10_ohwx" / "x.png").is_file()
    assert "set/10_ohwx" in uploads.folders()


@pytest.mark.parametrize("folder", ["..", "../out", ".lora-tagger", "a/.git", "sub/../..",
                                    "bad|name"])
def test_a_target_folder_outside_hidden_or_unsafe_is_refused(root: Path, uploads: Uploads,
                                                             folder: str) -> None:
    with pytest.raises(UploadError):
        uploads.begin("x.png", 10, folder)
    assert files_of(root) == ["a.png", "a.txt", "b.jpg"]


def test_a_target_folder_linked_outside_is_refused(root: Path, uploads: Uploads,
                                                   tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (root / "out").symlink_to(outside)
    with pytest.raises(UploadError, match="not a folder inside"):
        uploads.begin("x.png", 10, "out")
    with pytest.raises(UploadError, match="not a folder inside"):
        uploads.begin("x.png", 10, "out/deeper")
    assert list(outside.iterdir()) == []


def test_a_broken_image_is_refused_with_its_reason_and_leaves_nothing(root: Path,
                                                                      uploads: Uploads) -> None:
    truncated = send(uploads, "cut.png", png(size=(300, 300))[:200])
    not_image = send(uploads, "text.jpg", b"hello, this is not a JPEG at all")
    assert truncated.images == [] and truncated.refused[0].name == "cut.png"
    assert "damaged or truncated" in truncated.refused[0].reason
    assert "not an image" in not_image.refused[0].reason
    assert files_of(root) == ["a.png", "a.txt", "b.jpg"]
    assert partials(root) == []


# Chunks


def test_chunks_at_a_wrong_offset_past_the_size_or_too_large_change_nothing(
        uploads: Uploads) -> None:
    data = png()
    upload = uploads.begin("n.png", len(data))
    uploads.write(upload, 0, data[:50])
    with pytest.raises(UploadError, match="starts at byte 10"):
        uploads.write(upload, 10, data[10:60])
    with pytest.raises(UploadError, match="past the"):
        uploads.write(upload, 50, data[50:] + b"more")
    with pytest.raises(UploadError, match="at most"):
        uploads.write(upload, 50, bytes(MAX_CHUNK + 1))
    with pytest.raises(UploadError, match="Only 50 of"):
        uploads.finish(upload)
    with pytest.raises(UploadError, match="No such upload"):
        uploads.write("nope", 0, b"x")
    uploads.write(upload, 50, data[50:])
    assert uploads.finish(upload).images == ["n.png"]


def test_a_cancelled_upload_leaves_no_partial_and_no_file(root: Path, uploads: Uploads) -> None:
    data = png()
    upload = uploads.begin("gone.png", len(data))
    uploads.write(upload, 0, data[:10])
    uploads.cancel(upload)
    assert partials(root) == [] and not (root / "gone.png").exists()
    with pytest.raises(UploadError):
        uploads.write(upload, 10, data[10:])


def test_old_partials_are_cleaned_when_uploads_start(root: Path, uploads: Uploads) -> None:
    upload = uploads.begin("left.png", 100)
    uploads.write(upload, 0, b"x" * 10)
    leftover = root / ".lora-tagger" / UPLOADS_DIR / f"{upload}{PARTIAL_SUFFIX}"
    old = time.time() - STALE_PARTIAL_SECONDS - 10
    os.utime(leftover, (old, old))
    young = uploads.begin("young.png", 100)
    Uploads(root, root / ".lora-tagger")  # another session on the folder, later
    assert partials(root) == [f"{young}{PARTIAL_SUFFIX}"]


# Limits


def test_size_limits_refuse_before_a_byte_is_written(root: Path) -> None:
    uploads = Uploads(root, root / ".lora-tagger", UploadLimits(max_file=1000, max_batch=1500))
    with pytest.raises(UploadError, match="at most 1,000 bytes"):
        uploads.begin("big.png", 1001)
    with pytest.raises(UploadError, match="at most 1,500 bytes"):
        uploads.start_batch([("a.png", 1000), ("b.png", 1000)])
    batch = uploads.start_batch([("a.png", 600), ("b.png", 600)])
    uploads.begin("a.png", 600, batch=batch)
    with pytest.raises(UploadError, match="goes past the 1,200 bytes its upload announced"):
        uploads.begin("c.png", 601, batch=batch)
    uploads.cancel(batch)
    with pytest.raises(UploadError, match="caption may be at most"):
        uploads.begin("long.txt", 2 * 1024 * 1024)
    with pytest.raises(UploadError, match="empty"):
        uploads.begin("empty.png", 0)
    with pytest.raises(ValueError, match="positive"):
        UploadLimits(max_file=0)
    assert partials(root) == []


def test_more_than_the_free_disk_space_is_refused(root: Path) -> None:
    free = os.statvfs(root).f_bavail * os.statvfs(root).f_frsize
    uploads = Uploads(root, root / ".lora-tagger", UploadLimits(max_file=2**62,
                                                                max_batch=2**62))
    with pytest.raises(UploadError, match="Not enough free disk space"):
        uploads.begin("huge.png", free + 1)


# Captions


def test_a_caption_in_the_batch_of_its_renamed_image_follows_it(root: Path,
                                                                uploads: Uploads) -> None:
    caption = b"new, tags"
    batch = uploads.start_batch([("a.png", 999), ("a.txt", len(caption))])
    image = send(uploads, "a.png", png(), batch=batch)
    text = send(uploads, "a.txt", caption, batch=batch)
    assert image.images == ["a-2.png"]
    assert [(d.path, d.image) for d in text.landed] == [("a-2.txt", "a-2.png")]
    assert (root / "a.txt").read_text() == "old, caption"  # the old one untouched
    assert (root / "a-2.txt").read_bytes() == caption


def test_a_lone_caption_captions_its_image_once_and_never_overwrites(root: Path,
                                                                     uploads: Uploads) -> None:
    added = send(uploads, "b.txt", b"for b")
    again = send(uploads, "b.txt", b"other")
    kept = send(uploads, "a.txt", b"would overwrite")
    orphan = send(uploads, "nobody.txt", b"x")
    assert [d.path for d in added.landed] == ["b.txt"]
    assert (root / "b.txt").read_bytes() == b"for b"
    assert "already has a caption" in again.refused[0].reason
    assert "already has a caption" in kept.refused[0].reason
    assert (root / "a.txt").read_text() == "old, caption"
    assert "No image named nobody" in orphan.refused[0].reason


def test_a_caption_whose_image_was_refused_is_refused_too(root: Path, uploads: Uploads) -> None:
    batch = uploads.start_batch([("bad.png", 5), ("bad.txt", 3)])
    send(uploads, "bad.png", b"nope!", batch=batch)
    caption = send(uploads, "bad.txt", b"abc", batch=batch)
    assert "image was refused" in caption.refused[0].reason
    assert not (root / "bad.txt").exists()


# Zips


def test_a_zip_lands_its_images_with_their_captions_and_keeps_its_folders(
        root: Path, uploads: Uploads) -> None:
    data = zipped({
        "set/a.txt": b"zip caption",  # before its image in the zip: still follows it
        "set/a.png": png(),
        "set/sub/c.jpg": jpeg(),
        "set/sub/c.txt": b"c tags",
        "top.png": png("white"),
        "__MACOSX/set/._a.png": b"resource fork",
        ".DS_Store": b"junk",
        "set/notes.md": b"# notes",
    })
    result = send(uploads, "pack.zip", data, "incoming", chunk=333)
    assert sorted(result.images) == ["incoming/set/a.png", "incoming/set/sub/c.jpg",
                                     "incoming/top.png"]
    assert (root / "incoming/set/a.txt").read_bytes() == b"zip caption"
    assert (root / "incoming/set/sub/c.txt").read_bytes() == b"c tags"
    assert [r.name for r in result.refused] == ["set/notes.md"]
    assert result.skipped == 2
    assert partials(root) == []
    assert not (root / "pack.zip").exists()


def test_a_zip_member_that_clashes_is_renamed_and_its_caption_follows(root: Path,
                                                                     uploads: Uploads) -> None:
    result = send(uploads, "p.zip", zipped({"a.png": png(), "a.txt": b"zipped"}))
    assert result.images == ["a-2.png"]
    assert (root / "a-2.txt").read_bytes() == b"zipped"
    assert (root / "a.txt").read_text() == "old, caption"


def test_zip_slip_absolute_paths_links_and_broken_members_are_refused_each(
        root: Path, uploads: Uploads, tmp_path: Path) -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("../escape.png", png())
        archive.writestr("/abs.png", png())
        archive.writestr("C:/win.png", png())
        link = zipfile.ZipInfo("link.png")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        archive.writestr(link, "/etc/passwd")
        archive.writestr("broken.png", b"not an image")
        archive.writestr("good.png", png())
    result = send(uploads, "evil.zip", out.getvalue())
    refused = {r.name: r.reason for r in result.refused}
    assert "outside" in refused["../escape.png"]
    assert "absolute" in refused["/abs.png"] and "absolute" in refused["C:/win.png"]
    assert "link" in refused["link.png"]
    assert "not an image" in refused["broken.png"]
    assert result.images == ["good.png"]
    assert not (tmp_path / "escape.png").exists()
    assert files_of(root) == ["a.png", "a.txt", "b.jpg", "good.png"]


def test_zip_bombs_and_oversized_zips_are_refused(root: Path) -> None:
    limits = UploadLimits(max_members=3, max_unzipped=5 * 1024 * 1024, max_ratio=100)
    uploads = Uploads(root, root / ".lora-tagger", limits)
    bomb = send(uploads, "bomb.zip", zipped({"zeros.png": bytes(3 * 1024 * 1024)}))
    assert "zip bomb" in bomb.refused[0].reason and bomb.images == []
    with pytest.raises(UploadError, match="holds 4 members"):
        send(uploads, "many.zip", zipped({f"{n}.png": png() for n in range(4)}))
    stored = zipfile.ZIP_STORED
    with pytest.raises(UploadError, match="unpacks to"):
        send(uploads, "big.zip", zipped({"a.txt": bytes(900_000), "b.png": bytes(4_500_000)},
                                        compression=stored))
    with pytest.raises(UploadError, match="not a zip file"):
        send(uploads, "fake.zip", b"PK but not really a zip")
    assert files_of(root) == ["a.png", "a.txt", "b.jpg"] and partials(root) == []


# The data set takes them in


def test_added_images_join_the_data_set_at_its_end_with_their_captions(root: Path) -> None:
    dataset = Dataset(root)
    changes = []
    dataset.subscribe(changes.append)
    write_image(root / "0first.png")
    (root / "0first.txt").write_text("red hair, new tag")
    write_image(root / "sub" / "z.jpg")
    positions = dataset.add_images(["0first.png", root / "sub" / "z.jpg", "a.png"])
    assert positions == [2, 3]  # at the end, though "0first" sorts first; "a.png" was there
    assert [item.id for item in dataset] == ["a.png", "b.jpg", "0first.png", "sub/z.jpg"]
    assert dataset["0first.png"].tags == ["red hair", "new tag"]
    assert dataset.vocabulary["new tag"] == 1 and dataset.tagged_count == 2
    assert dataset.filter("new tag")[0].id == "0first.png"
    assert changes[-1].kind == "added" and changes[-1].ids == ("0first.png", "sub/z.jpg")
    assert dataset.add_images(["0first.png"]) == []
    assert not dataset["0first.png"].shares_caption
    write_image(root / "0first.jpg")  # put there by hand: its caption is 0first.txt too
    dataset.add_images(["0first.jpg"])
    assert dataset["0first.jpg"].shares_caption and dataset["0first.png"].shares_caption
    write_image(root / "pair.png")
    write_image(root / "pair.webp")
    dataset.add_images(["pair.png", "pair.webp"])
    assert dataset["pair.png"].shares_caption and dataset["pair.webp"].shares_caption


def test_an_upload_taken_in_shows_its_images_and_captions(root: Path) -> None:
    dataset = Dataset(root)
    uploads = Uploads(root, root / ".lora-tagger")
    batch = uploads.start_batch([("n.png", 999), ("n.txt", 9), ("b.txt", 5)])
    image = send(uploads, "n.png", png(), batch=batch)
    assert take_in(dataset, image) == "n.png" and dataset["n.png"].tags == []
    caption = send(uploads, "n.txt", b"late, tags", batch=batch)
    old_image = send(uploads, "b.txt", b"for b", batch=batch)
    assert take_in(dataset, caption) is None and take_in(dataset, old_image) is None
    assert dataset["n.png"].tags == ["late", "tags"] and dataset["b.jpg"].tags == ["for b"]
    assert [item.id for item in dataset] == ["a.png", "b.jpg", "n.png"]


def test_images_a_watcher_took_in_first_are_still_named_and_captioned(root: Path) -> None:
    """A folder watcher may take a landed image in before the upload does, even before its
    caption lands: the upload's "first" still names it, and its caption is read."""
    dataset = Dataset(root)
    uploads = Uploads(root, root / ".lora-tagger")
    result = send(uploads, "set.zip", zipped({"x.png": png(), "x.txt": b"zip, tags",
                                              "y.png": png("green")}))
    assert result.images == ["x.png", "y.png"]
    (root / "x.txt").rename(root / "later")  # as the watcher saw the folder: no caption yet
    assert dataset.add_images(["x.png"]) == [2]
    (root / "later").rename(root / "x.txt")
    assert take_in(dataset, result) == "x.png"
    assert [item.id for item in dataset] == ["a.png", "b.jpg", "x.png", "y.png"]
    assert dataset["x.png"].tags == ["zip", "tags"] and dataset.vocabulary["zip"] == 1
    assert take_in(dataset, result) == "x.png" and len(dataset) == 4  # again: nothing twice


def test_an_image_removed_before_it_is_taken_in_leaves_the_others_taken_in(root: Path) -> None:
    dataset = Dataset(root)
    uploads = Uploads(root, root / ".lora-tagger")
    result = send(uploads, "set.zip", zipped({"x.png": png(), "y.png": png("green")}))
    (root / "x.png").unlink()  # another program removed it
    assert take_in(dataset, result) == "y.png"
    assert [item.id for item in dataset] == ["a.png", "b.jpg", "y.png"]


def test_skip_invalid_adds_the_images_it_can(root: Path, tmp_path: Path) -> None:
    dataset = Dataset(root)
    write_image(root / "ok.png")
    write_image(tmp_path / "elsewhere.png")
    assert dataset.add_images([tmp_path / "elsewhere.png", "missing.png", "a.txt", "ok.png"],
                              skip_invalid=True) == [2]
    assert dataset.add_images(["missing.png"], skip_invalid=True) == []


def test_adding_a_file_that_is_no_image_of_the_set_adds_none(root: Path, tmp_path: Path) -> None:
    dataset = Dataset(root)
    write_image(root / "ok.png")
    write_image(tmp_path / "elsewhere.png")
    write_image(root / ".hidden" / "h.png")
    for bad in [tmp_path / "elsewhere.png", ".hidden/h.png", "a.txt", "missing.png"]:
        with pytest.raises(ValueError):
            dataset.add_images(["ok.png", bad])
        assert len(dataset) == 2


# The widget's requests


class Sent:
    def __init__(self, widget: TaggerWidget) -> None:
        self.replies: list[dict[str, Any]] = []
        widget.send = lambda content, buffers=None: self.replies.append(content)  # type: ignore[method-assign]


def ask(widget: TaggerWidget, buffers: list[bytes] | None = None, **message: Any) -> dict:
    sent = Sent(widget)
    widget._on_request(widget, {"rid": 3, **message}, buffers or [])
    assert len(sent.replies) == 1 and sent.replies[0]["rid"] == 3
    return sent.replies[0]


def upload_through(widget: TaggerWidget, files: list[tuple[str, bytes]], folder: str = "",
                   chunk: int = 4096) -> list[dict[str, Any]]:
    batch = ask(widget, type="upload_batch", folder=folder,
                files=[[name, len(data)] for name, data in files])["batch"]
    done = []
    for name, data in files:
        upload = ask(widget, type="upload_begin", batch=batch, name=name, size=len(data))
        assert upload["ok"], upload
        for offset in range(0, len(data), chunk):
            reply = ask(widget, [data[offset: offset + chunk]], type="upload_chunk",
                        upload=upload["upload"], offset=offset)
            assert reply["ok"], reply
        done.append(ask(widget, type="upload_finish", upload=upload["upload"]))
    ask(widget, type="upload_cancel", upload=batch)
    return done


def test_uploads_through_the_widget_show_at_once(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    version = widget.items_version
    folders = ask(widget, type="upload_folders")
    assert folders["ok"] and folders["folders"] == [] and folders["max_file"] == 200 * 1024**2
    assert folders["extensions"] == {"image": sorted(IMAGE_EXTENSIONS), "caption": [".txt"],
                                     "zip": [".zip"]}  # the front end's picker and order
    first, caption = upload_through(widget, [("a.png", png()), ("a.txt", b"fresh")])
    assert first["first"] == "a-2.png" and first["landed"] == [["a-2.png", "a.png", "image", True]]
    assert caption["landed"] == [["a-2.txt", "a.txt", "caption", True]]
    assert widget.count == 3 and widget.progress["total"] == 3
    assert widget.items_version > version
    assert widget.dataset["a-2.png"].tags == ["fresh"]  # the caption that came after it
    assert widget.dataset.vocabulary["fresh"] == 1
    assert ask(widget, type="goto", id="a-2.png")["index"] == 2


class Replies:
    """The messages a widget sends, from any thread; `wait(rid)` for a reply made on a worker."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.sent: list[dict[str, Any]] = []
        self._came = threading.Condition()
        widget.send = self._send  # type: ignore[method-assign]

    def _send(self, content: dict[str, Any], buffers: Any = None) -> None:
        with self._came:
            self.sent.append(content)
            self._came.notify_all()

    def wait(self, rid: int) -> dict[str, Any]:
        with self._came:
            assert self._came.wait_for(lambda: any(r.get("rid") == rid for r in self.sent), 60)
            return next(r for r in self.sent if r.get("rid") == rid)


def test_a_zip_lands_on_a_worker_while_the_kernel_answers_other_requests(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=2)
    members = {f"many/{n:03}.png": png(size=(64, 48)) for n in range(300)}
    data = zipped(members)
    batch = ask(widget, type="upload_batch", folder="", files=[["many.zip", len(data)]])["batch"]
    upload = ask(widget, type="upload_begin", batch=batch, name="many.zip", size=len(data))
    ask(widget, [data], type="upload_chunk", upload=upload["upload"], offset=0)
    landing, gate = threading.Event(), threading.Event()
    landed_on: list[threading.Thread] = []

    def hold(change: Any) -> None:  # the finish is under way until its reply is sent
        if change.kind == "added":
            landed_on.append(threading.current_thread())
            landing.set()
            gate.wait(60)

    widget.dataset.subscribe(hold)
    replies = Replies(widget)
    widget._on_request(widget, {"rid": 10, "type": "upload_finish",
                                "upload": upload["upload"]}, [])
    assert landing.wait(60)
    widget._on_request(widget, {"rid": 11, "type": "goto", "id": "b.jpg"}, [])
    widget._on_request(widget, {"rid": 12, "type": "sync", "since": 0, "rids": [10]}, [])
    assert [r["rid"] for r in replies.sent] == [11, 12]  # answered, the finish still going
    assert replies.sent[0]["index"] == 1 and replies.sent[1]["messages"] == []
    gate.set()
    done = replies.wait(10)
    assert landed_on[0] is not threading.current_thread()
    assert done["ok"] and len(done["landed"]) == 300 and done["first"] == "many/000.png"
    assert widget.count == 302
    kept = ask(widget, type="sync", since=0, rids=[10])["messages"]
    assert [m["content"]["rid"] for m in kept] == [10]  # a host that drops it: sync brings it
    widget.close()


def test_a_finish_that_fails_on_the_worker_still_gets_its_reply(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=2)
    data = b"PK but not really a zip"
    upload = ask(widget, type="upload_begin", name="fake.zip", size=len(data),
                 batch=ask(widget, type="upload_batch", folder="",
                           files=[["fake.zip", len(data)]])["batch"])["upload"]
    ask(widget, [data], type="upload_chunk", upload=upload, offset=0)
    replies = Replies(widget)
    widget._on_request(widget, {"rid": 20, "type": "upload_finish", "upload": upload}, [])
    failed = replies.wait(20)
    assert not failed["ok"] and "not a zip file" in failed["error"]
    assert files_of(root) == ["a.png", "a.txt", "b.jpg"] and partials(root) == []
    widget.close()


def test_a_filtered_view_takes_the_new_images_it_matches(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    widget.filter = "untagged"
    assert widget._shown_count == 1
    zipped_set = zipped({"n.png": png(), "t.png": png(), "t.txt": b"tagged"})
    [reply] = upload_through(widget, [("set.zip", zipped_set)])
    assert sorted(row[0] for row in reply["landed"]) == ["n.png", "t.png", "t.txt"]
    assert widget._shown_count == 2 and widget.count == 4


def test_an_empty_data_set_shows_its_first_upload(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    widget = TaggerWidget(Dataset(tmp_path / "empty"), autosave=False, workers=0)
    assert widget.index == -1
    upload_through(widget, [("one.png", png())])
    assert widget.index == 0 and widget._current["id"] == "one.png"


def test_bad_upload_messages_get_an_error_and_change_nothing(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
    batch = ask(widget, type="upload_batch", folder="", files=[["n.png", 10]])["batch"]
    upload = ask(widget, type="upload_begin", batch=batch, name="n.png", size=10)["upload"]
    bad = [
        ask(widget, [b"x"], type="upload_chunk", upload="nope", offset=0),
        ask(widget, [b"x"], type="upload_chunk", upload=upload, offset=5),
        ask(widget, [b"x" * 11], type="upload_chunk", upload=upload, offset=0),
        ask(widget, [], type="upload_chunk", upload=upload, offset=0),
        ask(widget, [b"x", b"y"], type="upload_chunk", upload=upload, offset=0),
        ask(widget, type="upload_finish", upload=upload),
        ask(widget, type="upload_begin", batch="nope", name="n.png", size=10),
        ask(widget, type="upload_begin", batch=batch, name="../n.png", size=10),
        ask(widget, type="upload_batch", folder="../..", files=[["n.png", 10]]),
        ask(widget, type="upload_batch", folder="", files=[["n.png", -1]]),
        ask(widget, type="upload_batch", folder="", files="n.png"),
        ask(widget, type="upload_cancel", upload="nope"),
    ]
    assert all(not reply["ok"] and reply["error"] for reply in bad), bad
    assert bad[3]["no_buffer"] is True  # the front end then sends the chunks as base64 text
    refused_text = ask(widget, type="upload_chunk", upload=upload, offset=0, data="not base64!")
    assert not refused_text["ok"] and "base64" in refused_text["error"]
    assert ask(widget, type="upload_chunk", upload=upload, offset=0,
               data=base64.b64encode(b"01234").decode())["received"] == 5
    ask(widget, type="upload_cancel", upload=upload)
    upload = ask(widget, type="upload_begin", batch=batch, name="n.png", size=10)
    assert not upload["ok"]  # the batch announced 10 bytes, and they were begun
    upload = ask(widget, type="upload_begin", name="n.png", size=10,
                 batch=ask(widget, type="upload_batch", folder="",
                           files=[["n.png", 10]])["batch"])["upload"]
    assert ask(widget, [b"0123456789"], type="upload_chunk", upload=upload,
               offset=0)["received"] == 10
    assert files_of(root) == ["a.png", "a.txt", "b.jpg"] and widget.count == 2
    widget.close()
    assert partials(root) == []


def test_the_widget_takes_its_upload_limits(root: Path) -> None:
    widget = TaggerWidget(Dataset(root), autosave=False, workers=0,
                          upload_limits=UploadLimits(max_file=1000))
    assert ask(widget, type="upload_folders")["max_file"] == 1000
    batch = ask(widget, type="upload_batch", folder="", files=[["big.png", 1001]])["batch"]
    refused = ask(widget, type="upload_begin", batch=batch, name="big.png", size=1001)
    assert not refused["ok"] and "at most 1,000 bytes" in refused["error"]
