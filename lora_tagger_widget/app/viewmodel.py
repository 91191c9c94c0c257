"""What the view shows, built from the data set: the current image, the grid's rows, the
palette's changes, and which images a batch edit's scope names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from ..core.batch import has_trigger_placeholder, starts_with_trigger
from ..core.tokens import TokenCount, token_counts

if TYPE_CHECKING:
    from ..core.dataset import Dataset
    from .view import FilteredView

MAX_VIEW_TAGS = 1_000  # the view stays small even for a pathological caption
MAX_VIEW_CAPTION = 20_000
PALETTE_DELTA_MAX = 5_000  # rows in one palette delta at most; past that the view asks for all
PALETTE_WINDOW = 8  # palette versions one delta spans (held trait updates merge)


def current_view(dataset: Dataset, view: FilteredView, index: int,
                 trigger: str) -> dict[str, Any]:
    """What the view shows of the image at position `index` (see docs/protocol.md)."""
    item = dataset[index]
    info = item.image_info
    after, before = view.after(index), view.before(index)
    neighbors = [before, after,
                 view.after(after) if after is not None else None,
                 view.before(before) if before is not None else None]
    flags = [{"code": f.code, "message": f.message} for f in item.flags]
    tags, caption = item.tags, item.caption
    suggestion = dataset.suggestions.get(item.id)
    if len(tags) > MAX_VIEW_TAGS or len(caption) > MAX_VIEW_CAPTION:
        flags.append({"code": "long_caption", "message": (
            f"Very long caption ({len(caption):,} characters, {len(tags):,} tags); "
            f"the view shows the first {MAX_VIEW_TAGS:,} tags")})
    return {
        "id": item.id,
        "name": item.name,
        "index": index,
        "tags": tags[:MAX_VIEW_TAGS],
        "suggested": [] if suggestion is None else [
            [t.tag, t.score, t.category] for t in suggestion.tags[:MAX_VIEW_TAGS]],
        "suggested_caption": None if suggestion is None or suggestion.caption is None
        else suggestion.caption[:MAX_VIEW_CAPTION],
        "caption": caption[:MAX_VIEW_CAPTION],
        "flags": flags,
        "width": info.width if info else None,
        "height": info.height if info else None,
        "reviewed": dataset.is_reviewed(index),
        "dirty": item.dirty,
        "original_differs": dataset.differs_from_original(index),
        "editable": item.locked_reason is None,
        "locked_reason": item.locked_reason,
        "conflict": (
            {"ours": item.conflict.ours, "theirs": item.conflict.theirs}
            if item.conflict
            else None
        ),
        "neighbors": [dataset[i].id for i in neighbors if i is not None],
        "prev": dataset[before].id if before is not None else None,
        "next": dataset[after].id if after is not None else None,
        "tokens": {token.model.split("-")[0].lower(): _token_view(token)
                   for token in token_counts(caption)},
        "trigger": {
            "first": bool(trigger) and starts_with_trigger(caption, trigger),
            "placeholder": has_trigger_placeholder(caption),
        },
    }


def _token_view(token: TokenCount) -> dict[str, object]:
    return {"count": token.count, "limit": token.limit, "exact": token.exact,
            "over": token.over, "label": token.label()}


def item_states(dataset: Dataset, view: FilteredView, start: int,
                count: int) -> list[list[object]]:
    """`[id, name, state]` of the images shown at places `start...`, for the grid (see
    docs/protocol.md)."""
    return [[item.id, item.name, dataset.state_bits(item)]
            for item in map(dataset.__getitem__, view.positions(start, count))]


def resolve_scope(name: str, view: FilteredView, selection: list[int],
                  shown: int | None) -> list[int] | None:
    """The data set positions a batch edit's scope names: "all" (None: every image),
    "filtered" (the images the filter lets through), "selected" (`selection`), or "current"
    (`shown`, the position of the image shown; None when none is)."""
    if name == "all":
        return None
    if name == "filtered":
        return view.positions()
    if name == "selected":
        if not selection:
            raise ValueError("No images are selected.")
        return list(selection)
    if name == "current":
        if shown is None:
            raise ValueError("No image is shown.")
        return [shown]
    raise ValueError(f'Scope must be "all", "filtered", "selected" or "current", not {name!r}.')


def resume_position(dataset: Dataset) -> int:
    """Where to start: the image the last session stopped at, else the first (-1: none)."""
    if not len(dataset):
        return -1
    position = dataset.session.position
    try:
        return dataset.index_of(position) if position else 0
    except KeyError:
        return 0


class PaletteDeltas:
    """The palette's changes as the view takes them: the rows changed over the last
    `PALETTE_WINDOW` changes, so that a view that saw only the last of several updates sent
    together still has them all (see docs/protocol.md)."""

    def __init__(self) -> None:
        self.version = 0
        self._seen = -1  # the vocabulary's version when the palette was last looked at
        self._pinned_seen: list[str] = []  # the pinned tags then
        self._window: list[tuple[int, set[str]]] = []  # (version, tags it changed)

    def next(self, dataset: Dataset) -> dict[str, object] | None:
        """The next delta `{"version", "since", "rows"}` when the palette changed since the
        last call (`rows` None: too many, or unknown), else None."""
        vocabulary, pinned_list = dataset.vocabulary, dataset.session.palette
        changed = vocabulary.changed_since(self._seen)
        self._seen = vocabulary.version
        if pinned_list != self._pinned_seen:
            if changed is not None:
                changed.update(set(pinned_list).symmetric_difference(self._pinned_seen))
            self._pinned_seen = list(pinned_list)
        if changed is not None and not changed:
            return None
        self.version += 1
        window = self._window
        if changed is None or len(changed) > PALETTE_DELTA_MAX:
            window.clear()
            return {"version": self.version, "since": self.version - 1, "rows": None}
        window.append((self.version, changed))
        while len(window) > PALETTE_WINDOW or sum(len(tags) for _, tags in window) > (
                PALETTE_DELTA_MAX):
            del window[0]
        tags = set().union(*(tags for _, tags in window))
        return {"version": self.version, "since": window[0][0] - 1,
                "rows": palette_rows(dataset, tags)}


def palette_rows(dataset: Dataset, tags: Iterable[str]) -> list[list[object]]:
    """`[tag, images, pinned]` of each of `tags` as the palette has it now; `[tag, 0, false]`
    for a tag it no longer has."""
    counts, pinned = dataset.vocabulary.counts, set(dataset.session.palette)
    return [[tag, counts.get(tag, 0), tag in pinned] for tag in tags]
