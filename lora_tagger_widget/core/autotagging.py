"""Auto-tagging a data set: run a tagger over a scope, keep what it suggests, accept or reject.

`AutoTagging` is mixed into `Dataset`. `autotag` runs a tagger (see `taggers`) over the images of
a scope and stores its suggestions (`suggestions.SuggestionStore`); nothing changes on disk until
they are accepted. Accepting goes through the batch edit path, so one undo step takes a whole
acceptance back.

Decisions:

* Images are decoded on a few threads (Pillow decodes without the GIL) one batch ahead of the
  model, at a reduced scale close to the tagger's input side (`tagger.side`, else
  `DEFAULT_SIDE`), so the model and the decoding overlap.
* An image that cannot be read is listed in the report with the reason; the run goes on.
* A cancel (`cancel.set()`) stops after the batch in progress; what was suggested so far stays.
  Each batch's suggestions are stored (and shown) as soon as it is done.
* A rerun skips images a run already looked at (their suggestion open, accepted or rejected)
  unless `rerun=True`; under `existing="ignore"` images that have tags are not looked at.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from .autotag import AutotagOptions, accepted, choose, gives_suggestion
from .batch import BatchPreview, Caption, Edit, plan_each
from .captions import edit_caption, split_tags
from .changes import Change
from .gc import gc_paused
from .images import ImageError, load_upright
from .rayengine import RayOptions, run_on_ray
from .suggestions import ACCEPTED, OPEN, REJECTED, AutoSuggestion, SuggestionStore
from .taggers import ImageContext, Tagger, TaggerError

if TYPE_CHECKING:
    from .dataset import Item, ItemRef
    from .edits import BatchReport, Scope

DEFAULT_SIDE = 1024  # the side images are decoded at for a tagger that does not say its own
DEFAULT_BATCH = 8
ENGINES = ("local", "ray")
Progress = Callable[[int, int], None]
Captioner = Callable[..., Sequence[str]]


@dataclass(frozen=True)
class AutotagReport:
    """What an auto-tagging run did."""

    suggested: tuple[str, ...]  # images that got a suggestion
    skipped_tagged: tuple[str, ...]  # images left alone because they have tags ("ignore")
    skipped_done: tuple[str, ...]  # images an earlier run looked at
    failed: tuple[tuple[str, str], ...]  # (image, why) for images that could not be read
    cancelled: bool
    seconds: float
    applied: BatchReport | None = None

    def summary(self) -> str:
        """One sentence for people."""
        parts = [f"{len(self.suggested)} image{'' if len(self.suggested) == 1 else 's'} "
                 "got suggestions"]
        if self.skipped_tagged:
            parts.append(f"{len(self.skipped_tagged)} already tagged, left alone")
        if self.skipped_done:
            parts.append(f"{len(self.skipped_done)} done by an earlier run")
        if self.failed:
            parts.append(f"{len(self.failed)} could not be read")
        text = "; ".join(parts) + f" ({self.seconds:.1f} s)"
        if self.cancelled:
            text = "Cancelled: " + text
        if self.applied is not None:
            text += f". {self.applied.label}."
        return text


@dataclass(frozen=True)
class Job:
    """An image to run a tagger on."""

    id: str
    path: Path
    context: ImageContext


def run_tagger(tagger: Tagger | Captioner, jobs: Sequence[Job], *, side: int,
               batch_size: int = DEFAULT_BATCH, cancel: threading.Event | None = None,
               ) -> Iterator[tuple[list[tuple[str, Any]], list[tuple[str, str]]]]:
    """Run `tagger` over `jobs`, a batch at a time: yields, per batch, the (id, result) of the
    images read and the (id, why) of those that could not be."""
    batches = [jobs[k:k + batch_size] for k in range(0, len(jobs), batch_size)]
    with_context = bool(getattr(tagger, "takes_context", False))
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                            thread_name_prefix="ltw-autotag") as pool:
        pending = _load(pool, batches[0], side) if batches else []
        for k in range(len(batches)):
            loaded = pending
            pending = _load(pool, batches[k + 1], side) if k + 1 < len(batches) else []
            read, failed = [], []
            for job, future in loaded:
                try:
                    read.append((job, future.result()))
                except ImageError as error:
                    failed.append((job.id, str(error)))
            images = [image for _, image in read]
            results = ((tagger(images, [job.context for job, _ in read]) if with_context
                        else tagger(images)) if read else [])
            if len(results) != len(read):
                raise TaggerError(f"The tagger gave {len(results)} results for "
                                  f"{len(read)} images.")
            yield [(job.id, r) for (job, _), r in zip(read, results, strict=True)], failed
            if cancel is not None and cancel.is_set():
                for _, future in pending:
                    future.cancel()
                return


def _load(pool: ThreadPoolExecutor, batch: Sequence[Job], side: int
          ) -> list[tuple[Job, Future[Image.Image]]]:
    return [(job, pool.submit(lambda p=job.path: load_upright(p, side, side)[0]))
            for job in batch]


def _source(tagger: object) -> str:
    return str(getattr(tagger, "name", None) or getattr(tagger, "__name__", "")
               or type(tagger).__name__)


class AutoTagging:
    """Auto-tagging runs and their suggestions (mixed into `Dataset`)."""

    if TYPE_CHECKING:  # provided by Dataset and BatchEditing
        root: Path
        _lock: threading.RLock
        _items: list[Item]
        _by_id: dict[str, int]
        _suggestion_store: SuggestionStore | None

        def __getitem__(self, ref: ItemRef) -> Item: ...
        def add_tag(self, ref: ItemRef, tag: str) -> list[str]: ...
        def _emit(self, change: Change) -> None: ...
        def _plan(self, scope: Scope, planner: Any, headline: str, op: Any) -> BatchReport: ...
        def _positions(self, scope: Scope) -> Iterable[int]: ...
        def _apply(self, scope: Scope, planner: Any, headline: str, op: Any) -> BatchReport: ...

    @property
    def suggestions(self) -> SuggestionStore:
        """The stored suggestions of auto-tagging runs (kept in `.lora-tagger/`)."""
        with self._lock:
            if self._suggestion_store is None:
                self._suggestion_store = SuggestionStore(self.root)
            return self._suggestion_store

    def autotag(self, tagger: Tagger, scope: Scope = None, *, apply: bool = False,
                rerun: bool = False, batch_size: int = DEFAULT_BATCH,
                cancel: threading.Event | None = None, progress: Progress | None = None,
                engine: str = "local", ray: RayOptions | None = None,
                **options: Any) -> AutotagReport:
        """Run `tagger` over the images of `scope` (None: all) and keep its suggestions; nothing
        changes on disk unless `apply=True`, which accepts them at once (one undo step).

        `options`: see `AutotagOptions` (thresholds, max_tags, rating, spaces, blacklist,
        prepend, append, existing). `progress(done, total)` after each batch; `cancel` (an
        event) stops after the batch in progress. `engine="ray"` runs on Ray Data (see
        `rayengine`; `ray` says where and how wide). `ValueError` for bad options.
        """
        opts = AutotagOptions.from_dict(options)
        source = _source(tagger)

        def make(image_id: str, predictions: Any) -> AutoSuggestion:
            if isinstance(predictions, str):
                raise TaggerError("The tagger gave a caption, not tags: use autocaption.")
            return AutoSuggestion(image_id, tuple(choose(predictions, opts)), None, source,
                                  opts.existing, opts.prepend, opts.append)

        return self._run(tagger, scope, lambda item: gives_suggestion(item.tags, opts), make,
                         apply=apply, rerun=rerun, batch_size=batch_size, cancel=cancel,
                         progress=progress, engine=engine, ray=ray)

    def autocaption(self, captioner: Captioner, scope: Scope = None, *,
                    existing: str = "ignore", apply: bool = False, rerun: bool = False,
                    batch_size: int = DEFAULT_BATCH, cancel: threading.Event | None = None,
                    progress: Progress | None = None, engine: str = "local",
                    ray: RayOptions | None = None) -> AutotagReport:
        """Run `captioner` (images to texts, e.g. `ChatCaptioner`) over `scope` and keep its
        captions as suggestions, as `autotag` does. Accepting one, by `existing`: "ignore"
        (images with a caption get none), "append" (after the caption's text), "overwrite"."""
        opts = AutotagOptions(existing=existing)
        source = _source(captioner)

        def make(image_id: str, text: Any) -> AutoSuggestion:
            if not isinstance(text, str):
                raise TaggerError(f"A captioner must give text, not {type(text).__name__}.")
            return AutoSuggestion(image_id, (), text.strip(), source, opts.existing)

        return self._run(captioner, scope,
                         lambda item: existing != "ignore" or not item.caption.strip(), make,
                         apply=apply, rerun=rerun, batch_size=batch_size, cancel=cancel,
                         progress=progress, engine=engine, ray=ray)

    def _run(self, tagger: Tagger | Captioner, scope: Scope, wanted: Callable[[Item], bool],
             make: Callable[[str, Any], AutoSuggestion], *, apply: bool, rerun: bool,
             batch_size: int, cancel: threading.Event | None, progress: Progress | None,
             engine: str, ray: RayOptions | None) -> AutotagReport:
        if engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)}, not {engine!r}.")
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
        store = self.suggestions
        started = time.monotonic()
        jobs, tagged, done = [], [], []
        with self._lock:
            items = [self._items[position] for position in self._positions(scope)]
            seen = {} if rerun else store.latest(item.id for item in items)
            for item in items:
                if not wanted(item):
                    tagged.append(item.id)
                elif item.id in seen:
                    done.append(item.id)
                else:
                    jobs.append(Job(item.id, item.image_path,
                                    ImageContext(item.name, tuple(item.tags))))
        suggested: list[str] = []
        failed: list[tuple[str, str]] = []
        finished = 0
        side = int(getattr(tagger, "side", DEFAULT_SIDE))
        stream = (run_tagger(tagger, jobs, side=side, batch_size=batch_size, cancel=cancel)
                  if engine == "local" else
                  run_on_ray(tagger, jobs, side=side, batch_size=batch_size, cancel=cancel,
                             options=ray or RayOptions()))
        for results, unreadable in stream:
            made = [make(image_id, result) for image_id, result in results]
            store.put(made)
            self._emit(Change("suggestions", tuple(s.id for s in made)))
            suggested += [s.id for s in made]
            failed += unreadable
            finished += len(results) + len(unreadable)
            if progress is not None:
                progress(finished, len(jobs))
        report = AutotagReport(tuple(suggested), tuple(tagged), tuple(done), tuple(failed),
                               finished < len(jobs), time.monotonic() - started)
        if apply and suggested:
            report = replace(report, applied=self.accept_suggestions(suggested))
        return report

    def accept_suggestions(self, scope: Scope = None, *, min_score: float | None = None,
                           ) -> BatchReport:
        """Accept the open suggestions of `scope` (None: all), only the tags scoring at least
        `min_score` when given (the others are dropped with the suggestion): the captions change
        as one batch edit (one undo step). Locked captions keep their suggestion open."""
        report = self._apply(scope, self._accept_planner(min_score), "Accept suggested tags",
                             None)
        left = set(report.skipped_locked) | set(report.skipped_large)
        self._close(self.suggestions, [i for i in self._scope_ids(scope) if i not in left],
                    ACCEPTED)
        return report

    def preview_accept_suggestions(self, scope: Scope = None, *,
                                   min_score: float | None = None) -> BatchReport:
        """What `accept_suggestions(scope, min_score=...)` would do now, changing nothing."""
        with self._lock, gc_paused():
            return self._plan(scope, self._accept_planner(min_score), "Accept suggested tags",
                              None)

    def accept_suggested_tag(self, ref: ItemRef, tag: str) -> list[str]:
        """Accept one suggested `tag` of the image `ref`: it is added to the caption (`add_tag`,
        one undo step) and leaves the open suggestion, which closes as accepted once it has no
        tags left. Returns the caption's tags; `KeyError` when the image has no open suggestion
        of `tag` (then nothing changes)."""
        found = self._suggested(ref, tag)
        tags = self.add_tag(found.id, tag)
        self._take_tag(found, tag, ACCEPTED)
        return tags

    def reject_suggested_tag(self, ref: ItemRef, tag: str) -> list[str]:
        """Reject one suggested `tag` of the image `ref`: it leaves the open suggestion, which
        closes as rejected once it has no tags left. Returns the tags still suggested;
        `KeyError` as `accept_suggested_tag`."""
        found = self._suggested(ref, tag)
        return self._take_tag(found, tag, REJECTED)

    def _suggestions_follow(self, image_ids: list[str]) -> None:
        """After an undo or redo of the captions `image_ids`: each one's suggestion follows its
        tags (`AutoSuggestion.following`), so undoing an acceptance shows the chips again."""
        store = self.suggestions
        changed = []
        with self._lock:
            for image_id, found in store.latest(image_ids).items():
                now = found.following(self._items[self._by_id[image_id]].tags)
                if now != found:
                    changed.append(now)
        if changed:
            store.put(changed)
            self._emit(Change("suggestions", tuple(s.id for s in changed)))

    def _suggested(self, ref: ItemRef, tag: str) -> AutoSuggestion:
        """The open suggestion of `ref`, when it suggests `tag`."""
        image_id = self[ref].id
        found = self.suggestions.get(image_id)
        if found is None or all(t.tag != tag for t in found.tags):
            raise KeyError(f"{tag!r} is not suggested for {image_id}.")
        return found

    def _take_tag(self, found: AutoSuggestion, tag: str, state: str) -> list[str]:
        """Store `found` without `tag`, closed as `state` when nothing is left of it; the tags
        still suggested."""
        rest = found.taking(tag) if state == ACCEPTED else found.without([tag])
        if not rest.tags and rest.caption is None:
            rest = replace(rest, state=state)
        self.suggestions.put([rest])
        self._emit(Change("suggestions", (found.id,)))
        return [t.tag for t in rest.tags] if rest.state == OPEN else []

    def _accept_planner(self, min_score: float | None) -> Callable[[list[Caption]], BatchPreview]:
        """The batch planner that accepts the open suggestions (see `accept_suggestions`)."""
        store = self.suggestions
        found_by_id: dict[str, AutoSuggestion] = {}

        def edit_for(image_id: str) -> Edit:
            found = found_by_id.get(image_id)

            def edit(text: str, known: list[str] | None) -> tuple[
                    str, list[str] | None, list[str] | None]:
                if found is None:
                    return text, known, known
                if found.caption is not None:
                    return _with_caption(text, found.caption, found.existing), None, None
                tags = [t.tag for t in found.tags if min_score is None or t.score >= min_score]
                current = list(known) if known is not None else split_tags(text)
                new = accepted(current, tags, found.options)
                return edit_caption(text, new, known), current, new

            return edit

        def planner(captions: list[Caption]) -> BatchPreview:
            found_by_id.clear()
            found_by_id.update(store.open_of(caption[0] for caption in captions))
            return plan_each(edit_for, captions)

        return planner

    def reject_suggestions(self, scope: Scope = None) -> int:
        """Reject the open suggestions of `scope` (None: all); how many were open."""
        return self._close(self.suggestions, self._scope_ids(scope), REJECTED)

    def _close(self, store: SuggestionStore, ids: list[str], state: str) -> int:
        """Close the open suggestions among `ids` as `state`; how many were open."""
        open_ids = list(store.open_of(ids))
        store.close(open_ids, state)
        if open_ids:
            self._emit(Change("suggestions", tuple(open_ids)))
        return len(open_ids)

    def _scope_ids(self, scope: Scope) -> list[str]:
        with self._lock:
            return [self._items[p].id for p in self._positions(scope)]



def _with_caption(text: str, caption: str, existing: str) -> str:
    """A caption's text once the suggested `caption` is accepted (see `autocaption`)."""
    if existing == "overwrite" or not text.strip():
        return caption
    if existing == "append":
        return f"{text.rstrip().rstrip(',')}, {caption}"
    return text
