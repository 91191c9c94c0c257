"""Batch operations on captions, as pure functions of a caption's text, and a preview of one.

An `Operation` describes one batch edit (JSON-friendly, so the front end can send it);
`Operation.apply(text)` returns the caption's new text, the same text when nothing changes, so a
caller writes only the captions that did change. `plan` runs an operation over `(id, text)`
pairs and returns a `BatchPreview`: which captions change, how, and which tags come and go; the
data set applies the preview's `changes` itself.

Every tag-list operation goes through `edit_caption`, so the bytes an edit does not touch stay
as they were: separators, line breaks, the other tags' spelling, case and order. Only the
whole-caption regex replace (`target="caption"`) is a raw text substitution.

Decisions:

* Matching (remove, rename, move to front, "already present" for add, dedupe, the trigger
  rule) compares a tag's exact text; `ignore_case=True` compares `str.casefold()`ed text
  instead, and for a regex replace it is `re.IGNORECASE`. Underscores and spaces are never
  treated as the same character: booru tags such as ``^_^`` or ``>_<`` need the underscore, and
  turning ``red_hair`` into ``red hair`` is an explicit rename or replace.
* A matched tag keeps the caption's own spelling (dedupe keeps the first occurrence as written;
  move to front moves the tag as written).
* Add skips a tag the caption already has (anywhere; it is not moved) and adds each new tag once.
* Rename applies its whole mapping at once (``{a: b, b: c}`` turns ``a`` into ``b`` and ``b``
  into ``c``, not ``a`` into ``c``). When a renamed tag would duplicate a tag the caption has,
  or another renamed one, only the first occurrence stays, in its place. Duplicates that were
  in the caption before are left alone: removing them is `dedupe`'s job.
* A regex replace takes Python's syntax and replacement strings, without lookaround and
  backreferences: it runs on RE2, so no pattern can take more than linear time (see `_regex`).
  On tags (`target="tag"`) it replaces in each tag; a result that is empty
  after trimming removes the tag. A result that is not a valid tag (it contains a comma or a
  line break, or is too long) is refused with `ValueError` naming the tag and the result,
  rather than silently splitting the tag: to split tags, replace on the caption text
  (`target="caption"`). A replacement string with a literal comma or line break is refused
  up front for `target="tag"`.
* Sorting alphabetically compares `str.casefold()`ed tags; by frequency it puts the tag with the
  highest count first. Both are stable: equal keys keep the caption's order. Frequency counts are
  the number of images that have each tag; `plan` counts them over the captions it is given when
  no `counts` are passed; `apply` needs them. Sorting is over the whole caption, not line by
  line; reordered tags get their separators from `edit_caption`, so a line break between tags
  that trade places can become a comma.
* Rename and replace change tags in place and keep the separator before every changed tag
  (a run of neighbouring changed tags is edited in two `edit_caption` calls for that).
* Move to front moves every occurrence of each given tag, in the given order; given tags the
  caption lacks are ignored (moving never adds).
* The trigger rule (Civitai's): the trigger is prepended unless the caption's first tag is the
  trigger or starts with it as a word (``ohwx woman`` does, ``ohwxyz`` does not: the trigger
  must be followed by the end of the tag or by a character that is not a letter, digit or
  underscore). Comparison is case-sensitive, as written, unless `ignore_case=True` (CLIP
  tokenizers lowercase, so ``OHWX`` and ``ohwx`` are the same token for SD 1.5 and SDXL; T5 is
  case-sensitive). A caption containing an ai-toolkit placeholder, ``[trigger]`` or ``[name]``
  (ai-toolkit replaces both with the trigger), anywhere, counts as having the trigger. A caption
  that has the trigger as a whole tag elsewhere gets that tag moved to the front rather than a
  second copy.
* "The trigger stays first": when an operation has `trigger` set and the caption's first tag is
  the trigger (by the rule above) or a placeholder, that first tag stays first: sorting and
  moving to the front order only the tags after it, adding at the start adds after it, and a
  regex replace on tags leaves it alone. Remove and rename act on it when it is named
  explicitly. A caption not starting with the trigger is not given one (that is the "trigger"
  operation's job).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from operator import and_, ne

from .captions import (
    DEFAULT_SEPARATOR,
    edit_caption,
    existing_tag,
    is_plain_list,
    replaced_at,
    split_tags,
    validate_tag,
)
from .regex import RegexError, compile_regex

__all__ = [
    "KINDS",
    "PLACEHOLDERS",
    "BatchPreview",
    "CaptionChange",
    "Operation",
    "has_trigger_placeholder",
    "plan",
    "starts_with_trigger",
]

KINDS = ("add", "remove", "rename", "replace", "sort", "dedupe", "front", "trigger")
PLACEHOLDERS = ("[trigger]", "[name]")  # ai-toolkit replaces both with the trigger word

# The parameters each kind of operation takes (besides `kind`); any other must keep its default.
_PARAMETERS: dict[str, tuple[str, ...]] = {
    "add": ("tags", "where", "ignore_case", "trigger"),
    "remove": ("tags", "ignore_case", "trigger"),
    "rename": ("mapping", "ignore_case", "trigger"),
    "replace": ("pattern", "replacement", "target", "ignore_case", "trigger"),
    "sort": ("order", "trigger"),
    "dedupe": ("ignore_case", "trigger"),
    "front": ("tags", "ignore_case", "trigger"),
    "trigger": ("trigger", "ignore_case"),
}
_CHOICES = {
    "where": ("start", "end"),
    "target": ("tag", "caption"),
    "order": ("alpha", "frequency"),
}
_Result = tuple[str, "list[str] | None", "list[str] | None"]
_Runner = Callable[[str, "list[str] | None", "Mapping[str, int] | None"], _Result]


@dataclass(frozen=True)
class Operation:
    """One batch operation on captions, with its parameters; validated when it is made.

    kind: "add" (`tags`, `where`), "remove" (`tags`), "rename" (`mapping`, old -> new; several
    olds with one new merge them), "replace" (`pattern`, `replacement`, on each tag or on the
    whole caption text per `target`), "sort" (`order`), "dedupe", "front" (`tags`, moved to the
    front in this order) or "trigger" (`trigger`, put first by the trigger rule).
    ignore_case: match tags case-insensitively (see the module's notes).
    trigger: the data set's trigger word; when the caption starts with it, it stays first.

    Invalid parameters raise `ValueError` saying which and why, before any caption is looked at.
    """

    kind: str
    tags: tuple[str, ...] = ()
    where: str = "end"
    mapping: tuple[tuple[str, str], ...] = ()
    pattern: str = ""
    replacement: str = ""
    target: str = "tag"
    order: str = "alpha"
    ignore_case: bool = False
    trigger: str | None = None
    _run: _Runner = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        kind = self.kind
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(f"Unknown operation {kind!r}; expected one of {', '.join(KINDS)}.")
        allowed = _PARAMETERS[kind]
        for name, default in _DEFAULTS.items():
            if name not in allowed and getattr(self, name) != default:
                raise ValueError(f"{name!r} does not apply to a {kind!r} operation.")
        if not isinstance(self.ignore_case, bool):
            raise ValueError(f"'ignore_case' must be true or false, not {self.ignore_case!r}.")
        for name, choices in _CHOICES.items():
            value = getattr(self, name)
            if value not in choices:
                raise ValueError(
                    f"{name!r} must be one of {', '.join(map(repr, choices))}, not {value!r}."
                )
        if self.trigger is not None:
            _set(self, "trigger", _checked(validate_tag, self.trigger, "trigger"))
        elif kind == "trigger":
            raise ValueError("A 'trigger' operation needs the trigger word ('trigger').")
        if "tags" in allowed:
            check = validate_tag if kind == "add" else _tag_to_find
            tags = tuple(_checked(check, tag, "tags") for tag in _sequence(self.tags, "tags"))
            if not tags:
                raise ValueError(f"A {kind!r} operation needs at least one tag ('tags').")
            _set(self, "tags", tags)
        if "mapping" in allowed:
            _set(self, "mapping", self._checked_mapping())
        if kind == "replace":
            self._check_regex()
        _set(self, "_run", _RUNNERS[kind](self))

    def _checked_mapping(self) -> tuple[tuple[str, str], ...]:
        raw = self.mapping
        pairs = list(raw.items()) if isinstance(raw, Mapping) else _sequence(raw, "mapping")
        mapping: list[tuple[str, str]] = []
        seen: set[str] = set()
        for pair in pairs:
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise ValueError(f"'mapping' must pair each old tag with a new one, not {pair!r}.")
            old = _checked(_tag_to_find, pair[0], "mapping")
            new = _checked(validate_tag, pair[1], "mapping")
            key = old.casefold() if self.ignore_case else old
            if key in seen:
                raise ValueError(f"'mapping' renames {old!r} twice.")
            seen.add(key)
            mapping.append((old, new))
        if not mapping:
            raise ValueError("A 'rename' operation needs at least one old -> new pair ('mapping').")
        return tuple(mapping)

    def _check_regex(self) -> None:
        if not isinstance(self.pattern, str) or not self.pattern:
            raise ValueError("A 'replace' operation needs a regular expression ('pattern').")
        if not isinstance(self.replacement, str):
            raise ValueError(f"'replacement' must be text, not {type(self.replacement).__name__}.")
        if self.target == "tag" and any(ch in self.replacement for ch in ",\r\n"):
            raise ValueError(
                "A replacement on tags cannot contain a comma or a line break; to split tags, "
                "replace on the caption text (target 'caption')."
            )

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Operation:
        """The operation `data` describes (as `to_dict` makes it, e.g. from JSON); `ValueError`
        for an unknown kind or key, a parameter the kind does not take, or a wrong type."""
        if not isinstance(data, Mapping):
            raise ValueError(f"An operation must be a mapping, not {type(data).__name__}.")
        if "kind" not in data:
            raise ValueError("An operation needs a 'kind'.")
        kind = data["kind"]
        if not isinstance(kind, str) or kind not in KINDS:
            raise ValueError(f"Unknown operation {kind!r}; expected one of {', '.join(KINDS)}.")
        unknown = [key for key in data if key != "kind" and key not in _DEFAULTS]
        if unknown:
            raise ValueError(f"Unknown key(s) in a {kind!r} operation: {_listed(unknown)}.")
        foreign = [key for key in data if key != "kind" and key not in _PARAMETERS[kind]]
        if foreign:
            raise ValueError(
                f"Key(s) that do not apply to a {kind!r} operation: {_listed(foreign)}."
            )
        kwargs = {key: value for key, value in data.items() if key != "kind"}
        if "tags" in kwargs:
            kwargs["tags"] = tuple(_sequence(kwargs["tags"], "tags"))
        return cls(kind, **kwargs)  # type: ignore[arg-type]

    def to_dict(self) -> dict[str, object]:
        """This operation as JSON-friendly data: `kind` and the parameters it takes (`tags` as a
        list, `mapping` as an object of old -> new)."""
        data: dict[str, object] = {"kind": self.kind}
        for name in _PARAMETERS[self.kind]:
            value = getattr(self, name)
            if name == "tags":
                value = list(value)
            elif name == "mapping":
                value = dict(value)
            data[name] = value
        return data

    def describe(self) -> str:
        """One sentence saying what the operation does, e.g. 'Add "ohwx" at the start'."""
        kind = self.kind
        if kind == "add":
            text = f"Add {quoted_tags(self.tags)} at the {self.where}"
        elif kind == "remove":
            text = f"Remove {quoted_tags(self.tags)}"
        elif kind == "rename":
            news = {new for _, new in self.mapping}
            if len(self.mapping) > 1 and len(news) == 1:
                olds = quoted_tags([old for old, _ in self.mapping])
                text = f"Merge {olds} into {quoted_tags(news)}"
            else:
                renames = [f"{quoted_tags([old])} to {quoted_tags([new])}"
                           for old, new in self.mapping]
                text = "Rename " + _joined(renames)
        elif kind == "replace":
            if self.target == "tag":
                where = ("from" if not self.replacement else "in") + " each tag"
            else:
                where = ("from" if not self.replacement else "in") + " the caption text"
            if self.replacement:
                text = f"Replace /{self.pattern}/ with {quoted_tags([self.replacement])} {where}"
            else:
                text = f"Remove /{self.pattern}/ {where}"
        elif kind == "sort":
            how = "alphabetically" if self.order == "alpha" else "by frequency, most common first"
            text = f"Sort tags {how}"
        elif kind == "dedupe":
            text = "Remove duplicate tags, keeping the first"
        elif kind == "front":
            text = f"Move {quoted_tags(self.tags)} to the front"
        else:
            text = f"Put the trigger word {quoted_tags([self.trigger or ''])} first"
        if self.ignore_case:
            text += " (ignoring case)"
        if self.trigger is not None and kind != "trigger":
            text += f", keeping {quoted_tags([self.trigger])} first"
        return text

    def __reduce__(self) -> tuple[object, ...]:
        return (Operation.from_dict, (self.to_dict(),))  # for pickle and copy

    def apply(self, text: str, counts: Mapping[str, int] | None = None) -> str:
        """The caption `text` after this operation: `text` itself when nothing changes.

        `counts` (tag -> number of images) is needed to sort by frequency. `ValueError` when the
        caption cannot take the edit (a regex replace that would make a tag invalid).
        """
        if not isinstance(text, str):
            raise TypeError(f"A caption must be text, not {type(text).__name__}.")
        return self._run(text, None, counts)[0]


_DEFAULTS: dict[str, object] = {
    name: value.default
    for name, value in Operation.__dataclass_fields__.items()
    if name not in ("kind", "_run")
}


@dataclass(frozen=True, slots=True)
class CaptionChange:
    """How one caption changes: its text before and after, and the tags it gains and loses
    (multiset differences, in the order they appear)."""

    id: str
    before: str
    after: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    after_tags: tuple[str, ...] | None = field(default=None, repr=False, compare=False)
    """The tags of `after` (`split_tags(after)`), when known."""


@dataclass(frozen=True)
class BatchPreview:
    """What an operation would do to a set of captions, before anything is written."""

    operation: Operation
    scope_size: int  # how many captions were looked at
    changes: tuple[CaptionChange, ...]  # only the captions whose text changes, in scope order
    tags_added: dict[str, int] = field(hash=False)  # tag -> captions gaining it, most first
    tags_removed: dict[str, int] = field(hash=False)  # tag -> captions losing it, most first

    def examples(self, n: int = 3) -> list[CaptionChange]:
        """The first `n` changes, to show before and after."""
        return list(self.changes[: max(n, 0)])

    def summary(self) -> str:
        """One line, e.g. '12 of 40 images change: +ohwx (12)'."""
        changed, scope = len(self.changes), self.scope_size
        text = f"{changed} of {scope} image{'' if scope == 1 else 's'} "
        text += "changes" if changed == 1 else "change"
        parts = [f"+{tag} ({n})" for tag, n in self.tags_added.items()]
        parts += [f"-{tag} ({n})" for tag, n in self.tags_removed.items()]
        if len(parts) > 6:
            parts = [*parts[:5], f"and {len(parts) - 5} more"]
        if parts:
            return f"{text}: {', '.join(parts)}"
        if changed:
            return f"{text}: no tags added or removed"
        return text


Caption = tuple[str, str] | tuple[str, str, Sequence[str]]
"""A caption to plan over: `(id, text)`, or `(id, text, tags)` when its tags (`split_tags(text)`)
are known already."""


def plan(
    operation: Operation,
    captions: Iterable[Caption],
    counts: Mapping[str, int] | None = None,
) -> BatchPreview:
    """Run `operation` over `captions` and say what would change.

    `counts` (tag -> number of images) is used to sort by frequency; without it they are
    counted over `captions`. A caption the operation cannot edit raises `ValueError` naming it.
    """
    if operation.kind == "sort" and operation.order == "frequency" and counts is None:
        captions = list(captions)
        counts = Counter(tag for caption in captions for tag in set(split_tags(caption[1])))
    return plan_edits(partial(operation._run, counts=counts), captions, operation)


Edit = Callable[[str, "list[str] | None"], tuple[str, "list[str] | None", "list[str] | None"]]


def plan_edits(edit: Edit, captions: Iterable[Caption],
               operation: Operation | None = None) -> BatchPreview:
    """What `edit` would change in `captions`. `edit` maps a caption's text and its tags (None
    when not known) to the new text and the tags before and after (None when it did not split
    them). A `ValueError` names its caption."""
    return plan_each(lambda _caption_id: edit, captions, operation)


def plan_each(edit_for: Callable[[str], Edit], captions: Iterable[Caption],
              operation: Operation | None = None) -> BatchPreview:
    """`plan_edits` with an edit of its own for each caption: `edit_for(caption_id)`."""
    changes: list[CaptionChange] = []
    added: dict[str, int] = {}
    removed: dict[str, int] = {}
    scope = 0
    for caption in captions:
        scope += 1
        caption_id, text = caption[0], caption[1]
        known = list(caption[2]) if len(caption) > 2 else None
        try:
            new, before, after = edit_for(caption_id)(text, known)
        except ValueError as error:
            raise ValueError(f"Caption {caption_id!r}: {error}") from None
        if new == text:
            continue
        if before is None:
            before = split_tags(text) if known is None else known
        if after is None:
            after = split_tags(new)
        gained, lost = _difference(before, after)
        changes.append(CaptionChange(caption_id, text, new, gained, lost, tuple(after)))
        for tag in gained if len(gained) < 2 else set(gained):
            added[tag] = added.get(tag, 0) + 1
        for tag in lost if len(lost) < 2 else set(lost):
            removed[tag] = removed.get(tag, 0) + 1
    return BatchPreview(operation, scope, tuple(changes),  # type: ignore[arg-type]
                        _most_first(added), _most_first(removed))


def _most_first(counts: dict[str, int]) -> dict[str, int]:
    """`counts` ordered by count, highest first (ties in their order)."""
    return dict(sorted(counts.items(), key=lambda pair: -pair[1]))


def starts_with_trigger(text: str, trigger: str, *, ignore_case: bool = False) -> bool:
    """Whether the caption's first tag is `trigger` or starts with it as a word.

    ``ohwx woman, smiling`` starts with ``ohwx``; ``ohwxyz, smiling`` does not. Case-sensitive
    unless `ignore_case`.
    """
    trigger = existing_tag(trigger)
    if not trigger:
        return False
    first = _first_tag(text)
    return first is not None and _trigger_regex(trigger, ignore_case).match(first) is not None


def has_trigger_placeholder(text: str) -> bool:
    """Whether the caption contains ai-toolkit's ``[trigger]`` (or ``[name]``) placeholder,
    which the trainer replaces with the trigger word (as written, case-sensitive)."""
    return any(placeholder in text for placeholder in PLACEHOLDERS)


# Runners: one per kind, made once per operation. Each maps a caption's text to
# `(new text, tags before, tags after)`; the tag lists are None when the text is unchanged or
# when the runner did not split it (the whole-caption replace).


def _add(op: Operation) -> _Runner:
    fold = op.ignore_case
    new = _unique(op.tags, fold)
    at_start = op.where == "start"
    leading = _leading(op)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        tags = split_tags(text) if known is None else known
        have = {tag.casefold() for tag in tags} if fold else set(tags)
        extra = [tag for tag in new if (tag.casefold() if fold else tag) not in have]
        if not extra:
            return text, None, None
        if at_start:
            lead = leading(tags)
            return _edited(text, tags, [*tags[:lead], *extra, *tags[lead:]])
        return _edited(text, tags, [*tags, *extra])

    return run


def _remove(op: Operation) -> _Runner:
    fold = op.ignore_case
    gone = {_key(tag, fold) for tag in op.tags}
    mentions = _mentions(gone, fold)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if not mentions(text):
            return text, None, None
        tags = split_tags(text) if known is None else known
        kept = [tag for tag in tags if (tag.casefold() if fold else tag) not in gone]
        return (text, None, None) if len(kept) == len(tags) else _edited(text, tags, kept)

    return run


def _rename(op: Operation) -> _Runner:
    fold = op.ignore_case
    mapping = {_key(old, fold): new for old, new in op.mapping}
    mentions = _mentions(mapping, fold)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if known is None and not mentions(text):
            return text, None, None
        tags = split_tags(text) if known is None else known
        keys = [tag.casefold() for tag in tags] if fold else tags
        hits = mapping.keys() & keys
        if not hits:
            return text, None, None
        if max(map(keys.count, hits)) == 1:  # the common case, without a loop per tag
            renamed, made = list(tags), set()
            for key in hits:
                at = keys.index(key)
                renamed[at] = mapping[key]
                if renamed[at] != tags[at]:
                    made.add(_key(renamed[at], fold))
        else:
            renamed = [mapping.get(key, tag) for tag, key in zip(tags, keys, strict=True)]
            made = {_key(new, fold) for new, tag in zip(renamed, tags, strict=True) if new != tag}
        new_keys = [tag.casefold() for tag in renamed] if fold else renamed
        if not made or max(map(new_keys.count, made)) == 1:  # no rename made a repeat
            return _renamed(text, tags, renamed, [True] * len(tags))
        renamed, kept = [], []
        emitted: set[str] = set()  # keys of the tags kept so far
        made.clear()  # keys of the tags a rename made so far
        for tag, key in zip(tags, keys, strict=True):
            new = mapping.get(key)
            if new is None or new == tag:  # not renamed (or renamed to itself)
                renamed.append(tag)
                kept.append(key not in made)  # else a rename earlier on made this tag already
                emitted.add(key)
            else:
                new_key = _key(new, fold)
                renamed.append(new)
                kept.append(new_key not in emitted)
                emitted.add(new_key)
                made.add(new_key)
        return _renamed(text, tags, renamed, kept)

    return run


def _replace(op: Operation) -> _Runner:
    try:
        regex = compile_regex(op.pattern, ignore_case=op.ignore_case)
    except RegexError as error:
        raise ValueError(f"Invalid regular expression {op.pattern!r}: {error}") from None
    try:
        substitute = regex.substituter(op.replacement)
    except RegexError as error:
        raise ValueError(f"Invalid replacement {op.replacement!r}: {error}") from None
    if op.target == "caption":

        def run_on_text(text: str, known: list[str] | None,
                        counts: Mapping[str, int] | None) -> _Result:
            new = substitute(text)
            return (text if new == text else new), None, None

        return run_on_text
    leading = _leading(op)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if not regex.may_match_within(text):  # every tag is a piece of the text
            return text, None, None
        tags = split_tags(text) if known is None else known
        lead = leading(tags)
        renamed = tags[:lead]
        kept = [True] * len(tags)
        for k, tag in enumerate(tags[lead:], start=lead):
            result = substitute(tag)
            renamed.append(tag if result == tag else _replaced_tag(op, tag, result))
            if not renamed[k]:  # an empty result removes the tag
                renamed[k] = tag
                kept[k] = False
        return _renamed(text, tags, renamed, kept)

    return run


def _replaced_tag(op: Operation, tag: str, result: str) -> str:
    """The tag `result` (trimmed; "" when empty) that replacing in `tag` gave, if it is one."""
    if not result.strip():
        return ""
    try:
        return validate_tag(result)
    except ValueError as error:
        raise ValueError(
            f"replacing /{op.pattern}/ in the tag {tag!r} gives {result!r}: {error} "
            "To split tags, replace on the caption text (target 'caption')."
        ) from None


def _sort(op: Operation) -> _Runner:
    by_frequency = op.order == "frequency"
    leading = _leading(op)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if by_frequency and counts is None:
            raise ValueError("Sorting by frequency needs `counts` (tag -> number of images).")
        tags = split_tags(text) if known is None else known
        lead = leading(tags)
        rest = tags[lead:]
        if counts is not None and by_frequency:
            get = counts.get
            ordered = sorted(rest, key=lambda tag: -get(tag, 0))
        else:
            ordered = sorted(rest, key=str.casefold)
        if ordered == rest:
            return text, None, None
        return _edited(text, tags, [*tags[:lead], *ordered])

    return run


def _dedupe(op: Operation) -> _Runner:
    fold = op.ignore_case

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        tags = split_tags(text) if known is None else known
        keys = [tag.casefold() for tag in tags] if fold else tags
        if len(set(keys)) == len(keys):
            return text, None, None
        seen: set[str] = set()
        out = []
        for tag, key in zip(tags, keys, strict=True):
            if key not in seen:
                seen.add(key)
                out.append(tag)
        return _edited(text, tags, out)

    return run


def _front(op: Operation) -> _Runner:
    fold = op.ignore_case
    rank = {_key(tag, fold): n for n, tag in enumerate(_unique(op.tags, fold))}
    mentions = _mentions(rank, fold)
    leading = _leading(op)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if not mentions(text):
            return text, None, None
        tags = split_tags(text) if known is None else known
        lead = leading(tags)
        rest = tags[lead:]
        keys = [tag.casefold() for tag in rest] if fold else rest
        moved = [
            tag
            for _, tag in sorted(
                (pair for pair in zip(keys, rest, strict=True) if pair[0] in rank),
                key=lambda pair: rank[pair[0]],
            )
        ]
        stay = [tag for key, tag in zip(keys, rest, strict=True) if key not in rank]
        new = [*tags[:lead], *moved, *stay]
        return (text, None, None) if new == tags else _edited(text, tags, new)

    return run


def _put_trigger_first(op: Operation) -> _Runner:
    trigger, fold = op.trigger or "", op.ignore_case
    starts = _trigger_regex(trigger, fold)
    key = _key(trigger, fold)

    def run(text: str, known: list[str] | None, counts: Mapping[str, int] | None) -> _Result:
        if has_trigger_placeholder(text):
            return text, None, None
        tags = split_tags(text) if known is None else known
        if tags and starts.match(tags[0]):
            return text, None, None
        keys = [tag.casefold() for tag in tags] if fold else tags
        if key in keys:  # the trigger is a tag further on: move it rather than copy it
            at = keys.index(key)
            return _edited(text, tags, [tags[at], *tags[:at], *tags[at + 1 :]])
        return _edited(text, tags, [trigger, *tags])

    return run


_RUNNERS: dict[str, Callable[[Operation], _Runner]] = {
    "add": _add,
    "remove": _remove,
    "rename": _rename,
    "replace": _replace,
    "sort": _sort,
    "dedupe": _dedupe,
    "front": _front,
    "trigger": _put_trigger_first,
}


# Helpers


def _leading(op: Operation) -> Callable[[list[str]], int]:
    """A function of a caption's tags: 1 when the first is the operation's trigger (by the
    trigger rule) or a placeholder, so it must stay first; 0 otherwise or without a trigger."""
    if op.trigger is None:
        return lambda tags: 0
    trigger = _trigger_regex(op.trigger, op.ignore_case)
    placeholder = re.compile("|".join(rf"{re.escape(p)}(?!\w)" for p in PLACEHOLDERS))

    def leading(tags: list[str]) -> int:
        if tags and (trigger.match(tags[0]) or placeholder.match(tags[0])):
            return 1
        return 0

    return leading


def _trigger_regex(trigger: str, ignore_case: bool) -> re.Pattern[str]:
    """Matches at the start of a tag that is `trigger` or starts with it as a word."""
    return re.compile(rf"{re.escape(trigger)}(?!\w)", re.IGNORECASE if ignore_case else 0)


def _first_tag(text: str) -> str | None:
    tags = split_tags(text)
    return tags[0] if tags else None


def _edited(text: str, tags: list[str], new: list[str]) -> _Result:
    """The result of changing the tags of `text` from `tags` to `new`."""
    return edit_caption(text, new, tags), tags, new


def _renamed(text: str, tags: list[str], renamed: list[str], kept: list[bool]) -> _Result:
    """The result of renaming `tags` to `renamed` in place, then keeping those marked in `kept`."""
    new = renamed if all(kept) else [tag for tag, keep in zip(renamed, kept, strict=True) if keep]
    if new == tags:
        return text, None, None
    if renamed != tags:
        text = _substituted(text, tags, renamed)
    return (text if new is renamed else edit_caption(text, new, renamed)), tags, new


def _substituted(text: str, tags: list[str], new: list[str]) -> str:
    """`edit_caption(text, new)` for `new` as long as `tags` (tags substituted in place), keeping
    the separator before every substituted tag.

    `edit_caption` gives the tags of a run of neighbouring changed tags, after the first, the
    file's default separator; so a run is changed in two edits, the even positions and then the
    odd ones, in which no two changed tags are neighbours.
    """
    if is_plain_list(text, tags):
        return DEFAULT_SEPARATOR.join(new)
    changed = list(map(ne, tags, new))
    if changed.count(True) > 1 and any(map(and_, changed, changed[1:])):
        half = [new[k] if k % 2 == 0 else old for k, old in enumerate(tags)]
        text = edit_caption(text, half)
    return edit_caption(text, new)  # not a plain list: `tags` would not shorten it


def _mentions(keys: Iterable[str], fold: bool) -> Callable[[str], bool]:
    """A quick test of a caption's text that is false only when it cannot have any of the tags
    `keys` (a tag is a piece of the text, so its text, or casefolded text, is in the text)."""
    needles = tuple(keys)

    def mentions(text: str) -> bool:
        folded = text.casefold() if fold else text
        return any(needle in folded for needle in needles)

    return mentions


def _tag_to_find(tag: object) -> str:
    """`tag` trimmed, when a caption could have it as a tag (it need not be valid to add)."""
    cleaned = existing_tag(tag)
    if not cleaned:
        raise ValueError("A tag cannot be empty.")
    if split_tags(cleaned) != [cleaned]:
        raise ValueError(f"{cleaned!r} cannot be one tag: commas and line breaks separate tags.")
    return cleaned


def _checked(check: Callable[[object], str], value: object, name: str) -> str:
    try:
        return check(value)
    except ValueError as error:
        raise ValueError(f"{name!r}: {error}") from None


def _sequence(value: object, name: str) -> Sequence[object]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise ValueError(f"{name!r} must be a list, not {type(value).__name__}.")
    return value


def _set(op: Operation, name: str, value: object) -> None:
    object.__setattr__(op, name, value)


def _key(tag: str, fold: bool) -> str:
    return tag.casefold() if fold else tag


def _unique(tags: Iterable[str], fold: bool) -> list[str]:
    """`tags` without repeats (by `_key`), first occurrences kept."""
    seen: set[str] = set()
    out = []
    for tag in tags:
        key = _key(tag, fold)
        if key not in seen:
            seen.add(key)
            out.append(tag)
    return out


def _difference(before: list[str], after: list[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(tags in `after` not in `before`, tags in `before` not in `after`), as multisets."""
    at = replaced_at(before, after)
    if at is not None:
        return (after[at],), (before[at],)
    old, new = set(before), set(after)
    if len(old) == len(before) and len(new) == len(after):  # no repeats: sets will do
        gained, lost = new - old, old - new
        return (tuple(gained) if len(gained) < 2 else tuple(t for t in after if t in gained),
                tuple(lost) if len(lost) < 2 else tuple(t for t in before if t in lost))
    extra = Counter(after)
    extra.subtract(before)
    if not any(extra.values()):
        return (), ()
    gained, lost = [], []
    for tag in after:
        if extra[tag] > 0:
            gained.append(tag)
            extra[tag] -= 1
    for tag in before:
        if extra[tag] < 0:
            lost.append(tag)
            extra[tag] += 1
    return tuple(gained), tuple(lost)


def quoted_tags(tags: Iterable[str], limit: int = 5) -> str:
    """`tags` quoted and joined for a label, the `limit`-th and later ones counted."""
    items = [f'"{tag}"' for tag in tags]
    if len(items) > limit:
        items = [*items[: limit - 1], f"{len(items) - limit + 1} more"]
    return _joined(items)


def _joined(items: list[str]) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def _listed(names: Iterable[str]) -> str:
    return ", ".join(repr(name) for name in names)
