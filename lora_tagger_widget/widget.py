"""TaggerWidget: the notebook view of a `Dataset`. It holds what the view shows now and translates
the front end's requests into data set calls; it has no tagging logic of its own."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import anywidget
import traitlets

from .app.autosave import Autosave
from .app.host import ViewHost
from .app.jobs import BackgroundJob, running_progress
from .app.loading import BackgroundScan
from .app.messages import Reply, handle_request
from .app.scheduling import call_on_loop, kernel_loop
from .app.view import FilteredView
from .app.viewmodel import current_view, resume_position
from .core.autotag import AutotagOptions
from .core.autotagging import DEFAULT_BATCH, AutotagReport
from .core.checks import CheckReport, CheckSettings
from .core.dataset import (
    CaptionConflictError,
    CaptionWriteError,
    Change,
    Dataset,
    Item,
    SaveReport,
)
from .core.export import ExportReport
from .core.query import QueryError
from .core.taggers import WdTagger
from .core.uploads import UploadLimits
from .core.watch import watch_dataset, watch_mode

STATIC = Path(__file__).parent / "static"


class TaggerWidget(anywidget.AnyWidget):
    """A tagging studio for the images of a folder, in a notebook cell.

    `TaggerWidget("./imgs")` shows the first image (or where the last session stopped), its tags
    and the data set's tag palette. Edits are saved automatically within a second (`autosave`).
    """

    _esm = STATIC / "widget.js"
    _css = STATIC / "widget.css"

    # Position
    index = traitlets.Int(-1).tag(sync=True)
    """Position of the current image in the data set, 0-based; -1 when the data set is empty."""
    count = traitlets.Int(0).tag(sync=True)
    """Number of images in the data set."""
    _current = traitlets.Dict().tag(sync=True)
    """What the view shows of the current image (see docs/protocol.md)."""

    # Filter
    filter = traitlets.Unicode("").tag(sync=True)
    """The filter query (see `Dataset.filter`): the view, its position, progress and grid show
    only the images it matches. "" shows every image."""
    filter_error = traitlets.Dict().tag(sync=True)
    """`{"message", "position"}` while `filter` is invalid (then it filters nothing), else {}."""
    _place = traitlets.Int(-1).tag(sync=True)
    """Where the current image is among the images shown, 0-based; -1 when none shows."""
    _shown_count = traitlets.Int(0).tag(sync=True)
    """How many images the filter lets through."""
    _shown_selection = traitlets.List(traitlets.Int()).tag(sync=True)
    """`selection` as places among the images shown (what the grid works with)."""

    # Tags
    _palette_delta = traitlets.Dict({"version": 0, "since": 0, "rows": None}).tag(sync=True)
    """The last palette change: `{"version", "since", "rows"}`, the rows `[tag, images, pinned]`
    that differ between palette versions `since` and `version` (None: too many, or unknown).
    The view keeps its copy of the palette current with it, and asks for the whole palette
    (the `palette` request) when it is behind `since` (see docs/protocol.md)."""
    _slots = traitlets.Dict().tag(sync=True)
    """The tags pinned to digit keys, `{"1": tag, ...}` (see `slots`)."""

    # Session
    progress = traitlets.Dict().tag(sync=True)
    """`{"total", "tagged", "reviewed"}` image counts."""
    status = traitlets.Dict().tag(sync=True)
    """`{"unsaved", "conflicts", "error", "message", "saving"}`: what is not on disk yet, and
    why; `saving` is `[done, total]` while a big autosave runs on its thread."""
    autosave = traitlets.Bool(True).tag(sync=True)
    """Save each edit within a second (on by default)."""
    closed = traitlets.Bool(False).tag(sync=True)
    """True once the widget was closed with its captions saved."""
    loading = traitlets.Dict({"phase": "ready", "done": 0, "total": 0}).tag(sync=True)
    """`{"phase": "scanning" or "ready", "done", "total"}`: progress of reading the folder."""

    # Grid
    view = traitlets.Enum(("single", "grid"), "single").tag(sync=True)
    """Which view shows: one image with its tags, or the thumbnail grid."""
    selection = traitlets.List(traitlets.Int()).tag(sync=True)
    """Positions of the images selected in the grid (sorted, unique); Python may set it."""
    items_version = traitlets.Int(0).tag(sync=True)
    """Grows whenever an image's state changes, so the grid asks for its visible rows again."""
    prefetch = traitlets.Bool(True).tag(sync=True)
    """Whether the view asks for the neighbours' previews ahead of time."""

    # Editing
    trigger = traitlets.Unicode("").tag(sync=True)
    """The trigger word ("" none), kept in the session: batch edits keep it first, and the
    trigger operation prepends it by Civitai's rule."""
    caption_mode = traitlets.Enum(("tags", "text"), "tags").tag(sync=True)
    """How captions are edited: as tag chips, or as raw text (natural-language captions);
    kept in the session."""
    tag_click = traitlets.Enum(("filter", "add"), "filter").tag(sync=True)
    """What a click on a tag in the all-tags panel does; kept in the session."""
    _history = traitlets.Dict().tag(sync=True)
    """`{"undo": [label, ...], "redo": [label, ...], "warning"}`, nearest first (10 at most)."""

    # Checks and exports
    _checks = traitlets.Dict({"phase": "idle"}).tag(sync=True)
    """The background data set checks: `{"phase", "done", "total", "counts", "summary",
    "error"}`; the findings are in `check_report`."""
    _export = traitlets.Dict({"phase": "idle"}).tag(sync=True)
    """The background export: `{"phase", "done", "total", "summary", "error", "config"}`."""
    _autotag = traitlets.Dict({"phase": "idle"}).tag(sync=True)
    """The background auto-tagging run: `{"phase", "done", "total", "rate", "eta", "summary",
    "error"}` (`rate` images a second, `eta` seconds left, once known)."""
    _taggers = traitlets.List(traitlets.Unicode()).tag(sync=True)
    """The names of the taggers added with `add_tagger`, as the Auto-tag panel offers them."""

    def __init__(
        self,
        source: str | os.PathLike[str] | Dataset,
        *,
        autosave: bool | None = None,
        autosave_delay: float = 0.5,
        prefetch: bool = True,
        workers: int = 2,
        background: bool | None = None,
        trigger: str | None = None,
        tag_list: str | os.PathLike[str] | None = None,
        watch: str | None = None,
        upload_limits: UploadLimits | None = None,
    ) -> None:
        """Show `source`, a folder or a `Dataset`.

        `autosave`: save each edit within `autosave_delay` seconds (default: as last time, on
        at first). `prefetch`: ask for the neighbours' previews ahead. `workers`: threads that
        make previews and thumbnails (0: at once, in the caller). `background`: read a folder in
        a thread, the view showing progress meanwhile (default: inside a kernel). `trigger`:
        set the data set's trigger word. `tag_list`: a tag list CSV (a1111-sd-webui-tagcomplete
        / Danbooru format) whose tags autocomplete suggests too. `watch`: how changes that
        other writers make to the captions come into the view, live: "auto" (file system
        events, polling where they cannot be had), "polling" (for network folders), "off"
        (default: the `LORA_TAGGER_WATCH` environment variable, else "auto").
        `upload_limits`: how much the "Add images" panel takes (`UploadLimits`: 200 MB a file,
        4 GB an upload by default)."""
        self._watch_mode = watch_mode(watch)
        self._dataset: Dataset | None = None
        self._scan: BackgroundScan | None = None
        self._attaching = threading.Lock()
        self._explicit_autosave = autosave
        self._explicit_trigger = trigger
        self._tag_list_path = tag_list
        self._error: str | None = None
        self._message = ""
        self._saving: list[int] | None = None  # [done, total] while a save runs on its thread
        self._loop = kernel_loop()
        self._host = ViewHost(self, workers, self._deliver, upload_limits)
        self._autosaver = Autosave(
            autosave_delay, lambda: self.dataset, self.save,
            progress=lambda done, total: self._on_loop(lambda: self._show_saving(done, total)),
            saved=lambda report: self._on_loop(lambda: self._saved(report)),
            failed=lambda error: self._on_loop(lambda: self._autosave_failed(error)),
            notice=self._send_notice)
        self._unsubscribe: Callable[[], None] = lambda: None
        self._unwatch: Callable[[], None] = lambda: None
        self.check_report: CheckReport | None = None
        self.export_report: ExportReport | None = None
        self.autotag_report: AutotagReport | None = None
        self._tagger_table: dict[str, Callable[..., Any]] = {}
        self._wd_loaded: tuple[tuple[Path, float], WdTagger] | None = None  # the last WD model
        self._autotag_job = self._autotag_runner()
        self._checks_job = self._job("checks", "_checks", self._checks_done)
        self._export_job = self._job("export", "_export", self._export_done)
        super().__init__(prefetch=prefetch)
        self.observe(lambda change: self._host.outbox.touch(change["name"]),
                     names=list(TaggerWidget.class_own_traits(sync=True)))
        self.on_msg(self._on_request)
        if isinstance(source, Dataset):
            self._attach(source)
            return
        folder = Path(source).expanduser()
        if not folder.is_dir():
            raise NotADirectoryError(f"No folder at {folder.resolve()}.")
        in_background = self._loop is not None if background is None else background
        if Dataset.is_open(folder) or not in_background:
            self._attach(Dataset.open(folder))
            return
        self.loading = {"phase": "scanning", "done": 0, "total": 0}
        self._scan = BackgroundScan(
            folder, progress=lambda done, total: self._on_loop(
                lambda: self._show_progress(done, total)),
            failed=lambda error: self._on_loop(
                lambda: self._send_notice(f"The folder could not be read: {error}")),
            finished=lambda: self._on_loop(self._attach_loaded))

    # Python API

    @property
    def dataset(self) -> Dataset:
        """The data set this widget shows; edits through it show in the widget at once.

        While the folder is still being read in the background, this waits for it."""
        if not self.ready:
            assert self._scan is not None
            self._scan.wait()
            self._attach_loaded()  # here and now: the kernel's loop may be busy running this
        assert self._dataset is not None
        return self._dataset

    @property
    def ready(self) -> bool:
        """Whether the folder has been read and is shown."""
        return self.loading.get("phase") == "ready"

    @property
    def palette(self) -> list[list[object]]:
        """Every tag in use or pinned: `[tag, images, pinned]`, most used first, then by name
        (what the view's palette shows)."""
        return [] if self._dataset is None else [list(row) for row in self._dataset.palette]

    @property
    def slots(self) -> dict[int, str]:
        """The tags pinned to the digit keys 1-9, `{key: tag}`; the view fills the free keys
        from the palette each time it opens an image (see `Dataset.slots`)."""
        return self.dataset.slots

    def set_slot(self, slot: int, tag: str | None) -> None:
        """Pin `tag` to digit key `slot` (1-9), or free the key with None (`Dataset.set_slot`)."""
        self.dataset.set_slot(slot, tag)

    @property
    def current(self) -> Item | None:
        """The image shown now, or None when there is none (yet)."""
        return self._dataset[self.index] if self._dataset is not None and self.index >= 0 else None

    def goto(self, index: int) -> None:
        """Show the image at position `index` (raises `IndexError` when there is none)."""
        self.index = self.dataset.index_of(index)

    def goto_place(self, place: int) -> None:
        """Show the `place`-th of the images the filter lets through (raises `IndexError`)."""
        self.index = self._host.shown().position_at(place)

    def next(self) -> None:
        """Show the next image the filter lets through (stays on the last one)."""
        found = self._host.shown().after(self.index)
        if found is not None:
            self.index = found

    def prev(self) -> None:
        """Show the previous image the filter lets through (stays on the first one)."""
        found = self._host.shown().before(self.index)
        if found is not None:
            self.index = found

    def next_untagged(self) -> None:
        """Show the next image with no tags that the filter lets through, if there is one."""
        found = self.dataset.next_untagged(self.index, self._host.shown().positions())
        if found is not None:
            self.index = found

    def save(self) -> SaveReport:
        """Write every changed caption and the session now (see `Dataset.save`), after an
        autosave still running on its thread."""
        self._autosaver.settle()
        try:
            report = self.dataset.save()
        except (CaptionWriteError, CaptionConflictError) as error:
            self._save_failed(error)
            raise
        self._saved(report)
        return report

    def _saved(self, report: SaveReport) -> None:
        self._saving = None
        self._error = None
        self._message = f"Saved {len(report.written)} caption(s)." if report.written else "Saved."
        self._sync_status()
        if self._dataset is not None and self._dataset.unsaved_count:  # edited while it saved
            self._schedule_autosave()

    def _save_failed(self, error: BaseException) -> None:
        self._saving = None
        self._error = str(error) or type(error).__name__
        self._sync_status()

    def _autosave_failed(self, error: BaseException) -> None:
        self._save_failed(error)
        self._send_notice(str(error) or type(error).__name__)

    def _show_saving(self, done: int, total: int) -> None:
        self._saving = [done, total]
        self._sync_status()

    def close_after_saving(self) -> None:
        """Save everything, then stop: the view says so and no longer edits (stays open when
        saving fails)."""
        self.save()
        self._detach()
        self.closed = True

    def close(self) -> None:
        """Stop listening to the data set and close the widget and its view."""
        if hasattr(self, "_autosaver"):  # ipywidgets also closes widgets whose __init__ failed
            self._detach()
        super().close()

    def _detach(self) -> None:
        self._checks_job.cancel()
        self._export_job.cancel()
        self._autotag_job.cancel()
        self._autosaver.cancel()
        self._unsubscribe()
        self._unwatch()
        self._host.images.close()
        self._host.close_uploads()

    # Checks and exports

    def run_checks(self, **options: Any) -> None:
        """Check the data set in the background (`Dataset.check` with these `CheckSettings`
        options); the view shows the progress, and `check_report` holds the outcome."""
        dataset = self.dataset
        settings = CheckSettings(**{"trigger": dataset.trigger, **options})
        self._checks = {"phase": "running", "done": 0, "total": len(dataset)}
        self._checks_job.start(lambda progress, cancel: dataset.check(
            settings, progress=progress, cancel=cancel))

    def start_export(self, target: str, dest: str | os.PathLike[str], **options: Any) -> None:
        """Export in the background (`Dataset.export(target, dest, **options)`); the view shows
        the progress, and `export_report` holds the outcome."""
        dataset = self.dataset
        self._export = {"phase": "running", "done": 0, "total": len(dataset)}
        self._export_job.start(lambda progress, cancel: dataset.export(
            target, dest, progress=progress, cancel=cancel, **options))

    def _job(self, name: str, trait: str, done: Callable[[Any], None]) -> BackgroundJob:
        def progress(count: int, total: int) -> None:
            self._on_loop(lambda: self.set_trait(
                trait, {"phase": "running", "done": count, "total": total}))

        def failed(error: BaseException) -> None:
            self._on_loop(lambda: self.set_trait(
                trait, {"phase": "failed", "error": f"{error}" or type(error).__name__}))

        return BackgroundJob(name, progress, lambda result: self._on_loop(lambda: done(result)),
                             failed)

    def _checks_done(self, report: CheckReport) -> None:
        self.check_report = report
        counts = {severity: len(found) for severity, found in report.by_severity().items()}
        self._checks = {"phase": "done", "done": report.checked, "total": report.checked,
                        "counts": counts, "summary": report.summary(), "error": None}

    def _export_done(self, report: ExportReport) -> None:
        self.export_report = report
        self._export = {"phase": "done", "done": report.exported, "total": report.exported,
                        "summary": report.summary(), "error": None, "config": report.config}

    # Auto-tagging

    def add_tagger(self, name: str, tagger: Callable[..., Any]) -> None:
        """Offer `tagger` (images to `(tag, score)` lists, see `Dataset.autotag`) in the
        Auto-tag panel under `name`; a tagger added before under that name is replaced."""
        if not isinstance(name, str) or not name.strip():
            raise ValueError("A tagger needs a name to be shown under.")
        if not callable(tagger):
            raise TypeError(f"A tagger must be callable, not {type(tagger).__name__}.")
        self._tagger_table[name.strip()] = tagger
        self._taggers = list(self._tagger_table)

    def start_autotag(self, tagger: Callable[..., Any] | str | os.PathLike[str],
                      scope: Any = None, *,
                      caption: bool = False, rerun: bool = False,
                      batch_size: int = DEFAULT_BATCH, **options: Any) -> None:
        """Auto-tag `scope` (None: every image) in the background with `tagger`: a tagger, the
        name of one added with `add_tagger`, or the folder (a `Path`) of a WD model, loaded on
        the run's thread (`Dataset.autotag` with these options; with `caption=True`,
        `Dataset.autocaption`, which takes `existing` only). The view shows the progress and
        the suggestions as they come; `autotag_report` holds the outcome. `ValueError` for bad
        options, `KeyError` for an unknown name, `NotADirectoryError` for a missing folder,
        before anything runs."""
        folder = Path(tagger).expanduser() if isinstance(tagger, os.PathLike) else None
        if folder is not None and not folder.is_dir():
            raise NotADirectoryError(f"No WD model folder at {folder}.")
        if isinstance(tagger, str):
            if tagger not in self._tagger_table:
                raise KeyError(f"No tagger named {tagger!r}; add one with "
                               "add_tagger(name, tagger).")
            tagger = self._tagger_table[tagger]
        if caption:
            if set(options) - {"existing"}:
                raise ValueError("A captioner takes the option 'existing' only.")
            AutotagOptions(**options)
        else:
            AutotagOptions.from_dict(options)
        dataset = self.dataset
        run = dataset.autocaption if caption else dataset.autotag
        self._autotag_started = time.monotonic()
        self._autotag = {"phase": "running", "done": 0, "total": 0}
        self._autotag_job.start(lambda progress, cancel: run(
            tagger if folder is None else self._wd_tagger(folder), scope, rerun=rerun,
            batch_size=batch_size, progress=progress, cancel=cancel, **options))

    def _wd_tagger(self, folder: Path) -> WdTagger:
        """The WD model of `folder`, loaded once while neither the folder nor its files change
        (a run of the panel after another takes the loaded model)."""
        key = (folder.resolve(), max((p.stat().st_mtime for p in folder.iterdir()), default=0.0))
        if self._wd_loaded is None or self._wd_loaded[0] != key:
            self._wd_loaded = (key, WdTagger(folder))
        return self._wd_loaded[1]

    def cancel_autotag(self) -> None:
        """Stop the auto-tagging run after the batch in progress; what it suggested stays."""
        if self._autotag_job.running:
            self._autotag_job.cancel()
            self._autotag = {**self._autotag, "phase": "cancelled",
                             "summary": "Cancelled; the suggestions made so far are kept."}

    def _autotag_runner(self) -> BackgroundJob:
        def progress(done: int, total: int) -> None:
            state = running_progress(done, total, time.monotonic() - self._autotag_started)
            self._on_loop(lambda: show(state))

        def show(state: dict[str, Any]) -> None:
            if self._autotag.get("phase") == "running":  # not after a cancel, on the loop first
                self._autotag = state

        def done(report: AutotagReport) -> None:
            self.autotag_report = report
            finished = len(report.suggested) + len(report.failed)
            self._autotag = {"phase": "done", "done": finished, "total": finished,
                             "summary": report.summary(), "error": None}

        def failed(error: BaseException) -> None:
            self._on_loop(lambda: self.set_trait("_autotag", {
                "phase": "failed", "error": f"{error}" or type(error).__name__}))

        self._autotag_started = time.monotonic()
        return BackgroundJob("autotag", progress,
                             lambda report: self._on_loop(lambda: done(report)), failed)

    # Loading

    def _show_progress(self, done: int, total: int) -> None:
        if self._dataset is None:
            self.loading = {"phase": "scanning", "done": done, "total": total}

    def _attach_loaded(self) -> None:
        with self._attaching:  # the scan thread and a caller of `dataset` may both come here
            if self._dataset is None and self._scan is not None and self._scan.loaded is not None:
                self._attach(self._scan.loaded)

    def _attach(self, dataset: Dataset) -> None:
        self._dataset = dataset
        saved = dataset.setting("autosave", True)
        self.autosave = saved if self._explicit_autosave is None else bool(self._explicit_autosave)
        self._unsubscribe = dataset.subscribe(self._on_change)
        self._unwatch = watch_dataset(dataset, self._watch_mode)
        if self._explicit_trigger is not None:
            dataset.trigger = self._explicit_trigger
        if self._tag_list_path is not None:
            dataset.load_tag_list(self._tag_list_path)
        self._sync_settings()
        self._host.view = FilteredView(dataset)
        self.count = len(dataset)
        self.index = resume_position(dataset)
        self._apply_filter()
        self._sync_all()
        self.loading = {"phase": "ready", "done": len(dataset), "total": len(dataset)}

    def _on_loop(self, action: Callable[[], None]) -> None:
        call_on_loop(self._loop, action)

    # Traits

    @traitlets.observe("index")
    def _index_changed(self, change: dict[str, Any]) -> None:
        if self.index < 0 or self._dataset is None:
            return
        item = self._dataset[self.index]
        self._dataset.refresh(self.index)
        self._dataset.session.position = item.id
        self._dataset.note_session_change()
        self._schedule_autosave()
        if self._host.view is not None:
            self._host.view.keep(self.index)
            self._sync_place()
        self._sync_current()

    @traitlets.observe("filter")
    def _filter_changed(self, change: dict[str, Any]) -> None:
        if self._host.view is not None:
            self._apply_filter()
            self.items_version += 1
            self._sync_all()

    def _apply_filter(self) -> None:
        """Show the images `filter` matches; move to the first when the current one is not."""
        view = self._host.view
        assert view is not None
        try:
            view.set_query(self.filter)
            self.filter_error = {}
        except QueryError as error:
            view.set_query("")
            self.filter_error = {"message": str(error), "position": error.position}
        if self.index >= 0 and self.index in view:
            view.keep(self.index)
        elif self.index >= 0 and len(view):
            self.index = view.position_at(0)
        self.selection = [i for i in self.selection if i in view]
        self._sync_place()

    def _sync_place(self) -> None:
        view = self._host.view
        assert view is not None
        place = view.place_of(self.index) if self.index >= 0 else None
        self._place = -1 if place is None else place
        self._shown_count = len(view)
        self._shown_selection = [p for p in map(view.place_of, self.selection) if p is not None]

    @traitlets.observe("selection")
    def _selection_changed(self, change: dict[str, Any]) -> None:
        if self._host.view is not None:
            self._sync_place()

    @traitlets.observe("_shown_selection")
    def _shown_selection_changed(self, change: dict[str, Any]) -> None:
        view = self._host.view
        if view is None:
            return
        count = len(view)
        wanted = [view.position_at(p) for p in change["new"] if 0 <= p < count]
        if sorted(set(wanted)) != self.selection:
            self.selection = wanted

    @traitlets.validate("index")
    def _valid_index(self, proposal: dict[str, Any]) -> int:
        value = proposal["value"]
        count = len(self._dataset) if self._dataset is not None else 0
        if count == 0:
            return -1
        if not 0 <= value < count:
            raise traitlets.TraitError(f"No image at position {value}; there are {count}.")
        return value

    @traitlets.validate("selection")
    def _valid_selection(self, proposal: dict[str, Any]) -> list[int]:
        count = len(self._dataset) if self._dataset is not None else 0
        view = self._host.view
        return sorted({i for i in proposal["value"]
                       if 0 <= i < count and (view is None or i in view)})

    @traitlets.observe("trigger", "caption_mode", "tag_click")
    def _setting_changed(self, change: dict[str, Any]) -> None:
        dataset = self._dataset
        if dataset is None:
            return
        if change["name"] == "trigger":
            try:
                dataset.trigger = change["new"]
            except ValueError as error:
                self._send_notice(f"Trigger word not set: {error}")
                self.trigger = dataset.trigger or ""
            return
        if dataset.setting(change["name"]) != change["new"]:
            dataset.set_setting(change["name"], change["new"])
            self._schedule_autosave()

    def _sync_settings(self) -> None:
        dataset = self._dataset
        self.trigger = dataset.trigger or ""
        for name, choices in (("caption_mode", ("tags", "text")), ("tag_click", ("filter", "add"))):
            value = dataset.setting(name)
            if value in choices:
                setattr(self, name, value)

    def _sync_history(self) -> None:
        undo, redo = self._dataset.history_labels()
        self._history = {"undo": undo[:10], "redo": redo[:10],
                         "warning": self._dataset.history.warning}

    def undo(self) -> str | None:
        """Undo the last edit (one image's or a batch's); returns what was undone, or None.
        Raises `UndoConflictError` (changing nothing) when a caption changed since."""
        entry = self.dataset.undo()
        return entry.label if entry is not None else None

    def redo(self) -> str | None:
        """Redo the last undone edit; returns what was redone, or None."""
        entry = self.dataset.redo()
        return entry.label if entry is not None else None

    @traitlets.observe("autosave")
    def _autosave_changed(self, change: dict[str, Any]) -> None:
        if self._dataset is None:
            return
        self._dataset.set_setting("autosave", bool(change["new"]))
        if change["new"]:
            self._schedule_autosave()
        else:  # a save asked for before must not write the edits made after
            self._autosaver.cancel()

    def _on_change(self, change: Change) -> None:
        self._on_loop(lambda: self._show_change(change))

    def _show_change(self, change: Change) -> None:
        if change.kind == "settings":
            self._sync_settings()
        if change.kind in ("tags", "palette", "reviewed", "settings"):
            self._schedule_autosave()
        if change.kind == "saved" and self._error and not self.dataset.unsaved_count:
            self._error = None
        if change.kind == "added":
            self.count = len(self.dataset)
            if self.index < 0:
                self.index = 0
        if change.kind != "palette":
            self.items_version += 1
            view = self._host.view
            if view is not None and (view.filtered or change.kind == "added"):
                view.update(map(self.dataset.index_of, change.ids))
                self._sync_place()
        self._sync_all()

    def _sync_all(self) -> None:
        self._sync_current()
        self._sync_palette()
        self._sync_progress()
        self._sync_status()
        self._sync_history()

    def _sync_palette(self) -> None:
        delta = self._host.palette_deltas.next(self._dataset)
        if delta is not None:
            self._palette_delta = delta
        self._slots = {str(slot): tag for slot, tag in self._dataset.slots.items()}

    def _sync_progress(self) -> None:
        dataset, view = self._dataset, self._host.view
        filtered = view is not None and view.filtered
        total, tagged, reviewed = dataset.progress(view.positions() if filtered else None)
        self.progress = {"total": total, "tagged": tagged, "reviewed": reviewed,
                         "all": len(dataset), "filtered": filtered}

    def _sync_current(self) -> None:
        if self.current is None or self._place < 0:
            self._current = {}
            return
        self._current = current_view(self._dataset, self._host.shown(), self.index, self.trigger)

    def _sync_status(self) -> None:
        self.status = {
            "unsaved": self._dataset.unsaved_count,
            "conflicts": self._dataset.conflict_count,
            "error": self._error,
            "message": self._message,
            "saving": self._saving,
        }

    # Saving

    def _schedule_autosave(self) -> None:
        if self.autosave:
            self._autosaver.poke()

    # Front end

    def _on_request(self, _widget: object, content: object, buffers: list[bytes]) -> None:
        with self.hold_sync():  # the traits a request changes go in one message, before its reply
            reply = handle_request(self._host, content, buffers)
        if reply is not None:
            self.send(reply.content, reply.buffers or None)

    def _send_notice(self, message: str) -> None:
        self._send_kept(Reply({"type": "notice", "level": "error", "message": message}))

    def _deliver(self, reply: Reply) -> None:
        """Send a reply made off the kernel's thread (previews, thumbnails)."""
        self._on_loop(lambda: self._send_kept(reply))

    def _send_kept(self, message: Reply) -> None:
        """Send a message that answers no request now, and keep it for the `sync` request (a
        host may deliver only answers); a notice carries its number, so it shows once."""
        seq = self._host.outbox.keep(message.content, message.buffers)
        if message.content.get("type") == "notice":
            message.content = {**message.content, "seq": seq}
        self.send(message.content, message.buffers or None)
