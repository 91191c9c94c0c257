"""Requests from the front end: checked field by field, then turned into calls on the widget.

Every request gets exactly one reply. A request that makes no sense gets `ok: false` with a
sentence saying why, and changes nothing. See docs/protocol.md.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ..core.buckets import RESOLUTIONS
from ..core.checks import SEVERITIES
from ..core.dataset import CaptionConflictError, CaptionLockedError, CaptionWriteError
from ..core.edits import UndoConflictError
from ..core.export import TARGETS, Fixes
from ..core.images import ImageError
from ..core.plots import buckets, image_sizes, tag_frequency
from ..core.regions import RegionError, dataset_region

if TYPE_CHECKING:
    from ..core.checks import CheckReport
    from ..core.dataset import Dataset, SaveReport
    from .images import ImageJobs

MAX_TEXT = 200_000
MAX_RID = 2**53
MAX_THUMBS = 200
MAX_ITEMS = 2_000
MAX_EXAMPLE = 2_000  # characters of a caption shown as a batch edit's example
MAX_FINDINGS = 5_000
MAX_PLOT_POINTS = 5_000
MAX_SIDE = 1_000_000  # pixels along an image side a region may name
FIX_NAMES = frozenset({"orientation", "flatten", "eight_bit", "rgb", "convert_formats", "one_line"})


class Host(Protocol):
    """What requests act on: the widget's user API, and the few private members it keeps for
    the requests alone (what the view shows and the image jobs)."""

    dataset: Dataset
    index: int
    selection: list[int]
    check_report: CheckReport | None
    _shown_count: int
    _images: ImageJobs

    @property
    def ready(self) -> bool: ...
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
    def close_after_saving(self) -> None: ...
    def _scope(self, name: str) -> list[int] | None: ...
    def _item_states(self, start: int, count: int) -> list[list[object]]: ...
    def _full_palette(self) -> dict[str, object]: ...


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


def _item_index(widget: Host, message: Mapping[str, Any]) -> int:
    item_id = _text(message, "id")
    try:
        return widget.dataset.index_of(item_id)
    except KeyError:
        raise BadRequest(f"No image {item_id[:80]!r} in this data set.") from None


def _preview(widget: Host, message: Mapping[str, Any]) -> None:
    index = _item_index(widget, message)
    width = _int(message, "width", 16, 4096)
    height = _int(message, "height", 16, 4096)
    purpose = message.get("purpose", "show")
    if purpose not in ("show", "prefetch"):
        raise BadRequest("Field 'purpose' must be 'show' or 'prefetch'.")
    rid = message["rid"]
    item_id = widget.dataset[index].id

    def make() -> Reply:
        try:
            preview = widget.dataset.preview(index, width, height)
        except ImageError as error:
            return finish(rid, Reply({"ok": False, "id": item_id, "error": str(error)}))
        content = {"id": item_id, "mime": preview.mime, "width": preview.width,
                   "height": preview.height}
        return finish(rid, Reply(content, [preview.data]))

    jobs = widget._images
    jobs.run("preview", jobs.preview_group(purpose), 0 if purpose == "show" else 1, make,
             lambda: _superseded(rid))


def _region(widget: Host, message: Mapping[str, Any]) -> None:
    """A rectangle of the upright original at `scale` (zoom), made on the worker pool; a newer
    region request supersedes it."""
    index = _item_index(widget, message)
    box = tuple(_int(message, name, 0 if name in "xy" else 1, MAX_SIDE) for name in "xywh")
    scale = _field(message, "scale", (int, float))
    if not 0 < scale <= 1:
        raise BadRequest("Field 'scale' must be above 0 and at most 1.")
    rid = message["rid"]
    item_id = widget.dataset[index].id

    def make() -> Reply:
        try:
            region = dataset_region(widget.dataset, index, box, scale)
        except (ImageError, RegionError, OSError) as error:
            return finish(rid, Reply({"ok": False, "id": item_id, "error": _sentence(error)}))
        content = {"id": item_id, "mime": region.mime, "x": region.x, "y": region.y,
                   "w": region.w, "h": region.h, "width": region.width, "height": region.height}
        return finish(rid, Reply(content, [region.data]))

    jobs = widget._images
    jobs.run("region", jobs.region_group(), 0, make, lambda: _superseded(rid))


def _thumbs(widget: Host, message: Mapping[str, Any]) -> None:
    ids = _field(message, "ids", list)
    if not 1 <= len(ids) <= MAX_THUMBS or not all(isinstance(i, str) for i in ids):
        raise BadRequest(f"Field 'ids' must be a list of 1 to {MAX_THUMBS} image ids.")
    indices = [_item_index(widget, {"id": item_id}) for item_id in ids]
    size = _int(message, "size", 32, 512)
    group = _int(message, "group", 0, MAX_RID)
    rid = message["rid"]
    jobs = widget._images

    def make() -> Reply:
        entries, buffers = [], []
        for item_id, index in zip(ids, indices, strict=True):
            if jobs.thumbs_superseded(group):
                return _superseded(rid)
            try:
                thumb = widget.dataset.preview(index, size, size)
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


def _items(widget: Host, message: Mapping[str, Any]) -> Reply:
    start = _int(message, "start", 0, max(widget._shown_count - 1, 0))
    count = _int(message, "count", 1, MAX_ITEMS)
    return Reply({"start": start, "items": widget._item_states(start, count)})


def _goto(widget: Host, message: Mapping[str, Any]) -> Reply:
    if "id" in message:
        widget.goto(_item_index(widget, message))
    else:
        widget.goto_place(_int(message, "index", 0, max(widget._shown_count - 1, 0)))
    return Reply({"index": widget.index})


def _move(step: Callable[[Host], object]) -> Callable[[Host, Any], Reply]:
    def handle(widget: Host, message: Mapping[str, Any]) -> Reply:
        step(widget)
        return Reply({"index": widget.index})

    return handle


def _tag_edit(edit: str) -> Callable[[Host, Any], Reply]:
    def handle(widget: Host, message: Mapping[str, Any]) -> Reply:
        index = _item_index(widget, message)
        had = _text(message, "tag").strip() in widget.dataset[index].tags
        tags = getattr(widget.dataset, edit)(index, _text(message, "tag"))
        return Reply({"tags": tags, "added": not had})

    return handle


def _set_tags(widget: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(widget, message)
    tags = _field(message, "tags", list)
    if not all(isinstance(tag, str) for tag in tags):
        raise BadRequest("Field 'tags' must be a list of strings.")
    if sorted(tags) != sorted(widget.dataset[index].tags):
        raise BadRequest("set_tags only reorders an image's tags; add or remove them one by one.")
    return Reply({"tags": widget.dataset.set_tags(index, tags)})


def _toggle_reviewed(widget: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(widget, message)
    reviewed = not widget.dataset.is_reviewed(index)
    widget.dataset.set_reviewed(index, reviewed)
    return Reply({"reviewed": reviewed})


def _complete(widget: Host, message: Mapping[str, Any]) -> Reply:
    query = _text(message, "query")
    limit = _int(message, "limit", 1, 50)
    items = widget.dataset.complete(query, limit)
    return Reply({"items": [[s.tag, s.in_dataset, s.in_list] for s in items]})


def _tag_counts(widget: Host, message: Mapping[str, Any]) -> Reply:
    dataset = widget.dataset
    every = dataset.tag_counts()
    shown = widget._scope("filtered")
    filtered = dataset.tag_counts(shown) if len(shown) < len(dataset) else every
    selected = dataset.tag_counts(widget.selection) if widget.selection else {}
    rows = [[tag, n, filtered.get(tag, 0), selected.get(tag, 0)] for tag, n in every.items()]
    return Reply({"rows": rows, "filtered": len(shown), "selected": len(widget.selection)})


def _operation(widget: Host, message: Mapping[str, Any]) -> tuple[Any, list[int] | None]:
    operation = _field(message, "operation", dict)
    return operation, widget._scope(_text(message, "scope"))


def _batch(apply: bool) -> Callable[[Host, Any], Reply]:
    def handle(widget: Host, message: Mapping[str, Any]) -> Reply:
        operation, scope = _operation(widget, message)
        dataset = widget.dataset
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


def _paste_tags(widget: Host, message: Mapping[str, Any]) -> Reply:
    tags = _field(message, "tags", list)
    scope = _text(message, "scope")
    if scope not in ("current", "selected"):
        raise BadRequest('Field \'scope\' must be "current" or "selected".')
    report = widget.dataset.paste_tags(widget._scope(scope), tags, _text(message, "mode"))
    return Reply({"changes": len(report.changes)})


def _set_caption(widget: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(widget, message)
    widget.dataset.set_caption(index, _text(message, "text"))
    return Reply({"tags": widget.dataset[index].tags})


def _run_checks(widget: Host, message: Mapping[str, Any]) -> Reply:
    options: dict[str, Any] = {"resolution": _choice(message, "resolution", RESOLUTIONS)}
    for name, kind in (("max_aspect", (int, float)), ("near_duplicate_distance", int),
                       ("blur_threshold", (int, float))):
        if name in message:
            options[name] = _field(message, name, kind)
    if not 0 <= options.get("near_duplicate_distance", 0) <= 64:
        raise BadRequest("Field 'near_duplicate_distance' must be between 0 and 64.")
    widget.run_checks(**options)
    return Reply({})


def _checks(widget: Host, message: Mapping[str, Any]) -> Reply:
    report = widget.check_report
    if report is None:
        raise BadRequest("No checks have run yet.")
    wanted = _text(message, "severity") if "severity" in message else None
    findings = [f for f in report.findings if wanted is None or f.severity == wanted]
    findings.sort(key=lambda f: SEVERITIES.index(f.severity))
    return Reply({"findings": [
        {"severity": f.severity, "code": f.code, "message": f.message, "ids": list(f.ids),
         "details": dict(f.details)} for f in findings[:MAX_FINDINGS]]})


def _export(widget: Host, message: Mapping[str, Any]) -> Reply:
    options: dict[str, Any] = {"replace": _field(message, "replace", bool)}
    if "scope" in message:
        options["scope"] = widget._scope(_choice(message, "scope", ("all", "filtered", "selected")))
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
    widget.start_export(_choice(message, "target", TARGETS), _text(message, "dest"), **options)
    return Reply({})


def _plots(widget: Host, message: Mapping[str, Any]) -> Reply:
    dataset = widget.dataset
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
    def handle(widget: Host, message: Mapping[str, Any]) -> Reply:
        return Reply({"label": getattr(widget, name)()})

    return handle


def _palette(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply(widget._full_palette())


def _palette_add(widget: Host, message: Mapping[str, Any]) -> Reply:
    widget.dataset.pin_tag(_text(message, "tag"))
    return Reply({})


def _palette_usage(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"count": widget.dataset.vocabulary[_text(message, "tag").strip()]})


def _palette_delete(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"changed": widget.dataset.delete_tag(_text(message, "tag"))})


def _palette_import(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"added": widget.dataset.import_palette_text(_text(message, "text"))})


def _palette_export(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"text": widget.dataset.export_palette_text()})


def _save(widget: Host, message: Mapping[str, Any]) -> Reply:
    return Reply({"saved": len(widget.save().written)})


def _resolve_conflict(widget: Host, message: Mapping[str, Any]) -> Reply:
    index = _item_index(widget, message)
    keep = _text(message, "keep")
    if keep not in ("theirs", "mine"):
        raise BadRequest("Field 'keep' must be 'theirs' or 'mine'.")
    widget.dataset.resolve_conflict(index, keep)
    return Reply({})


def _allow_rewrite(widget: Host, message: Mapping[str, Any]) -> Reply:
    widget.dataset.allow_rewrite(_item_index(widget, message))
    return Reply({})


def _close(widget: Host, message: Mapping[str, Any]) -> Reply:
    widget.close_after_saving()
    return Reply({})


HANDLERS: dict[str, Callable[[Host, Mapping[str, Any]], Reply | None]] = {
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
    "run_checks": _run_checks,
    "checks": _checks,
    "export": _export,
    "plots": _plots,
    "undo": _history_step("undo"),
    "redo": _history_step("redo"),
    "palette": _palette,
    "palette_add": _palette_add,
    "palette_usage": _palette_usage,
    "palette_delete": _palette_delete,
    "palette_import": _palette_import,
    "palette_export": _palette_export,
    "save": _save,
    "resolve_conflict": _resolve_conflict,
    "allow_rewrite": _allow_rewrite,
    "close": _close,
}

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


def handle_request(widget: Host, message: object) -> Reply | None:
    """The reply to one request from the front end, or None when the reply is made on the
    worker pool and sent from there (previews, thumbnails); never raises."""
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
        if not widget.ready:
            raise BadRequest("The folder is still being read; try again in a moment.")
        reply = handler(widget, message)
        if reply is None:
            return None
    except EXPECTED_ERRORS as error:
        reply = Reply({"ok": False, "error": _sentence(error)})
    except Exception as error:  # the kernel must survive any request
        reply = Reply({"ok": False, "error": f"Internal error: {type(error).__name__}: {error}"})
    return finish(rid, reply)


def finish(rid: int | None, reply: Reply) -> Reply:
    """`reply` as sent: typed, naming its request, `ok` unless it says otherwise."""
    reply.content = {"type": "reply", "rid": rid, "ok": True, **reply.content}
    return reply


def _sentence(error: BaseException) -> str:
    if isinstance(error, KeyError) and error.args:
        return str(error.args[0])
    return str(error) or type(error).__name__
