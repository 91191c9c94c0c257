"""Autocomplete from a tag list CSV: reading the list, searching it, and `complete_tags`."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lora_tagger_widget.core.taglist import (
    ListedTag,
    Suggestion,
    TagList,
    complete_tags,
    keeps_underscores,
)

DANBOORU = Path(__file__).resolve().parents[2] / "shared/data/danbooru-tags.csv"

SMALL = (
    '1girl,0,6008644,"1girls,sole_female"\n'
    'solo,0,5000954,"female_solo,solo_female"\n'
    'long_hair,0,4350743,"/lh,longhair"\n'
    "very_long_hair,0,952244,\n"
    "hair_ornament,0,900000,\n"
    "ponytail,0,599087,long_ponytail\n"
    "^_^,0,110141,^^\n"
    ">_<,0,64724,><\n"
    "star_(symbol),0,237573,\n"
    'hatsune_miku,4,150000,"miku,miku_hatsune"\n'
)


def write(tmp_path: Path, text: str | bytes, name: str = "tags.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_bytes(text.encode("utf-8"))
    else:
        path.write_bytes(text)
    return path


@pytest.fixture
def small(tmp_path: Path) -> TagList:
    return TagList.load(write(tmp_path, SMALL))


def names(tags: list[ListedTag]) -> list[str]:
    return [tag.name for tag in tags]


# --- reading the list ---------------------------------------------------------------------------


def test_load_reads_name_category_count_and_quoted_aliases(small: TagList) -> None:
    assert len(small) == 10
    assert small.skipped_rows == 0
    assert small.get("long_hair") == ListedTag("long_hair", 0, 4350743, ("/lh", "longhair"))
    assert small.get("ponytail") == ListedTag("ponytail", 0, 599087, ("long_ponytail",))
    assert small.get("very_long_hair") == ListedTag("very_long_hair", 0, 952244, ())
    assert small.get("hatsune_miku").category == 4


def test_load_keeps_the_path_it_was_given(tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert TagList.load(str(path)).path == path


def test_get_ignores_case_and_underscore_or_space(small: TagList) -> None:
    assert small.get("Long Hair").name == "long_hair"
    assert small.count("LONG_HAIR") == 4350743
    assert small.get("short hair") is None
    assert small.count("short hair") == 0


@pytest.mark.parametrize(
    "header",
    ["name,category,count,aliases", "tag,type,post_count,aliases", "Name", "tag,category"],
)
def test_load_skips_a_header_row(tmp_path: Path, header: str) -> None:
    tags = TagList.load(write(tmp_path, f"{header}\nlong_hair,0,10,longhair\nsolo,0,5,\n"))
    assert len(tags) == 2
    assert tags.skipped_rows == 0
    assert tags.get("name") is None and tags.get("tag") is None


def test_load_accepts_rows_with_only_a_name_or_name_category_or_name_category_count(
    tmp_path: Path,
) -> None:
    tags = TagList.load(write(tmp_path, "long_hair\nsolo,0\nsmile,0,300\nblush,0,200,\n"))
    assert tags.skipped_rows == 0
    assert tags.get("long_hair") == ListedTag("long_hair", -1, 0, ())
    assert tags.get("solo") == ListedTag("solo", 0, 0, ())
    assert tags.get("smile") == ListedTag("smile", 0, 300, ())
    assert tags.get("blush") == ListedTag("blush", 0, 200, ())


@pytest.mark.parametrize("text", ["long_hair\nsolo\n", "long_hair,0\nsolo,0\n"])
def test_load_of_a_list_of_names_without_counts(tmp_path: Path, text: str) -> None:
    tags = TagList.load(write(tmp_path, text))
    assert len(tags) == 2
    assert [tag.count for tag in tags.search("o")] == [0, 0]


def test_load_accepts_empty_category_and_count_fields(tmp_path: Path) -> None:
    tags = TagList.load(write(tmp_path, "long_hair,,,longhair\n"))
    assert tags.get("long_hair") == ListedTag("long_hair", -1, 0, ("longhair",))


def test_load_accepts_an_e621_style_list_with_other_categories(tmp_path: Path) -> None:
    text = 'name,category,post_count,aliases\ncanine,5,900000,"canid,canines"\nhi_res,7,800000,\n'
    tags = TagList.load(write(tmp_path, text))
    assert tags.get("canine") == ListedTag("canine", 5, 900000, ("canid", "canines"))
    assert tags.get("hi res").category == 7


def test_load_takes_unquoted_extra_columns_as_more_aliases(tmp_path: Path) -> None:
    tags = TagList.load(write(tmp_path, "long_hair,0,10,longhair,/lh\n"))
    assert tags.get("long_hair").aliases == ("longhair", "/lh")


def test_load_trims_spaces_around_fields_and_aliases(tmp_path: Path) -> None:
    tags = TagList.load(write(tmp_path, ' long_hair , 0 , 10 ," longhair , /lh,"\n'))
    assert tags.get("long_hair") == ListedTag("long_hair", 0, 10, ("longhair", "/lh"))


def test_load_accepts_bom_crlf_and_blank_lines(tmp_path: Path) -> None:
    text = (
        '\ufeffname,category,count,aliases\r\n\r\nlong_hair,0,10,"a,b"\r\n  \r\nsolo,0,5,\r\n\r\n'
    )
    tags = TagList.load(write(tmp_path, text))
    assert len(tags) == 2
    assert tags.skipped_rows == 0
    assert tags.get("long_hair") == ListedTag("long_hair", 0, 10, ("a", "b"))


def test_load_accepts_utf16_with_a_bom(tmp_path: Path) -> None:
    tags = TagList.load(write(tmp_path, "long_hair,0,10,\nsolo,0,5,\n".encode("utf-16")))
    assert len(tags) == 2


def test_load_skips_and_counts_bad_rows_and_keeps_the_rest(tmp_path: Path) -> None:
    lines = [
        "long_hair,0,10,longhair",
        "bad_count,0,many,",
        "bad_category,general,5,",
        "negative,0,-5,",
        'broken_"quote,0,5,"a,b',  # an open quote must not swallow the rows after it
        ",0,5,",  # no name
        "tab\there,0,5,",  # a control character
        "x" * 600 + ",0,1,",  # longer than any tag can be
        "solo,0,5,",
        "smile,0,3,",
        "blush,0,2,",
        "open_mouth,0,1,",
        "red_eyes,0,1,",
        "blue_eyes,0,1,",
        "1girl,0,1,",
    ]
    tags = TagList.load(write(tmp_path, "\n".join(lines)))
    assert tags.skipped_rows == 7
    assert len(tags) == 8
    found = {tag.name for query in ("o", "e", "i", "u") for tag in tags.search(query, 50)}
    assert found == {
        "long_hair",
        "solo",
        "smile",
        "blush",
        "open_mouth",
        "red_eyes",
        "blue_eyes",
        "1girl",
    }


def test_load_skips_and_counts_lines_that_are_not_utf8(tmp_path: Path) -> None:
    text = b"long_hair,0,10,\n\xff\xfe\xfa,0,5,\nsolo,0,5,\nsmile,0,3,\n"
    tags = TagList.load(write(tmp_path, text))
    assert (len(tags), tags.skipped_rows) == (3, 1)


def test_load_merges_duplicate_names_keeping_the_highest_count(tmp_path: Path) -> None:
    tags = TagList.load(write(tmp_path, "long_hair,0,10,\nLong Hair,0,99,\nsolo,0,5,\n"))
    assert len(tags) == 2
    assert tags.duplicate_rows == 1
    assert tags.get("long_hair") == ListedTag("Long Hair", 0, 99, ())


def test_load_of_a_binary_file_raises_a_clear_value_error(tmp_path: Path) -> None:
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01" + bytes(range(256))
    with pytest.raises(ValueError, match=r"not a CSV tag list.*binary"):
        TagList.load(write(tmp_path, png, "image.png"))


def test_load_of_random_bytes_raises_a_clear_value_error(tmp_path: Path) -> None:
    noise = bytes(random.Random(1).randrange(128, 256) for _ in range(4000))
    with pytest.raises(ValueError, match="not a CSV tag list"):
        TagList.load(write(tmp_path, noise, "noise.bin"))


def test_load_of_a_file_of_unreadable_rows_raises_a_clear_value_error(tmp_path: Path) -> None:
    text = "name,category,count\nlong_hair,zero,ten\nsolo,one,five\nsmile,0,3\n"
    with pytest.raises(ValueError, match=r"not a CSV tag list: 2 of its 3 rows could not be read"):
        TagList.load(write(tmp_path, text))


@pytest.mark.parametrize("text", ["", "\n\n  \n", "name,category,count,aliases\n"])
def test_load_of_a_list_without_tags_raises_value_error(tmp_path: Path, text: str) -> None:
    with pytest.raises(ValueError, match="not a CSV tag list: it has no rows"):
        TagList.load(write(tmp_path, text))


def test_load_lets_os_errors_through(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        TagList.load(tmp_path / "missing.csv")
    with pytest.raises(IsADirectoryError):
        TagList.load(tmp_path)


# --- searching the list -------------------------------------------------------------------------


def test_search_matches_a_substring_anywhere_in_the_name(small: TagList) -> None:
    assert names(small.search("ong_ha")) == ["long_hair", "very_long_hair"]
    assert names(small.search("symbol")) == ["star_(symbol)"]


def test_search_treats_underscore_and_space_alike(small: TagList) -> None:
    assert names(small.search("long h")) == names(small.search("long_h"))
    assert names(small.search("long h")) == ["long_hair", "very_long_hair"]
    assert names(small.search("hair o")) == ["hair_ornament"]


def test_search_ignores_case_and_surrounding_whitespace(small: TagList) -> None:
    assert names(small.search("  HATSUNE  ")) == ["hatsune_miku"]


def test_search_matches_aliases(small: TagList) -> None:
    assert names(small.search("/lh")) == ["long_hair"]
    assert names(small.search("sole fem")) == ["1girl"]
    assert names(small.search("miku")) == ["hatsune_miku"]


def test_search_returns_a_tag_once_when_name_and_alias_match(small: TagList) -> None:
    assert names(small.search("longhair")) == ["long_hair"]
    assert names(small.search("solo")) == ["solo"]


def test_search_ranks_by_list_count(small: TagList) -> None:
    assert names(small.search("o")) == [
        "1girl",  # through its alias "sole_female"
        "solo",
        "long_hair",
        "very_long_hair",
        "hair_ornament",
        "ponytail",
        "star_(symbol)",
    ]


def test_search_ranks_prefix_then_shorter_then_name_within_equal_counts(tmp_path: Path) -> None:
    text = "red_hair,0,5,\nhair,0,5,\nhairband,0,5,\nabc_hair,0,5,\nhair_bow,0,5,\nhaír,0,9,\n"
    tags = TagList.load(write(tmp_path, text))
    assert names(tags.search("hair")) == [
        "hair",
        "hair_bow",
        "hairband",
        "abc_hair",
        "red_hair",
    ]


def test_search_stops_at_the_limit(small: TagList) -> None:
    assert names(small.search("o", limit=3)) == ["1girl", "solo", "long_hair"]
    assert small.search("o", limit=0) == []


def test_search_of_an_empty_query_or_no_match_is_empty(small: TagList) -> None:
    assert small.search("") == []
    assert small.search("   ") == []
    assert small.search("zzz") == []
    assert small.search("long,hair") == []


def _reference_search(rows: list[tuple[str, int, str]], query: str, limit: int) -> list[str]:
    """Every row checked, ranked as `TagList.search` documents."""
    needle = query.strip().casefold().replace("_", " ")
    hits = []
    for name, count, aliases in rows:
        key = name.casefold().replace("_", " ")
        alias_keys = [a.casefold().replace("_", " ") for a in aliases.split(",") if a]
        if needle in key:
            prefix = key.startswith(needle)
        elif any(needle in a for a in alias_keys):
            prefix = any(a.startswith(needle) for a in alias_keys)
        else:
            continue
        hits.append((-count, not prefix, len(key), key, name))
    return [hit[-1] for hit in sorted(hits)[:limit]]


@pytest.mark.parametrize("seed", range(6))
def test_search_agrees_with_checking_every_row_when_counts_tie(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    letters = "abc_"
    rows: dict[str, tuple[str, int, str]] = {}
    while len(rows) < 400:
        name = "".join(rng.choice(letters) for _ in range(rng.randint(1, 6))).strip("_") or "a"
        aliases = ",".join(
            "".join(rng.choice("abcd") for _ in range(rng.randint(1, 4)))
            for _ in range(rng.randint(0, 2))
        )
        rows.setdefault(name.replace("_", " "), (name, rng.choice([0, 0, 0, 1, 2, 5]), aliases))
    text = "".join(f'{name},0,{count},"{aliases}"\n' for name, count, aliases in rows.values())
    tags = TagList.load(write(tmp_path, text))
    for query in ["a", "b", "c", "d", "ab", "a b", "ba", "cd", "abc", "ca_b", "dd"]:
        for limit in (1, 3, 10, 50):
            expected = _reference_search(list(rows.values()), query, limit)
            assert names(tags.search(query, limit)) == expected, (query, limit)


# --- complete_tags ------------------------------------------------------------------------------


def test_complete_tags_of_an_empty_query_is_empty(small: TagList) -> None:
    assert complete_tags("", {"long hair": 3}, small) == []
    assert complete_tags("  ", {"long hair": 3}, small) == []
    assert complete_tags("long", {"long hair": 3}, small, limit=0) == []


def test_complete_tags_without_a_tag_list_uses_the_data_set(small: TagList) -> None:
    assert complete_tags("hair", {"long hair": 3, "red hair": 5, "solo": 9}, None) == [
        Suggestion("red hair", 5, 0, None),
        Suggestion("long hair", 3, 0, None),
    ]


def test_complete_tags_puts_data_set_tags_before_list_tags(small: TagList) -> None:
    result = complete_tags("hair", {"red hair": 2, "hair ornament": 1}, small)
    assert [(s.tag, s.in_dataset, s.in_list) for s in result] == [
        ("red hair", 2, 0),
        ("hair ornament", 1, 900000),
        ("long hair", 0, 4350743),
        ("very long hair", 0, 952244),
    ]


def test_complete_tags_ranks_equal_data_set_counts_by_list_count(small: TagList) -> None:
    result = complete_tags("hair", {"hair ornament": 1, "long hair": 1, "red hair": 1}, small)
    assert [s.tag for s in result] == ["long hair", "hair ornament", "red hair", "very long hair"]


def test_complete_tags_ranks_prefix_then_shorter_then_name_within_equal_counts() -> None:
    counts = {"red hair": 1, "hair": 1, "hairband": 1, "abc hair": 1, "hair bow": 1}
    result = complete_tags("hair", counts, None)
    assert [s.tag for s in result] == ["hair", "hair bow", "hairband", "abc hair", "red hair"]


def test_complete_tags_lists_a_tag_in_both_sources_once(small: TagList) -> None:
    result = complete_tags("long", {"long hair": 4}, small)
    assert [s.tag for s in result].count("long hair") == 1
    assert result[0] == Suggestion("long hair", 4, 4350743, None)


def test_complete_tags_keeps_the_data_sets_spelling_of_a_listed_tag(small: TagList) -> None:
    result = complete_tags("hair", {"Long_Hair": 2, "blue eyes": 1}, small)
    assert result[0] == Suggestion("Long_Hair", 2, 4350743, None)
    assert "long hair" not in [s.tag for s in result]


def test_complete_tags_writes_list_tags_with_spaces_when_the_data_set_does(
    small: TagList,
) -> None:
    result = complete_tags("hair", {"blue eyes": 3, "red_eyes": 1, "looking at viewer": 2}, small)
    assert [s.tag for s in result] == ["long hair", "very long hair", "hair ornament"]


def test_complete_tags_keeps_the_lists_underscores_when_the_data_set_uses_them(
    small: TagList,
) -> None:
    result = complete_tags("hair", {"blue_eyes": 3, "red_eyes": 1, "smile": 2}, small)
    assert [s.tag for s in result] == ["long_hair", "very_long_hair", "hair_ornament"]


def test_complete_tags_keeps_the_lists_form_on_a_tie_or_without_evidence(small: TagList) -> None:
    assert complete_tags("long h", {"blue_eyes": 1, "red eyes": 1}, small)[0].tag == "long_hair"
    assert complete_tags("long h", {"solo": 1}, small)[0].tag == "long_hair"
    assert complete_tags("long h", {}, small)[0].tag == "long_hair"


def test_complete_tags_never_turns_an_emoticons_underscores_into_spaces(small: TagList) -> None:
    spaced = {"blue eyes": 3, "red eyes": 1}
    assert [s.tag for s in complete_tags("^", spaced, small)] == ["^_^"]
    assert [s.tag for s in complete_tags(">", spaced, small)] == [">_<"]
    assert [s.tag for s in complete_tags("star", spaced, small)] == ["star (symbol)"]


def test_emoticon_tags_do_not_count_as_underscore_style(small: TagList) -> None:
    counts = {"^_^": 5, ">_<": 4, "o_o": 3, "blue eyes": 1}
    assert complete_tags("long h", counts, small)[0].tag == "long hair"


def test_keeps_underscores_only_for_emoticon_like_tags() -> None:
    for tag in ["^_^", ">_<", "o_o", "t_t", "0_0", "<o>_<o>", "@_@", "=_=", "x_x"]:
        assert keeps_underscores(tag), tag
    for tag in ["long_hair", "star_(symbol)", "6+girls", ":d", "1girl", "a_bc", "^^"]:
        assert not keeps_underscores(tag), tag


def test_complete_tags_reports_the_alias_that_matched(small: TagList) -> None:
    result = complete_tags("longhair", {"blue eyes": 1}, small)
    assert result == [Suggestion("long hair", 0, 4350743, "longhair")]
    assert complete_tags("long h", {"blue eyes": 1}, small)[0].alias_of is None


def test_complete_tags_stops_at_the_limit(small: TagList) -> None:
    assert len(complete_tags("o", {"solo": 1, "smile": 1}, small, limit=3)) == 3
    assert len(complete_tags("o", {}, small, limit=100)) == 7


def test_complete_tags_counts_pinned_tags_no_image_has_as_zero(small: TagList) -> None:
    result = complete_tags("hair", {"long hair": 0, "red hair": 0}, small)
    assert [(s.tag, s.in_dataset, s.in_list) for s in result] == [
        ("long hair", 0, 4350743),
        ("very long hair", 0, 952244),
        ("hair ornament", 0, 900000),
        ("red hair", 0, 0),
    ]


# --- the real Danbooru list ---------------------------------------------------------------------

needs_danbooru = pytest.mark.skipif(
    not DANBOORU.is_file(), reason=f"the Danbooru tag list is not at {DANBOORU}"
)


@pytest.fixture(scope="module")
def danbooru() -> TagList:
    return TagList.load(DANBOORU)


@needs_danbooru
def test_danbooru_list_loads_every_row(danbooru: TagList) -> None:
    assert len(danbooru) == 140_782
    assert danbooru.skipped_rows == 0
    assert danbooru.get("long_hair") == ListedTag("long_hair", 0, 4350743, ("/lh", "longhair"))


@needs_danbooru
def test_danbooru_long_h_suggests_long_hair_first_among_list_tags(danbooru: TagList) -> None:
    dataset = {"1girl": 40, "blue eyes": 12, "smile": 9}
    result = complete_tags("long h", dataset, danbooru)
    assert result[0] == Suggestion("long hair", 0, 4350743, None)
    assert [s.tag for s in result[:2]] == ["long hair", "very long hair"]


@needs_danbooru
def test_danbooru_emoticons_keep_their_underscores(danbooru: TagList) -> None:
    result = complete_tags("^_", {"blue eyes": 1, "long hair": 1}, danbooru)
    assert result[0].tag == "^_^"
    assert names(danbooru.search(">_<", 1)) == [">_<"]
