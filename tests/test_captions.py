"""Caption text: tags parsed from it, and edits that change only what the person changed."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lora_tagger_widget.core.captions import (
    _TAG,
    MAX_TAG_LENGTH,
    _default_separator,
    _rebuilt,
    edit_caption,
    is_plain_list,
    parse_tag_input,
    replaced_at,
    split_tags,
    validate_tag,
)


def test_tags_are_split_on_commas_and_trimmed() -> None:
    assert split_tags("  red hair ,smiling,, outdoors  ") == ["red hair", "smiling", "outdoors"]


def test_line_breaks_separate_tags_too() -> None:
    assert split_tags("a, b\r\nc\nd") == ["a", "b", "c", "d"]


def test_weights_and_escaped_brackets_are_kept_as_written() -> None:
    text = r"(masterpiece:1.2), photo_\(medium\), photo_(medium)"
    assert split_tags(text) == ["(masterpiece:1.2)", r"photo_\(medium\)", "photo_(medium)"]


def test_unchanged_tags_leave_the_text_byte_for_byte() -> None:
    text = "  Red Hair ,smiling,,  outdoors \n"
    assert edit_caption(text, split_tags(text)) is text


def test_adding_a_tag_appends_it_and_keeps_the_rest() -> None:
    assert edit_caption("Red_Hair,  SMILING\n", ["Red_Hair", "SMILING", "sky"]) == (
        "Red_Hair,  SMILING, sky\n"
    )


def test_a_file_using_bare_commas_keeps_bare_commas() -> None:
    assert edit_caption("a,b,c", ["a", "b", "c", "d"]) == "a,b,c,d"


def test_removing_a_tag_removes_it_and_one_separator() -> None:
    assert edit_caption("a, b, c", ["a", "c"]) == "a, c"
    assert edit_caption("a, b, c", ["b", "c"]) == "b, c"
    assert edit_caption("a, b, c", ["a", "b"]) == "a, b"


def test_removing_a_tag_keeps_the_line_structure() -> None:
    assert edit_caption("a, b\nc, d\n", ["a", "c", "d"]) == "a\nc, d\n"
    assert edit_caption("a, b\nc, d\n", ["a", "b", "d"]) == "a, b\nd\n"


def test_reordering_keeps_each_tag_spelled_as_it_was() -> None:
    result = edit_caption("Alpha, beta_Gamma, (x:1.1)", ["(x:1.1)", "Alpha", "beta_Gamma"])
    assert split_tags(result) == ["(x:1.1)", "Alpha", "beta_Gamma"]


def test_crlf_and_trailing_text_survive_an_edit() -> None:
    assert edit_caption("a, b\r\n", ["a", "b", "c"]) == "a, b, c\r\n"


def test_an_empty_caption_gets_tags_joined_by_comma_space() -> None:
    assert edit_caption("", ["a", "b"]) == "a, b"
    assert edit_caption("\n", ["a"]) == "a\n"


def test_removing_every_tag_leaves_only_what_surrounded_them() -> None:
    assert edit_caption("a, b\n", []) == "\n"


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("a,b", "comma"),
        ("a\nb", "line break"),
        ("a\x00b", "control"),
        ("a\x1bb", "control"),
        ("x" * (MAX_TAG_LENGTH + 1), "at most"),
        (3, "text"),
    ],
)
def test_invalid_tags_are_refused_with_a_clear_reason(bad: object, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        validate_tag(bad)


def test_a_valid_tag_is_trimmed() -> None:
    assert validate_tag("  red hair ") == "red hair"


def test_typed_input_with_commas_gives_several_tags() -> None:
    assert parse_tag_input("a, b ,c") == ["a", "b", "c"]
    with pytest.raises(ValueError):
        parse_tag_input(" , ")


TAG_TEXT = st.text(
    alphabet=st.characters(blacklist_characters=",\r\n", blacklist_categories=("Cs",)),
    min_size=1, max_size=12,
).map(str.strip).filter(bool)
CAPTION_TEXT = st.lists(
    st.tuples(TAG_TEXT, st.sampled_from([", ", ",", " , ", "\n", ",\n", "\r\n", ",, "])),
    max_size=8,
).map(lambda pairs: "".join(tag + sep for tag, sep in pairs))


@settings(max_examples=400, deadline=None)
@given(text=CAPTION_TEXT, new=st.lists(TAG_TEXT, max_size=8))
def test_any_edit_gives_exactly_the_new_tags(text: str, new: list[str]) -> None:
    assert split_tags(edit_caption(text, new)) == new


@settings(max_examples=400, deadline=None)
@given(text=CAPTION_TEXT, data=st.data())
def test_single_edits_agree_with_the_general_edit(text: str, data: st.DataObject) -> None:
    old = split_tags(text)
    spans = [m.span() for m in _TAG.finditer(text)]
    tag = data.draw(TAG_TEXT)
    assume(old and len({*old, tag}) == len(old) + 1)  # with repeats, several edits are right
    k = data.draw(st.integers(0, len(old) - 1))
    for new in (old[:k] + old[k + 1 :], [*old[:k], tag, *old[k + 1 :]], [*old[:k], tag, *old[k:]]):
        expected = _rebuilt(text, spans, new, _default_separator(text, spans))
        assert edit_caption(text, new) == expected


def test_neighbouring_tags_replaced_one_for_one_keep_their_own_separators() -> None:
    assert edit_caption("a,b,c,d", ["a", "X", "Y", "d"]) == "a,X,Y,d"
    assert edit_caption("a, b\nc, d", ["a", "X", "Y", "d"]) == "a, X\nY, d"


@pytest.mark.parametrize(("before", "after", "expected"), [
    (["a", "b", "c"], ["a", "x", "c"], 1),
    (["a", "b"], ["a", "b"], None),  # nothing replaced
    (["a", "b"], ["x", "y"], None),  # two replaced
    (["a", "b"], ["a"], None),  # a removal is not a replacement
    ([], [], None),
])
def test_replaced_at_finds_the_one_tag_replaced_in_place(
    before: list[str], after: list[str], expected: int | None
) -> None:
    assert replaced_at(before, after) == expected


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet="ab ,\n\r\t"), new=st.lists(st.sampled_from(["x", "a b", "y"])))
def test_an_edit_of_a_plain_list_gives_what_the_general_edit_gives(
    text: str, new: list[str]
) -> None:
    tags = split_tags(text)
    plain = ", ".join(tags)
    assert is_plain_list(plain, tags)
    assert edit_caption(plain, new, tags) == edit_caption(plain, new)
    assert edit_caption(text, new, tags) == edit_caption(text, new)


WHITESPACE = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())


@settings(max_examples=2000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(f"ab,\r\n{WHITESPACE}")) | st.text())
def test_split_tags_finds_exactly_what_the_tag_pattern_matches(text: str) -> None:
    assert split_tags(text) == _TAG.findall(text)
