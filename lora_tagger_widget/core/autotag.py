"""What an auto-tagging run suggests for an image, and the caption accepting it gives.

`AutotagOptions` holds the choices people know from Civitai's and taggui's auto-taggers;
`choose` picks the suggested tags from a tagger's scores, `accepted` makes the tag list that
accepting a suggestion gives a caption. Pure functions: nothing here reads or writes files.

Decisions:

* Thresholds by category: general tags from `general_threshold` (0.35), character tags from
  `character_threshold` (0.85), as the WD models' authors recommend; the best rating tag only
  when `rating` is on. A tag exactly at the threshold is kept.
* `max_tags` keeps the highest-scoring general and character tags (the rating tag and the
  prepended/appended tags do not count). Suggested tags are ordered by score, highest first.
* `spaces`: underscores become spaces ("long_hair" -> "long hair"), except in kaomoji such as
  "^_^" or "o_o", where the underscore is the face.
* The blacklist, prepend and append lists compare tags case-insensitively, with underscores and
  spaces the same, so "long_hair" in the blacklist removes "long hair".
* Existing tags (Civitai's three modes): "ignore" leaves an image that has tags alone (it gets
  no suggestion), "append" adds the new tags after the caption's own (prepended ones at the
  front), "overwrite" replaces the caption's tags with the suggestion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields

from .captions import validate_tags
from .taggers import CHARACTER, RATING, Prediction, ScoredTag, scored

EXISTING_MODES = ("ignore", "append", "overwrite")
KAOMOJI = frozenset({
    "0_0", "(o)_(o)", "+_+", "+_-", "._.", "<o>_<o>", "<|>_<|>", "=_=", ">_<", "3_3", "6_9",
    ">_o", "@_@", "^_^", "o_o", "u_u", "x_x", "|_|", "||_||",
})


@dataclass(frozen=True)
class AutotagOptions:
    """How a run picks tags from a tagger's scores and how accepting them edits a caption."""

    general_threshold: float = 0.35
    character_threshold: float = 0.85
    max_tags: int | None = None
    rating: bool = False
    spaces: bool = True
    blacklist: tuple[str, ...] = ()
    prepend: tuple[str, ...] = ()
    append: tuple[str, ...] = ()
    existing: str = "ignore"

    def __post_init__(self) -> None:
        for name in ("general_threshold", "character_threshold"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not (
                    0 <= value <= 1):
                raise ValueError(f"{name} must be a number from 0 to 1, not {value!r}.")
        if self.max_tags is not None and (isinstance(self.max_tags, bool) or not isinstance(
                self.max_tags, int) or self.max_tags < 1):
            raise ValueError(f"max_tags must be a whole number of at least 1, not "
                             f"{self.max_tags!r}.")
        if self.existing not in EXISTING_MODES:
            raise ValueError(f"existing must be one of {', '.join(EXISTING_MODES)}, not "
                             f"{self.existing!r}.")
        for name in ("blacklist", "prepend", "append"):
            value = getattr(self, name)
            if isinstance(value, str):
                value = tuple(part.strip() for part in value.split(",") if part.strip())
            object.__setattr__(self, name, tuple(validate_tags(list(value))))

    @classmethod
    def from_dict(cls, options: dict[str, object]) -> AutotagOptions:
        """Options from keyword arguments; an unknown name raises `ValueError` naming it."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(options) - known)
        if unknown:
            raise ValueError(f"Unknown auto-tag option {', '.join(map(repr, unknown))}; "
                             f"expected {', '.join(sorted(known))}.")
        return cls(**options)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """The options as JSON-friendly values."""
        return {f.name: list(v) if isinstance(v := getattr(self, f.name), tuple) else v
                for f in fields(self)}


def tag_name(tag: str, *, spaces: bool) -> str:
    """A tagger's tag as it goes into a caption (see `spaces` in the module notes)."""
    if spaces and tag not in KAOMOJI:
        return tag.replace("_", " ")
    return tag


def choose(predictions: Iterable[Prediction], options: AutotagOptions) -> list[ScoredTag]:
    """The tags to suggest from a tagger's `predictions` for one image, best first."""
    banned = {_key(tag) for tag in options.blacklist}
    best_rating: ScoredTag | None = None
    picked: dict[str, ScoredTag] = {}
    floor = min(options.general_threshold, options.character_threshold)
    for prediction in predictions:
        item = scored(prediction)
        if item.category != RATING and item.score < floor:
            continue
        name = tag_name(item.tag, spaces=options.spaces)
        if not name.strip() or _key(name) in banned:
            continue
        item = ScoredTag(name, item.score, item.category)
        if item.category == RATING:
            if best_rating is None or item.score > best_rating.score:
                best_rating = item
            continue
        limit = (options.character_threshold if item.category == CHARACTER
                 else options.general_threshold)
        seen = picked.get(_key(name))
        if item.score >= limit and (seen is None or item.score > seen.score):
            picked[_key(name)] = item
    chosen = sorted(picked.values(), key=lambda item: -item.score)[: options.max_tags]
    if options.rating and best_rating is not None:
        chosen.insert(0, best_rating)
    return chosen


def accepted(existing: Sequence[str], suggested: Sequence[str], options: AutotagOptions
             ) -> list[str]:
    """The caption's tags once the `suggested` tags are accepted, by `options.existing` (an
    image that has tags keeps them as they are under "ignore")."""
    if options.existing == "ignore" and existing:
        return list(existing)
    new = _unique([*options.prepend, *suggested, *options.append])
    if options.existing == "overwrite":
        return new
    have = {_key(tag) for tag in existing}
    front = [tag for tag in options.prepend if _key(tag) not in have]
    taken = have | {_key(tag) for tag in front}
    return [*front, *existing, *(tag for tag in new if _key(tag) not in taken)]


def gives_suggestion(existing: Sequence[str], options: AutotagOptions) -> bool:
    """Whether a run suggests anything for a caption with the tags `existing`."""
    return not (options.existing == "ignore" and existing)


def _unique(tags: Iterable[str]) -> list[str]:
    seen: set[str] = set()
    kept = []
    for tag in tags:
        if _key(tag) not in seen:
            seen.add(_key(tag))
            kept.append(tag)
    return kept


def _key(tag: str) -> str:
    return tag.replace("_", " ").strip().casefold()

