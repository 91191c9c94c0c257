"""Files added to a data set from elsewhere (a browser's upload): received in chunks into a
partial file under the state folder, checked, then given a safe, free name in the data set
folder, never over an existing file.

Images and captions (`.txt`) land as they are; a `.zip` is opened and its images and captions
land the same way, the folders inside it kept as subfolders of the target folder. A caption
follows its image: uploaded in the same batch (or zip) as an image that had to be renamed, it
takes the image's new name.

The names files land under are `uploadnames`' rules, the sizes allowed `uploadlimits`', and which
members of a zip are unpacked `uploadzips`'; this module holds the uploads going and lands them.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
import threading
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image

from .dataset import CAPTION_EXTENSION, Dataset
from .files import is_inside, sync_folders
from .images import IMAGE_EXTENSIONS, ImageError, open_image
from .uploadlimits import MAX_BATCH_FILES, MAX_CHUNK, UploadLimits, check_space, size_text
from .uploadnames import (
    UploadError,
    folder_part,
    image_named,
    join,
    kind_of,
    safe_name,
    shown,
    stem,
    taken_stems,
)
from .uploadzips import Member, extract, zip_contents

UPLOADS_DIR = "uploads"  # the partial files, under the state folder
PARTIAL_SUFFIX = ".part"
STALE_PARTIAL_SECONDS = 3600.0
IDLE_SECONDS = 900.0  # an upload not written to for this long is abandoned


@dataclass(frozen=True)
class Landed:
    """A file that landed: `path` relative to the data set root (POSIX), the name it came with
    (for a zip's member, its path in the zip), its kind ("image" or "caption") and, for a
    caption, the image it belongs to."""

    path: str
    given: str
    kind: str
    image: str | None = None

    @property
    def renamed(self) -> bool:
        """Whether it landed under another name than it came with."""
        return PurePosixPath(self.path).name != PurePosixPath(self.given).name


@dataclass(frozen=True)
class Refused:
    """A file (or a zip's member) that did not land, and why."""

    name: str
    reason: str


@dataclass
class UploadResult:
    """What one finished upload brought: the files that landed, those refused, and the number
    of a zip's members skipped without a word (`__MACOSX/`, hidden files, folders)."""

    landed: list[Landed] = field(default_factory=list)
    refused: list[Refused] = field(default_factory=list)
    skipped: int = 0

    @property
    def images(self) -> list[str]:
        """The paths of the images that landed, in the order they did."""
        return [done.path for done in self.landed if done.kind == "image"]

    def summary(self) -> str:
        """One sentence: how many landed, were renamed, were refused and why."""
        parts = [f"Added {len(self.images)} image(s) and "
                 f"{len(self.landed) - len(self.images)} caption(s)"]
        renamed = sum(done.renamed for done in self.landed)
        if renamed:
            parts.append(f"{renamed} renamed so that nothing was overwritten")
        if self.refused:
            parts.append(f"{len(self.refused)} refused: " + "; ".join(
                f"{r.name}: {r.reason}" for r in self.refused[:5]))
        return ", ".join(parts) + "."


@dataclass
class _Batch:
    id: str
    folder: str  # relative to the root, POSIX, "" for the root
    total: int  # bytes announced
    images: set[tuple[str, str]]  # (folder, stem casefolded) of the images announced
    begun: int = 0  # bytes of the uploads begun in it
    implicit: bool = False  # made by `begin` for one file: forgotten with it
    stems: dict[tuple[str, str], str | None] = field(default_factory=dict)  # -> landed stem
    landing: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)


@dataclass
class _Upload:
    id: str
    batch: _Batch
    given: str
    name: str
    kind: str  # "image", "caption" or "zip"
    size: int
    partial: Path
    fd: int
    received: int = 0
    touched: float = field(default_factory=time.monotonic)


def check_image(path: Path) -> None:
    """Open and decode the image at `path`; `UploadError` with the reason when it is broken."""
    try:
        with open_image(path) as image:
            image.load()
    except ImageError as error:
        raise UploadError(str(error)) from None
    except Image.DecompressionBombError as error:
        raise UploadError(f"The image is too large to open safely ({error}).") from None
    except (OSError, ValueError, SyntaxError) as error:
        raise UploadError(f"The image is damaged or truncated ({error}).") from None


class Uploads:
    """The uploads into the data set at `root` (resolved), their partial files in
    `state_dir/uploads/`; partial files left there over an hour ago are removed at the start.

    A batch (`start_batch`) names the files to come, so that its total is checked at once and
    captions follow their images; `begin` starts one file, `write` takes its chunks in order,
    `finish` lands it (`cancel` drops it). Safe to call from several threads.
    """

    def __init__(self, root: Path, state_dir: Path, limits: UploadLimits | None = None) -> None:
        self.root = root
        self.limits = limits or UploadLimits()
        self._partials = state_dir / UPLOADS_DIR
        self._batches: dict[str, _Batch] = {}
        self._uploads: dict[str, _Upload] = {}
        self._lock = threading.RLock()
        self._remove_stale_partials()

    def folders(self, limit: int = 500) -> list[str]:
        """The data set's subfolders an upload may go to (not hidden, not links out), sorted."""
        found: list[str] = []
        for folder, names, _ in os.walk(self.root):
            names[:] = sorted(n for n in names if not n.startswith(".")
                              and is_inside(self.root, Path(folder, n)))
            found.extend(Path(folder, n).relative_to(self.root).as_posix() for n in names)
            if len(found) >= limit:
                break
        return sorted(found[:limit], key=str.casefold)

    def start_batch(self, files: Sequence[tuple[str, int]], folder: str = "") -> str:
        """A batch of `files` (`(name, size)`) going to `folder` (relative to the root, "" the
        root itself); returns its id. `UploadError` for a bad folder or a total over the limit
        (each file is checked at its `begin`)."""
        target = self._target(folder)
        if len(files) > MAX_BATCH_FILES:
            raise UploadError(f"At most {MAX_BATCH_FILES:,} files go in one upload.")
        total = sum(size for _, size in files)
        if total > self.limits.max_batch:
            raise UploadError(f"These files come to {size_text(total)}; one upload takes at most "
                              f"{size_text(self.limits.max_batch)}.")
        images = set()
        for name, _ in files:
            with contextlib.suppress(UploadError):
                clean = safe_name(name)
                if kind_of(clean) == "image":
                    images.add((target, stem(clean).casefold()))
        batch = _Batch(secrets.token_hex(8), target, total, images)
        with self._lock:
            self._batches[batch.id] = batch
        return batch.id

    def begin(self, name: str, size: int, folder: str = "", *, batch: str | None = None) -> str:
        """Start receiving the file `name` of `size` bytes, into `folder` or as part of
        `batch`; returns the upload's id. `UploadError` when the name, kind, size or free disk
        space will not do."""
        self._drop_idle()
        clean = safe_name(name)
        kind = kind_of(clean)
        if kind is None:
            known = ", ".join(sorted(IMAGE_EXTENSIONS))
            raise UploadError(f"{shown(name)} is not an image ({known}), a caption (.txt) or "
                              "a .zip of them.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise UploadError("A file's size must be a whole number of bytes.")
        most = self.limits.largest(kind)
        if size > most:
            raise UploadError(f"{shown(name)} is {size_text(size)}; a {kind} may be at most "
                              f"{size_text(most)}.")
        if size == 0:
            raise UploadError(f"{shown(name)} is empty.")
        check_space(self.root, size)
        with self._lock:
            if batch is None:
                owner = self._batches[self.start_batch([(name, size)], folder)]
                owner.implicit = True
            elif batch in self._batches:
                owner = self._batches[batch]
            else:
                raise UploadError("No such upload batch (it was finished or cancelled).")
            if owner.begun + size > owner.total:
                raise UploadError(f"{shown(name)} goes past the {size_text(owner.total)} its "
                                  "upload announced.")
            upload_id = secrets.token_hex(8)
            self._partials.mkdir(parents=True, exist_ok=True)
            self._check_partials_folder()
            partial = self._partials / f"{upload_id}{PARTIAL_SUFFIX}"
            fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
            owner.begun += size
            self._uploads[upload_id] = _Upload(upload_id, owner, name, clean, kind, size,
                                               partial, fd)
        return upload_id

    def write(self, upload: str, offset: int, data: bytes | memoryview) -> int:
        """Add `data` at `offset` (where the last chunk ended) to the upload; returns the bytes
        received so far. A chunk at another offset, past the size announced or over 8 MB is
        refused and changes nothing."""
        with self._lock:
            current = self._get(upload)
            view = memoryview(data).cast("B")
            length = view.nbytes
            if length > MAX_CHUNK:
                raise UploadError(f"A chunk may be at most {size_text(MAX_CHUNK)}.")
            if offset != current.received:
                raise UploadError(f"The chunk starts at byte {offset:,}; the upload is at byte "
                                  f"{current.received:,}.")
            if current.received + length > current.size:
                raise UploadError(f"The chunk goes past the {current.size:,} bytes announced.")
            try:
                while view:
                    view = view[os.write(current.fd, view):]
            except OSError as error:
                self._drop(current)
                raise UploadError(f"Writing the upload failed ({_reason(error)}); it was "
                                  "cancelled.") from None
            current.received += length
            current.touched = time.monotonic()
            return current.received

    def finish(self, upload: str) -> UploadResult:
        """Land the upload, all of whose bytes came: an image or caption (refused ones are in
        the result's `refused`), or the images and captions of a zip. The other uploads' calls
        do not wait for it (a zip's may take minutes); the uploads of one batch land one at a
        time, in the order their `finish` calls come (on several threads: as they take turns)."""
        with self._lock:
            current = self._get(upload)
            if current.received != current.size:
                raise UploadError(f"Only {current.received:,} of {current.size:,} bytes came.")
            self._forget(current)
        try:
            os.fsync(current.fd)
            with current.batch.landing:
                if current.kind == "zip":
                    return self._unzip(current)
                result = UploadResult()
                self._land_one(result, current.batch.stems, current.partial,
                               current.batch.folder, current.name, current.given, current.kind,
                               current.batch.images)
                return result
        finally:
            _release(current)

    def cancel(self, ref: str) -> None:
        """Drop an upload, or a batch with every upload of it; its partial files go."""
        with self._lock:
            batch = self._batches.pop(ref, None)
            doomed = [u for u in self._uploads.values()
                      if u.id == ref or (batch is not None and u.batch is batch)]
            if batch is None and not doomed:
                raise UploadError("No such upload (it was finished or cancelled).")
            for current in doomed:
                self._drop(current)

    def end_batch(self, batch: str) -> None:
        """The batch is done: forget it (its uploads still going are cancelled)."""
        with contextlib.suppress(UploadError):
            self.cancel(batch)

    def close(self) -> None:
        """Cancel every upload going."""
        with self._lock:
            for current in list(self._uploads.values()):
                self._drop(current)
            self._batches.clear()

    # Landing

    def _land_one(self, result: UploadResult, stems: dict[tuple[str, str], str | None],
                  source: Path, folder: str, name: str, given: str, kind: str,
                  announced: set[tuple[str, str]]) -> None:
        try:
            if kind == "image":
                result.landed.append(self._land_image(source, folder, name, given, stems))
            else:
                result.landed.append(self._land_caption(source, folder, name, given, stems,
                                                        announced))
        except UploadError as error:
            result.refused.append(Refused(given, str(error)))
        except OSError as error:
            result.refused.append(Refused(given, f"It could not be written ({_reason(error)})."))

    def _land_image(self, source: Path, folder: str, name: str, given: str,
                    stems: dict[tuple[str, str], str | None]) -> Landed:
        key = (folder, stem(name).casefold())
        stems[key] = None  # refused until it lands
        check_image(source)
        place = self._make_folder(folder)
        base, extension = stem(name), name[len(stem(name)):]
        taken = taken_stems(place)
        for n in range(1, 100_000):
            candidate = base if n == 1 else f"{base}-{n}"
            if candidate.casefold() in taken:
                continue
            try:
                _place(source, place / f"{candidate}{extension}")
            except FileExistsError:  # someone else took it meanwhile
                taken.add(candidate.casefold())
                continue
            stems[key] = candidate
            return Landed(join(folder, candidate + extension), given, "image")
        raise UploadError("No free name was found for it.")

    def _land_caption(self, source: Path, folder: str, name: str, given: str,
                      stems: dict[tuple[str, str], str | None],
                      announced: set[tuple[str, str]]) -> Landed:
        key = (folder, stem(name).casefold())
        if key in stems:
            base = stems[key]
            if base is None:
                raise UploadError("Its image was refused, so it was not added.")
        elif key in announced:
            raise UploadError("Its image has not come yet; send images before their captions.")
        else:
            base = stem(name)
        place = self._make_folder(folder)
        image = image_named(place, base)
        if image is None:
            raise UploadError(f"No image named {base}.* is in {folder or 'the data set folder'}"
                              " for it to caption.")
        caption = place / f"{stem(image)}{CAPTION_EXTENSION}"
        try:
            _place(source, caption)
        except FileExistsError:
            raise UploadError(f"{join(folder, image)} already has a caption; it is kept as it "
                              "was, not overwritten.") from None
        return Landed(join(folder, caption.name), given, "caption", join(folder, image))

    def _unzip(self, upload: _Upload) -> UploadResult:
        result = UploadResult()
        try:
            with zipfile.ZipFile(upload.partial) as archive:
                contents = zip_contents(archive, upload.given, upload.batch.folder, self.limits)
                check_space(self.root, contents.size)
                result.refused.extend(Refused(name, reason) for name, reason in contents.refused)
                result.skipped = contents.skipped
                stems: dict[tuple[str, str], str | None] = {}
                for member in contents.members:
                    self._land_member(archive, member, stems, result)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
            raise UploadError(f"{shown(upload.given)} is not a zip file that can be read "
                              f"({error}).") from None
        return result

    def _land_member(self, archive: zipfile.ZipFile, member: Member,
                     stems: dict[tuple[str, str], str | None], result: UploadResult) -> None:
        partial = self._partials / f"{secrets.token_hex(8)}{PARTIAL_SUFFIX}"
        given = member.info.filename
        try:
            try:
                extract(archive, member.info, partial)
            except (zipfile.BadZipFile, UploadError, NotImplementedError, RuntimeError) as error:
                result.refused.append(Refused(given, f"It could not be unpacked ({error})."))
                return
            self._land_one(result, stems, partial, member.folder, member.name, given,
                           kind_of(member.name) or "", set())
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()

    # Places

    def _target(self, folder: str) -> str:
        """`folder` (relative, `/` between parts) checked: inside the root, not hidden, not the
        state folder, not through a link out; "" for the root."""
        if not isinstance(folder, str):
            raise UploadError("The target folder must be text.")
        parts = [part for part in folder.replace("\\", "/").strip().strip("/").split("/") if part]
        for part in parts:
            if part in (".", ".."):
                raise UploadError(f"The folder {folder!r} leads outside the data set.")
            if part.startswith("."):
                raise UploadError(f"The folder {folder!r} is hidden ({part}); the data set does "
                                  "not show hidden folders, so nothing goes there.")
            if part != folder_part(part):
                raise UploadError(f"The folder name {part!r} has characters that some systems "
                                  "or trainers do not take.")
        path = self.root
        for part in parts:
            path = path / part
            if not os.path.lexists(path):
                break
            if not (path.is_dir() and is_inside(self.root, path)):
                raise UploadError(f"{folder!r} is not a folder inside the data set.")
        return "/".join(parts)

    def _make_folder(self, folder: str) -> Path:
        """The folder `folder`, made when missing, one part at a time, never through a link
        that leads out of the root."""
        path = self.root
        for part in folder.split("/") if folder else []:
            path = path / part
            if not os.path.lexists(path):
                with contextlib.suppress(FileExistsError):
                    path.mkdir()
            if not (path.is_dir() and is_inside(self.root, path)):
                raise UploadError(f"{folder!r} is not a folder inside the data set.")
        return path

    def _check_partials_folder(self) -> None:
        status = os.lstat(self._partials)
        if not stat.S_ISDIR(status.st_mode) or not is_inside(self.root, self._partials):
            raise UploadError(f"{self._partials} is not a folder of the data set's own.")

    def _get(self, upload: str) -> _Upload:
        current = self._uploads.get(upload) if isinstance(upload, str) else None
        if current is None:
            raise UploadError("No such upload (it was finished or cancelled).")
        return current

    def _drop(self, current: _Upload) -> None:
        """Forget an upload; its partial file goes."""
        self._forget(current)
        _release(current)

    def _forget(self, current: _Upload) -> None:
        """Take an upload (and its batch when made for it alone) out of those going."""
        self._uploads.pop(current.id, None)
        if current.batch.implicit:
            self._batches.pop(current.batch.id, None)

    def _drop_idle(self) -> None:
        now = time.monotonic()
        with self._lock:
            for current in [u for u in self._uploads.values() if now - u.touched > IDLE_SECONDS]:
                self._drop(current)

    def _remove_stale_partials(self) -> None:
        try:
            entries = list(os.scandir(self._partials))
        except OSError:
            return
        for entry in entries:
            with contextlib.suppress(OSError):
                if (entry.name.endswith(PARTIAL_SUFFIX) and entry.is_file(follow_symlinks=False)
                        and time.time() - entry.stat(follow_symlinks=False).st_mtime
                        > STALE_PARTIAL_SECONDS):
                    os.unlink(entry.path)


def take_in(dataset: Dataset, result: UploadResult) -> str | None:
    """Take what landed into `dataset`: the new images at its end, with their captions, and the
    captions that came for images it held already, read again. Returns the id of the first
    image that landed, now in the data set (another part, a folder watcher, may have taken
    some in before this did), or None when none is. An image gone by then (removed by another
    program) is left out."""
    added = {dataset[position].id
             for position in dataset.add_images(result.images, skip_invalid=True)}
    for done in result.landed:
        if done.kind == "caption" and done.image is not None and done.image not in added:
            with contextlib.suppress(KeyError):
                dataset.refresh(done.image)
    for image in result.images:
        with contextlib.suppress(KeyError):
            return dataset[image].id
    return None


def _release(current: _Upload) -> None:
    """Close an upload's partial file and remove it."""
    with contextlib.suppress(OSError):
        os.close(current.fd)
    with contextlib.suppress(FileNotFoundError):
        current.partial.unlink()


def _place(source: Path, final: Path) -> None:
    """Give the finished file `source` the name `final`, never over a file there
    (`FileExistsError` then): a hard link, or where links cannot be made, a name reserved
    with O_EXCL and replaced."""
    try:
        os.link(source, final, follow_symlinks=False)
    except FileExistsError:
        raise
    except OSError:
        os.close(os.open(final, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666))
        os.replace(source, final)
    sync_folders([final.parent])


def _reason(error: OSError) -> str:
    return error.strerror or str(error)

