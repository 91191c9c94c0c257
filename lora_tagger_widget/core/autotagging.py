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
* A rerun skips images a run already looked at (their suggestion open, accepted or rejected)
  unless `rerun=True`; under `existing="ignore"` images that have tags are not looked at.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from .autotag import AutotagOptions, accepted, choose, gives_suggestion
from .batch import BatchPreview, Caption, Edit, plan_each
from .captions import edit_caption, split_tags
from .images import ImageError, load_upright
from .suggestions import ACCEPTED, REJECTED, AutoSuggestion, SuggestionStore
from .taggers import Tagger, TaggerError

if TYPE_CHECKING:
    from .dataset import Item
    from .edits import BatchReport, Scope

DEFAULT_SIDE = 1024  # the side images are decoded at for a tagger that does not say its own
DEFAULT_BATCH = 8
Progress = Callable[[int, int], None]


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


def run_tagger(tagger: Tagger, jobs: Sequence[tuple[str, Path]], *, side: int,
               batch_size: int = DEFAULT_BATCH, cancel: threading.Event | None = None,
               ) -> Iterator[tuple[list[tuple[str, Sequence[Any]]], list[tuple[str, str]]]]:
    """Run `tagger` over the images of `jobs` (id, path), a batch at a time: yields, per batch,
    the (id, predictions) of the images read and the (id, why) of those that could not be."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, not {batch_size}.")
    batches = [jobs[k:k + batch_size] for k in range(0, len(jobs), batch_size)]
    with ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                            thread_name_prefix="ltw-autotag") as pool:
        pending = _load(pool, batches[0], side) if batches else []
        for k in range(len(batches)):
            loaded = pending
            pending = _load(pool, batches[k + 1], side) if k + 1 < len(batches) else []
            images, failed = [], []
            for image_id, future in loaded:
                try:
                    images.append((image_id, future.result()))
                except ImageError as error:
                    failed.append((image_id, str(error)))
            predictions = tagger([image for _, image in images]) if images else []
            if len(predictions) != len(images):
                raise TaggerError(f"The tagger gave {len(predictions)} results for "
                                  f"{len(images)} images.")
            yield [(i, p) for (i, _), p in zip(images, predictions, strict=True)], failed
            if cancel is not None and cancel.is_set():
                for _, future in pending:
                    future.cancel()
                return


def _load(pool: ThreadPoolExecutor, batch: Sequence[tuple[str, Path]], side: int
          ) -> list[tuple[str, Future[Image.Image]]]:
    return [(image_id, pool.submit(lambda p=path: load_upright(p, side, side)[0]))
            for image_id, path in batch]


class AutoTagging:
    """Auto-tagging runs and their suggestions (mixed into `Dataset`)."""

    if TYPE_CHECKING:  # provided by Dataset and BatchEditing
        root: Path
        _lock: threading.RLock
        _items: list[Item]
        _suggestion_store: SuggestionStore | None

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
                **options: Any) -> AutotagReport:
        """Run `tagger` over the images of `scope` (None: all) and keep its suggestions; nothing
        changes on disk unless `apply=True`, which accepts them at once (one undo step).

        `options`: see `AutotagOptions` (thresholds, max_tags, rating, spaces, blacklist,
        prepend, append, existing). `progress(done, total)` after each batch; `cancel` (an
        event) stops after the batch in progress. `ValueError` for bad options.
        """
        opts = AutotagOptions.from_dict(options)
        store = self.suggestions
        started = time.monotonic()
        jobs, tagged, done = [], [], []
        with self._lock:
            for position in self._positions(scope):
                item = self._items[position]
                if not gives_suggestion(item.tags, opts):
                    tagged.append(item.id)
                elif not rerun and store.is_done(item.id):
                    done.append(item.id)
                else:
                    jobs.append((item.id, item.image_path))
        source = str(getattr(tagger, "name", None) or getattr(tagger, "__name__", "") or
                     type(tagger).__name__)
        suggested: list[str] = []
        failed: list[tuple[str, str]] = []
        finished = 0
        for results, unreadable in run_tagger(tagger, jobs, side=int(getattr(
                tagger, "side", DEFAULT_SIDE)), batch_size=batch_size, cancel=cancel):
            made = [AutoSuggestion(image_id, tuple(choose(predictions, opts)), None, source,
                                   opts.existing, opts.prepend, opts.append)
                    for image_id, predictions in results]
            store.put(made)
            suggested += [s.id for s in made]
            failed += unreadable
            finished += len(results) + len(unreadable)
            if progress is not None:
                progress(finished, len(jobs))
        report = AutotagReport(tuple(suggested), tuple(tagged), tuple(done), tuple(failed),
                               finished < len(jobs), time.monotonic() - started)
        if apply and suggested:
            report = AutotagReport(**{**report.__dict__,
                                      "applied": self.accept_suggestions(suggested)})
        return report

    def accept_suggestions(self, scope: Scope = None, *, min_score: float | None = None,
                           ) -> BatchReport:
        """Accept the open suggestions of `scope` (None: all), only the tags scoring at least
        `min_score` when given (the others are dropped with the suggestion): the captions change
        as one batch edit (one undo step). Locked captions keep their suggestion open."""
        store = self.suggestions

        def edit_for(image_id: str) -> Edit:
            found = store.get(image_id)

            def edit(text: str, known: list[str] | None) -> tuple[
                    str, list[str] | None, list[str] | None]:
                if found is None:
                    return text, known, known
                tags = [t.tag for t in found.tags if min_score is None or t.score >= min_score]
                current = list(known) if known is not None else split_tags(text)
                new = accepted(current, tags, found.options)
                return edit_caption(text, new, known), current, new

            return edit

        def planner(captions: list[Caption]) -> BatchPreview:
            return plan_each(edit_for, captions)

        report = self._apply(scope, planner, "Accept suggested tags", None)
        left = set(report.skipped_locked) | set(report.skipped_large)
        store.close([i for i in self._scope_ids(scope) if i not in left], ACCEPTED)
        return report

    def reject_suggestions(self, scope: Scope = None) -> int:
        """Reject the open suggestions of `scope` (None: all); how many were open."""
        store = self.suggestions
        ids = [i for i in self._scope_ids(scope) if store.get(i) is not None]
        store.close(ids, REJECTED)
        return len(ids)

    def _scope_ids(self, scope: Scope) -> list[str]:
        with self._lock:
            return [self._items[p].id for p in self._positions(scope)]

