"""The filter language: what each term matches, how terms combine, and what a bad query says."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lora_tagger_widget.core.query import Query, QueryError, Subject, parse_query


@dataclass
class Image:
    """A Subject that counts the slow calls made on it."""

    tags: tuple[str, ...] = ()
    caption: str = ""
    name: str = "img.jpg"
    path: str = "img.jpg"
    reviewed: bool = False
    flagged: bool = False
    pixels: tuple[int, int] | None = (512, 768)
    tokens: int = 0
    suggested: tuple[tuple[str, float], ...] | None = None
    size_calls: int = 0
    token_calls: int = 0

    def size(self) -> tuple[int, int] | None:
        self.size_calls += 1
        return self.pixels

    def token_count(self) -> int:
        self.token_calls += 1
        return self.tokens


def image(*tags: str, path: str = "img.jpg", **attributes: object) -> Image:
    """An image with `tags`, its caption the tags joined as a caption file has them."""
    attributes.setdefault("caption", ", ".join(tags))
    name = path.rsplit("/", 1)[-1]
    return Image(tags=tags, path=path, name=name, **attributes)  # type: ignore[arg-type]


def matches(text: str, subject: Image) -> bool:
    return parse_query(text).matches(subject)


def error(text: str) -> QueryError:
    with pytest.raises(QueryError) as caught:
        parse_query(text)
    return caught.value


RED = image("red hair", "smiling", "blue eyes", path="set/red 01.png")
PLAIN = image("black hair", "serious", path="set/plain 02.jpg")


# --- Text terms -----------------------------------------------------------------------------


def test_test_image_is_a_subject() -> None:
    subject: Subject = RED
    assert parse_query("smiling")(subject)


@pytest.mark.parametrize("text", ["", "   ", "\t\n"])
def test_blank_query_matches_everything_and_uses_no_field(text: str) -> None:
    query = parse_query(text)
    assert query.matches(RED) and query.matches(image())
    assert query.fields == frozenset()


def test_tag_matches_a_whole_tag_only() -> None:
    assert matches('tag:"red hair"', RED)
    assert not matches("tag:red", RED)
    assert not matches("tag:hair", RED)


def test_tag_treats_underscore_and_space_alike() -> None:
    assert matches("tag:red_hair", RED)
    assert matches('tag:"long hair"', image("long_hair"))
    assert matches("tag:long?hair", image("long hair"))


def test_tag_wildcard_pattern_must_match_a_whole_tag() -> None:
    assert matches("tag:smil*", RED)
    assert matches("tag:*eyes", RED)
    assert matches("tag:smil?ng", RED)
    assert not matches("tag:smil?", RED)
    assert not matches("tag:mil*", RED)
    assert matches('tag:"(master"*', image("(masterpiece:1.2)"))


def test_tag_wildcard_does_not_reach_into_the_next_tag() -> None:
    assert not matches("tag:red*eyes", RED)
    assert not matches("tag:*hair?smiling", RED)


def test_tag_star_alone_matches_any_tagged_image() -> None:
    assert matches("tag:*", RED)
    assert not matches("tag:*", image())


def test_caption_matches_part_of_the_text_as_written() -> None:
    assert matches('caption:"hair, smi"', RED)
    assert matches("caption:eyes", RED)
    assert not matches("caption:red_hair", RED)


def test_caption_wildcards_match_inside_the_text() -> None:
    assert matches("caption:red*eyes", RED)
    assert matches("caption:h?ir", RED)
    assert not matches("caption:eyes*red", RED)


def test_caption_star_matches_across_line_breaks() -> None:
    assert matches("caption:one*two", image(caption="one\ntwo"))


def test_name_without_wildcards_matches_part_of_the_file_name() -> None:
    assert matches("name:01", RED)
    assert matches('name:"red 01.png"', RED)
    assert not matches("name:set", RED)


def test_name_with_wildcards_still_matches_part_of_the_file_name() -> None:
    # taggui matches name: and path: as *value*: a wildcard does not anchor the pattern
    assert matches("name:*.png", RED)
    assert matches("name:red*", image(path="a/bored.png"))
    assert matches("name:re?", RED)
    assert matches('name:"red ??.png"', RED)
    assert not matches("name:*.png", PLAIN)


def test_path_without_wildcards_matches_part_of_the_relative_path() -> None:
    assert matches("path:set/red", RED)
    assert not matches("path:other", RED)


def test_path_with_wildcards_still_matches_part_of_the_relative_path() -> None:
    assert matches("path:set/*", RED)
    assert matches("path:*/red*", RED)
    assert matches("path:red*", RED)
    assert matches("path:e?/r", RED)
    assert not matches("path:set/*.jpg", RED)


def test_bare_term_matches_the_caption_or_the_path() -> None:
    assert matches("smil", RED)
    assert matches("set/red", RED)
    assert not matches("smil", PLAIN)


def test_bare_term_wildcards_match_inside_caption_or_path() -> None:
    assert matches("red*eyes", RED)
    assert matches("pl?in", PLAIN)
    assert not matches("red*serious", PLAIN)


def test_matching_is_case_insensitive() -> None:
    shouting = image("Red Hair", caption="Red Hair", path="Set/IMG.PNG")
    assert matches("tag:RED_HAIR", shouting)
    assert matches("TAG:red*", shouting)
    assert matches("caption:rEd", shouting)
    assert matches("name:img.png", shouting)
    assert matches("path:set/*.png", shouting)
    assert matches("HAIR", shouting)


# --- Quotes and escapes ---------------------------------------------------------------------


def test_quotes_keep_spaces_and_parentheses_in_a_term() -> None:
    assert matches('"hair, smiling"', RED)
    assert matches('tag:"(masterpiece:1.2)"', image("(masterpiece:1.2)"))


def test_a_value_may_go_on_after_its_closing_quote() -> None:
    assert matches('tag:"red h"*', RED)
    assert matches("tag:'red h'air", RED)


def test_a_quote_inside_a_word_is_an_ordinary_character() -> None:
    roll = image("rock'n'roll", 'a"b"')
    assert matches("tag:rock'n'roll", roll)
    assert matches('tag:a"b"', roll)
    assert not matches('tag:ab', roll)


def test_a_quote_that_nothing_closes_is_an_ordinary_character() -> None:
    nineties = image("'90s", '"quoted')
    assert matches("tag:'90s", nineties)
    assert matches('tag:"quoted', nineties)


def test_single_quotes_are_quotes_too() -> None:
    assert matches("tag:'red hair'", RED)
    assert matches("'hair, smiling'", RED)
    assert matches("tag:'say \"hi\"'", image('say "hi"'))


def test_backslash_takes_the_next_character_as_it_is_inside_quotes() -> None:
    said = image('say "hi"', "back\\slash", "it's")
    assert matches(r'tag:"say \"hi\""', said)
    assert matches(r'tag:"back\\slash"', said)
    assert matches(r'tag:"it\'s"', said)
    assert matches(r"tag:'it\'s'", said)
    assert matches(r'tag:"\it\'s"', said)


def test_escaped_white_space_inside_quotes_is_that_white_space() -> None:
    tabbed = image(caption="one\ttwo")
    assert matches(r'caption:"one\ttwo"', tabbed)
    assert matches(r'caption:"one\\ttwo"', image(caption="one\\ttwo"))
    assert not matches(r'caption:"one\\ttwo"', tabbed)


def test_a_line_break_in_a_tag_pattern_matches_no_tag() -> None:
    two = image("red", "blue")
    assert not matches(r'tag:"red\nblue"', two)
    assert not matches(r'tag:"red\n*"', two)
    assert not matches(r'tag:"red[\n]blue"', two)
    assert not matches("tag:red[!x]blue", two)
    assert matches(r'caption:"red\nblue"', image(caption="red\nblue"))


def test_backslash_star_and_question_mark_are_literal_outside_quotes() -> None:
    starred = image("a*b", "a?b")
    assert matches(r"tag:a\*b", starred)
    assert not matches(r"tag:a\*b", image("axxb"))
    assert not matches(r"tag:a\?b", image("axb"))


def test_in_quotes_a_literal_wildcard_takes_two_backslashes() -> None:
    # the quoted string loses one backslash, then the pattern reads \* as a literal *
    assert matches(r'tag:"a\*b"', image("axxb"))
    assert matches(r'tag:"a\\*b"', image("a*b"))
    assert not matches(r'tag:"a\\*b"', image("axxb"))


def test_bracketed_wildcards_are_literal_anywhere() -> None:
    odd = image("a*b", "a?b", "a[b")
    assert matches("tag:a[*]b", odd) and not matches("tag:a[*]b", image("axb"))
    assert matches('tag:"a[?]b"', odd) and not matches('tag:"a[?]b"', image("axb"))
    assert matches("tag:a[[]b", odd)


def test_character_classes() -> None:
    cats = image("cat", "cot", "c-t")
    assert matches("tag:c[ao]t", image("cot"))
    assert not matches("tag:c[ao]t", image("cut"))
    assert matches("tag:c[!ao]t", image("cut"))
    assert not matches("tag:c[!ao]t", image("cat", "cot"))
    assert matches("tag:c[a-f]t", image("cet"))
    assert matches("tag:c[-]t", cats) and matches("tag:c[a-]t", image("c-t"))
    assert matches("tag:c[]]t", image("c]t")) and matches("tag:c[!]]t", image("cxt"))
    assert not matches("tag:c[z-a]t", cats)  # a range running backwards holds nothing
    assert matches("tag:c[!z-a]t", cats)  # ... so "not in it" is any character
    assert matches("tag:a[b", image("a[b"))  # no "]": the "[" is itself
    assert matches("tag:C[A-Z]T", image("cat"))  # case is ignored, ranges too


def test_other_backslashes_are_ordinary_characters() -> None:
    escaped = image(r"photo_\(medium\)")
    assert matches(r'tag:"photo_\\(medium\\)"', escaped)
    assert matches(r'tag:"photo_\(medium\)"', image("photo_(medium)"))
    assert matches(r'caption:"\\(medium"', escaped)
    assert matches("caption:o_\\", escaped) and not matches("caption:o_\\\\", escaped)
    assert not matches(r"caption:o_\*dium", escaped)


def test_empty_quotes_are_the_empty_text() -> None:
    assert matches('""', RED) and matches("''", image())
    assert matches('name:""', RED)
    assert not matches('tag:""', RED)


def test_white_space_may_stand_around_the_colon() -> None:
    assert matches("tag: smiling", RED)
    assert matches("tag :smiling", RED)
    assert matches('TAG : "red hair"', RED)
    assert matches("tags: >= 3", RED)
    assert not matches("tags: > 3", RED)


def test_size_is_the_exact_pixel_size() -> None:
    wide = image(pixels=(1024, 576))
    assert matches("size:1024x576", wide) and matches("size:1024:576", wide)
    assert matches("size:1024X576", wide)
    assert not matches("size:576x1024", wide)
    assert not matches("size:01024x576", wide)  # compared as text, as taggui does
    assert not matches("size:1024x576", image(pixels=None))


def test_area_is_width_times_height() -> None:
    wide = image(pixels=(1024, 576))
    assert matches("area:589824", wide)
    assert matches("area:>500000", wide) and not matches("area:>600000", wide)
    assert not matches("area:>0", image(pixels=None))


# --- Numbers --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tags:3", True),
        ("tags:=3", True),
        ("tags:==3", True),
        ("tags:=2", False),
        ("tags:!=3", False),
        ("tags:!=2", True),
        ("tags:<3", False),
        ("tags:<4", True),
        ("tags:>2", True),
        ("tags:>3", False),
        ("tags:<=3", True),
        ("tags:<=2", False),
        ("tags:>=3", True),
        ("tags:>=4", False),
    ],
)
def test_each_comparison_on_the_number_of_tags(text: str, expected: bool) -> None:
    assert matches(text, RED) is expected


def test_chars_is_the_length_of_the_caption_text() -> None:
    assert len(RED.caption) == 28
    assert matches("chars:28", RED)
    assert matches("chars:!=0", RED)
    assert matches("chars:0", image())


def test_tokens_is_the_usable_token_count() -> None:
    assert matches("tokens:>75", image("x", tokens=80))
    assert not matches("tokens:>75", image("x", tokens=75))


def test_width_and_height_are_the_pixel_size() -> None:
    wide = image(pixels=(1024, 576))
    assert matches("width:>=1024", wide)
    assert matches("height:576", wide)
    assert not matches("height:>576", wide)


def test_unknown_size_matches_no_width_or_height_term() -> None:
    unreadable = image(pixels=None)
    assert not matches("width:>0", unreadable)
    assert not matches("height:!=5", unreadable)
    assert matches("NOT width:>0", unreadable)


# --- Keywords -------------------------------------------------------------------------------


def test_untagged_reviewed_and_flagged_keywords() -> None:
    done = image("a", reviewed=True, flagged=True)
    assert matches("untagged", image())
    assert not matches("untagged", done)
    assert matches("reviewed", done) and not matches("reviewed", RED)
    assert matches("flagged", done) and not matches("flagged", RED)


def test_keywords_are_case_insensitive() -> None:
    assert matches("Reviewed AND FLAGGED", image(reviewed=True, flagged=True))
    assert matches("UNTAGGED", image())


def test_quoted_keyword_is_a_plain_term() -> None:
    note = image("reviewed by me")
    assert matches('"reviewed"', note)
    assert not matches("reviewed", note)
    assert parse_query('"reviewed"').fields == frozenset({"caption", "path"})


# --- Operators ------------------------------------------------------------------------------


def test_and_needs_both_sides() -> None:
    assert matches("tag:smiling AND tag:*eyes", RED)
    assert not matches("tag:smiling AND tag:serious", RED)


def test_or_needs_either_side() -> None:
    assert matches("tag:serious OR tag:smiling", RED)
    assert not matches("tag:serious OR tag:angry", RED)


def test_not_inverts() -> None:
    assert matches("NOT tag:serious", RED)
    assert not matches("NOT tag:smiling", RED)
    assert matches("NOT NOT tag:smiling", RED)


def test_lower_case_operators_are_operators_too() -> None:
    assert matches("not tag:serious and tag:smiling", RED)
    assert matches("tag:angry or tag:smiling", RED)


def test_quoted_operator_word_is_a_plain_term() -> None:
    salt = image("salt and pepper")
    assert matches('"and"', salt)
    assert not matches('"and"', RED)


def test_adjacent_terms_are_joined_by_and() -> None:
    assert matches("tag:smiling tag:*eyes", RED)
    assert not matches("tag:smiling tag:serious", RED)


def test_not_binds_tighter_than_and() -> None:
    # (NOT smiling) AND serious, not NOT (smiling AND serious)
    assert not matches("NOT tag:smiling AND tag:serious", RED)
    assert matches("NOT tag:smiling AND tag:serious", PLAIN)


def test_and_binds_tighter_than_or() -> None:
    # serious OR (smiling AND angry): RED has smiling but not angry
    assert not matches("tag:serious OR tag:smiling AND tag:angry", RED)
    assert matches("tag:smiling AND tag:angry OR tag:serious", PLAIN)


def test_implicit_and_binds_tighter_than_or() -> None:
    assert not matches("tag:serious OR tag:smiling tag:angry", RED)


def test_parentheses_override_precedence() -> None:
    assert matches("(tag:serious OR tag:smiling) AND tag:*eyes", RED)
    assert not matches("NOT (tag:serious OR tag:smiling)", RED)
    assert matches("((NOT (tag:angry)))", RED)


def test_parentheses_end_an_unquoted_term() -> None:
    assert matches("(tag:angry OR tag:smiling)tag:*eyes", RED)


# --- What a query tells its caller and calls on a subject -----------------------------------


def test_fields_name_what_the_query_uses() -> None:
    query = parse_query("tag:a OR (caption:b name:c) path:d NOT tags:1 width:>2 flagged")
    assert query.fields == {"tag", "caption", "name", "path", "tags", "width", "flagged"}
    assert parse_query("x chars:1 tokens:2 height:3 untagged reviewed").fields == {
        "caption",
        "path",
        "chars",
        "tokens",
        "height",
        "untagged",
        "reviewed",
    }


def test_calling_a_query_is_the_same_as_matches() -> None:
    query = parse_query("tag:smiling")
    assert isinstance(query, Query) and query.text == "tag:smiling"
    assert (
        [query(RED), query(PLAIN)]
        == [query.matches(RED), query.matches(PLAIN)]
        == [
            True,
            False,
        ]
    )


def test_size_and_token_count_are_not_called_when_the_query_does_not_need_them() -> None:
    subject = image("a", "b", tokens=3)
    assert matches("tag:a caption:b name:img path:img tags:2 chars:>0 untagged OR a", subject)
    assert (subject.size_calls, subject.token_calls) == (0, 0)


def test_size_and_token_count_are_skipped_when_the_answer_is_already_known() -> None:
    subject = image("a")
    assert not matches("tag:b AND width:>0 AND tokens:>0", subject)
    assert matches("tag:a OR height:>0 OR tokens:>0", subject)
    assert (subject.size_calls, subject.token_calls) == (0, 0)


def test_size_and_token_count_are_called_once_per_match() -> None:
    subject = image("a", tokens=5)
    assert matches("width:512 height:768 NOT width:0 tokens:5 tokens:<9", subject)
    assert (subject.size_calls, subject.token_calls) == (1, 1)


# --- Errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("(tag:a OR tag:b", 15, 'Expected ")" at 15'),
        ("((a)", 4, 'Expected ")" at 4'),
        ("foo:bar", 0, 'Unknown field "foo:" at 0'),
        ("a Foo:bar", 2, 'Unknown field "Foo:" at 2'),
        ("tag:a)", 5, 'Unmatched ")" at 5'),
        ("tag:a AND", 9, "Expected a term at 9"),
        ("tag:a OR  ", 8, "Expected a term at 8"),
        ("NOT", 3, "Expected a term at 3"),
        ("OR tag:a", 0, 'Expected a term at 0, found "OR"'),
        ("a AND AND b", 6, 'Expected a term at 6, found "AND"'),
        ("()", 1, 'Expected a term at 1, found ")"'),
        ("tags:many", 5, '"tags:" needs a number at 5, e.g. tags:>5'),
        ("width:>", 6, '"width:" needs a number at 6'),
        ("chars:", 6, '"chars:" needs a number at 6'),
        ("tokens:>*", 7, '"tokens:" needs a number at 7'),
        ("height:-3", 7, '"height:" needs a number at 7'),
        ("a tag: ", 7, '"tag:" needs a value at 7'),
        ("tag:(a)", 4, '"tag:" needs a value at 4'),
        ("size:big", 5, '"size:" needs a width and a height at 5'),
        ("size:1024x", 5, '"size:" needs a width and a height at 5'),
        ("tags:>5x", 5, '"tags:" needs a number at 5'),
        ("stars:>3", 0, '"stars:" at 0 is taggui\'s, for star ratings'),
        ("a marking:face", 2, '"marking:" at 2 is taggui\'s, for image markings'),
        ("target:1024x1024", 0, '"target:" at 0 is taggui\'s'),
        ("(" * 101 + "a" + ")" * 101, 100, "Too many nested parentheses at 100"),
    ],
)
def test_invalid_query_says_what_is_wrong_and_where(text: str, position: int, message: str) -> None:
    problem = error(text)
    assert problem.position == position
    assert str(problem).startswith(message)


def test_query_error_is_a_value_error() -> None:
    assert isinstance(error("tag:a AND"), ValueError)


def test_hundred_nested_parentheses_are_fine() -> None:
    assert matches("(" * 100 + "tag:smiling" + ")" * 100, RED)


def test_a_wildcard_term_too_long_to_search_for_says_so_and_where() -> None:
    text = "tag:x name:" + "ab*" * 400
    message = r"Cannot search for the term at 6: .*at most 1000"
    with pytest.raises(QueryError, match=message) as caught:
        parse_query(text)
    assert caught.value.position == 6
    long_plain = "a" * 5000  # no wildcard: a plain substring test, no pattern to compile
    assert parse_query(long_plain)(Image(caption=long_plain))



def test_suggested_and_score_look_at_the_open_suggestion() -> None:
    girl = image("solo", suggested=(("1girl", 0.42), ("long_hair", 0.91)))
    sure = image(suggested=(("1girl", 0.97),))
    none = image("1girl")
    assert [matches("suggested", x) for x in (girl, sure, none)] == [True, True, False]
    assert [matches("suggested:1girl", x) for x in (girl, sure, none)] == [True, True, False]
    assert matches("suggested:long*", girl) and matches("suggested:long_hair", girl)
    assert not matches("suggested:long", girl)
    assert [matches("score:1girl<0.5", x) for x in (girl, sure, none)] == [True, False, False]
    assert [matches("score:<0.5", x) for x in (girl, sure, none)] == [True, False, False]
    assert matches("score:long*>=.9", girl) and not matches("score:solo>0", girl)
    assert matches("tag:solo AND NOT score:1girl>0.5", girl)
    assert parse_query("suggested score:<1").fields == frozenset({"suggested", "score"})


@pytest.mark.parametrize("query", ["score:1girl", "score:<2", "score:>high", "suggested:"])
def test_a_score_needs_a_comparison_with_a_number_from_0_to_1(query: str) -> None:
    with pytest.raises(QueryError, match="needs"):
        parse_query(query)
