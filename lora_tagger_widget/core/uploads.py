"""Files added to a data set from elsewhere (a browser's upload): received in chunks into a
partial file under the state folder, checked, then given a safe, free name in the data set
folder, never over an existing file.

Images and captions (`.txt`) land as they are; a `.zip` is opened and its images and captions
land the same way, the folders inside it kept as subfolders of the target folder. A caption
follows its image: uploaded in the same batch (or zip) as an image that had to be renamed, it
takes the image's new name.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import stat
import threading
import time
import unicodedata
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from PIL import Image

from .dataset import CAPTION_EXTENSION, Dataset
from .files import is_inside, sync_folders
from .images import IMAGE_EXTENSIONS, ImageError, is_image_name, open_image

MB = 1024 * 1024
UPLOADS_DIR = "uploads"  # the partial files, under the state folder
PARTIAL_SUFFIX = ".part"
ZIP_EXTENSION = ".zip"
MAX_CHUNK = 8 * MB
MAX_CAPTION_BYTES = 1 * MB
MAX_BATCH_FILES = 10_000
MAX_NAME = 120  # characters of a file name's stem
MAX_ZIP_DEPTH = 8  # folders inside a zip
RATIO_FLOOR = 1 * MB  # members smaller than this may be compressed any amount
DISK_MARGIN = 64 * MB  # free space left on the disk after an upload
STALE_PARTIAL_SECONDS = 3600.0
IDLE_SECONDS = 900.0  # an upload not written to for this long is abandoned
COPY_BLOCK = 1 * MB
_UNSAFE = re.compile('[\x00-\x1f\x7f<>:"|?*\u202a-\u202e\u2066-\u2069]')
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                       *(f"lpt{n}" for n in range(10))})
_LINK_MODE = 0o120000


class UploadError(ValueError):
    """An upload refused, with a sentence saying why; nothing of it stays on disk."""


@dataclass(frozen=True)
class UploadLimits:
    """How much may come in: `max_file` bytes a file (a zip's members too), `max_batch` bytes
    a batch, and for a zip at most `max_members` members, `max_unzipped` bytes unpacked and
    members compressed at most `max_ratio` to 1."""

    max_file: int = 200 * MB
    max_batch: int = 4096 * MB
    max_members: int = 5_000
    max_unzipped: int = 4096 * MB
    max_ratio: int = 100

    def __post_init__(self) -> None:
        for name in ("max_file", "max_batch", "max_members", "max_unzipped", "max_ratio"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"Upload limit {name} must be a positive whole number.")


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


def safe_name(given: str) -> str:
    """`given` as a file name every system and trainer takes: NFC, no control or reserved
    characters (each becomes `_`), no leading dot, no trailing dot or space, not a Windows
    device name, a stem of at most 120 characters. `UploadError` for a path or an empty name."""
    if not isinstance(given, str) or not given.strip():
        raise UploadError("A file needs a name.")
    if "/" in given or "\\" in given or given in (".", ".."):
        raise UploadError(f"{_shown(given)} is a path; only a plain file name is taken.")
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", given)).strip().lstrip(".")
    dot = name.rfind(".")
    stem, extension = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    stem = stem.rstrip(". ")[:MAX_NAME].rstrip(". ") or "upload"
    if stem.split(".")[0].casefold() in _RESERVED:
        stem += "_"
    return stem + extension.rstrip(". ")


def kind_of(name: str) -> str | None:
    """"image", "caption" or "zip" by the name's extension (any case); None for anything else."""
    if is_image_name(name):
        return "image"
    extension = PurePosixPath(name).suffix.lower()
    return {CAPTION_EXTENSION: "caption", ZIP_EXTENSION: "zip"}.get(extension)


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
            raise UploadError(f"These files come to {_size(total)}; one upload takes at most "
                              f"{_size(self.limits.max_batch)}.")
        images = set()
        for name, _ in files:
            with contextlib.suppress(UploadError):
                clean = safe_name(name)
                if kind_of(clean) == "image":
                    images.add((target, _stem(clean).casefold()))
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
            raise UploadError(f"{_shown(name)} is not an image ({known}), a caption (.txt) or "
                              "a .zip of them.")
        if isinstance(size, bool) or not isinstance(size, int) or size < 0:
            raise UploadError("A file's size must be a whole number of bytes.")
        most = MAX_CAPTION_BYTES if kind == "caption" else self.limits.max_file
        if size > most:
            raise UploadError(f"{_shown(name)} is {_size(size)}; a {kind} may be at most "
                              f"{_size(most)}.")
        if size == 0:
            raise UploadError(f"{_shown(name)} is empty.")
        self._check_space(size)
        with self._lock:
            if batch is None:
                owner = self._batches[self.start_batch([(name, size)], folder)]
                owner.implicit = True
            elif batch in self._batches:
                owner = self._batches[batch]
            else:
                raise UploadError("No such upload batch (it was finished or cancelled).")
            if owner.begun + size > owner.total:
                raise UploadError(f"{_shown(name)} goes past the {_size(owner.total)} its upload "
                                  "announced.")
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
                raise UploadError(f"A chunk may be at most {_size(MAX_CHUNK)}.")
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
        do not wait for it (a zip's may take minutes); the uploads of one batch land in the
        order their `finish` is called."""
        with self._lock:
            current = self._get(upload)
            if current.received != current.size:
                raise UploadError(f"Only {current.received:,} of {current.size:,} bytes came.")
            self._forget(current)
        try:
            os.fsync(current.fd)
            if current.kind == "zip":
                return self._unzip(current)
            result = UploadResult()
            self._land_one(result, current.batch.stems, current.partial, current.batch.folder,
                           current.name, current.given, current.kind, current.batch.images)
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
        key = (folder, _stem(name).casefold())
        stems[key] = None  # refused until it lands
        check_image(source)
        place = self._make_folder(folder)
        stem, extension = _stem(name), name[len(_stem(name)):]
        taken = _taken_stems(place)
        for n in range(1, 100_000):
            candidate = stem if n == 1 else f"{stem}-{n}"
            if candidate.casefold() in taken:
                continue
            try:
                _place(source, place / f"{candidate}{extension}")
            except FileExistsError:  # someone else took it meanwhile
                taken.add(candidate.casefold())
                continue
            stems[key] = candidate
            return Landed(_join(folder, candidate + extension), given, "image")
        raise UploadError("No free name was found for it.")

    def _land_caption(self, source: Path, folder: str, name: str, given: str,
                      stems: dict[tuple[str, str], str | None],
                      announced: set[tuple[str, str]]) -> Landed:
        key = (folder, _stem(name).casefold())
        if key in stems:
            stem = stems[key]
            if stem is None:
                raise UploadError("Its image was refused, so it was not added.")
        elif key in announced:
            raise UploadError("Its image has not come yet; send images before their captions.")
        else:
            stem = _stem(name)
        place = self._make_folder(folder)
        image = _image_named(place, stem)
        if image is None:
            raise UploadError(f"No image named {stem}.* is in {folder or 'the data set folder'}"
                              " for it to caption.")
        caption = place / f"{image[: image.rfind('.')]}{CAPTION_EXTENSION}"
        try:
            _place(source, caption)
        except FileExistsError:
            raise UploadError(f"{_join(folder, image)} already has a caption; it is kept as it "
                              "was, not overwritten.") from None
        return Landed(_join(folder, caption.name), given, "caption", _join(folder, image))

    def _unzip(self, upload: _Upload) -> UploadResult:
        result = UploadResult()
        try:
            with zipfile.ZipFile(upload.partial) as archive:
                members = self._zip_members(archive, upload, result)
                stems: dict[tuple[str, str], str | None] = {}
                for info, folder, name in members:
                    self._land_member(archive, info, folder, name, stems, result)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as error:
            raise UploadError(f"{_shown(upload.given)} is not a zip file that can be read "
                              f"({error}).") from None
        return result

    def _zip_members(self, archive: zipfile.ZipFile, upload: _Upload,
                     result: UploadResult) -> list[tuple[zipfile.ZipInfo, str, str]]:
        """The members to extract, images first, each with its folder and safe name; the
        refused go in `result`."""
        infos = archive.infolist()
        limits = self.limits
        if len(infos) > limits.max_members:
            raise UploadError(f"{_shown(upload.given)} holds {len(infos):,} members; at most "
                              f"{limits.max_members:,} are unpacked.")
        wanted: list[tuple[zipfile.ZipInfo, str, str]] = []
        for info in infos:
            try:
                found = self._zip_member(info, upload.batch.folder)
            except UploadError as error:
                result.refused.append(Refused(info.filename, str(error)))
                continue
            if found is None:
                result.skipped += 1
            else:
                wanted.append((info, *found))
        total = sum(info.file_size for info, _, _ in wanted)
        if total > limits.max_unzipped:
            raise UploadError(f"{_shown(upload.given)} unpacks to {_size(total)}; at most "
                              f"{_size(limits.max_unzipped)} are unpacked.")
        self._check_space(total)
        wanted.sort(key=lambda member: kind_of(member[2]) != "image")
        return wanted

    def _zip_member(self, info: zipfile.ZipInfo, folder: str) -> tuple[str, str] | None:
        """A member's target folder and safe name; None to skip it (a folder, `__MACOSX/`, a
        hidden file); `UploadError` to refuse it."""
        path = info.filename.replace("\\", "/")
        if info.is_dir():
            return None
        parts = [part for part in path.split("/") if part not in ("", ".")]
        if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
            raise UploadError("An absolute path; it is not unpacked.")
        if ".." in parts:
            raise UploadError("A path that leads outside the zip; it is not unpacked.")
        if not parts or any(part.startswith(".") or part == "__MACOSX" for part in parts):
            return None
        if stat.S_IFMT(info.external_attr >> 16) == _LINK_MODE:
            raise UploadError("A link; links are not unpacked.")
        if info.flag_bits & 0x1:
            raise UploadError("Encrypted; it is not unpacked.")
        if len(parts) > MAX_ZIP_DEPTH + 1:
            raise UploadError(f"Deeper than {MAX_ZIP_DEPTH} folders; it is not unpacked.")
        name = safe_name(parts[-1])
        kind = kind_of(name)
        if kind not in ("image", "caption"):
            raise UploadError("Not an image or a caption (.txt).")
        most = MAX_CAPTION_BYTES if kind == "caption" else self.limits.max_file
        if info.file_size > most:
            raise UploadError(f"{_size(info.file_size)}; a {kind} may be at most {_size(most)}.")
        if (info.file_size > RATIO_FLOOR
                and info.file_size > self.limits.max_ratio * max(info.compress_size, 1)):
            raise UploadError(f"Compressed more than {self.limits.max_ratio} to 1; refused as a "
                              "possible zip bomb.")
        subfolders = [_folder_part(part) for part in parts[:-1]]
        return _join(folder, *subfolders), name

    def _land_member(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo, folder: str,
                     name: str, stems: dict[tuple[str, str], str | None],
                     result: UploadResult) -> None:
        partial = self._partials / f"{secrets.token_hex(8)}{PARTIAL_SUFFIX}"
        try:
            try:
                _extract(archive, info, partial)
            except (zipfile.BadZipFile, UploadError, NotImplementedError, RuntimeError) as error:
                result.refused.append(Refused(info.filename,
                                              f"It could not be unpacked ({error})."))
                return
            self._land_one(result, stems, partial, folder, name, info.filename,
                           kind_of(name) or "", set())
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
            if part != _folder_part(part):
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

    def _check_space(self, size: int) -> None:
        free = shutil.disk_usage(self.root).free
        if size + DISK_MARGIN > free:
            raise UploadError(f"Not enough free disk space: {_size(size)} needed and "
                              f"{_size(DISK_MARGIN)} kept spare, {_size(free)} free.")

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
    some in before this did), or None when none is."""
    added = {dataset[position].id for position in dataset.add_images(result.images)}
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


def _extract(archive: zipfile.ZipFile, info: zipfile.ZipInfo, partial: Path) -> None:
    """Copy a member to `partial`, reading no more than its header says it holds."""
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666)
    with os.fdopen(fd, "wb") as out, archive.open(info) as member:
        left = info.file_size
        while block := member.read(min(COPY_BLOCK, left + 1)):
            if len(block) > left:
                raise UploadError("it holds more than its header says")
            out.write(block)
            left -= len(block)
        out.flush()
        os.fsync(out.fileno())


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


def _taken_stems(folder: Path) -> set[str]:
    """The stems (casefolded) of every name in `folder`: a new image takes none of them, so
    it never shares a caption with another file."""
    return {_stem(name).casefold() for name in os.listdir(folder)}


def _image_named(folder: Path, stem: str) -> str | None:
    """The name of the image in `folder` whose stem is `stem` (any case), if one is there."""
    wanted = stem.casefold()
    for name in sorted(os.listdir(folder)):
        if _stem(name).casefold() == wanted and kind_of(name) == "image":
            return name
    return None


def _stem(name: str) -> str:
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def _folder_part(part: str) -> str:
    return _stem(safe_name(part + ".x"))


def _join(*parts: str) -> str:
    return "/".join(part for part in parts if part)


def _shown(name: object) -> str:
    text = str(name)
    return repr(text if len(text) <= 80 else text[:77] + "...")


def _size(size: int) -> str:
    return f"{size / MB:,.1f} MB" if size >= MB else f"{size:,} bytes"


def _reason(error: OSError) -> str:
    return error.strerror or str(error)

