r"""The filter against taggui: each query here finds what taggui would find, or the difference is
one the README names.

taggui's rules, read in jhc13/taggui (pyparsing 3.2, as its requirements.txt pins):

- grammar, `FilterLineEdit` in ``taggui/widgets/image_list.py``: a value is a ``"`` or ``'``
  quoted string with ``\`` escaping the next character (``\t \n \f \r`` become white space), or
  else a run of ASCII printable characters without ``(`` ``)``; a key (``tag caption marking
  crops visible name path size target``, or a number key ``tags chars tokens stars width height
  area`` with one of ``= == != < > <= >=``) is read in any case, white space allowed around its
  ``:``; ``NOT``, ``AND``, ``OR`` (any case) bind in that order; a query that does not parse shows
  every image, in a red box (None in the table). Then ``\*`` and ``\?`` become ``[*]`` and
  ``[?]`` (`replace_filter_wildcards`).
- matching, `ProxyImageListModel.does_image_match_filter` in
  ``taggui/models/proxy_image_list_model.py``, with `fnmatchcase` (case counts; ``*``, ``?``,
  ``[abc]``, ``[!abc]``): ``tag:`` a whole tag; ``caption:`` anywhere in the tags joined by ", ";
  ``name:`` / ``path:`` anywhere in the file name / the absolute path; a bare term anywhere in
  the joined tags or the absolute path; ``tokens:`` the CLIP token count less start and end;
  ``size:WxH`` (or ``W:H``) the exact size, compared as text.

taggui reads a caption file's tags by splitting at its separator ", ". The table takes the data
set to lie at /data/imgs, so only the rows named "Relative paths" depend on the absolute path.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.core.query import QueryError

from imagefiles import write_image

ROOT = Path(__file__).resolve().parents[1]

# the data set: path -> caption (None: no caption file); sizes below
R = "Red_Hair.png"
H = "red hair 01.jpg"
S = "sub/star*name.jpg"
A = "sub/deep/it's.jpg"
Q = "sub/deep/quote.jpg"
C = "café.jpg"
B = "back\\slash.jpg"
U = "untagged.jpg"
M = "UPPER.JPG"
W = "q?.png"
L = "long.jpg"
P = "paren (1).jpg"
K = "comma.jpg"
T = "tokens.jpg"
CAPTIONS = {
    R: "Red_Hair, smiling, blue eyes",
    H: "red hair, looking at viewer",
    S: "a*b, what?, [bracket]",
    A: "it's, rock'n'roll, 'quoted'",
    Q: 'say "hi", 12" vinyl',
    C: "café, 東京, naïve",
    B: "photo_\\(medium\\), a\\b",
    U: None,
    M: "ABC, MiXeD Case",
    W: "1girl, solo",
    L: "1girl, solo, smiling, red hair, outdoors, sky, cloud",
    P: "(masterpiece:1.2), best quality",
    K: "x,y",
    T: ", ".join(["a"] * 38),  # 38 + 37 commas: 75 CLIP tokens, start and end not counted
}
SIZES = {H: (100, 50), P: (48, 64)}  # the others are 64 x 48
ALL = frozenset(CAPTIONS)
TAGGED = ALL - {U}

# The deliberate differences, by the names the README's filter section gives them.
CASE = "Case is ignored"
UNDERSCORE = "In tag:, _ is a space"
COMMAS = "Tags end at every comma"
RELATIVE = "Relative paths"
KEYWORDS = "untagged, reviewed, flagged"
NUMBERS = "Number fields"
REFUSED_FIELDS = "Unknown fields are refused"
OPERATORS = "Operator words are operators"
SUPERSET = "Queries taggui refuses"
DIFFERENCES = (CASE, UNDERSCORE, COMMAS, RELATIVE, KEYWORDS, NUMBERS, REFUSED_FIELDS,
               OPERATORS, SUPERSET)


@dataclass(frozen=True)
class Row:
    query: str
    taggui: frozenset[str] | None  # what taggui finds; None: taggui cannot parse the query
    rule: str  # which of taggui's rules gives that
    ours: frozenset[str] | None = None  # only with a difference; None: we refuse the query
    difference: str = ""


def same(query: str, taggui: frozenset[str] | set[str], rule: str) -> Row:
    return Row(query, frozenset(taggui), rule)


def refused(query: str, rule: str) -> Row:
    """taggui cannot parse it, and neither can we."""
    return Row(query, None, rule)


def differs(query: str, taggui: set[str] | frozenset[str] | None, rule: str,
            ours: set[str] | frozenset[str] | None, difference: str) -> Row:
    return Row(query, None if taggui is None else frozenset(taggui), rule,
               None if ours is None else frozenset(ours), difference)


WHOLE_TAG = "tag: fnmatchcase on each whole tag"
QUOTED = "a quoted value loses its quotes and backslashes"
LITERAL_WORD = "an unquoted value is taken as written, quotes and backslashes included"
ESCAPED_WILD = "then \\* and \\? become [*] and [?]: literal"
CLASS = "fnmatch: [abc] one of, [!abc] none of, [a-z] a range, [ with no ] itself"
CONTAINS = "caption:, name:, path: and bare terms match *value*: anywhere"
ASCII_ONLY = "an unquoted value is ASCII printable characters only"
TWO_TERMS = "two terms with no operator between them do not parse"

ROWS = [
    # -- tag: a whole tag, wildcards, quotes
    same("tag:smiling", {R, L}, WHOLE_TAG),
    same("tag:smil", set(), WHOLE_TAG),
    same("tag:smil*", {R, L}, WHOLE_TAG),
    same("tag:*eyes", {R}, WHOLE_TAG),
    same("tag:smil?ng", {R, L}, WHOLE_TAG),
    same("TAG:smiling", {R, L}, "keys are read in any case"),
    same("tag: smiling", {R, L}, "white space may follow the key's colon"),
    same("tag :smiling", {R, L}, "white space may precede the key's colon"),
    same("tag:'looking at viewer'", {H}, QUOTED + " (single quotes)"),
    same('tag:"looking at viewer"', {H}, QUOTED),
    same("tag:'best quality'", {P}, QUOTED + " (single quotes)"),
    same('tag:"(masterpiece:1.2)"', {P}, QUOTED + "; parentheses inside quotes are text"),
    refused("tag:(masterpiece:1.2)", "an unquoted value stops at a parenthesis"),
    same(r'tag:"it\'s"', {A}, QUOTED + r": \' is ' (taggui's own All-tags click writes it)"),
    same("tag:\"it's\"", {A}, QUOTED),
    same(r"tag:'it\'s'", {A}, QUOTED),
    same("tag:it's", {A}, LITERAL_WORD),
    same("tag:rock'n'roll", {A}, LITERAL_WORD),
    same("tag:'quoted'", set(), QUOTED + ": the tag is 'quoted', with its quotes"),
    same("tag:\"'quoted'\"", {A}, QUOTED),
    same(r"tag:\'quoted\'", set(), LITERAL_WORD),
    same(r'tag:"say \"hi\""', {Q}, QUOTED),
    same("tag:'say \"hi\"'", {Q}, QUOTED),
    same('tag:12"', set(), LITERAL_WORD + ": the whole tag is 12\" vinyl"),
    same('tag:12"*', {Q}, LITERAL_WORD),
    same(r'tag:"12\" vinyl"', {Q}, QUOTED),
    same("tag:'12\" vinyl'", {Q}, QUOTED),
    same(r'tag:"a\*b"', {S, B}, QUOTED + ": the backslash goes, leaving a wildcard *"),
    same(r"tag:a\*b", {S}, ESCAPED_WILD),
    same(r'tag:"a\\*b"', {S}, QUOTED + ", leaving \\*; " + ESCAPED_WILD),
    same("tag:a*b", {S, B}, WHOLE_TAG),
    same("tag:a?b", {S, B}, WHOLE_TAG),
    same(r"tag:a\?b", set(), ESCAPED_WILD),
    same("tag:what?", {S}, WHOLE_TAG),
    same(r"tag:what\?", {S}, ESCAPED_WILD),
    same("tag:[bracket]", {T}, CLASS + ": one character of bracket, as the tag a"),
    same("tag:[[]bracket]", {S}, CLASS),
    same('tag:"[[]bracket]"', {S}, CLASS),
    same("tag:[[]*", {S}, CLASS),
    same("tag:c[a-f]f[!x]", {C}, CLASS),
    same("tag:[0-9]girl", {W, L}, CLASS),
    same("tag:a[!*]b", {B}, CLASS),
    differs("tag:[!a-z]*", {R, S, A, Q, C, M, W, L, P}, CLASS, {S, A, Q, C, W, L, P}, CASE),
    differs("tag:東京", None, ASCII_ONLY, {C}, SUPERSET),
    same('tag:"東京"', {C}, QUOTED),
    same('tag:"caf?"', {C}, WHOLE_TAG),
    same("tag:'naïve'", {C}, QUOTED),
    same(r'tag:"photo_\(medium\)"', set(), QUOTED + r": \( is ("),
    same(r'tag:"photo_\\(medium\\)"', {B}, QUOTED),
    differs(r"tag:photo_\(medium\)", None, TWO_TERMS, set(), SUPERSET),
    same(r"tag:a\b", {B}, LITERAL_WORD),
    same(r'tag:"a\b"', set(), QUOTED + r": \b is b"),
    same(r'tag:"a\\b"', {B}, QUOTED),
    same("tag:*", TAGGED, WHOLE_TAG),
    same("NOT tag:*", {U}, WHOLE_TAG),
    same('tag:""', set(), WHOLE_TAG + ": no tag is empty"),
    same("tag:MiXeD*", {M}, WHOLE_TAG),
    differs("tag:mixed*", set(), WHOLE_TAG + ", case counts", {M}, CASE),
    differs("tag:Red_Hair", {R}, WHOLE_TAG, {R, H, L}, UNDERSCORE),
    differs("tag:red_hair", set(), WHOLE_TAG, {R, H, L}, UNDERSCORE),
    differs('tag:"x,y"', {K}, "taggui splits a caption at ', ' only", set(), COMMAS),
    differs("tag:x", set(), "taggui splits a caption at ', ' only", {K}, COMMAS),
    # -- caption: anywhere in the tags joined by ", "
    same('caption:"red hair"', {H, L}, CONTAINS),
    same("caption:'smiling, blue'", {R}, CONTAINS),
    same('caption:"solo, smiling"', {L}, CONTAINS),
    same("caption:sol?", {W, L}, CONTAINS),
    same("caption:*", ALL, CONTAINS + ": ** matches even the empty caption"),
    same('caption:""', ALL, CONTAINS),
    same("caption:', '", TAGGED - {K}, CONTAINS),
    same("caption:viewer", {H}, CONTAINS),
    same('caption:"東京, "', {C}, CONTAINS),
    differs("caption:hair", {H, L}, CONTAINS + ", case counts", {R, H, L}, CASE),
    # -- name: anywhere in the file name, wildcards or not
    same("name:01", {H}, CONTAINS),
    same("name:*.png", {R, W}, CONTAINS + ": *.png is *.png*, not 'ends with'"),
    same("name:.png", {R, W}, CONTAINS),
    same("name:q?", {W, Q}, CONTAINS + ": a wildcard does not make it the whole name"),
    same(r"name:q\?", {W}, ESCAPED_WILD),
    same("name:star*", {S}, CONTAINS),
    same(r"name:*\**", {S}, ESCAPED_WILD),
    same("name:\"it's\"", {A}, QUOTED),
    same(r"name:it\'s", set(), LITERAL_WORD),
    same(r"name:'it\'s'", {A}, QUOTED),
    same(r'name:"back\\slash"', {B}, QUOTED),
    same(r"name:back\slash", {B}, LITERAL_WORD),
    differs("name:café", None, ASCII_ONLY, {C}, SUPERSET),
    same('name:"caf?.jpg"', {C}, CONTAINS),
    same("name:paren", {P}, CONTAINS),
    same('name:"paren (1)"', {P}, QUOTED),
    differs("name:paren (1)", None, TWO_TERMS, {P}, SUPERSET),
    differs("name:.JPG", {M}, CONTAINS + ", case counts", ALL - {R, W}, CASE),
    # -- path: anywhere in the path
    same("path:sub/", {S, A, Q}, CONTAINS),
    same("path:sub/deep", {A, Q}, CONTAINS),
    same("path:sub/*/", {A, Q}, CONTAINS),
    same("path:deep/*.jpg", {A, Q}, CONTAINS),
    differs("path:imgs/", ALL, "path: is the absolute path", set(), RELATIVE),
    differs("path:/sub/", {S, A, Q}, "path: is the absolute path", set(), RELATIVE),
    # -- bare terms: anywhere in the joined tags or the path
    same("smiling", {R, L}, CONTAINS),
    same("sub", {S, A, Q}, CONTAINS),
    same('"looking at"', {H}, CONTAINS),
    same("'looking at'", {H}, CONTAINS),
    differs("looking at", None, TWO_TERMS, {H}, SUPERSET),
    same("'", {A}, LITERAL_WORD + ": a quote nothing closes is itself"),
    same('"', {Q}, LITERAL_WORD + ": a quote nothing closes is itself"),
    same('12"', {Q}, LITERAL_WORD),
    same('"12\\"', set(), LITERAL_WORD + ": the last quote is escaped: nothing closes the first"),
    same("\\*", {S}, ESCAPED_WILD),
    same("*", ALL, CONTAINS),
    same("?", ALL, CONTAINS),
    same("[*]", {S}, CLASS),
    same("[", {S}, CLASS),
    same("]", {S}, CONTAINS),
    same("\\", {B}, LITERAL_WORD),
    same('"\\\\"', {B}, QUOTED),
    same("1.2", {P}, CONTAINS),
    # -- operators
    same("tag:smiling AND tag:solo", {L}, "AND"),
    same("tag:smiling and tag:solo", {L}, "operators are read in any case"),
    same("tag:smiling OR tag:solo", {R, L, W}, "OR"),
    same("NOT tag:smiling", ALL - {R, L}, "NOT"),
    same("not tag:smiling AND tag:1girl", {W}, "NOT binds tighter than AND"),
    same("tag:solo OR tag:smiling AND tag:sky", {W, L}, "AND binds tighter than OR"),
    same("(tag:solo OR tag:smiling) AND tag:sky", {L}, "parentheses group"),
    same("NOT NOT tag:sky", {L}, "NOT"),
    same('"and"', set(), QUOTED),
    differs("and", set(), "an operator word where a term must be is text", None, OPERATORS),
    differs("tag:sky AND NOT", set(), "an operator word where a term must be is text", None,
            OPERATORS),
    refused("tag:sky AND", "AND needs a term after it"),
    refused("OR tag:sky", "a term cannot follow a term"),
    refused("(tag:sky", "an unclosed parenthesis"),
    differs("tag:sky tag:cloud", None, TWO_TERMS, {L}, SUPERSET),
    differs('tag:"red h"*', None, TWO_TERMS, {R, H, L}, SUPERSET),
    # -- numbers
    same("tags:>5", {L, T}, "tags: the number of tags"),
    same("tags:=3", {R, S, A, C}, "tags: the number of tags"),
    same("tags:==0", {U}, "tags: the number of tags"),
    same("tags:!=3", ALL - {R, S, A, C}, "tags: the number of tags"),
    same("tags:<3 AND tags:>0", {H, Q, B, M, W, P, K}, "tags: the number of tags"),
    same("tags: > 5", {L, T}, "white space may stand around the comparison"),
    differs("tags:3", set(), "tags:3 is no number term; it is text to find", {R, S, A, C},
            NUMBERS),
    same("chars:=11", {W}, "chars: the length of the joined tags"),
    same("chars:<1", {U}, "chars: the length of the joined tags"),
    same("tokens:=0", {U}, "tokens: CLIP tokens less start and end"),
    same("tokens:=75", {T}, "tokens: CLIP tokens less start and end"),
    same("tokens:>75", set(), "tokens: CLIP tokens less start and end"),
    same("width:=100", {H}, "width: in pixels"),
    same("width:<64", {P}, "width: in pixels"),
    same("height:>=64", {P}, "height: in pixels"),
    same("area:=5000", {H}, "area: width times height"),
    same("area:>=3072", ALL, "area: width times height"),
    same("size:100x50", {H}, "size:WxH, the exact size"),
    same("size:100:50", {H}, "size: takes : for x"),
    same("size:50x100", set(), "size:WxH, the exact size"),
    differs("tags:>many", set(), "tags:>many is no number term; it is text to find", None,
            NUMBERS),
    # -- keywords and fields
    differs("reviewed", set(), CONTAINS + ": the word reviewed", {W}, KEYWORDS),
    differs("Reviewed OR untagged", {U}, CONTAINS + ": the file untagged.jpg", {W, U}, KEYWORDS),
    same('"untagged"', {U}, CONTAINS + ": the file untagged.jpg"),
    differs("stars:>3", set(), "stars: the rating (none here)", None, REFUSED_FIELDS),
    differs("marking:face", set(), "marking: a marking's label (none here)", None,
            REFUSED_FIELDS),
    differs("stars:9", set(), "an unknown key is text to find", None, REFUSED_FIELDS),
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory: pytest.TempPathFactory) -> Dataset:
    root = tmp_path_factory.mktemp("parity") / "imgs"
    for path, caption in CAPTIONS.items():
        image = write_image(root / path, SIZES.get(path, (64, 48)))
        if caption is not None:
            image.with_suffix(".txt").write_text(caption, encoding="utf-8")
    dataset = Dataset(root)
    dataset.set_reviewed(W)
    return dataset


def found(dataset: Dataset, query: str) -> frozenset[str] | None:
    try:
        return frozenset(item.id for item in dataset.filter(query))
    except QueryError:
        return None


def test_the_table_is_large_and_every_query_in_it_once() -> None:
    assert len(ROWS) >= 80
    assert len({row.query for row in ROWS}) == len(ROWS)
    assert all(row.rule for row in ROWS)


def test_the_data_set_is_as_the_table_takes_it(dataset: Dataset) -> None:
    assert {item.id for item in dataset.filter("")} == ALL
    assert dataset[T].tags == ["a"] * 38


def query_of(row: Row) -> str:
    return row.query


@pytest.mark.parametrize("row", [row for row in ROWS if not row.difference], ids=query_of)
def test_a_query_finds_what_taggui_finds(dataset: Dataset, row: Row) -> None:
    assert found(dataset, row.query) == row.taggui, row.rule


@pytest.mark.parametrize("row", [row for row in ROWS if row.difference], ids=query_of)
def test_a_deliberate_difference_is_the_one_named(dataset: Dataset, row: Row) -> None:
    assert row.difference in DIFFERENCES
    assert row.ours != row.taggui
    assert found(dataset, row.query) == row.ours, row.difference
    if row.taggui is None:  # taggui refuses it: reading it is a superset
        assert row.difference == SUPERSET
    if row.difference in (REFUSED_FIELDS, OPERATORS):  # refused, saying how to search for it
        with pytest.raises(QueryError, match="quote"):
            dataset.filter(row.query)


def test_every_difference_is_named_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### The filter language"):]
    section = section[: section.index("\n### ", 1)]
    for name in DIFFERENCES:
        assert f"**{name}**" in section, name


# --- tokens: the figure under the caption ---------------------------------------------------


def test_tokens_compares_the_count_shown_under_the_caption(dataset: Dataset) -> None:
    widget = TaggerWidget(dataset, autosave=False, workers=0)
    try:
        for path in (T, L, C):
            widget.goto(dataset.index_of(path))
            shown = widget._current["tokens"]["clip"]
            assert shown["label"].startswith(f"CLIP-L {'' if shown['exact'] else '≈'}"
                                             f"{shown['count']}/75")
            assert path in found(dataset, f"tokens:={shown['count']}")  # type: ignore[operator]
    finally:
        widget.close()


# --- a click on a tag: the front end's query finds exactly that tag -------------------------

ODD_TAGS = ["it's", 'say "hi"', '12" vinyl', "a*b", "what?", "[bracket]", "a\\b",
            "photo_\\(medium\\)", "'quoted'", "(masterpiece:1.2)", "café", "東京", "rock'n'roll"]


def front_end_queries(tags: list[str]) -> list[str]:
    """`queryFor` of js/src/panels/alltags/logic.js (what a click on a tag sets the filter to)."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the front end's code (it comes with Node.js).")
    helpers = (ROOT / "js" / "test" / "helpers.js").as_uri()
    alltags = (ROOT / "js" / "src" / "panels" / "alltags" / "logic.js").as_uri()
    script = (f"await import({json.dumps(helpers)});"
              f"const {{ queryFor }} = await import({json.dumps(alltags)});"
              f"process.stdout.write(JSON.stringify({json.dumps(tags)}.map(queryFor)));")
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                          text=True, timeout=60, check=True)
    return json.loads(done.stdout)


def test_a_click_on_a_tag_finds_exactly_the_images_with_that_tag(dataset: Dataset) -> None:
    queries = front_end_queries(ODD_TAGS)
    for tag, query in zip(ODD_TAGS, queries, strict=True):
        with_tag = {item.id for item in dataset if tag in item.tags}
        assert with_tag, tag
        assert found(dataset, query) == with_tag, (tag, query)


def test_a_shift_click_adds_the_tag_so_that_both_must_hold(dataset: Dataset) -> None:
    node_script = (ROOT / "js" / "src" / "panels" / "alltags" / "logic.js").as_uri()
    helpers = (ROOT / "js" / "test" / "helpers.js").as_uri()
    cases = [["tag:'it\\'s' OR tag:smiling", "rock'n'roll"], ['tag:12"* OR tag:smiling', "1girl"],
             ["tag:'say \"hi\"' OR name:long", "sky"]]
    script = (f"await import({json.dumps(helpers)});"
              f"const {{ addToQuery }} = await import({json.dumps(node_script)});"
              f"process.stdout.write(JSON.stringify({json.dumps(cases)}"
              f".map(([q, t]) => addToQuery(q, t))));")
    done = subprocess.run([shutil.which("node") or "node", "--input-type=module", "-e", script],
                          capture_output=True, text=True, timeout=60, check=True)
    narrowed = json.loads(done.stdout)
    assert found(dataset, narrowed[0]) == {A}
    assert found(dataset, narrowed[1]) == {L}
    assert found(dataset, narrowed[2]) == {L}
    assert all(re.search(r"\) AND tag:", query) for query in narrowed)

