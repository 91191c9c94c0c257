"""Data-set checks: what would stop a trainer, what would hurt the training, and what to know.

`check_dataset(dataset)` returns a `CheckReport` of `Finding`s, each with a severity:

- blocking: an unreadable or damaged image; an image under 64 px on a side; two images with
  the same stem in one folder (they share one caption file); a caption file that is empty or
  holds only white space (kohya stops on it); a caption that is not UTF-8 or cannot be read.
- warning: no caption file (kohya trains the image with an empty caption and warns; Civitai
  counts it untagged); a short side under the training resolution; an aspect ratio over
  `max_aspect`; identical files; groups of near duplicates (perceptual hash); blur; an image
  with almost no detail (a flat fill, a faint pattern, a picture held only in its transparency,
  which trainers drop); EXIF orientation other
  than 1 (kohya ignores it); real transparency (an alpha value under 255 somewhere, or a
  transparent palette entry or colour key in use: trainers turn it black); 16-bit, CMYK or
  palette images; animated files; a caption of several lines (kohya reads only the first); a
  caption over CLIP-L's 77 or T5's 512 tokens; a caption without the trigger word (only when
  one is set); more images than Civitai keeps.
- info: the kohya bucket of each image at 512, 768 and 1024; image formats a trainer does not
  accept.

Blur is judged on the sharpest part of the image, so that a macro shot with a blurred
background is not blurry: the grayscale image scaled to a longest side of `BLUR_SIDE` (512) px
(smaller images as they are) is cut into tiles of `BLUR_TILE` (64) px, the variance of the
4-neighbour Laplacian on 0-255 values is taken in each tile (the figure OpenCV's
`cv2.Laplacian(gray, cv2.CV_64F).var()` gives for it), and the image's sharpness is the mean of
its sharpest tenth of tiles. On 118 real photos and wallpapers, sharp ones (macro shots and
smooth vector art included) score 60 and up; soft ones (mist, an out-of-focus aurora) under 45.

Detail is the standard deviation of the gray values of the image scaled to `HASH_SIDE` (32) px
square, the picture the perceptual hash is made from. Under `LOW_DETAIL` (3 gray levels), with
no fine texture either (sharpness under `LOW_DETAIL_SHARPNESS`: grain, sand or foliage is detail
too), the hash says nothing (such images hash alike), so the image is reported as low in detail,
not as blurry, and is left out of the near-duplicate search. Near duplicates are grouped: images
whose hashes are within the distance of each other, directly or through others, make one finding.

The per-image facts (file hash, perceptual hash, blur, size, mode, transparency...) cost a
decode, so they are computed once per file identity (path, size, modification time) on a few
threads and kept in `.lora-tagger/checks.json`; a changed file is computed again. Facts of
unreadable images are not kept: the reason may be passing (permissions).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import imagehash
import numpy as np
from PIL import Image, ImageOps

from .batch import has_trigger_placeholder, starts_with_trigger
from .buckets import RESOLUTIONS, bucket_for
from .files import (
    UTF8_ENCODINGS,
    FileTooLargeError,
    NotRegularFileError,
    OutsideRootError,
    StateFolder,
    checked_path,
    read_bytes,
)
from .images import ImageError, displayable, open_image, read_image_info
from .tokens import TokenCount, clip_tokens, t5_tokens
from .trainers import TRAINERS

if TYPE_CHECKING:
    import pandas

    from .dataset import Dataset, Item

SEVERITIES = ("blocking", "warning", "info")
CHECKS_FILE_NAME = "checks.json"
CACHE_VERSION = 2  # 2: blur from the sharpest tiles, and detail
MAX_CACHE_BYTES = 256 << 20  # about 500,000 images' facts
MIN_SIDE = TRAINERS["civitai"].min_side  # Civitai refuses smaller images
BLUR_SIDE = 512
BLUR_TILE = 64
SHARPEST_SHARE = 0.1  # of the tiles, the sharpness is their mean
LOW_DETAIL = 3.0  # gray levels of standard deviation at the hash's 32x32 px
LOW_DETAIL_SHARPNESS = 100.0  # and a sharpness under this: no fine texture either
HASH_BITS = 64
HASH_SIDE = 32  # the size imagehash.phash scales an image to
# Extensions (lower case, no dot) each trainer reads, by its name (see `_trainers.TRAINERS`).
TRAINER_FORMATS: Mapping[str, frozenset[str]] = {
    trainer.label: frozenset(extension.lstrip(".") for extension in trainer.extensions)
    for trainer in TRAINERS.values()
}
_ALPHA_MODES = frozenset({"RGBA", "LA", "PA", "RGBa", "La"})
_WIDE_MODES = frozenset({"I;16", "I;16L", "I;16B", "I;16N", "I"})
_PAIR_BLOCK = 512  # phash rows compared at once: a block x n matrix of uint64
_NAMES_SHOWN = 5

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class CheckSettings:
    """What the checks measure against."""

    resolution: int = 1024  # the training resolution: 512, 768 or 1024
    max_aspect: float = 2.5  # longer side / shorter side above this is extreme
    near_duplicate_distance: int = 6  # phash Hamming distance (0..64) at or under which two
    # images are near duplicates
    blur_threshold: float = 50.0  # Laplacian variance of the sharpest tiles at BLUR_SIDE px
    # under which the image is blurry
    trigger: str | None = None  # the trigger word each caption must start with, if any
    civitai_limit: int = 1000  # images Civitai's trainer keeps

    def __post_init__(self) -> None:
        if self.resolution not in RESOLUTIONS:
            raise ValueError(f"resolution must be one of {RESOLUTIONS}, not {self.resolution}.")
        if not self.max_aspect >= 1:
            raise ValueError(f"max_aspect must be at least 1, not {self.max_aspect}.")
        if not 0 <= self.near_duplicate_distance <= HASH_BITS:
            raise ValueError("near_duplicate_distance must be from 0 to 64, not "
                             f"{self.near_duplicate_distance}.")
        if not self.blur_threshold >= 0:
            raise ValueError(f"blur_threshold must be 0 or more, not {self.blur_threshold}.")
        if self.civitai_limit < 1:
            raise ValueError(f"civitai_limit must be positive, not {self.civitai_limit}.")


@dataclass(frozen=True)
class Finding:
    """One thing a check found: how serious, a short code, a sentence for a person naming the
    image(s) and the fix, the images concerned (empty for the whole set) and the numbers."""

    severity: str
    code: str
    message: str
    ids: tuple[str, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict, hash=False)


class CheckReport:
    """The findings of one `check_dataset` run, blocking first, and how the run went."""

    def __init__(self, findings: list[Finding], settings: CheckSettings, *, checked: int,
                 from_cache: int, seconds: float, cancelled: bool = False,
                 cache_note: str | None = None) -> None:
        self.findings = findings
        self.settings = settings
        self.checked = checked  # images whose facts are known (all unless cancelled)
        self.from_cache = from_cache  # of those, read from `.lora-tagger/checks.json`
        self.seconds = seconds
        self.cancelled = cancelled  # stopped early: only `checked` images were checked
        self.cache_note = cache_note  # what was wrong with `checks.json`, when it was damaged

    def records(self) -> list[dict[str, object]]:
        """One flat dict per finding: id, other_ids, severity, code, message, then details."""
        return [
            {
                "id": finding.ids[0] if finding.ids else None,
                "other_ids": list(finding.ids[1:]),
                "severity": finding.severity,
                "code": finding.code,
                "message": finding.message,
                **finding.details,
            }
            for finding in self.findings
        ]

    def to_dataframe(self) -> pandas.DataFrame:
        """`records()` as a pandas DataFrame (needs pandas)."""
        try:
            import pandas
        except ImportError as error:
            raise ImportError(
                "CheckReport.to_dataframe needs pandas: pip install pandas "
                "(or use records() for plain dicts)."
            ) from error
        columns = ["id", "other_ids", "severity", "code", "message"]
        extra = dict.fromkeys(key for f in self.findings for key in f.details)
        return pandas.DataFrame(self.records(), columns=[*columns, *extra])

    def by_severity(self) -> dict[str, list[Finding]]:
        """The findings under each severity, all three present, in `SEVERITIES` order."""
        groups: dict[str, list[Finding]] = {severity: [] for severity in SEVERITIES}
        for finding in self.findings:
            groups[finding.severity].append(finding)
        return groups

    def for_image(self, item_id: str) -> list[Finding]:
        """The findings that concern the image `item_id`."""
        return [finding for finding in self.findings if item_id in finding.ids]

    def summary(self) -> str:
        """Counts for people: "2 blocking, 5 warnings, 30 info"."""
        counts = {severity: len(group) for severity, group in self.by_severity().items()}
        warnings = counts["warning"]
        return (f"{counts['blocking']} blocking, {warnings} warning{'s' * (warnings != 1)}, "
                f"{counts['info']} info")

    def __repr__(self) -> str:
        return f"CheckReport({self.summary()}; {self.checked} images checked)"


@dataclass(frozen=True)
class ImageFacts:
    """What the checks need to know about one image file (`error` set: it cannot be read)."""

    width: int = 0  # as shown, EXIF orientation applied
    height: int = 0
    format: str = ""
    mode: str = ""
    bits: int = 8
    orientation: int = 1
    frames: int = 1
    transparency: bool = False  # some pixel is actually transparent
    sha256: str = ""
    phash: str = ""  # 16 hex digits
    blur: float = 0.0  # Laplacian variance of the sharpest tiles at BLUR_SIDE px
    detail: float = 0.0  # gray standard deviation at 32x32 px
    error: str | None = None


def image_facts(path: Path) -> ImageFacts:
    """The facts of the image at `path`; an unreadable one gives facts with `error` set."""
    try:
        info = read_image_info(path)
        # an image may be far past the caption cap of read_bytes; Pillow has just read it
        digest = hashlib.sha256(read_bytes(path, max_bytes=sys.maxsize)).hexdigest()
        gray, transparency = _decoded_gray(path, info.orientation)
        hashed = gray.resize((HASH_SIDE, HASH_SIDE), Image.Resampling.LANCZOS)
    except ImageError as error:
        return ImageFacts(error=str(error))
    except OSError as error:
        return ImageFacts(error=f"The file cannot be read ({error.strerror or error}).")
    return ImageFacts(
        width=info.width, height=info.height, format=info.format, mode=info.mode,
        bits=info.bits, orientation=info.orientation, frames=info.frames,
        # the perceptual hash is made at HASH_SIDE px: given that size, it resizes nothing
        transparency=transparency, sha256=digest, phash=str(imagehash.phash(hashed)),
        blur=sharpness(gray), detail=detail(hashed),
    )


def check_dataset(dataset: Dataset, settings: CheckSettings | None = None, *,
                  progress: Progress | None = None,
                  cancel: threading.Event | None = None) -> CheckReport:
    """Check every image and caption of `dataset` (see the module's text for what is checked).

    Without `settings`, the defaults with the data set's trigger word. `progress(done, total)`
    is called from this thread at least every 1% of the images. When `cancel` is set the run
    stops soon, keeps what it computed, and reports on the images checked so far
    (`report.cancelled`). Unreadable files are findings, never exceptions.
    """
    started = time.perf_counter()
    if settings is None:
        settings = CheckSettings(trigger=dataset.trigger)
    items = list(dataset)
    cache = _FactCache(dataset.state)
    try:
        facts, from_cache = _gather_facts(items, dataset.root, cache, progress, cancel)
    finally:  # what was computed is kept, even when interrupted
        cache.save({item.id for item in items})
    checked = [item for item in items if item.id in facts]
    cancelled = len(checked) < len(items)
    findings = _findings(checked, facts, settings, cancel, total=len(items))
    return CheckReport(findings, settings, checked=len(checked), from_cache=from_cache,
                       seconds=time.perf_counter() - started,
                       cancelled=cancelled or bool(cancel and cancel.is_set()),
                       cache_note=cache.note)


# ---- per-image facts, cached


def _decoded_gray(path: Path, orientation: int) -> tuple[Image.Image, bool]:
    """The upright grayscale image at most BLUR_SIDE px on a side, and whether the image has
    real transparency. JPEGs are decoded in draft mode, luma only, at the smallest scale that
    is enough."""
    with open_image(path) as image:
        try:
            if image.format == "JPEG":
                image.draft("L", _draft_request(image.size))
            image.load()
            transparency = _really_transparent(image)
            gray = (displayable(image) if image.mode in _WIDE_MODES else image).convert("L")
            gray.thumbnail((BLUR_SIDE, BLUR_SIDE), Image.Resampling.BILINEAR, reducing_gap=2.0)
        except (OSError, SyntaxError, ValueError) as error:
            raise ImageError(f"The image is damaged or truncated ({error}).") from error
    if orientation != 1:
        gray = ImageOps.exif_transpose(gray)
    return gray, transparency


def _draft_request(size: tuple[int, int]) -> tuple[int, int]:
    """The size to ask JPEG draft mode for so that the longest side stays at least BLUR_SIDE
    (it decodes at the largest DCT reduction giving at least this size)."""
    width, height = size
    longest = max(size)
    return max(1, width * BLUR_SIDE // longest), max(1, height * BLUR_SIDE // longest)


def _really_transparent(image: Image.Image) -> bool:
    """Whether some pixel is transparent: an alpha under 255, or the transparent palette entry
    or colour key in use (an alpha channel that is fully opaque does not count)."""
    if image.mode in _ALPHA_MODES:
        alpha = image.getchannel("A")
    elif "transparency" in image.info:
        try:
            alpha = image.convert("RGBA").getchannel("A")
        except ValueError:  # a mode Pillow cannot apply a colour key to: count it as declared
            return True
    else:
        return False
    return alpha.getextrema()[0] < 255


def sharpness(gray: Image.Image) -> float:
    """The Laplacian variance of the sharpest tenth of the `BLUR_TILE` px tiles of `gray` (the
    whole image when it is smaller than a tile)."""
    pixels = np.asarray(gray, dtype=np.float32)
    if pixels.shape[0] < 3 or pixels.shape[1] < 3:
        return 0.0
    laplacian = (pixels[:-2, 1:-1] + pixels[2:, 1:-1] + pixels[1:-1, :-2] + pixels[1:-1, 2:]
                 - 4 * pixels[1:-1, 1:-1])
    rows, columns = (max(1, side // BLUR_TILE) for side in laplacian.shape)
    tile_height, tile_width = (min(BLUR_TILE, side) for side in laplacian.shape)
    tiles = laplacian[:rows * tile_height, :columns * tile_width].reshape(
        rows, tile_height, columns, tile_width)
    variances = np.sort(tiles.var(axis=(1, 3)), axis=None)
    sharpest = variances[-max(1, round(variances.size * SHARPEST_SHARE)):]
    return round(float(sharpest.mean()), 2)


def detail(hashed: Image.Image) -> float:
    """The standard deviation of the gray values of `hashed`, an image at the size its
    perceptual hash is made at."""
    return round(float(np.asarray(hashed, dtype=np.float32).std()), 2)


class _FactCache:
    """`.lora-tagger/checks.json`: facts by image id, each with the size and mtime they are of.

    Reached through `StateFolder` (never through a link); neither read nor written when it is
    not a regular file. A damaged entry (edited by hand, a wrong
    type, a number out of range) is ignored and its image computed again; a file that cannot be
    read as a whole (not JSON, not UTF-8, cut short, too big) is set aside as
    ``checks.json.broken-<time>`` and rebuilt. `note` says what happened, for a person.
    """

    def __init__(self, state: StateFolder) -> None:
        self.state = state
        self.usable = True
        self.note: str | None = None
        self._entries: dict[str, dict[str, Any]] = {}  # as stored, each one checked
        self._facts: dict[str, ImageFacts] = {}  # the same entries' facts
        self._changed = False
        self._lock = threading.Lock()
        self._load()

    def get(self, item_id: str, identity: tuple[int, int]) -> ImageFacts | None:
        entry = self._entries.get(item_id)
        if entry is None or (entry["size"], entry["mtime_ns"]) != identity:
            return None
        return self._facts[item_id]

    def put(self, item_id: str, identity: tuple[int, int], facts: ImageFacts) -> None:
        if facts.error is not None:
            return
        with self._lock:
            self._entries[item_id] = {"size": identity[0], "mtime_ns": identity[1],
                                      "facts": asdict(facts)}
            self._facts[item_id] = facts
            self._changed = True

    def save(self, ids: set[str]) -> None:
        """Write the cache when it changed, dropping the entries of images no longer there."""
        gone = self._entries.keys() - ids
        for item_id in gone:
            del self._entries[item_id], self._facts[item_id]
        if not self.usable or not (self._changed or gone):
            return
        data = {"version": CACHE_VERSION, "files": dict(sorted(self._entries.items()))}
        try:
            self.state.write(CHECKS_FILE_NAME, json.dumps(data, indent=1).encode("utf-8"))
        except OSError:
            return  # a read-only data set: the facts are computed again next time
        self._changed = False

    def _load(self) -> None:
        name = f"{self.state.name}/{CHECKS_FILE_NAME}"
        try:
            raw = self.state.read(CHECKS_FILE_NAME, max_bytes=MAX_CACHE_BYTES)
        except (NotRegularFileError, OutsideRootError) as error:
            self.usable = False
            self.note = f"{name}: {error.strerror or error}; it is neither read nor written."
            return
        except FileTooLargeError as error:
            self._set_aside(name, error.strerror or str(error))
            return
        except OSError as error:
            self.note = f"{name} cannot be read ({error.strerror or error}); all were checked."
            return
        if raw is None:
            return
        try:
            data = json.loads(raw, parse_int=_json_int)
        except (ValueError, RecursionError) as error:  # UnicodeDecodeError is a ValueError
            self._set_aside(name, f"it is not JSON: {str(error)[:200]}")
            return
        if isinstance(data, dict) and data.get("version") not in (CACHE_VERSION, None):
            return  # another version's cache: rebuilt in this one's format
        files = data.get("files") if isinstance(data, dict) else None
        if not isinstance(files, dict):
            self._set_aside(name, "it does not hold a list of image facts")
            return
        for item_id, entry in files.items():
            facts = _stored_facts(entry)
            if facts is not None:
                self._entries[item_id], self._facts[item_id] = entry, facts
        damaged = len(files) - len(self._entries)
        if damaged:
            self._changed = True  # written again without them
            self.note = (f"{damaged} damaged entr{'y' if damaged == 1 else 'ies'} in {name} "
                         "ignored; those images were checked again.")

    def _set_aside(self, name: str, why: str) -> None:
        aside = self.state.set_aside(CHECKS_FILE_NAME)
        kept = f"it was kept as {aside}" if aside else "it is replaced by the next save"
        self.note = f"{name} could not be read ({why}); {kept}, and every image was checked."
        self._changed = True


def _json_int(text: str) -> int | None:
    """An integer of the cache; None (not a valid value) for one too long to be any."""
    return int(text) if len(text) <= 20 else None


def _int_in(low: int, high: int) -> Callable[[object], bool]:
    return lambda value: type(value) is int and low <= value <= high


def _text_of(most: int) -> Callable[[object], bool]:
    return lambda value: type(value) is str and len(value) <= most


def _hex_of(length: int) -> Callable[[object], bool]:
    digits = frozenset("0123456789abcdefABCDEF")
    return lambda value: type(value) is str and len(value) == length and set(value) <= digits


_SIDE = _int_in(1, 1 << 31)
_FACT_FIELDS: dict[str, Callable[[object], bool]] = {
    "width": _SIDE, "height": _SIDE, "format": _text_of(32), "mode": _text_of(16),
    "bits": _int_in(1, 64), "orientation": _int_in(1, 8), "frames": _int_in(1, 1 << 31),
    "transparency": lambda value: type(value) is bool,
    "sha256": _hex_of(64), "phash": _hex_of(HASH_BITS // 4),
    "blur": lambda value: type(value) in (int, float) and 0 <= value < float("inf"),
    "detail": lambda value: type(value) in (int, float) and 0 <= value <= 255,
    "error": lambda value: value is None,  # the facts of unreadable images are not kept
}
_IDENTITY_FIELDS: dict[str, Callable[[object], bool]] = {
    "size": _int_in(0, 1 << 63), "mtime_ns": _int_in(-(1 << 63), 1 << 63),
}


def _stored_facts(entry: object) -> ImageFacts | None:
    """The facts of a cache entry, or None when it is not one as `_FactCache.put` writes it."""
    if not (isinstance(entry, dict) and entry.keys() == {*_IDENTITY_FIELDS, "facts"}
            and all(valid(entry[key]) for key, valid in _IDENTITY_FIELDS.items())):
        return None
    facts = entry["facts"]
    if not (isinstance(facts, dict) and facts.keys() == _FACT_FIELDS.keys()
            and all(valid(facts[key]) for key, valid in _FACT_FIELDS.items())):
        return None
    return ImageFacts(**facts)


def _identity(root: Path, item: Item) -> tuple[int, int] | ImageFacts:
    """The image file's (size, mtime_ns), or facts saying why it cannot be reached."""
    try:
        status = os.stat(checked_path(root, item.image_path))
    except OSError as error:  # OutsideRootError included
        return ImageFacts(error=f"The file cannot be read ({error.strerror or error}).")
    return status.st_size, status.st_mtime_ns


def _workers() -> int:
    return min(4, max(2, os.cpu_count() or 2))


def _gather_facts(items: Sequence[Item], root: Path, cache: _FactCache,
                  progress: Progress | None,
                  cancel: threading.Event | None) -> tuple[dict[str, ImageFacts], int]:
    """Facts of each image, from the cache or computed on a thread pool; and how many came
    from the cache. On `cancel`, only those known by then."""
    total = len(items)
    reporter = _Reporter(total, progress)
    facts: dict[str, ImageFacts] = {}
    todo: list[tuple[Item, tuple[int, int]]] = []
    from_cache = 0
    for item in items:
        identity = _identity(root, item)
        if isinstance(identity, ImageFacts):
            facts[item.id] = identity
        elif (cached := cache.get(item.id, identity)) is not None:
            facts[item.id] = cached
            from_cache += 1
        else:
            todo.append((item, identity))
            continue
        reporter.advance()

    def compute(item: Item, identity: tuple[int, int]) -> ImageFacts | None:
        if cancel is not None and cancel.is_set():
            return None
        result = image_facts(item.image_path)
        cache.put(item.id, identity, result)
        return result

    with ThreadPoolExecutor(_workers(), thread_name_prefix="lora-tagger-checks") as pool:
        futures = {pool.submit(compute, item, identity): item.id for item, identity in todo}
        for future in as_completed(futures):
            result = future.result()
            if result is not None:
                facts[futures[future]] = result
                reporter.advance()
    reporter.finish()
    return facts, from_cache


class _Reporter:
    """Calls `progress(done, total)` at the start, every 1% and at the end."""

    def __init__(self, total: int, progress: Progress | None) -> None:
        self.total = total
        self.progress = progress
        self.step = max(1, total // 100)
        self.done = 0
        if progress is not None:
            progress(0, total)

    def advance(self) -> None:
        self.done += 1
        if self.progress is not None and self.done % self.step == 0 and self.done < self.total:
            self.progress(self.done, self.total)

    def finish(self) -> None:
        if self.progress is not None:
            self.progress(self.done, self.total)


# ---- findings


def _findings(items: Sequence[Item], facts: Mapping[str, ImageFacts], settings: CheckSettings,
              cancel: threading.Event | None, *, total: int) -> list[Finding]:
    """Every finding about `items` (of `total` images in the set), blocking first, then in
    the data set's order."""
    findings: list[Finding] = []
    readable: list[Item] = []
    for item in items:
        item_facts = facts[item.id]
        if item_facts.error is None:
            findings.extend(_image_findings(item.id, item_facts, settings))
            readable.append(item)
        else:
            findings.append(_unreadable(item.id, item_facts.error))
        findings.extend(_caption_findings(item, settings))
    findings.extend(_shared_captions(items))
    findings.extend(_exact_duplicates(readable, facts))
    findings.extend(_near_duplicates(readable, facts, settings.near_duplicate_distance, cancel))
    findings.extend(_formats(items))
    if total > settings.civitai_limit:
        findings.append(Finding(
            "warning", "over_civitai_limit",
            f"The data set has {total:,} images; Civitai's trainer keeps only "
            f"{settings.civitai_limit:,}. Remove some, or train with ai-toolkit or kohya.",
            (), {"images": total, "limit": settings.civitai_limit}))
    order = {item.id: position for position, item in enumerate(items)}
    rank = {severity: position for position, severity in enumerate(SEVERITIES)}
    findings.sort(key=lambda f: (rank[f.severity], order.get(f.ids[0], -1) if f.ids else -1))
    return findings


def low_detail(facts: ImageFacts) -> bool:
    """Whether the image has almost nothing to see: flat at the perceptual hash's size and
    without fine texture."""
    return facts.detail < LOW_DETAIL and facts.blur < LOW_DETAIL_SHARPNESS


def _unreadable(item_id: str, error: str) -> Finding:
    return Finding("blocking", "unreadable_image",
                   f"{item_id} cannot be read: {error} Replace it with a good copy or remove it.",
                   (item_id,), {"error": error})


def _image_findings(item_id: str, facts: ImageFacts,
                    settings: CheckSettings) -> Iterable[Finding]:
    width, height = facts.width, facts.height
    size = {"width": width, "height": height}
    short, long = min(width, height), max(width, height)
    ids = (item_id,)
    if short < MIN_SIDE:
        yield Finding("blocking", "too_small",
                      f"{item_id} is only {width}x{height} px; Civitai refuses images under "
                      f"{MIN_SIDE} px on a side (exports for it leave them out) and other "
                      "trainers upscale them. Use a larger version or remove it.", ids, size)
        return
    if short < settings.resolution:
        yield Finding("warning", "under_resolution",
                      f"{item_id} is {width}x{height}: its short side is under the training "
                      f"resolution {settings.resolution}, so it trains upscaled or small. Use a "
                      "larger version or a lower resolution.",
                      ids, {**size, "resolution": settings.resolution})
    if short and long / short > settings.max_aspect:
        yield Finding("warning", "extreme_aspect",
                      f"{item_id} is {width}x{height} (aspect {long / short:.2f}:1, over "
                      f"{settings.max_aspect:g}:1); it trains in an extreme bucket. Crop it.",
                      ids, {**size, "aspect": round(long / short, 3)})
    if low_detail(facts):
        held = (" (its picture is in its transparency, which trainers drop)"
                if facts.transparency else "")
        yield Finding("warning", "low_detail",
                      f"{item_id} has almost no detail as a trainer reads it{held}: a flat "
                      "fill or a faint pattern teaches little. Check it belongs in the set.",
                      ids, {"detail": facts.detail, "limit": LOW_DETAIL})
    elif facts.blur < settings.blur_threshold:
        yield Finding("warning", "blurry",
                      f"{item_id} looks blurry even in its sharpest part (Laplacian variance "
                      f"{facts.blur:.0f} at {BLUR_SIDE} px, under "
                      f"{settings.blur_threshold:g}); replace it with a sharper one or remove it.",
                      ids, {"variance": facts.blur, "threshold": settings.blur_threshold})
    yield from _format_warnings(item_id, facts)
    buckets = {resolution: bucket_for(width, height, resolution) for resolution in RESOLUTIONS}
    named = ", ".join(f"{w}x{h} at {resolution}" for resolution, (w, h) in buckets.items())
    yield Finding("info", "bucket", f"{item_id} ({width}x{height}) trains in bucket {named}.",
                  ids, {**size, **{f"bucket_{r}": bucket for r, bucket in buckets.items()}})


def _format_warnings(item_id: str, facts: ImageFacts) -> Iterable[Finding]:
    ids = (item_id,)
    if facts.orientation != 1:
        yield Finding("warning", "exif_rotated",
                      f"{item_id} has EXIF orientation {facts.orientation}: shown upright here, "
                      "but kohya ignores it and trains the image rotated or mirrored. Save it "
                      "with the pixels upright.", ids, {"orientation": facts.orientation})
    if facts.transparency:
        yield Finding("warning", "transparency",
                      f"{item_id} has transparent pixels; trainers turn them black. Put the "
                      "image on a background.", ids, {"mode": facts.mode})
    if facts.bits > 8:
        yield Finding("warning", "high_bit_depth",
                      f"{item_id} has {facts.bits} bits per channel; trainers read 8. Save it "
                      "as an 8-bit image.", ids, {"bits": facts.bits})
    if facts.mode == "CMYK":
        yield Finding("warning", "cmyk", f"{item_id} has CMYK colours; trainers expect RGB. "
                      "Convert it to RGB.", ids, {"mode": facts.mode})
    if facts.mode in ("P", "PA"):
        yield Finding("warning", "palette", f"{item_id} is a palette (indexed colour) image; "
                      "convert it to RGB.", ids, {"mode": facts.mode})
    if facts.frames > 1:
        yield Finding("warning", "animated",
                      f"{item_id} is animated ({facts.frames} frames); only the first frame "
                      "is trained. Save that frame as a still image.", ids,
                      {"frames": facts.frames})


def _caption_findings(item: Item, settings: CheckSettings) -> Iterable[Finding]:
    ids, caption_name = (item.id,), item.caption_path.name
    text = item.caption
    if item.read_error is not None:
        yield Finding("blocking", "caption_unreadable",
                      f"The caption file {caption_name} of {item.id} cannot be read "
                      f"({item.read_error}); fix its permissions or replace it.", ids,
                      {"error": item.read_error})
        return
    if item.caption_absent:
        yield Finding("warning", "no_caption",
                      f"{item.id} has no caption file; it trains with an empty caption (Civitai "
                      "counts it as untagged). Tag it.", ids, {})
        return
    if item.encoding not in UTF8_ENCODINGS:
        yield Finding("blocking", "not_utf8",
                      f"The caption of {item.id} is {item.encoding}, not UTF-8; trainers read "
                      "UTF-8. Allow rewriting it (dataset.allow_rewrite) and save it as UTF-8.",
                      ids, {"encoding": item.encoding})
    if not text.strip():
        yield Finding("blocking", "empty_caption",
                      f"The caption file {caption_name} of {item.id} is empty; kohya stops on "
                      "it. Tag the image or delete the file.", ids, {})
        return
    lines = sum(1 for line in text.splitlines() if line.strip())
    if lines > 1:
        yield Finding("warning", "multiline",
                      f"The caption of {item.id} has {lines} lines; kohya reads only the first. "
                      "Join them into one line.", ids, {"lines": lines})
    yield from _token_findings(item.id, text)
    trigger = settings.trigger
    if trigger and not (starts_with_trigger(text, trigger) or has_trigger_placeholder(text)):
        yield Finding("warning", "no_trigger",
                      f"The caption of {item.id} does not start with the trigger word "
                      f"“{trigger}”; put it first (batch operation “trigger”).", ids,
                      {"trigger": trigger})


def _token_findings(item_id: str, text: str) -> Iterable[Finding]:
    for count, code in ((clip_tokens(text), "clip_tokens"), (t5_tokens(text), "t5_tokens")):
        if count.over:
            yield Finding("warning", code,
                          f"The caption of {item_id} takes {_tokens(count)} {count.model} "
                          f"tokens, over the {count.limit} it reads; the rest is cut off. "
                          "Shorten it.", (item_id,),
                          {"tokens": count.count, "limit": count.limit, "exact": count.exact})


def _tokens(count: TokenCount) -> str:
    return str(count.count) if count.exact else f"about {count.count} (estimate)"


def _shared_captions(items: Sequence[Item]) -> Iterable[Finding]:
    groups: dict[Path, list[str]] = defaultdict(list)
    for item in items:
        if item.shares_caption:
            groups[item.caption_path].append(item.id)
    for caption_path, ids in groups.items():
        yield Finding("blocking", "shared_caption",
                      f"{_names(ids)} share the caption file {caption_path.name}, so trainers "
                      "give them one caption. Rename all but one.", tuple(ids),
                      {"images": len(ids)})


def _exact_duplicates(items: Sequence[Item],
                      facts: Mapping[str, ImageFacts]) -> Iterable[Finding]:
    groups: dict[str, list[str]] = defaultdict(list)
    for item in items:
        groups[facts[item.id].sha256].append(item.id)
    for digest, ids in groups.items():
        if len(ids) > 1:
            yield Finding("warning", "exact_duplicate",
                          f"{_names(ids)} are the same file; it trains {len(ids)} times. "
                          "Remove all but one.", tuple(ids),
                          {"images": len(ids), "sha256": digest})


def _near_duplicates(items: Sequence[Item], facts: Mapping[str, ImageFacts], limit: int,
                     cancel: threading.Event | None) -> Iterable[Finding]:
    """One finding per group of different files that look alike. Of identical files (reported
    as exact duplicates) only the first takes part; images low in detail take no part."""
    first_of: dict[str, str] = {}
    for item in items:
        item_facts = facts[item.id]
        if not low_detail(item_facts):
            first_of.setdefault(item_facts.sha256, item.id)
    unique = list(first_of.values())
    hashes = np.array([int(facts[item_id].phash, 16) for item_id in unique], dtype=np.uint64)
    for members, distance in near_duplicate_groups(hashes, limit, cancel):
        ids = tuple(unique[member] for member in members)
        if len(ids) == 2:
            message = (f"{ids[0]} and {ids[1]} look nearly the same (perceptual hash distance "
                       f"{distance} of {HASH_BITS}); keep the better one.")
        else:
            message = (f"{len(ids)} images look nearly the same: {_names(ids)} (perceptual hash "
                       f"distance up to {distance} of {HASH_BITS}); keep the best one.")
        yield Finding("warning", "near_duplicate", message, ids,
                      {"images": len(ids), "distance": distance})


def near_duplicate_groups(hashes: np.ndarray, limit: int, cancel: threading.Event | None = None
                          ) -> list[tuple[list[int], int]]:
    """The groups of `hashes` linked by distances of at most `limit` bits, directly or through
    other members: `(indexes in order, the largest distance of a link)`, in the order of their
    first member."""
    parent = list(range(len(hashes)))

    def top(index: int) -> int:
        while parent[index] != index:
            parent[index] = parent[parent[index]]
            index = parent[index]
        return index

    pairs = close_pairs(hashes, limit, cancel)
    for first, second, _ in pairs:
        parent[max(top(first), top(second))] = min(top(first), top(second))
    members: dict[int, list[int]] = defaultdict(list)
    widest: dict[int, int] = defaultdict(int)
    for first, _, distance in pairs:
        widest[top(first)] = max(widest[top(first)], distance)
    for index in range(len(hashes)):
        members[top(index)].append(index)
    return [(group, widest[root]) for root, group in sorted(members.items()) if len(group) > 1]


def close_pairs(hashes: np.ndarray, limit: int,
                cancel: threading.Event | None = None) -> list[tuple[int, int, int]]:
    """`(i, j, distance)` for each i < j whose 64-bit hashes differ in at most `limit` bits."""
    pairs: list[tuple[int, int, int]] = []
    for start in range(0, len(hashes), _PAIR_BLOCK):
        if cancel is not None and cancel.is_set():
            break
        block = hashes[start:start + _PAIR_BLOCK]
        distances = _popcount(block[:, None] ^ hashes[None, start:])
        rows, columns = np.nonzero(distances <= limit)
        for row, column in zip(rows.tolist(), columns.tolist(), strict=True):
            if column > row:
                pairs.append((start + row, start + column, int(distances[row, column])))
    return pairs


_M1, _M2, _M4, _H01 = (np.uint64(value) for value in (
    0x5555555555555555, 0x3333333333333333, 0x0F0F0F0F0F0F0F0F, 0x0101010101010101))


def swar_popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64, for numpy before 2.0 (no `np.bitwise_count`); overwrites
    `values`."""
    bits = values >> np.uint64(1)
    bits &= _M1
    values -= bits
    bits = values >> np.uint64(2)
    bits &= _M2
    values &= _M2
    values += bits
    values += values >> np.uint64(4)
    values &= _M4
    values *= _H01
    values >>= np.uint64(56)
    return values


_popcount: Callable[[np.ndarray], np.ndarray] = getattr(np, "bitwise_count", swar_popcount)


def _formats(items: Sequence[Item]) -> Iterable[Finding]:
    by_extension: dict[str, list[str]] = defaultdict(list)
    for item in items:
        by_extension[item.id.rpartition(".")[2].lower()].append(item.id)
    for extension, ids in sorted(by_extension.items()):
        refusing = [name for name, accepted in TRAINER_FORMATS.items()
                    if extension not in accepted]
        if refusing:
            yield Finding("info", "format_not_accepted",
                          f"{_names(ids)}: .{extension} is a format {_names(refusing)} "
                          f"do{'es' * (len(refusing) == 1)} not read. Convert to PNG or JPEG "
                          "to train with them.", tuple(ids),
                          {"format": extension, "images": len(ids),
                           "trainers": ", ".join(refusing)})


def _names(names: Sequence[str]) -> str:
    """Names for a sentence: "a, b and c", or the first five "and 12 more"."""
    if len(names) > _NAMES_SHOWN:
        return f"{', '.join(names[:_NAMES_SHOWN])} and {len(names) - _NAMES_SHOWN} more"
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:-1])} and {names[-1]}"
