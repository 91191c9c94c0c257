"""Batch operations: each changes what it should and no other byte, keeps the trigger word first,
refuses bad arguments before running, travels as JSON, and previews its effect on a data set."""

from __future__ import annotations

import copy
import json
import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lora_tagger_widget.core.batch import (
    BatchPreview,
    CaptionChange,
    Operation,
    has_trigger_placeholder,
    plan,
    starts_with_trigger,
)
from lora_tagger_widget.core.captions import split_tags

ODD = "A,b\nc"  # bare commas and a line break
WIDE = "Red_Hair,  smiling ,  Outdoors\n"  # wide separators, odd case, trailing line break


def add(*tags: str, where: str = "end", **kw: object) -> Operation:
    return Operation("add", tags=tags, where=where, **kw)  # type: ignore[arg-type]


def rename(mapping: dict[str, str], **kw: object) -> Operation:
    return Operation("rename", mapping=tuple(mapping.items()), **kw)  # type: ignore[arg-type]


# Unchanged captions come back as they were


@pytest.mark.parametrize(
    "op",
    [
        add("A"),
        Operation("remove", tags=("zzz",)),
        rename({"zzz": "y"}),
        Operation("replace", pattern="zzz", replacement="y"),
        Operation("replace", pattern="zzz", replacement="y", target="caption"),
        Operation("sort"),
        Operation("sort", order="frequency"),
        Operation("dedupe"),
        Operation("front", tags=("A", "zzz")),
        Operation("trigger", trigger="A"),
    ],
    ids=lambda op: op.kind,
)
def test_a_caption_the_operation_does_not_affect_comes_back_as_the_same_text(
    op: Operation,
) -> None:
    text = "A,b,\n c\n"
    assert op.apply(text, counts={"A": 3, "b": 2, "c": 1}) is text


# Add


def test_add_at_the_end_appends_and_keeps_the_rest_byte_for_byte() -> None:
    assert add("d").apply(ODD) == "A,b\nc, d"
    assert add("d").apply(WIDE) == "Red_Hair,  smiling ,  Outdoors, d\n"
    assert add("d").apply("a,b,c") == "a,b,c,d"  # a file of bare commas keeps bare commas


def test_add_at_the_start_prepends_and_keeps_the_rest_byte_for_byte() -> None:
    assert add("ohwx", where="start").apply(ODD) == "ohwx, A,b\nc"
    assert add("ohwx", where="start").apply(WIDE) == "ohwx, Red_Hair,  smiling ,  Outdoors\n"


def test_add_skips_a_tag_the_caption_already_has_and_repeats_in_the_request() -> None:
    assert add("b", "d", "d").apply(ODD) == "A,b\nc, d"


def test_add_with_ignore_case_treats_a_differently_cased_tag_as_present() -> None:
    assert add("a").apply(ODD) == "A,b\nc, a"
    assert add("a", ignore_case=True).apply(ODD) == ODD


def test_add_at_the_start_goes_after_a_leading_trigger() -> None:
    op = add("x", where="start", trigger="ohwx")
    assert op.apply("ohwx,a") == "ohwx,x,a"
    assert op.apply("ohwx woman, a") == "ohwx woman, x, a"
    assert op.apply("a, ohwx") == "x, a, ohwx"  # no leading trigger: nothing to keep first


def test_add_to_an_empty_caption_writes_just_the_tags() -> None:
    assert add("a", "b").apply("") == "a, b"


# Remove


def test_remove_takes_out_every_occurrence_and_one_separator_each() -> None:
    assert Operation("remove", tags=("b",)).apply("a,  b, c, b\n") == "a,  c\n"


def test_remove_keeps_line_structure_and_other_spellings() -> None:
    assert Operation("remove", tags=("b",)).apply(ODD) == "A\nc"


def test_remove_matches_exact_text_unless_ignore_case() -> None:
    assert Operation("remove", tags=("a",)).apply(ODD) is ODD
    assert Operation("remove", tags=("a",), ignore_case=True).apply(ODD) == "b\nc"


def test_remove_can_name_a_tag_that_adding_would_refuse() -> None:
    long = "x" * 600
    assert Operation("remove", tags=(long,)).apply(f"a, {long}") == "a"


# Rename and merge


def test_rename_replaces_the_tag_in_place() -> None:
    assert rename({"b": "blue eyes"}).apply(ODD) == "A,blue eyes\nc"
    assert rename({"smiling": "smile"}).apply(WIDE) == "Red_Hair,  smile ,  Outdoors\n"


def test_rename_to_a_tag_the_caption_has_keeps_the_first_occurrence() -> None:
    assert rename({"c": "A"}).apply(ODD) == "A,b"
    assert rename({"A": "c"}).apply(ODD) == "c,b"


def test_merge_turns_several_tags_into_one_at_the_first_ones_place() -> None:
    op = rename({"blonde": "blonde hair", "yellow hair": "blonde hair"})
    assert op.apply("x, yellow hair, y, blonde\n") == "x, blonde hair, y\n"


def test_rename_leaves_duplicates_that_were_already_there() -> None:
    assert rename({"z": "a"}).apply("a, b, a") == "a, b, a"
    assert rename({"b": "c"}).apply("a, a, b") == "a, a, c"


def test_rename_applies_its_mapping_at_once_not_in_a_chain() -> None:
    assert rename({"a": "b", "b": "c"}).apply("a, b") == "b, c"


def test_rename_with_ignore_case_merges_case_variants_into_one_spelling() -> None:
    op = rename({"red hair": "red hair"}, ignore_case=True)
    assert op.apply("Red Hair, x, RED HAIR") == "red hair, x"
    assert rename({"red hair": "red hair"}).apply("red hair, red hair") == "red hair, red hair"


def test_rename_acts_on_a_leading_trigger_when_named() -> None:
    assert rename({"ohwx": "sks"}, trigger="ohwx").apply("ohwx, a") == "sks, a"


# Regex replace


def test_replace_on_tags_edits_each_tag_and_keeps_separators() -> None:
    op = Operation("replace", pattern="_", replacement=" ")
    assert op.apply("Red_Hair,  blue_eyes\nsmiling\n") == "Red Hair,  blue eyes\nsmiling\n"
    assert op.apply("a_a,  b_b , c_c,d_d\n") == "a a,  b b , c c,d d\n"


def test_replace_on_tags_uses_groups_and_ignore_case() -> None:
    op = Operation("replace", pattern=r"^(\w+) HAIR$", replacement=r"\1-hair", ignore_case=True)
    assert op.apply("red hair, long Hair") == "red-hair, long-hair"


def test_replace_on_tags_removes_a_tag_that_becomes_empty() -> None:
    assert Operation("replace", pattern="^b$", replacement="").apply(ODD) == "A\nc"
    op = Operation("replace", pattern="x", replacement="")
    assert op.apply("a_x,  x, b_x,c") == "a_,  b_,c"


def test_replace_on_tags_refuses_a_result_that_is_not_one_tag_naming_the_caption() -> None:
    op = Operation("replace", pattern="b", replacement=r"\054")  # an octal escape for a comma
    with pytest.raises(ValueError, match=r"Caption 'two'.*'b'.*comma.*caption text"):
        plan(op, [("one", "a"), ("two", "a, b")])


def test_replace_on_tags_leaves_a_leading_trigger_alone() -> None:
    op = Operation("replace", pattern="_", replacement=" ", trigger="ohwx_x")
    assert op.apply("ohwx_x, red_hair") == "ohwx_x, red hair"


@pytest.mark.parametrize(
    ("pattern", "replacement", "caption", "expected"),
    [
        (r"(\w+)_(\w+)", r"\2 \1", "hair_red, eyes_blue", "red hair, blue eyes"),
        (r"(\w+)_(\w+)", r"\g<2> \g<1>", "hair_red", "red hair"),
        (r"(?P<what>\w+)_(?P<colour>\w+)", r"\g<colour> \g<what>", "hair_red", "red hair"),
        (r"^(\w+)$", r"\g<1>_x", "café, 日本", "café_x, 日本_x"),  # \w is Unicode, as in Python
        (r"^(a)?b$", r"[\1]", "b, ab", "[], [a]"),  # a group that took no part gives ""
        (r"\s+", "_", "long\u3000hair", "long_hair"),
        ("RED", "crimson", "red hair, Red eyes", "red hair, Red eyes"),
    ],
)
def test_replace_keeps_pythons_replacement_syntax(
    pattern: str, replacement: str, caption: str, expected: str
) -> None:
    assert Operation("replace", pattern=pattern, replacement=replacement).apply(caption) == expected


def test_replace_ignoring_case_folds_unicode_as_before() -> None:
    op = Operation("replace", pattern="RÉD", replacement="crimson", ignore_case=True)
    assert op.apply("réd hair, Réd eyes, red") == "crimson hair, crimson eyes, red"
    kelvin = Operation("replace", pattern="k", replacement="K", ignore_case=True)
    assert kelvin.apply("\u212a") == "K"  # the Kelvin sign folds to k, as in Python


def test_replace_on_the_caption_is_a_raw_text_substitution() -> None:
    op = Operation("replace", pattern=r",\s*", replacement=", ", target="caption")
    assert op.apply("a,b,  c\n") == "a, b, c\n"
    split = Operation("replace", pattern=" and ", replacement=", ", target="caption")
    assert split.apply("cat and dog\n") == "cat, dog\n"


# Sort


def test_sort_alphabetically_ignores_case_and_keeps_spelling() -> None:
    assert Operation("sort").apply("c, B_x,a\n") == "a, B_x, c\n"


def test_sort_alphabetically_is_stable_for_tags_equal_but_for_case() -> None:
    assert Operation("sort").apply("b, X, a, x") == "a, b, X, x"


def test_sort_by_frequency_puts_the_most_common_first_and_keeps_ties_in_place() -> None:
    counts = {"a": 1, "b": 5, "c": 1, "d": 3}
    assert Operation("sort", order="frequency").apply("a, b, c, d", counts) == "b, d, a, c"


def test_sort_by_frequency_without_counts_is_refused() -> None:
    with pytest.raises(ValueError, match="counts"):
        Operation("sort", order="frequency").apply("a, b")


def test_sort_keeps_a_leading_trigger_first() -> None:
    op = Operation("sort", trigger="ohwx")
    assert op.apply("ohwx, c, a") == "ohwx, a, c"
    assert op.apply("ohwx woman, c, a") == "ohwx woman, a, c"
    assert op.apply("[trigger], c, a") == "[trigger], a, c"
    assert Operation("sort").apply("ohwx, c, a") == "a, c, ohwx"


# Dedupe


def test_dedupe_keeps_the_first_of_exact_duplicates() -> None:
    assert Operation("dedupe").apply("a, b,  a\nc, b\n") == "a, b\nc\n"


def test_dedupe_with_ignore_case_keeps_the_first_spelling() -> None:
    assert Operation("dedupe").apply("Red, red") == "Red, red"
    assert Operation("dedupe", ignore_case=True).apply("Red, red") == "Red"


def test_dedupe_does_not_treat_underscores_as_spaces() -> None:
    assert Operation("dedupe", ignore_case=True).apply("red_hair, red hair, ^_^") == (
        "red_hair, red hair, ^_^"
    )


# Move to front


def test_front_moves_the_given_tags_in_the_given_order() -> None:
    assert Operation("front", tags=("c", "a")).apply("a, b,  c\n") == "c, a, b\n"


def test_front_ignores_tags_the_caption_lacks_and_never_adds() -> None:
    assert Operation("front", tags=("zzz", "c")).apply(ODD) == "c, A,b"


def test_front_with_ignore_case_moves_the_caption_spelling() -> None:
    assert Operation("front", tags=("c",), ignore_case=True).apply("a, C") == "C, a"


def test_front_puts_tags_after_a_leading_trigger() -> None:
    assert Operation("front", tags=("c",), trigger="ohwx").apply("ohwx, a, c") == "ohwx, c, a"


def test_front_leaves_a_caption_already_in_order_unchanged() -> None:
    text = "c,  a, b"
    assert Operation("front", tags=("c", "a")).apply(text) is text


# The trigger rule


def test_trigger_is_prepended_to_a_caption_without_it() -> None:
    assert Operation("trigger", trigger="ohwx").apply(ODD) == "ohwx, A,b\nc"
    assert Operation("trigger", trigger="ohwx").apply("") == "ohwx"


def test_trigger_as_the_first_word_counts_but_a_longer_word_does_not() -> None:
    assert starts_with_trigger("ohwx woman, smiling", "ohwx")
    assert starts_with_trigger("ohwx, smiling", "ohwx")
    assert starts_with_trigger("  ohwx-style\n", "ohwx")
    assert not starts_with_trigger("ohwxyz, smiling", "ohwx")
    assert not starts_with_trigger("ohwx_2, smiling", "ohwx")
    assert not starts_with_trigger("smiling, ohwx", "ohwx")
    assert not starts_with_trigger("", "ohwx")


def test_trigger_comparison_is_case_sensitive_unless_asked() -> None:
    assert not starts_with_trigger("OHWX, a", "ohwx")
    assert starts_with_trigger("OHWX, a", "ohwx", ignore_case=True)
    assert Operation("trigger", trigger="ohwx", ignore_case=True).apply("OHWX, a") == "OHWX, a"


def test_trigger_operation_leaves_a_caption_that_starts_with_it_as_a_word() -> None:
    text = "ohwx woman, smiling"
    assert Operation("trigger", trigger="ohwx").apply(text) is text
    assert Operation("trigger", trigger="ohwx").apply("ohwxyz, a") == "ohwx, ohwxyz, a"


def test_the_placeholder_counts_as_the_trigger_anywhere_in_the_caption() -> None:
    assert has_trigger_placeholder("a photo of [trigger] smiling")
    assert has_trigger_placeholder("[name], a")
    assert not has_trigger_placeholder("a photo of [Trigger]")
    text = "a photo of [trigger] smiling, outdoors"
    assert Operation("trigger", trigger="ohwx").apply(text) is text


def test_a_trigger_tag_further_on_is_moved_to_the_front_not_copied() -> None:
    assert Operation("trigger", trigger="ohwx").apply("a,  ohwx, b\n") == "ohwx, a,  b\n"


# Bad arguments are refused before anything runs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "add", "tags": ("",)}, "empty"),
        ({"kind": "add", "tags": ("a, b",)}, "comma"),
        ({"kind": "add", "tags": ("a\nb",)}, "line break"),
        ({"kind": "add", "tags": ()}, "at least one tag"),
        ({"kind": "add", "tags": "a"}, "must be a list"),
        ({"kind": "add", "tags": ("a",), "where": "middle"}, "'where' must be one of"),
        ({"kind": "remove", "tags": ("  ",)}, "empty"),
        ({"kind": "remove", "tags": ("a,b",)}, "cannot be one tag"),
        ({"kind": "front", "tags": (3,)}, "must be text"),
        ({"kind": "rename", "mapping": (("a", ""),)}, "empty"),
        ({"kind": "rename", "mapping": (("a", "b,c"),)}, "comma"),
        ({"kind": "rename", "mapping": (("a", "b"), ("a", "c"))}, "twice"),
        ({"kind": "rename", "mapping": (("a",),)}, "pair"),
        ({"kind": "rename", "mapping": ()}, "at least one"),
        ({"kind": "replace", "pattern": "("}, "Invalid regular expression"),
        ({"kind": "replace", "pattern": ""}, "needs a regular expression"),
        ({"kind": "replace", "pattern": "a", "replacement": r"\1"}, "Invalid replacement"),
        ({"kind": "replace", "pattern": "a", "replacement": r"\g<x>"}, "Invalid replacement"),
        ({"kind": "replace", "pattern": "a", "replacement": "x, y"}, "cannot contain a comma"),
        ({"kind": "replace", "pattern": "a(?=b)"}, r"Invalid regular expression.*lookaround"),
        ({"kind": "replace", "pattern": r"(a)\1"}, r"Invalid regular expression.*Backreference"),
        ({"kind": "replace", "pattern": "a" * 1001}, r"Invalid regular expression.*at most 1000"),
        ({"kind": "sort", "order": "size"}, "'order' must be one of"),
        ({"kind": "sort", "tags": ("a",)}, "does not apply"),
        ({"kind": "dedupe", "ignore_case": 1}, "true or false"),
        ({"kind": "trigger"}, "needs the trigger word"),
        ({"kind": "trigger", "trigger": "a,b"}, "comma"),
        ({"kind": "sort", "trigger": ""}, "empty"),
        ({"kind": "frobnicate"}, "Unknown operation"),
    ],
)
def test_bad_arguments_raise_value_error_when_the_operation_is_made(
    kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Operation(**kwargs)  # type: ignore[arg-type]


def test_a_case_sensitive_regex_is_fine_with_a_comma_when_replacing_the_caption() -> None:
    op = Operation("replace", pattern=" and ", replacement=", ", target="caption")
    assert op.replacement == ", "


def test_tags_given_to_an_operation_are_trimmed() -> None:
    assert add("  a ").tags == ("a",)
    assert Operation("trigger", trigger=" ohwx ").trigger == "ohwx"


# JSON: from_dict and to_dict


ROUND_TRIP = [
    add("ohwx", "b", where="start", trigger="ohwx"),
    Operation("remove", tags=("a", "b"), ignore_case=True),
    rename({"a": "b", "c": "b"}),
    Operation("replace", pattern=r"(\w+)_", replacement=r"\1 ", target="caption"),
    Operation("sort", order="frequency", trigger="ohwx"),
    Operation("dedupe", ignore_case=True),
    Operation("front", tags=("x",)),
    Operation("trigger", trigger="ohwx", ignore_case=True),
]


@pytest.mark.parametrize("op", ROUND_TRIP, ids=lambda op: op.kind)
def test_to_dict_survives_json_and_from_dict_gives_the_same_operation(op: Operation) -> None:
    data = json.loads(json.dumps(op.to_dict()))
    assert Operation.from_dict(data) == op
    counts = {"x": 2}
    assert Operation.from_dict(data).apply("a, b_c, x", counts) == op.apply("a, b_c, x", counts)


def test_an_operation_survives_pickle_and_copy() -> None:
    op = rename({"a": "b"}, trigger="ohwx")
    assert pickle.loads(pickle.dumps(op)) == op
    assert copy.deepcopy(op).apply("a, c") == "b, c"


def test_to_dict_gives_only_the_parameters_the_kind_takes() -> None:
    assert rename({"a": "b"}).to_dict() == {
        "kind": "rename",
        "mapping": {"a": "b"},
        "ignore_case": False,
        "trigger": None,
    }


def test_from_dict_takes_a_mapping_as_a_list_of_pairs_and_missing_keys_as_defaults() -> None:
    op = Operation.from_dict({"kind": "rename", "mapping": [["a", "b"]]})
    assert op == rename({"a": "b"})


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"kind": "explode"}, "Unknown operation"),
        ({"kind": 3}, "Unknown operation"),
        ({"tags": ["a"]}, "needs a 'kind'"),
        ({"kind": "add", "tags": ["a"], "colour": "red"}, "Unknown key"),
        ({"kind": "add", "tags": ["a"], "_run": None}, "Unknown key"),
        ({"kind": "add", "tags": ["a"], "pattern": "x"}, "do not apply"),
        ({"kind": "add", "tags": "a"}, "must be a list"),
        ({"kind": "add", "tags": [["a"]]}, "must be text"),
        ({"kind": "add", "tags": ["a"], "where": 1}, "'where' must be one of"),
        ({"kind": "rename", "mapping": "a=b"}, "must be a list"),
        ({"kind": "rename", "mapping": {"a": 1}}, "must be text"),
        ({"kind": "dedupe", "ignore_case": "yes"}, "true or false"),
        ({"kind": "replace", "pattern": 5}, "needs a regular expression"),
        ({"kind": "replace", "pattern": "a", "replacement": None}, "must be text"),
        ({"kind": "trigger", "trigger": 5}, "must be text"),
    ],
)
def test_from_dict_rejects_junk_with_a_clear_message(data: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Operation.from_dict(data)  # type: ignore[arg-type]


def test_from_dict_rejects_something_that_is_not_a_mapping() -> None:
    with pytest.raises(ValueError, match="must be a mapping"):
        Operation.from_dict(["add"])  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("op", "sentence"),
    [
        (add("ohwx", where="start"), 'Add "ohwx" at the start'),
        (Operation("remove", tags=("a", "b", "c")), 'Remove "a", "b" and "c"'),
        (rename({"a": "b"}), 'Rename "a" to "b"'),
        (rename({"a": "c", "b": "c"}), 'Merge "a" and "b" into "c"'),
        (Operation("replace", pattern="_", replacement=" "), 'Replace /_/ with " " in each tag'),
        (Operation("sort", trigger="ohwx"), 'Sort tags alphabetically, keeping "ohwx" first'),
        (
            Operation("dedupe", ignore_case=True),
            "Remove duplicate tags, keeping the first (ignoring case)",
        ),
        (Operation("trigger", trigger="ohwx"), 'Put the trigger word "ohwx" first'),
    ],
)
def test_describe_says_what_the_operation_does_in_one_sentence(
    op: Operation, sentence: str
) -> None:
    assert op.describe() == sentence


# plan: the preview


def test_plan_lists_only_the_captions_that_change_with_their_tag_differences() -> None:
    captions = [("1", "a, b"), ("2", "c"), ("3", "b,b\n")]
    preview = plan(rename({"b": "x"}), captions)
    assert preview.scope_size == 3
    assert preview.changes == (
        CaptionChange("1", "a, b", "a, x", added=("x",), removed=("b",)),
        CaptionChange("3", "b,b\n", "x\n", added=("x",), removed=("b", "b")),
    )


def test_plan_counts_captions_gaining_and_losing_each_tag_most_first() -> None:
    captions = [("1", "a, b"), ("2", "a"), ("3", "b, b, c")]
    preview = plan(Operation("remove", tags=("c", "b")), captions)
    assert preview.tags_removed == {"b": 2, "c": 1}
    assert list(preview.tags_removed) == ["b", "c"]
    assert preview.tags_added == {}


def test_plan_summary_reads_like_the_issue() -> None:
    captions = [(str(n), "a" if n < 12 else "ohwx, a") for n in range(40)]
    preview = plan(Operation("trigger", trigger="ohwx"), captions)
    assert preview.summary() == "12 of 40 images change: +ohwx (12)"


def test_plan_summary_of_a_reorder_says_no_tags_come_or_go() -> None:
    preview = plan(Operation("sort"), [("1", "b, a")])
    assert preview.summary() == "1 of 1 image changes: no tags added or removed"
    assert plan(Operation("sort"), []).summary() == "0 of 0 images change"


def test_plan_examples_are_the_first_changes_in_scope_order() -> None:
    captions = [(str(n), "a" if n % 2 else "b") for n in range(10)]
    preview = plan(add("z"), captions)
    assert [c.id for c in preview.examples()] == ["0", "1", "2"]
    assert [c.id for c in preview.examples(1)] == ["0"]
    assert len(preview.examples(100)) == 10


def test_plan_sorts_by_frequency_counted_over_its_captions_when_not_given_counts() -> None:
    captions = iter([("1", "rare, common"), ("2", "common"), ("3", "rare, rare, common")])
    preview = plan(Operation("sort", order="frequency"), captions)
    assert [c.after for c in preview.changes] == ["common, rare", "common, rare, rare"]
    given = plan(Operation("sort", order="frequency"), [("1", "a, b")], counts={"b": 9})
    assert given.changes[0].after == "b, a"


def test_plan_diff_of_a_whole_caption_replace_comes_from_the_texts() -> None:
    op = Operation("replace", pattern=" and ", replacement=", ", target="caption")
    preview = plan(op, [("1", "cat and dog\n")])
    assert preview.changes[0].added == ("cat", "dog")
    assert preview.changes[0].removed == ("cat and dog",)


def test_a_preview_is_hashable_and_comparable() -> None:
    first = plan(add("z"), [("1", "a")])
    assert first == plan(add("z"), [("1", "a")])
    assert isinstance(hash(first), int)
    assert isinstance(first, BatchPreview)


# Every tag-list operation changes the tags as intended and nothing else


TAG = st.text(st.sampled_from("abAB_ x"), min_size=1, max_size=4).map(str.strip).filter(bool)
SEP = st.sampled_from([", ", ",", " , ", "\n", ",\n", "\r\n", ",  "])
CAPTION = st.lists(st.tuples(TAG, SEP), max_size=8).map(lambda ps: "".join(t + s for t, s in ps))


@settings(max_examples=300, deadline=None)
@given(text=CAPTION, tag=TAG, other=TAG)
def test_any_operation_leaves_the_tags_it_did_not_touch_in_order(
    text: str, tag: str, other: str
) -> None:
    before = split_tags(text)
    for op in (add(tag), Operation("remove", tags=(tag,)), rename({tag: other})):
        after = split_tags(op.apply(text))
        untouched = [t for t in after if t not in (tag, other)]
        assert untouched == [t for t in before if t not in (tag, other)], op.describe()
    assert split_tags(Operation("dedupe").apply(text)) == list(dict.fromkeys(before))
    assert split_tags(Operation("sort").apply(text)) == sorted(before, key=str.casefold)


@settings(max_examples=300, deadline=None)
@given(text=CAPTION)
def test_a_regex_replace_on_tags_changes_only_the_tags_it_matches(text: str) -> None:
    op = Operation("replace", pattern="_", replacement=" ")
    new = op.apply(text)
    replaced = (tag.replace("_", " ").strip() for tag in split_tags(text))
    assert split_tags(new) == [tag for tag in replaced if tag]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(CAPTION, min_size=1, max_size=4), tag=TAG, other=TAG)
def test_a_plan_given_the_tags_it_knows_equals_the_plan_that_splits_them(
    texts: list[str], tag: str, other: str
) -> None:
    ops = [*ROUND_TRIP, add(tag, where="start", trigger=other), rename({tag: other, other: tag}),
           rename({tag: other}, ignore_case=True), Operation("remove", tags=(tag, other)),
           Operation("replace", pattern="a", replacement=""), Operation("front", tags=(other,))]
    captions = [(str(n), text) for n, text in enumerate(texts)]
    known = [(str(n), text, tuple(split_tags(text))) for n, text in enumerate(texts)]
    for op in ops:
        splitting, knowing = plan(op, captions), plan(op, known)
        assert knowing == splitting, op.describe()
        for change in knowing.changes:
            assert change.after_tags == tuple(split_tags(change.after)), op.describe()
