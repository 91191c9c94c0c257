"""Exports for trainers: the data set copied into what Civitai, ai-toolkit or kohya sd-scripts
read, or into a renamed copy. The originals are never touched.

Every export is written to a temporary sibling of its destination and renamed into place when
complete, so a crash or a cancel never leaves half an export under the final name. A destination
that exists and is not empty is refused unless `replace=True`, and even then only when it is an
earlier export of ours and holds nothing else. Each export lists what it wrote: a folder export
in its `MARKER_NAME` file (each file's path, size and SHA-256, and its inode and times, which
spare re-reading a file that was not touched), a zip in its comment (the SHA-256 of the archive
before the comment). A replace deletes only the listed files that are
unchanged, and the folders they leave empty; anything else there (files added since, listed
files changed since, a marker that does not describe the folder) makes it refuse, deleting
nothing (`ForeignFilesError`). A zip is replaced only when it is byte for byte what we wrote.

Decisions:

* Captions are the ones the data set holds now, unsaved edits included (what the person sees).
* Items left out: unreadable images, missing or empty captions, caption files that cannot be read
  or are not UTF-8, images in a format the target does not read when `convert_formats` is off,
  and for Civitai everything past its 1,000th image.
* An image that needs no fix and is in a format the target reads is copied byte for byte. The
  rest are re-encoded: PNG when the source is PNG (no new loss), when transparency is kept, or
  when JPEG cannot hold the image's mode; JPEG at `quality` otherwise. Re-encoded images keep
  their ICC profile (not a CMYK one once converted) and lose their EXIF block.
* Animated images are converted (`convert_formats`) to their first frame. The output extension
  follows the image's real format (`.jpg` for JPEG), so a PNG named `.jpg` is renamed `.png`.
* The trigger word is put first by Civitai's rule (`_batch.Operation(kind="trigger")`) for Civitai
  and kohya, after ai-toolkit's `[trigger]` and `[name]` placeholders are replaced by it (only
  ai-toolkit replaces them itself). ai-toolkit's captions keep their text: its YAML sets
  `trigger_word`. The renamed copy keeps the captions as they are (fixes aside).
* ai-toolkit and kohya exports keep the images' own names, in one folder: a name taken already
  (same name in two folders, or two images sharing a stem) gets its folders joined by `_`, then
  `-2`, `-3`, ... until it is free.
* A file name that is not valid UTF-8 (bytes Python holds as surrogate escapes) is exported
  all the same: ai-toolkit and kohya get it with each bad byte replaced by `_`, the renamed
  copy's `names.csv` shows the bad bytes as `\\xNN`; both are reported as fixes. Every name and
  path we write (file names, zip members, the marker, configs) is valid UTF-8.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import json
import os
import shutil
import struct
import tempfile
import threading
import unicodedata
import zipfile
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Protocol

from .batch import PLACEHOLDERS, Operation
from .buckets import STEP
from .captions import validate_tag
from .exportfixes import Fixes, format_of, prepare
from .files import UMASK, UTF8_ENCODINGS, checked_path, is_inside
from .images import ImageError, ImageInfo
from .trainerconfig import ai_toolkit_yaml, is_utf8, kohya_toml, printable, utf8_name
from .trainers import (
    COMMON_FORMATS,
    LABEL_TYPES,
    TRAINERS,
    ai_toolkit_fooled,
    civitai_guess,
    civitai_label,
    civitai_label_type,
    civitai_trigger_problem,
    kohya_escape_wildcards,
)

if TYPE_CHECKING:
    from .dataset import Dataset, Item

TARGETS = ("civitai", "ai-toolkit", "kohya", "renamed")
MARKER_NAME = ".lora-tagger-export.json"
CIVITAI_LIMIT = TRAINERS["civitai"].max_images or 0
AI_TOOLKIT_CONFIG_NAME = "ai-toolkit-dataset.yaml"
KOHYA_CONFIG_NAME = "dataset_config.toml"
NAMES_CSV_NAME = "names.csv"
CAPTION_SUFFIX = ".txt"

LABELS = {
    "civitai": "Civitai",
    "ai-toolkit": "ai-toolkit",
    "kohya": "kohya sd-scripts",
    "renamed": "the renamed copy",
}
# The image formats (Pillow's names) each target reads (see `_trainers.TRAINERS`); the renamed
# copy keeps to the formats every trainer reads.
READS = {**{key: trainer.formats for key, trainer in TRAINERS.items()}, "renamed": COMMON_FORMATS}

# What `ExportReport.fixed` says was done to captions and names (to images: `exportfixes.py`).
ONE_LINE = "caption made one line"
PLACEHOLDER_REPLACED = "[trigger] placeholder replaced"
PLACEHOLDER_REMOVED = "[trigger] placeholder removed (no trigger word)"
TRIMMED = "white space and line breaks around the caption removed"
BRACES_DOUBLED = "braces doubled, so kohya's wildcards keep them"
TRIGGER_FIRST = "trigger word put first"
BOM_REMOVED = "byte-order mark removed"
NAME_MADE_UTF8 = "file name not UTF-8: its bad bytes replaced by _"
NAME_ESCAPED = "original name not UTF-8: shown with \\xNN in names.csv"

_APP = "lora-tagger-widget"
_PROGRESS_STEPS = 100
_CHUNK = 1 << 20
_STAMP_KEYS = ("inode", "mtime_ns", "ctime_ns")  # dropped when too recent to tell a change
_SHOWN_FOREIGN = 10  # foreign files named in a refusal's message (all are in the error)
_OVER_LIMIT = f"Over Civitai's limit of {CIVITAI_LIMIT:,} images."


@dataclass
class ExportReport:
    """What an export wrote, converted, fixed and left out."""

    target: str
    dest: Path
    exported: int
    left_out: list[tuple[str, str]]  # (id, why)
    converted: list[tuple[str, str, str]]  # (id, from format, to format)
    fixed: list[tuple[str, str]]  # (id, what was fixed)
    files: list[Path]
    config: str | None  # the YAML / TOML text (also written), else None
    label_type: str | None = None  # Civitai: "tag" or "caption", what the labels are made for
    notes: list[str] = field(default_factory=list)  # what the person must know or choose

    def summary(self) -> str:
        """A few lines for a person: how many images went where, what changed, what was left
        out and why."""
        lines = [f"Exported {_count(self.exported)} for {LABELS[self.target]} to {self.dest}."]
        lines += self.notes
        if self.converted:
            kinds = Counter(f"{old} to {new}" for _, old, new in self.converted)
            lines.append(f"Converted {_count(len(self.converted))}: {_tally(kinds)}.")
        if self.fixed:
            images = len({item_id for item_id, _ in self.fixed})
            lines.append(f"Fixed {_count(images)}: {_tally(Counter(w for _, w in self.fixed))}.")
        if self.left_out:
            lines.append(f"Left out {_count(len(self.left_out))}:")
            lines += [f"  {item_id}: {why}" for item_id, why in self.left_out[:10]]
            if len(self.left_out) > 10:
                rest = Counter(why for _, why in self.left_out[10:])
                lines.append(f"  and {len(self.left_out) - 10} more: {_tally(rest)}.")
        return printable("\n".join(lines))


class ExportCancelled(Exception):
    """The export was cancelled; nothing was written under its destination."""


class ForeignFilesError(FileExistsError):
    """A replace refused because the earlier export's folder holds files it did not write
    (`added`, folders ending in "/") or files it wrote that were changed since (`changed`),
    as paths relative to `dest`. Nothing was deleted."""

    def __init__(self, dest: Path, added: list[str], changed: list[str]) -> None:
        self.dest = dest
        self.added = added
        self.changed = changed
        parts = [f"{printable(str(dest))} holds files the earlier export there did not write, "
                 "so it is not replaced and nothing was deleted."]
        if added:
            parts.append(f"Added since: {_names(added)}.")
        if changed:
            parts.append(f"Changed since the export: {_names(changed)}.")
        parts.append("Move them elsewhere or choose another destination.")
        super().__init__(" ".join(parts))


def export(
    dataset: Dataset,
    target: str,
    dest: str | os.PathLike[str],
    *,
    replace: bool = False,
    fixes: Fixes | None = None,
    scope: Iterable[int | str] | None = None,
    trigger: str | None = None,
    progress: Callable[[int, int], None] | None = None,
    cancel: threading.Event | None = None,
    repeats: int = 10,
    name: str | None = None,
    resolution: Sequence[int] = (512, 768, 1024),
    prefix: str = "image",
    quality: int = 95,
    civitai_labels: str | None = None,
) -> ExportReport:
    """Export the data set (or the items of `scope`) for `target`, one of `TARGETS`, to `dest`.

    civitai: a zip (`dest`, ".zip" added when missing) of `000.ext` images and `000.txt`
    captions, at most 1,000, the trigger word first. ai-toolkit: a folder of images and captions
    and `ai-toolkit-dataset.yaml`, the `datasets:` section (and `trigger_word`) for its config.
    kohya: a `<repeats>_<name>` folder inside `dest` (name: the trigger word, else the data
    set folder's name) and `dataset_config.toml`. renamed: a folder of `prefix_001.ext` and
    `.txt` files and `names.csv`, which maps the new names to the originals.

    `trigger`: None uses the data set's trigger word, "" none. `resolution`: ai-toolkit's list
    (kohya takes the largest, at least 64). `civitai_labels`: "tag" or "caption", the label type
    to choose in Civitai (the labels are made so that Civitai keeps them as they are); None
    takes the one Civitai guesses. `report.label_type` says which, `report.notes` whether
    Civitai will guess it. `progress(done, total)` is called as images are written; setting
    `cancel` stops the export with `ExportCancelled`, leaving nothing behind.

    `FileExistsError` for a destination that exists and is not empty, unless `replace` is true
    and it is an earlier export (see the module's notes); `ValueError` for a destination inside
    the data set or holding it, and for invalid options.
    """
    if target not in TARGETS:
        raise ValueError(f"Unknown export target {target!r}; expected one of {', '.join(TARGETS)}.")
    fixes = Fixes() if fixes is None else fixes
    _check_options(fixes, repeats, resolution, quality)
    if civitai_labels not in (None, *LABEL_TYPES):
        raise ValueError(f"civitai_labels must be one of {', '.join(LABEL_TYPES)} or None, not "
                         f"{civitai_labels!r}.")
    if target == "kohya" and max(resolution) < STEP:
        raise ValueError(f"kohya needs a resolution of at least {STEP}, not {max(resolution)}.")
    word = _trigger_word(dataset, trigger)
    if word and target == "civitai" and (problem := civitai_trigger_problem(word)):
        raise ValueError(problem)
    prefix = _file_name_part(prefix, "prefix")
    folder = ""
    if target == "kohya":
        default = name or word or utf8_name(dataset.root.name)
        folder = f"{repeats}_{_file_name_part(default, 'name')}"
    single_file = target == "civitai"
    final = _destination(dataset.root, dest, single_file=single_file, replace=replace,
                         in_config=target in ("ai-toolkit", "kohya"))
    sources, left_out = _sources(dataset, scope, target, fixes)
    names = _namer(target, prefix, len(sources))
    report = ExportReport(target, final, 0, left_out, [], [], [], None)
    # kohya reads one line unless its wildcards are on: captions of several lines, kept, are
    # read as alternatives, one line picked at each step.
    wildcard = target == "kohya" and not fixes.one_line and any(
        len(_lines(source.caption)) > 1 for source in sources)
    job = _Job(dataset.root, report, fixes, word, quality, wildcard)
    if target == "civitai":
        report.label_type = civitai_labels or job.guessed_label_type(sources)
    with _staged(final, single_file=single_file, replace=replace) as stage:
        sink: _Sink = _ZipSink(stage) if single_file else _FolderSink(stage)
        try:
            job.run(sink, sources, folder, names, _Progress(progress, len(sources)), cancel)
            job.write_config(sink, final, folder, repeats, resolution)
            sink.finish(_marker(target, dataset.root, report.exported))
        finally:
            sink.close()
    job.add_notes()
    report.files = [final] if single_file else [final / written for written in job.written]
    return report


@dataclass(frozen=True)
class _Source:
    """An item to export, with its caption as it was when the export started."""

    item: Item
    caption: str
    encoding: str
    info: ImageInfo


class _Sink(Protocol):
    """Where the exported files go: a folder or a zip."""

    def put(self, name: str, data: bytes | Path, *, compress: bool) -> None:
        """Write `data` (bytes, or a file to copy) as `name`."""

    def finish(self, marker: dict[str, object]) -> None:
        """Mark the export as ours, with what it wrote (see `_marker`), and complete it."""

    def close(self) -> None:
        """Release what is open (after `finish`, or on failure)."""


class _FolderSink:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.files: list[dict[str, object]] = []  # the manifest: each file written

    def put(self, name: str, data: bytes | Path, *, compress: bool) -> None:
        path = self.root / name
        path.parent.mkdir(exist_ok=True)
        if isinstance(data, Path):
            shutil.copyfile(data, path)
            digest = _digest(path, path.stat().st_size)
        else:
            path.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
        self.files.append({"path": name, **_stamp(path.stat()), "sha256": digest})

    def finish(self, marker: dict[str, object]) -> None:
        path = self.root / MARKER_NAME
        path.write_bytes(b"")
        now = path.stat().st_mtime_ns  # the file system's clock, at its own granularity
        for entry in self.files:
            if entry["ctime_ns"] >= now:  # a change within this tick would keep the times
                for key in _STAMP_KEYS:
                    del entry[key]
        path.write_bytes(_json({**marker, "files": self.files}))

    def close(self) -> None:
        pass


class _ZipSink:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.archive = zipfile.ZipFile(path, "w", strict_timestamps=False)

    def put(self, name: str, data: bytes | Path, *, compress: bool) -> None:
        kind = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        if isinstance(data, Path):
            self.archive.write(data, name, compress_type=kind)
        else:
            self.archive.writestr(name, data, compress_type=kind)

    def finish(self, marker: dict[str, object]) -> None:
        self.archive.close()
        # The archive ends with the comment's length (0 now) and the comment: the marker, which
        # holds the hash of all that comes before.
        body = self.path.stat().st_size - 2
        archive = {"size": body, "sha256": _digest(self.path, body)}
        comment = _json({**marker, "archive": archive})
        with open(self.path, "rb+") as handle:
            handle.seek(body)
            handle.write(struct.pack("<H", len(comment)) + comment)
            handle.flush()
            os.fsync(handle.fileno())

    def close(self) -> None:
        self.archive.close()


class _Progress:
    """`progress(done, total)` at the start, at the end, and about `_PROGRESS_STEPS` times
    between."""

    def __init__(self, callback: Callable[[int, int], None] | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.step = max(1, total // _PROGRESS_STEPS)

    def __call__(self, done: int) -> None:
        if self.callback is not None and (done % self.step == 0 or done == self.total):
            self.callback(done, self.total)


class _Job:
    """One export's writing: images, captions and the report."""

    def __init__(self, root: Path, report: ExportReport, fixes: Fixes, trigger: str | None,
                 quality: int, wildcard: bool) -> None:
        self.root = root
        self.report = report
        self.target = report.target
        self.fixes = fixes
        self.trigger = trigger
        self.quality = quality
        self.wildcard = wildcard  # kohya's enable_wildcard, for captions of several lines
        self.put_first = Operation(kind="trigger", trigger=trigger) if trigger else None
        self.written: list[str] = []
        self.rows: list[tuple[str, str, str, str]] = []  # new image, new caption, originals
        self.labels: list[str] = []  # the captions written, for Civitai's label type guess

    def run(self, sink: _Sink, sources: list[_Source], folder: str,
            names: Callable[[str], str], progress: _Progress,
            cancel: threading.Event | None) -> None:
        """Export each source, telling `progress`; `ExportCancelled` once `cancel` is set."""
        progress(0)
        for done, source in enumerate(sources, start=1):
            if cancel is not None and cancel.is_set():
                raise ExportCancelled("The export was cancelled; nothing was written.")
            self._export(sink, source, folder, names)
            progress(done)

    def _export(self, sink: _Sink, source: _Source, folder: str,
                names: Callable[[str], str]) -> None:
        item_id = source.item.id
        if self.target == "civitai" and self.report.exported >= CIVITAI_LIMIT:
            self.report.left_out.append((item_id, _OVER_LIMIT))
            return
        try:
            path = checked_path(self.root, source.item.image_path)
            image = prepare(path, source.info, READS[self.target], self.fixes, self.quality)
        except (ImageError, PermissionError) as error:
            self.report.left_out.append((item_id, str(error)))
            return
        caption, caption_fixes = self._caption(source)
        stem = names(item_id)
        name_fixes = [NAME_MADE_UTF8] if utf8_name(stem) != stem else []
        stem = utf8_name(stem)
        image_name, caption_name = stem + image.extension, stem + CAPTION_SUFFIX
        self._put(sink, folder, image_name, path if image.data is None else image.data, False)
        self._put(sink, folder, caption_name, caption.encode("utf-8"), True)
        self.report.exported += 1
        original_format = format_of(source.info)
        if image.format != original_format:
            self.report.converted.append((item_id, source.info.format, image.format))
        if self.target == "renamed" and printable(item_id) != item_id:
            name_fixes.append(NAME_ESCAPED)
        fixed = (*name_fixes, *image.fixed, *caption_fixes)
        self.report.fixed += [(item_id, what) for what in fixed]
        caption_id = str(PurePosixPath(item_id).with_suffix(CAPTION_SUFFIX))
        self.rows.append((image_name, caption_name, printable(item_id), printable(caption_id)))

    def _put(self, sink: _Sink, folder: str, name: str, data: bytes | Path,
             compress: bool) -> None:
        relative = f"{folder}/{name}" if folder else name
        sink.put(relative, data, compress=compress)
        self.written.append(relative)

    def _caption(self, source: _Source) -> tuple[str, list[str]]:
        """The caption as the target gets it, and what was fixed on the way."""
        text, fixed = self._plain_caption(source)
        if self.target == "kohya":
            lines = [self._kohya_line(line, fixed) if line.strip() else line
                     for line in text.split("\n")]
            text = "\n".join(lines)
        elif self.target == "civitai":
            text = self._civitai_label(text, fixed)
        elif (self.target == "ai-toolkit" and self.trigger
              and ai_toolkit_fooled(text, self.trigger, PLACEHOLDERS)):
            text = self._trigger_first(text, fixed)
        self.labels.append(text)
        return text, fixed

    def _plain_caption(self, source: _Source) -> tuple[str, list[str]]:
        """The caption with the fixes every target gets (BOM, one line, placeholders)."""
        text, fixed = source.caption, []
        if source.encoding == "utf-8-sig":
            fixed.append(BOM_REMOVED)
        if self.fixes.one_line:
            lines = _lines(text)
            if len(lines) > 1:
                fixed.append(ONE_LINE)
            elif lines != [text]:
                fixed.append(TRIMMED)
            text = ", ".join(lines)
        elif self.wildcard:
            text = "\n".join(_lines(text))
        if self.target in ("civitai", "kohya"):  # ai-toolkit replaces them itself
            text = self._placeholders(text, fixed)
        return text, fixed

    def _placeholders(self, text: str, fixed: list[str]) -> str:
        """`text` with ai-toolkit's placeholders replaced by the trigger word or, without one,
        removed (as ai-toolkit does) with the tags they leave empty."""
        if not any(placeholder in text for placeholder in PLACEHOLDERS):
            return text
        replaced = text
        for placeholder in PLACEHOLDERS:
            replaced = replaced.replace(placeholder, self.trigger or "")
        if self.trigger:
            fixed.append(PLACEHOLDER_REPLACED)
            return replaced
        fixed.append(PLACEHOLDER_REMOVED)
        return "\n".join(", ".join(" ".join(tag.split()) for tag in line.split(",")
                                   if tag.strip())
                         for line in replaced.split("\n"))

    def _trigger_first(self, text: str, fixed: list[str]) -> str:
        first = self.put_first.apply(text) if self.put_first is not None else text
        if first != text:
            fixed.append(TRIGGER_FIRST)
        return first

    def _kohya_line(self, line: str, fixed: list[str]) -> str:
        line = self._trigger_first(line, fixed)
        if self.wildcard and kohya_escape_wildcards(line) != line:
            fixed.append(BRACES_DOUBLED)
            return kohya_escape_wildcards(line)
        return line

    def _civitai_label(self, text: str, fixed: list[str]) -> str:
        if not self.trigger or self.report.label_type is None:
            return text
        first = self._trigger_first(text, fixed) if self.report.label_type == "tag" else text
        label = civitai_label(first, self.trigger, self.report.label_type)
        if label != first and TRIGGER_FIRST not in fixed:
            fixed.append(TRIGGER_FIRST)
        return label

    def guessed_label_type(self, sources: list[_Source]) -> str:
        """The label type Civitai will guess from the first label (its text before the trigger
        word is added)."""
        return civitai_label_type(self._plain_caption(sources[0])[0]) if sources else "tag"

    def add_notes(self) -> None:
        """Tell what the person must know: Civitai's label type, kohya's wildcards."""
        report = self.report
        if report.label_type is not None and report.exported:
            guesses = civitai_guess(self.labels)
            if guesses == {report.label_type}:
                report.notes.append(
                    f"Civitai will guess the labels are {report.label_type}s: keep that in its "
                    "“Found labels” dialog (the trigger word is already where it wants it).")
            else:
                report.notes.append(
                    f"The labels are made for Civitai's “{report.label_type}” type, but Civitai "
                    "guesses from whichever label it loads first and some look like the other "
                    f"type: choose “{report.label_type}” in its “Found labels” dialog.")
        if self.wildcard:
            report.notes.append(
                "Captions of several lines are kept: the TOML sets enable_wildcard, so kohya "
                "trains one of the lines, picked at random at each step.")

    def write_config(self, sink: _Sink, final: Path, folder: str, repeats: int,
                     resolution: Sequence[int]) -> None:
        """Write the target's config (ai-toolkit YAML, kohya TOML) or the renamed copy's CSV."""
        if self.target == "ai-toolkit":
            config = ai_toolkit_yaml(final, self.trigger, resolution)
            self._put(sink, "", AI_TOOLKIT_CONFIG_NAME, config.encode("utf-8"), True)
            self.report.config = config
        elif self.target == "kohya":
            config = kohya_toml(final / folder, repeats, max(resolution), self.trigger,
                                 self.wildcard)
            self._put(sink, "", KOHYA_CONFIG_NAME, config.encode("utf-8"), True)
            self.report.config = config
        elif self.target == "renamed":
            self._put(sink, "", NAMES_CSV_NAME, _names_csv(self.rows), True)


# Items


def _sources(dataset: Dataset, scope: Iterable[int | str] | None, target: str,
             fixes: Fixes) -> tuple[list[_Source], list[tuple[str, str]]]:
    """The items to export with their captions now, and those left out with the reason."""
    items = list(dataset) if scope is None else _scoped(dataset, scope)
    captions = dataset.caption_states(items)
    sources, left_out = [], []
    for item, (caption, encoding, read_error) in zip(items, captions, strict=True):
        source = _source(item, caption, encoding, read_error, target, fixes)
        if isinstance(source, str):
            left_out.append((item.id, source))
        else:
            sources.append(source)
    return sources, left_out


def _source(item: Item, caption: str, encoding: str, read_error: str | None, target: str,
            fixes: Fixes) -> _Source | str:
    """The item ready to export, or why it is left out."""
    info = item.image_info
    if info is None:
        return item.image_error or "The image cannot be read."
    why = _caption_problem(caption, encoding, read_error, item.has_caption_file)
    return (why or _format_problem(info, target, fixes) or _size_problem(info, target)
            or _Source(item, caption, encoding, info))


def _scoped(dataset: Dataset, scope: Iterable[int | str]) -> list[Item]:
    """The items `scope` names (positions or ids), each once, in data set order."""
    items = {item.id: item for item in (dataset[ref] for ref in scope)}
    return sorted(items.values(), key=dataset.index_of)


def _caption_problem(text: str, encoding: str, read_error: str | None,
                     has_file: bool) -> str | None:
    if read_error:
        return f"The caption file cannot be read ({read_error})."
    if encoding not in UTF8_ENCODINGS:
        return f"The caption file is {encoding}, not UTF-8; edit and save it here to convert it."
    if not text.strip():
        return "The caption is empty." if has_file else "No caption yet."
    return None


def _format_problem(info: ImageInfo, target: str, fixes: Fixes) -> str | None:
    if format_of(info) in READS[target] or fixes.convert_formats:
        return None
    return (f"{LABELS[target]} does not take {info.format or 'these'} images; allow converting "
            "formats to include it.")


def _size_problem(info: ImageInfo, target: str) -> str | None:
    trainer = TRAINERS.get(target)
    if trainer is None or min(info.width, info.height) >= trainer.min_side:
        return None
    return (f"{trainer.label} refuses images under {trainer.min_side} px on a side; this one is "
            f"{info.width}x{info.height}.")


def _lines(text: str) -> list[str]:
    """The caption's non-empty lines, stripped of white space and trailing commas."""
    lines = [line.strip().rstrip(",").rstrip() for line in text.splitlines()]
    return [line for line in lines if line]


def _namer(target: str, prefix: str, count: int) -> Callable[[str], str]:
    """A function giving each exported item's file stem, in turn, from its id: `000` on for
    Civitai, `prefix_001` on for the renamed copy (more digits when `count` needs them), the
    image's own stem for the others."""
    if target == "civitai":
        numbers = itertools.count()
        return lambda _: f"{next(numbers):03d}"
    if target == "renamed":
        numbers = itertools.count(1)
        width = max(3, len(str(count)))
        return lambda _: f"{prefix}_{next(numbers):0{width}d}"
    taken: set[str] = set()
    return lambda item_id: _free_stem(item_id, taken)


def _free_stem(item_id: str, taken: set[str]) -> str:
    """The image's own stem, or its path joined with `_`, or that with `-2`, `-3`, ...: the
    first not taken yet (ignoring case, as some file systems do, and counting a name that is
    not UTF-8 as it is written, see `utf8_name`)."""
    path = PurePosixPath(item_id)
    joined = str(path.with_suffix("")).replace("/", "_")
    candidates = itertools.chain((path.stem, joined), (f"{joined}-{n}" for n in itertools.count(2)))
    stem = next(c for c in candidates if utf8_name(c).casefold() not in taken)
    taken.add(utf8_name(stem).casefold())
    return stem


# The destination


def _destination(root: Path, dest: str | os.PathLike[str], *, single_file: bool, replace: bool,
                 in_config: bool) -> Path:
    """The export's final path (links resolved; ".zip" added for a zip), checked: outside the
    data set, not holding it, valid UTF-8 when a config names it (`in_config`), and free or
    replaceable. Its parent folder is made."""
    path = Path(dest).expanduser().resolve()
    if single_file and path.suffix.lower() != ".zip":
        path = path.with_name(path.name + ".zip")
    if is_inside(root, path):
        raise ValueError(
            f"{path} is inside the data set folder {root}; exports go outside it, so the "
            "originals are never touched. Choose a destination outside the data set."
        )
    if is_inside(path, root):
        raise ValueError(f"{path} holds the data set folder {root}; choose another destination.")
    if in_config and not is_utf8(str(path)):
        raise ValueError(
            f"{printable(str(path))} is not valid UTF-8, so the trainer's config cannot name "
            "it; choose a destination whose path is."
        )
    _check_free(path, single_file=single_file, replace=replace, thorough=False)
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _check_free(path: Path, *, single_file: bool, replace: bool, thorough: bool) -> list[str]:
    """The files a replace of `path` deletes (paths relative to it; none for a zip, which is
    replaced whole). `FileExistsError` unless `path` is absent, empty, or (with `replace`) an
    earlier export of ours holding nothing else: `ForeignFilesError` when it holds more.
    Without `thorough` (a quick first look), files are compared by size, and by hash only
    when it refuses."""
    if not os.path.lexists(path):
        return []
    if single_file and path.is_dir():
        raise FileExistsError(f"{path} is a folder; a Civitai export is one .zip file.")
    if not single_file and not path.is_dir():
        raise FileExistsError(f"{path} exists and is not a folder; choose another destination.")
    if (path.stat().st_size == 0) if single_file else not any(path.iterdir()):
        return []
    if not replace:
        raise FileExistsError(
            f"{path} already exists and is not empty. Choose another destination, or replace "
            "an earlier export there (replace=True)."
        )
    if single_file:
        _check_zip(path, thorough=thorough)
        return []
    try:
        marker = _marker_of((path / MARKER_NAME).read_bytes())
    except OSError:
        marker = None
    return _our_files(path, marker, thorough=thorough)


def _not_ours(path: Path, why: str) -> FileExistsError:
    return FileExistsError(
        f"{path} is not an export made here ({why}), so it is not replaced: choose another "
        "destination, or empty it yourself."
    )


def _check_zip(path: Path, *, thorough: bool) -> None:
    """`FileExistsError` unless the zip at `path` is byte for byte the one we wrote."""
    try:
        with zipfile.ZipFile(path) as archive:
            comment = archive.comment
    except (OSError, zipfile.BadZipFile):
        comment = b""
    marker = _marker_of(comment)
    if marker is None:
        raise _not_ours(path, "its comment is not our marker")
    fields = marker.get("archive")
    size = fields.get("size") if isinstance(fields, dict) else None
    digest = fields.get("sha256") if isinstance(fields, dict) else None
    if not _is_int(size, 0, 2**63) or not isinstance(digest, str):
        raise _not_ours(path, "its marker does not say what was written")
    if path.stat().st_size != size + 2 + len(comment) or (
            thorough and _digest(path, size) != digest):
        raise FileExistsError(
            f"{path} was changed since it was exported (or its marker was copied from another "
            "export), so it is not replaced: choose another destination, or delete it yourself."
        )


def _our_files(folder: Path, marker: dict[str, object] | None, *, thorough: bool) -> list[str]:
    """The files of `folder` that `marker` lists and that are as they were written;
    `ForeignFilesError` when anything else is there."""
    if marker is None:
        raise _not_ours(folder, f"it has no {MARKER_NAME} marker")
    listed = _listed(marker)
    if listed is None:
        raise _not_ours(folder, f"its {MARKER_NAME} does not list the files written")
    our_folders = {str(parent) for name in listed for parent in PurePosixPath(name).parents}
    ours: list[str] = []
    added: list[str] = []
    changed: list[str] = []
    foreign_folders: list[str] = []
    for name, entry in _tree(folder):
        if entry.is_dir(follow_symlinks=False):
            if name not in our_folders:
                foreign_folders.append(name)
        elif name == MARKER_NAME and entry.is_file(follow_symlinks=False):
            continue
        elif name not in listed or not entry.is_file(follow_symlinks=False):
            added.append(name)
        elif _unchanged(Path(entry.path), listed[name], thorough=False):
            ours.append(name)
        else:
            changed.append(name)
    if thorough or added or changed:  # a refusal names every changed file, found by hash
        changed += [name for name in ours
                    if not _unchanged(folder / name, listed[name], thorough=True)]
    holding = {str(parent) for name in (*added, *foreign_folders)
               for parent in PurePosixPath(name).parents}
    added += [f"{name}/" for name in foreign_folders if name not in holding]  # empty ones
    if added or changed:
        raise ForeignFilesError(folder, sorted(added), sorted(changed))
    return ours


def _listed(marker: dict[str, object]) -> dict[str, dict[str, object]] | None:
    """The marker's manifest, path to entry (see `_stamp`, and "sha256"); entries without a
    path, size and hash list nothing. None when the marker has no manifest."""
    files = marker.get("files")
    if not isinstance(files, list):
        return None
    listed = {}
    for entry in files:
        if not isinstance(entry, dict):
            continue
        name, size, digest = entry.get("path"), entry.get("size"), entry.get("sha256")
        if isinstance(name, str) and _is_int(size, 0, 2**63) and isinstance(digest, str):
            listed[name] = entry
    return listed


def _tree(folder: Path, prefix: str = "") -> Iterator[tuple[str, os.DirEntry[str]]]:
    """Everything under `folder` as (path relative to it, entry), links not followed."""
    with os.scandir(folder) as entries:
        found = list(entries)
    for entry in found:
        name = prefix + entry.name
        yield name, entry
        if entry.is_dir(follow_symlinks=False):
            yield from _tree(Path(entry.path), f"{name}/")


def _unchanged(path: Path, entry: dict[str, object], *, thorough: bool) -> bool:
    """Whether the file at `path` has the size of its manifest `entry` and, when `thorough`,
    its content: by hash, unless its inode and times are those it had when written (content
    cannot change without changing its ctime, which no tool sets back)."""
    try:
        found = path.stat()
    except OSError:
        return False
    if found.st_size != entry["size"]:
        return False
    if not thorough or all(entry.get(key) == value for key, value in _stamp(found).items()):
        return True
    return _digest(path, found.st_size) == entry["sha256"]


def _stamp(found: os.stat_result) -> dict[str, int]:
    """What tells a file we wrote from one changed since, without reading it: its size, and
    (see `_STAMP_KEYS`) its inode and times."""
    return {"size": found.st_size, "inode": found.st_ino, "mtime_ns": found.st_mtime_ns,
            "ctime_ns": found.st_ctime_ns}


def _digest(path: Path, length: int) -> str:
    """The SHA-256 of the first `length` bytes of `path`, in hex."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while length > 0 and (chunk := handle.read(min(_CHUNK, length))):
            digest.update(chunk)
            length -= len(chunk)
    return digest.hexdigest()


def _marker(target: str, root: Path, exported: int) -> dict[str, object]:
    """What marks a folder or zip as an export of ours; the sink adds what it wrote."""
    return {
        "app": _APP,
        "target": target,
        "source": str(root),
        "images": exported,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _json(content: dict[str, object]) -> bytes:
    """`content` as JSON text; names that are not UTF-8 come out as `\\udcNN` escapes."""
    return json.dumps(content, indent=1).encode("ascii")


def _marker_of(data: bytes) -> dict[str, object] | None:
    """The marker `data` holds, or None when it is not one of ours."""
    try:
        content = json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    return content if isinstance(content, dict) and content.get("app") == _APP else None


@contextlib.contextmanager
def _staged(final: Path, *, single_file: bool, replace: bool) -> Iterator[Path]:
    """A temporary file or folder beside `final` to write the export into; put at `final`
    when the block ends well (an earlier export there replaced), removed when it does not."""
    prefix = f".{final.name}.ltw-export-"
    if single_file:
        handle, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=final.parent)
        os.close(handle)
        stage = Path(name)
        os.chmod(stage, 0o666 & ~UMASK)
    else:
        stage = Path(tempfile.mkdtemp(prefix=prefix, dir=final.parent))
        os.chmod(stage, 0o777 & ~UMASK)
    try:
        yield stage
        # Checked again after the work, by hash: a trainer may have written there meanwhile.
        ours = _check_free(final, single_file=single_file, replace=replace, thorough=True)
        _move_into_place(stage, final, ours)
    except BaseException:
        _remove(stage)
        raise


def _move_into_place(stage: Path, final: Path, ours: list[str]) -> None:
    """Rename `stage` to `final`. A folder there is emptied first: the files `ours` names, the
    marker, the folders they leave empty; removing it fails if anything else is left."""
    if final.is_dir():
        for name in ours:
            with contextlib.suppress(FileNotFoundError):
                (final / name).unlink()
        with contextlib.suppress(FileNotFoundError):
            (final / MARKER_NAME).unlink()
        folders = {parent for name in ours for parent in PurePosixPath(name).parents}
        for folder in sorted(folders - {PurePosixPath(".")}, key=lambda f: -len(f.parts)):
            with contextlib.suppress(OSError):
                os.rmdir(final / folder)
        os.rmdir(final)
    os.replace(stage, final)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()


def _names(names: list[str]) -> str:
    shown = ", ".join(printable(name) for name in names[:_SHOWN_FOREIGN])
    more = len(names) - _SHOWN_FOREIGN
    return f"{shown} and {more} more" if more > 0 else shown


def _names_csv(rows: list[tuple[str, str, str, str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("image", "caption", "original_image", "original_caption"))
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8")


# Options


def _check_options(fixes: Fixes, repeats: int, resolution: Sequence[int], quality: int) -> None:
    if not isinstance(fixes, Fixes):
        raise TypeError(f"fixes must be a Fixes, not {type(fixes).__name__}.")
    background = fixes.background
    if len(background) != 3 or not all(_is_int(c, 0, 255) for c in background):
        raise ValueError(f"The background must be three numbers from 0 to 255, not {background!r}.")
    if not _is_int(repeats, 1, 10**6):
        raise ValueError(f"repeats must be a whole number of at least 1, not {repeats!r}.")
    if not resolution or not all(_is_int(side, 1, 10**5) for side in resolution):
        raise ValueError(f"resolution must be a list of sizes in pixels, not {resolution!r}.")
    if not _is_int(quality, 1, 100):
        raise ValueError(f"quality must be a whole number from 1 to 100, not {quality!r}.")


def _is_int(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _trigger_word(dataset: Dataset, trigger: str | None) -> str | None:
    """The trigger word to use: the data set's for None, none for ""."""
    if trigger is None:
        return dataset.trigger
    return validate_tag(trigger) if trigger else None


def _file_name_part(value: object, what: str) -> str:
    """`value` when it can be part of a file name on every system, else `ValueError`."""
    if (
        not isinstance(value, str)
        or not value.strip()
        or value in (".", "..")
        or any(c in '<>:"/\\|?*' or unicodedata.category(c) in ("Cc", "Cs") for c in value)
    ):
        raise ValueError(
            f"The {what} {value!r} cannot be part of a file name (it must not "
            'be empty nor hold any of < > : " / \\ | ? * or control characters, and must be '
            "valid UTF-8)."
        )
    return value


def _count(n: int) -> str:
    return f"{n:,} image{'' if n == 1 else 's'}"


def _tally(counts: Counter[str]) -> str:
    return ", ".join(f"{what} ({n:,})" for what, n in counts.most_common())
