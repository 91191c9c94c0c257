"""Requests from the front end: checked field by field, then turned into calls on the widget
(its user API) and the view behind it (`Host`).

Every request gets exactly one reply. A request that makes no sense gets `ok: false` with a
sentence saying why, and changes nothing. See docs/protocol.md.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from ..core.autotag import EXISTING_MODES
from ..core.buckets import RESOLUTIONS
from ..core.checks import SEVERITIES
from ..core.dataset import CaptionConflictError, CaptionLockedError, CaptionWriteError
from ..core.edits import UndoConflictError
from ..core.endpoint import DEFAULT_PROMPT, ChatCaptioner
from ..core.export import TARGETS, Fixes
from ..core.images import ImageError
from ..core.plots import buckets, image_sizes, tag_frequency
from ..core.regions import RegionError, dataset_region
from ..core.uploadlimits import MAX_BATCH_FILES, MAX_CHUNK
from ..core.uploadnames import UPLOAD_EXTENSIONS
from ..core.uploads import take_in

if TYPE_CHECKING:
    from ..core.checks import CheckReport
    from ..core.dataset import Dataset, SaveReport
    from ..core.uploads import Uploads
    from .images import ImageJobs
    from .outbox import Outbox

MAX_TEXT = 200_000
MAX_RID = 2**53
MAX_THUMBS = 200
MAX_ITEMS = 2_000
RESTORE_KIND = "restore"  # the batch "operation" that restores the original captions
MAX_EXAMPLE = 2_000  # characters of a caption shown as a batch edit's example
MAX_FINDINGS = 5_000
MAX_SYNC_RIDS = 1_000
MAX_PLOT_POINTS = 5_000
AUTOTAG_SCOPES = ("all", "filtered", "selected", "current")
MAX_SIDE = 1_000_000  # pixels along an image side a region may name
MAX_CHUNK_TEXT = MAX_CHUNK // 3 * 4 + 4  # a chunk as base64 text
FIX_NAMES = frozenset({"orientation", "flatten", "eight_bit", "rgb", "convert_formats", "one_line"})


class UserApi(Protocol):
    """What requests use of the widget: its user API (its public members)."""

    dataset: Dataset
    index: int
    selection: list[int]
    check_report: CheckReport | None

    @property
    def ready(self) -> bool: ...
    @property
    def palette(self) -> list[list[object]]: ...
    def goto(self, index: int) -> None: ...
    def goto_place(self, place: int) -> None: ...
    def next(self) -> None: ...
    def prev(self) -> None: ...
    def next_untagged(self) -> None: ...
    def save(self) -> SaveReport: ...
    def undo(self) -> str | None: ...
    def redo(self) -> str | None: ...
    def run_checks(self, **options: Any) -> None: ...
    def start_export(self, target: str, dest: str, **options: Any) -> None: ...
    def start_autotag(self, tagger: Any, scope: list[int] | None = None, *,
                      caption: bool = False, **options: Any) -> None: ...
    def cancel_autotag(self) -> None: ...
    def close_after_saving(self) -> None: ...


class Host(Protocol):
    """What requests act on (`app.host.ViewHost`): the widget's user API, and the view behind
    it (the images shown, the palette's version, the image jobs)."""

    widget: UserApi
    images: ImageJobs
    outbox: Outbox

    @property
    def dataset(self) -> Dataset: ...
    @property
    def uploads(self) -> Uploads: ...
    @property
    def shown_count(self) -> int: ...
    def scope(self, name: str) -> list[int] | None: ...
    def item_states(self, start: int, count: int) -> list[list[object]]: ...
    def full_palette(self) -> dict[str, object]: ...


class BadRequest(ValueError):
    """A request whose type or fields are not what the protocol says."""


@dataclass
class Reply:
    """A reply's content and its binary buffers."""

    content: dict[str, Any]
    buffers: list[bytes] = field(default_factory=list)


def _field(message: Mapping[str, Any], name: str, kind: type | tuple[type, ...]) -> Any:
    value = message.get(name)
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        wanted = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise BadRequest(f"Field {name!r} must be {wanted}, not {type(value).__name__}.")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise BadRequest(f"Field {name!r} is too long.")
    return value


def _text(message: Mapping[str, Any], name: str) -> str:
    return _field(message, name, str)


def _int(message: Mapping[str, Any], name: str, low: int, high: int) -> int:
    value = _field(message, name, int)
    if not low <= value <= high:
        raise BadRequest(f"Field {name!r} must be between {low} and {high}.")
    return value


def _number(message: Mapping[str, Any], name: str, low: float, high: float) -> float:
    value = _field(message, name, (int, float))
    if not low <= value <= high:
        raise BadRequest(f"Field {name!r} must be between {low:g} and {high:g}.")
    return float(value)


def _item_index(host: Host, message: Mapping[str, Any]) -> int:
    item_id = _text(message, "id")
    try:
        return host.dataset.index_of(item_id)
    except KeyError:
        raise BadRequest(f"No image {item_id[:80]!r} in this data set.") from None


def _preview(host: Host, message: Mapping[str, Any]) -> None:
    index = _item_index(host, message)
    width = _int(message, "width", 16, 4096)
    height = _int(message, "height", 16, 4096)
    purpose = message.get("purpose", "show")
    if purpose not in ("show", "prefetch"):
        raise BadRequest("Field 'purpose' must be 'show' or 'prefetch'.")
    rid = message["rid"]
    item_id = host.dataset[index].id

    def make() -> Reply:
        try:
            preview = host.dataset.preview(index, width, height)
        except ImageError as error:
            return finish(rid, Reply({"ok": False, "id": item_id, "error": str(error)}))
        content = {"id": item_id, "mime": preview.mime, "width": preview.width,
                   "height": preview.height}
        return finish(rid, Reply(content, [preview.data]))

    jobs = host.images
    jobs.run("preview", jobs.preview_group(purpose), 0 if purpose == "show" else 1, make,
             lambda: _superseded(rid))


def _region(host: Host, message: Mapping[str, Any]) -> None:
    """A rectangle of the upright original at `scale` (zoom), made on the worker pool; a newer
    region request supersedes it."""
    index = _item_index(host, message)
    box = tuple(_int(message, name, 0 if name in "xy" else 1, MAX_SIDE) for name in "xywh")
    scale = _field(message, "scale", (int, float))
    if not 0 < scale <= 1:
        raise BadRequest("Field 'scale' must be above 0 and at most 1.")
    rid = message["rid"]
    item_id = host.dataset[index].id

    def make() -> Reply:
        try:
            region = dataset_region(host.dataset, index, box, scale)
        except (ImageError, RegionError, OSError) as error:
            return finish(rid, Reply({"ok": False, "id": item_id, "error": _sentence(error)}))
        content = {"id": item_id, "mime": region.mime, "x": region.x, "y": region.y,
                   "w": region.w, "h": region.h, "width": region.width, "height": region.height}
        return finish(rid, Reply(content, [region.data]))

    jobs = host.images
    jobs.run("region", jobs.region_group(), 0, make, lambda: _superseded(rid))


def _thumbs(host: Host, message: Mapping[str, Any]) -> None:
    ids = _field(message, "ids", list)
    if not 1 <= len(ids) <= MAX_THUMBS or not all(isinstance(i, str) for i in ids):
        raise BadRequest(f"Field 'ids' must be a list of 1 to {MAX_THUMBS} image ids.")
    indices = [_item_index(host, {"id": item_id}) for item_id in ids]
    size = _int(message, "size", 32, 512)
    group = _int(message, "group", 0, MAX_RID)
    rid = message["rid"]
    jobs = host.images

    def make() -> Reply:
        entries, buffers = [], []
        for item_id, index in zip(ids, indices, strict=True):
            if jobs.thumbs_superseded(group):
                return _superseded(rid)
            try:
                thumb = host.dataset.preview(index, size, size)
            except ImageError as error:
                entries.append({"id": item_id, "ok": False, "error": str(error)})
                continue
            entries.append({"id": item_id, "ok": True, "mime": thumb.mime})
            buffers.append(thumb.data)
        return finish(rid, Reply({"thumbs": entries}, buffers))

    jobs.run("thumbs", jobs.thumbs_group(group), 2, make, lambda: _superseded(rid))


def _superseded(rid: int) -> Reply:
    return finish(rid, Reply({"ok": False, "superseded": True,
                              "error": "A newer request took this one's place."}))


def _items(host: Host, message: Mapping[str, Any]) -> Reply:
    start = _int(message, "start", 0, max(host.shown_count - 1, 0))
    count = _int(message, "count", 1, MAX_ITEMS)
    return Reply({"start": start, "items": host.item_states(start, count)})


def _goto(host: Host, message: Mapping[str, Any]) -> Reply:
    if "id" in message:
        host.widget.goto(_item_index(host, message))
    else:
        host.widget.goto_place(_int(message, "index", 0, max(host.shown_count - 1, 0)))
    return Reply({"index": host.widget.index})


def _move(step: Callable[[UserApi], object]) -> Callable[[Host, Any], Reply]:
    def handle(host: Host, message: Mapping[str, Any]) -> Reply:
        step(host.widget)
        return Reply({"index": host.widget.index})

    return handle


def _tag_edit(edit: str) -> Callable[[Host, Any], Reply]:
    def handle(host: Host, message: Mapping[str, Any]) -> Reply:
        index = _item_index(host, message)
        had = _text(message, "tag").strip() in host.dataset[index].tags
        tags = getattr(host.dataset, edit)(index, _text(message, "tag"))
        return Reply({"tags": tags, "added": not had})

    return handle


def _set_tags(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    tags = _field(message, "tags", list)
    if not all(isinstance(tag, str) for tag in tags):
        raise BadRequest("Field 'tags' must be a list of strings.")
    if sorted(tags) != sorted(host.dataset[index].tags):
        raise BadRequest("set_tags only reorders an image's tags; add or remove them one by one.")
    return Reply({"tags": host.dataset.set_tags(index, tags)})


def _toggle_reviewed(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    reviewed = not host.dataset.is_reviewed(index)
    host.dataset.set_reviewed(index, reviewed)
    return Reply({"reviewed": reviewed})


def _complete(host: Host, message: Mapping[str, Any]) -> Reply:
    query = _text(message, "query")
    limit = _int(message, "limit", 1, 50)
    items = host.dataset.complete(query, limit)
    return Reply({"items": [[s.tag, s.in_dataset, s.in_list] for s in items]})


def _tag_counts(host: Host, message: Mapping[str, Any]) -> Reply:
    dataset = host.dataset
    every = dataset.tag_counts()
    shown = host.scope("filtered")
    filtered = dataset.tag_counts(shown) if len(shown) < len(dataset) else every
    selected = dataset.tag_counts(host.widget.selection) if host.widget.selection else {}
    rows = [[tag, n, filtered.get(tag, 0), selected.get(tag, 0)] for tag, n in every.items()]
    return Reply({"rows": rows, "filtered": len(shown), "selected": len(host.widget.selection)})


def _operation(host: Host, message: Mapping[str, Any]) -> tuple[Any, list[int] | None]:
    operation = _field(message, "operation", dict)
    return operation, host.scope(_text(message, "scope"))


def _batch(apply: bool) -> Callable[[Host, Any], Reply]:
    def handle(host: Host, message: Mapping[str, Any]) -> Reply:
        operation, scope = _operation(host, message)
        dataset = host.dataset
        if operation.get("kind") == RESTORE_KIND:
            extra = set(operation) - {"kind"}
            if extra:
                raise BadRequest(f"Restoring the originals takes no {sorted(extra)[0]!r}.")
            restore = dataset.restore_originals if apply else dataset.preview_restore_originals
            return Reply(_report(restore(scope)))
        report = (dataset.apply_batch if apply else dataset.preview_batch)(operation, scope)
        return Reply(_report(report))

    return handle


def _report(report: Any) -> dict[str, Any]:
    return {
        "summary": report.summary(),
        "scope_size": report.scope_size,
        "changes": len(report.changes),
        "skipped": len(report.skipped),
        "tags_added": [[tag, n] for tag, n in report.tags_added.items()],
        "tags_removed": [[tag, n] for tag, n in report.tags_removed.items()],
        "examples": [{"id": c.id, "before": c.before[:MAX_EXAMPLE], "after": c.after[:MAX_EXAMPLE]}
                     for c in report.examples(3)],
    }


def _paste_tags(host: Host, message: Mapping[str, Any]) -> Reply:
    tags = _field(message, "tags", list)
    scope = _text(message, "scope")
    if scope not in ("current", "selected"):
        raise BadRequest('Field \'scope\' must be "current" or "selected".')
    report = host.dataset.paste_tags(host.scope(scope), tags, _text(message, "mode"))
    return Reply({"changes": len(report.changes)})


def _set_caption(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    host.dataset.set_caption(index, _text(message, "text"))
    return Reply({"tags": host.dataset[index].tags})


def _restore_original(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    caption = host.dataset.restore_original(index)
    return Reply({"tags": host.dataset[index].tags, "caption": caption})


def _run_checks(host: Host, message: Mapping[str, Any]) -> Reply:
    options: dict[str, Any] = {"resolution": _choice(message, "resolution", RESOLUTIONS)}
    for name, kind in (("max_aspect", (int, float)), ("near_duplicate_distance", int),
                       ("blur_threshold", (int, float))):
        if name in message:
            options[name] = _field(message, name, kind)
    if not 0 <= options.get("near_duplicate_distance", 0) <= 64:
        raise BadRequest("Field 'near_duplicate_distance' must be between 0 and 64.")
    host.widget.run_checks(**options)
    return Reply({})


def _checks(host: Host, message: Mapping[str, Any]) -> Reply:
    report = host.widget.check_report
    if report is None:
        raise BadRequest("No checks have run yet.")
    wanted = _text(message, "severity") if "severity" in message else None
    findings = [f for f in report.findings if wanted is None or f.severity == wanted]
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return Reply({"findings": [
        {"severity": f.severity, "code": f.code, "message": f.message, "ids": list(f.ids),
         "details": dict(f.details)} for f in findings[:MAX_FINDINGS]]})


def _export(host: Host, message: Mapping[str, Any]) -> Reply:
    options: dict[str, Any] = {"replace": _field(message, "replace", bool)}
    if "scope" in message:
        options["scope"] = host.scope(_choice(message, "scope", ("all", "filtered", "selected")))
    if "fixes" in message:
        fixes = _field(message, "fixes", dict)
        unknown = set(fixes) - FIX_NAMES
        if unknown or not all(isinstance(v, bool) for v in fixes.values()):
            raise BadRequest(f"Field 'fixes' takes true/false for {sorted(FIX_NAMES)}.")
        options["fixes"] = Fixes(**fixes)
    if "repeats" in message:
        options["repeats"] = _int(message, "repeats", 1, 1000)
    for name in ("name", "prefix"):
        if name in message:
            options[name] = _text(message, name)
    host.widget.start_export(_choice(message, "target", TARGETS), _text(message, "dest"), **options)
    return Reply({})


def _autotag(host: Host, message: Mapping[str, Any]) -> Reply:
    spec = _field(message, "tagger", dict)
    kind = _choice(spec, "kind", ("registered", "wd", "chat"))
    scope = host.scope(_choice(message, "scope", AUTOTAG_SCOPES))
    options = _autotag_options(_field(message, "options", dict))
    caption = False
    if kind == "registered":
        tagger: Any = _text(spec, "name")
    elif kind == "wd":
        path = _text(spec, "path").strip()
        if not path:
            raise BadRequest("Give the folder of a WD model (model.onnx and selected_tags.csv).")
        tagger = Path(path)  # loaded on the run's thread: the kernel stays free meanwhile
    else:
        caption = _choice(spec, "reply", ("caption", "tags")) == "caption"
        prompt = _text(spec, "prompt").strip() if "prompt" in spec else ""
        api_key = _text(spec, "api_key").strip() if "api_key" in spec else None
        tagger = ChatCaptioner(_text(spec, "url").strip(), _text(spec, "model").strip(),
                               prompt or DEFAULT_PROMPT, as_tags=not caption,
                               api_key=api_key or None,
                               max_tokens=_int(spec, "max_tokens", 1, 100_000)
                               if "max_tokens" in spec else 300,
                               temperature=_number(spec, "temperature", 0.0, 2.0)
                               if "temperature" in spec else 0.2)
        if caption:
            options = {k: v for k, v in options.items() if k in ("existing", "rerun")}
    host.widget.start_autotag(tagger, scope, caption=caption, **options)
    return Reply({})


def _autotag_options(given: Mapping[str, Any]) -> dict[str, Any]:
    """The run's options from the panel's form, checked field by field."""
    options: dict[str, Any] = {}
    for name in ("general_threshold", "character_threshold"):
        if name in given:
            options[name] = _field(given, name, (int, float))
    if given.get("max_tags") is not None:
        options["max_tags"] = _int(given, "max_tags", 1, 10_000)
    if "existing" in given:
        options["existing"] = _choice(given, "existing", EXISTING_MODES)
    for name in ("blacklist", "prepend", "append"):
        if name in given:
            options[name] = _text(given, name)
    if "rerun" in given:
        options["rerun"] = _field(given, "rerun", bool)
    return options


def _autotag_cancel(host: Host, message: Mapping[str, Any]) -> Reply:
    host.widget.cancel_autotag()
    return Reply({})


def _suggested_tag(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    tag = _text(message, "tag")
    dataset = host.dataset
    if _field(message, "accept", bool):
        dataset.accept_suggested_tag(index, tag)
    else:
        dataset.reject_suggested_tag(index, tag)
    return Reply({"tags": dataset[index].tags})


def _accept_suggestions(host: Host, message: Mapping[str, Any]) -> Reply:
    scope = host.scope(_choice(message, "scope", AUTOTAG_SCOPES))
    min_score = None
    if message.get("min_score") is not None:
        min_score = _number(message, "min_score", 0, 1)
    dataset = host.dataset
    if "preview" in message and _field(message, "preview", bool):
        return Reply(_report(dataset.preview_accept_suggestions(scope, min_score=min_score)))
    return Reply(_report(dataset.accept_suggestions(scope, min_score=min_score)))


def _reject_suggestions(host: Host, message: Mapping[str, Any]) -> Reply:
    scope = host.scope(_choice(message, "scope", AUTOTAG_SCOPES))
    return Reply({"rejected": host.dataset.reject_suggestions(scope)})


def _plots(host: Host, message: Mapping[str, Any]) -> Reply:
    dataset = host.dataset
    top = _int(message, "top", 1, 200) if "top" in message else 30
    resolution = _choice(message, "resolution", RESOLUTIONS) if "resolution" in message else 1024
    sizes = [[w, h] for _, w, h in image_sizes(dataset)]
    step = max(1, len(sizes) // MAX_PLOT_POINTS)
    return Reply({
        "tags": [list(row) for row in tag_frequency(dataset, top)],
        "sizes": sizes[::step][:MAX_PLOT_POINTS],
        "buckets": [[w, h, n] for (w, h), n in sorted(buckets(dataset, resolution).items())],
    })


def _choice(message: Mapping[str, Any], name: str, choices: tuple[Any, ...]) -> Any:
    value = message.get(name)
    if isinstance(value, bool) or value not in choices:
        raise BadRequest(f"Field {name!r} must be one of {', '.join(map(str, choices))}.")
    return value


def _history_step(name: str) -> Callable[[Host, Any], Reply]:
    def handle(host: Host, message: Mapping[str, Any]) -> Reply:
        return Reply({"label": getattr(host.widget, name)()})

    return handle


def _palette(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply(host.full_palette())


def _palette_add(host: Host, message: Mapping[str, Any]) -> Reply:
    host.dataset.pin_tag(_text(message, "tag"))
    return Reply({})


def _palette_usage(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"count": host.dataset.vocabulary[_text(message, "tag").strip()]})


def _palette_delete(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"changed": host.dataset.delete_tag(_text(message, "tag"))})


def _palette_import(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"added": host.dataset.import_palette_text(_text(message, "text"))})


def _set_slot(host: Host, message: Mapping[str, Any]) -> Reply:
    tag = message.get("tag")
    if tag is not None:
        tag = _text(message, "tag")
    host.dataset.set_slot(_int(message, "slot", 1, 9), tag)
    return Reply({"slots": {str(slot): pinned for slot, pinned in host.dataset.slots.items()}})


def _palette_export(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"text": host.dataset.export_palette_text()})


def _save(host: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"saved": len(host.widget.save().written)})


def _resolve_conflict(host: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(host, message)
    keep = _text(message, "keep")
    if keep not in ("theirs", "mine"):
        raise BadRequest("Field 'keep' must be 'theirs' or 'mine'.")
    host.dataset.resolve_conflict(index, keep)
    return Reply({})


def _allow_rewrite(host: Host, message: Mapping[str, Any]) -> Reply:
    host.dataset.allow_rewrite(_item_index(host, message))
    return Reply({})


def _upload_folders(host: Host, message: Mapping[str, Any]) -> Reply:
    limits = host.uploads.limits
    return Reply({"folders": host.uploads.folders(), "max_file": limits.max_file,
                  "max_batch": limits.max_batch, "max_chunk": MAX_CHUNK,
                  "extensions": {kind: list(found) for kind, found in UPLOAD_EXTENSIONS.items()}})


def _upload_batch(host: Host, message: Mapping[str, Any]) -> Reply:
    files = _field(message, "files", list)
    if not 1 <= len(files) <= MAX_BATCH_FILES or not all(
            isinstance(f, list) and len(f) == 2 and isinstance(f[0], str)
            and isinstance(f[1], int) and not isinstance(f[1], bool) and f[1] >= 0
            for f in files):
        raise BadRequest(f"Field 'files' must be 1 to {MAX_BATCH_FILES} [name, size] pairs.")
    batch = host.uploads.start_batch([(name, size) for name, size in files],
                                     _text(message, "folder"))
    return Reply({"batch": batch})


def _upload_begin(host: Host, message: Mapping[str, Any]) -> Reply:
    upload = host.uploads.begin(_text(message, "name"), _int(message, "size", 0, 2**53),
                                batch=_text(message, "batch"))
    return Reply({"upload": upload})


def _upload_chunk(host: Host, message: Mapping[str, Any], buffers: list[bytes]) -> Reply:
    """A chunk comes as one binary buffer or, from a host that drops the buffers the front end
    sends, as base64 text in `data` (the reply to a chunk that lost its buffer says
    `no_buffer: true`, so the front end sends the rest that way)."""
    upload, offset = _text(message, "upload"), _int(message, "offset", 0, 2**53)
    if len(buffers) > 1:
        raise BadRequest("An upload chunk comes as one binary buffer.")
    if buffers:
        data: bytes | memoryview = buffers[0]
    elif isinstance(message.get("data"), str) and len(message["data"]) <= MAX_CHUNK_TEXT:
        try:
            data = base64.b64decode(message["data"], validate=True)
        except binascii.Error:
            raise BadRequest("Field 'data' must be base64 text.") from None
    else:
        return Reply({"ok": False, "no_buffer": True,
                      "error": "The upload chunk came without its bytes."})
    return Reply({"received": host.uploads.write(upload, offset, data)})


def _upload_finish(host: Host, message: Mapping[str, Any]) -> None:
    """Land the upload on the worker pool (a zip of thousands of images takes a while to unpack
    and check): the kernel answers other requests meanwhile."""
    upload, rid = _text(message, "upload"), message["rid"]
    uploads, dataset = host.uploads, host.dataset

    def land() -> Reply:
        try:
            result = uploads.finish(upload)
            reply = Reply({
                "landed": [[d.path, d.given, d.kind, d.renamed] for d in result.landed],
                "refused": [[r.name, r.reason] for r in result.refused],
                "skipped": result.skipped,
                "first": take_in(dataset, result),
            })
        except Exception as error:  # the front end waits for this reply whatever happens
            reply = _error_reply(error)
        return finish(rid, reply)

    def closed() -> Reply:
        return finish(rid, Reply({"ok": False, "error": "The widget closed before the upload "
                                  "was added; it was cancelled."}))

    host.images.run("upload", 0, 1, land, closed)


def _upload_cancel(host: Host, message: Mapping[str, Any]) -> Reply:
    host.uploads.cancel(_text(message, "upload"))
    return Reply({})


def _sync(host: Host, message: Mapping[str, Any]) -> Reply:
    since = _int(message, "since", 0, MAX_RID)
    rids = _field(message, "rids", list)
    if len(rids) > MAX_SYNC_RIDS or not all(
            isinstance(r, int) and not isinstance(r, bool) for r in rids):
        raise BadRequest(f"Field 'rids' must be a list of at most {MAX_SYNC_RIDS} integers.")
    found = host.outbox.since(since, rids)
    messages: list[dict[str, Any]] = []
    buffers: list[bytes] = []
    for entry in found.entries:
        messages.append({"seq": entry.seq, "content": entry.content,
                         "buffers": len(entry.buffers)})
        buffers.extend(entry.buffers)
    state = {name: getattr(host.widget, name) for name in found.traits}
    return Reply({"seq": found.seq, "state": state, "messages": messages}, buffers)


def _close(host: Host, message: Mapping[str, Any]) -> Reply:
    host.widget.close_after_saving()
    return Reply({})


HANDLERS: dict[str, Callable[..., Reply | None]] = {
    "preview": _preview,
    "thumbs": _thumbs,
    "region": _region,
    "items": _items,
    "goto": _goto,
    "next": _move(lambda w: w.next()),
    "prev": _move(lambda w: w.prev()),
    "next_untagged": _move(lambda w: w.next_untagged()),
    "add_tag": _tag_edit("add_tag"),
    "remove_tag": _tag_edit("remove_tag"),
    "toggle_tag": _tag_edit("toggle_tag"),
    "set_tags": _set_tags,
    "toggle_reviewed": _toggle_reviewed,
    "complete": _complete,
    "tag_counts": _tag_counts,
    "batch_preview": _batch(apply=False),
    "batch_apply": _batch(apply=True),
    "paste_tags": _paste_tags,
    "set_caption": _set_caption,
    "restore_original": _restore_original,
    "run_checks": _run_checks,
    "checks": _checks,
    "export": _export,
    "plots": _plots,
    "autotag": _autotag,
    "autotag_cancel": _autotag_cancel,
    "suggested_tag": _suggested_tag,
    "accept_suggestions": _accept_suggestions,
    "reject_suggestions": _reject_suggestions,
    "undo": _history_step("undo"),
    "redo": _history_step("redo"),
    "palette": _palette,
    "palette_add": _palette_add,
    "palette_usage": _palette_usage,
    "palette_delete": _palette_delete,
    "palette_import": _palette_import,
    "palette_export": _palette_export,
    "set_slot": _set_slot,
    "save": _save,
    "resolve_conflict": _resolve_conflict,
    "allow_rewrite": _allow_rewrite,
    "close": _close,
    "upload_folders": _upload_folders,
    "upload_batch": _upload_batch,
    "upload_begin": _upload_begin,
    "upload_chunk": _upload_chunk,
    "upload_finish": _upload_finish,
    "upload_cancel": _upload_cancel,
    "sync": _sync,
}
WITH_BUFFERS = frozenset({"upload_chunk"})  # handlers that take the request's binary buffers

EXPECTED_ERRORS = (
    BadRequest,
    ValueError,
    KeyError,
    IndexError,
    TypeError,
    OSError,
    CaptionConflictError,
    CaptionLockedError,
    CaptionWriteError,
    UndoConflictError,
)


def handle_request(host: Host, message: object, buffers: Sequence[bytes] = ()) -> Reply | None:
    """The reply to one request from the front end (with its binary `buffers`), or None when
    the reply is made on the worker pool and sent from there (previews, thumbnails, regions,
    upload_finish); never raises."""
    rid = message.get("rid") if isinstance(message, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, int) or not 0 < rid < MAX_RID:
        rid = None
    try:
        if not isinstance(message, dict):
            raise BadRequest("A request must be a JSON object.")
        if rid is None:
            raise BadRequest("A request needs a positive integer 'rid'.")
        kind = message.get("type")
        handler = HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            raise BadRequest(f"Unknown request type {str(kind)[:40]!r}.")
        if not host.widget.ready and kind != "sync":
            raise BadRequest("The folder is still being read; try again in a moment.")
        if kind in WITH_BUFFERS:
            reply = handler(host, message, list(buffers))
        else:
            reply = handler(host, message)
        if reply is None:
            return None
    except Exception as error:  # the kernel must survive any request
        reply = _error_reply(error)
    return finish(rid, reply)


def _error_reply(error: Exception) -> Reply:
    """The reply to a request that raised `error`."""
    if isinstance(error, EXPECTED_ERRORS):
        return Reply({"ok": False, "error": _sentence(error)})
    return Reply({"ok": False, "error": f"Internal error: {type(error).__name__}: {error}"})


def finish(rid: int | None, reply: Reply) -> Reply:
    """`reply` as sent: typed, naming its request, `ok` unless it says otherwise."""
    reply.content = {"type": "reply", "rid": rid, "ok": True, **reply.content}
    return reply


def _sentence(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error) or type(error).__name__
