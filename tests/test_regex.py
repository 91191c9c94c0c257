"""User regular expressions on RE2: read as Python reads them, replaced as Python replaces,
refused with a clear message when RE2 cannot run them, and never slow (hostile patterns in a
child process with a watchdog, so a regression fails instead of hanging the suite)."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap
import unicodedata
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lora_tagger_widget.core.regex import MAX_PATTERN_LENGTH, RegexError, compile_regex

WATCHDOG = 20  # seconds; the work takes milliseconds on RE2 and ages on a backtracking engine


def python_sub(pattern: str, replacement: str, text: str, ignore_case: bool = False) -> str:
    return re.sub(pattern, replacement, text, flags=re.IGNORECASE if ignore_case else 0)


def re2_sub(pattern: str, replacement: str, text: str, ignore_case: bool = False) -> str:
    return compile_regex(pattern, ignore_case=ignore_case).substituter(replacement)(text)


# Python's meaning kept


SAME_AS_PYTHON = [
    ("_", " ", "red_hair_x"),
    (r"^(\w+) HAIR$", r"\1-hair", "Long Hair"),
    (r"(\w+)_", r"\g<1> ", "café_au_lait"),
    (r"(?P<word>\w+)", r"<\g<word>>", "é,b c ж"),
    (r"\w+", "W", "日本語 tag_1 \u0663"),  # Unicode word characters, digits and "_"
    (r"\W+", "-", "a, b;é"),
    (r"\d+", "#", "a\u0661\u06623b"),  # Unicode decimal digits
    (r"\D", "", "a\u0661\u06623b"),
    (r"\s+", "_", "a\u3000b\xa0c\u2009d\x1ce"),  # Unicode white space
    (r"\S+", "x", "a\u3000b"),
    (r"[\w-]+", "W", "a-é b"),
    (r"[\s,]+", "|", "a,\u3000b"),
    (r"[^\d]", ".", "a\u0661b"),
    (r"\Z", "!", "ab\n"),
    (r"\A", "!", "ab"),
    ("a{,2}", "X", "aaaaa"),
    ("a{,}", "X", "aab"),
    (r"\u00e9", "E", "café"),
    (r"\U0001F600", ":)", "hi \U0001f600"),
    (r"\N{EM DASH}", "-", "a\u2014b"),
    (r"\012", "N", "a\nb"),
    (r"\0", "0", "a\x00b"),
    (r"\141", "A", "banana"),
    (r"[\141]", "A", "banana"),
    (r"\é\-\#", "", "xé-#y"),
    (r"[]a]", "", "]ab"),
    (r"[^]a]", "", "]ab"),
    ("x*", "-", "abxd"),
    ("", "-", "héllo"),
    ("(a)|b", r"[\1]", "ab"),  # a group that took no part gives ""
    ("b", r"\054", "abc"),  # octal escapes in the replacement
    ("b", r"\0", "abc"),
    ("é", r"\n\t\\", "xéx"),
    ("b", r"\-\é", "abc"),  # an unknown escape of a non-letter stays as written
    ("(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)(k)", r"\11\10\g<1>0", "abcdefghijk"),
    (",", "\uff0c", "a,b"),
]


@pytest.mark.parametrize(("pattern", "replacement", "text"), SAME_AS_PYTHON)
@pytest.mark.parametrize("ignore_case", [False, True])
def test_patterns_and_replacements_mean_what_they_mean_to_python(
    pattern: str, replacement: str, text: str, ignore_case: bool
) -> None:
    expected = python_sub(pattern, replacement, text, ignore_case)
    assert re2_sub(pattern, replacement, text, ignore_case) == expected
    regex = compile_regex(pattern, ignore_case=ignore_case)
    flags = re.IGNORECASE if ignore_case else 0
    assert regex.search(text) == (re.search(pattern, text, flags) is not None)
    assert regex.fullmatch(text) == (re.fullmatch(pattern, text, flags) is not None)


def test_ignoring_case_folds_as_python_does() -> None:
    pairs = ["kK\u212a", "sS\u017f", "\u03c3\u03a3\u03c2", "\u00b5\u03bc\u039c",
             "\u01c4\u01c5\u01c6", "\u00df\u1e9e", "\u00e9\u00c9", "\u0436\u0416"]
    for group in pairs:
        for a in group:
            for b in group:
                python = re.fullmatch(re.escape(a), b, re.IGNORECASE) is not None
                assert compile_regex(re.escape(a), ignore_case=True).fullmatch(b) == python, (a, b)
    assert compile_regex("red", ignore_case=True).search("RED hair")
    assert not compile_regex("red").search("RED hair")


def test_unicode_classes_are_pythons_for_every_character_python_knows() -> None:
    # RE2's Unicode tables may be newer than this Python's: characters unassigned here may differ
    known = "".join(c for c in map(chr, range(0x110000)) if unicodedata.category(c) != "Cn")
    for pattern in (r"\w+", r"\d+", r"\s+", r"[\w]+", r"[\d]+", r"[\s]+", r"\W+", r"\D+", r"\S+"):
        assert re2_sub(pattern, "", known) == re.sub(pattern, "", known), pattern


ALPHABET = ["a", "b", "A", "é", "É", "_", " ", "1", "\u0663", "\n", "\u3000", ","]
ATOMS = ["a", "b", "é", "_", " ", ".", r"\w", r"\W", r"\d", r"\s", r"\S", "[ab]", "[^a]",
         r"[\w ]", r"\A", r"\Z", "^", ","]


@st.composite
def patterns(draw: st.DrawFn, depth: int = 0) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 3))):
        if depth < 2 and draw(st.booleans()):
            inner = draw(patterns(depth + 1))
            atom = draw(st.sampled_from(["({})", "(?:{})", "(b|{})", "(b{})+", "({})?"]))
            atom = atom.format(inner)
        else:
            atom = draw(st.sampled_from(ATOMS))
            if atom not in (r"\A", r"\Z", "^"):
                atom += draw(st.sampled_from(["", "*", "+", "?", "{1,2}", "{,2}", "+?"]))
        parts.append(atom)
    return "".join(parts)


@settings(max_examples=400, deadline=None)
@given(patterns(), st.text(st.sampled_from(ALPHABET), max_size=12), st.booleans())
def test_substitution_agrees_with_python_on_generated_patterns(
    pattern: str, text: str, ignore_case: bool
) -> None:
    groups = re.compile(pattern).groups
    replacement = "<" + "".join(f"\\g<{n}>|" for n in range(groups + 1)) + ">"
    expected = python_sub(pattern, replacement, text, ignore_case)
    assert re2_sub(pattern, replacement, text, ignore_case) == expected
    regex = compile_regex(pattern, ignore_case=ignore_case)
    assert regex.search(text) == (re.search(pattern, text, re.I if ignore_case else 0) is not None)
    if regex.search(text):
        assert regex.may_match_within(text)
        assert regex.may_match_within(f"x,{text}\n y")  # a text a piece of which matches


def test_the_documented_differences_from_python() -> None:
    # \b sees only ASCII word characters
    assert python_sub(r"\bé", "E", "x é") == "x E"
    assert re2_sub(r"\bé", "E", "x é") == "x é"
    # $ is the very end of the text (or of a line with (?m)), not also before a final "\n"
    assert python_sub("b$", "B", "ab\n") == "aB\n"
    assert re2_sub("b$", "B", "ab\n") == "ab\n"
    assert re2_sub("(?m)b$", "B", "ab\n") == "aB\n"
    # after an empty match the next starts a character later; Python first tries for a
    # longer match where the empty one was, which only a pattern preferring empty text finds
    assert python_sub("a*?", "-", "a") == "-" + "-" + "-"
    assert re2_sub("a*?", "-", "a") == "-a-"
    assert python_sub("(|b)", "-", "b") == "---"
    assert re2_sub("(|b)", "-", "b") == "-b-"
    # a repeated group that can match empty text keeps what it took before the empty round
    assert python_sub("(a*)*", r"<\1>", "a") == "<><>"
    assert re2_sub("(a*)*", r"<\1>", "a") == "<a><>"


def test_a_lone_surrogate_is_one_character_and_comes_back_whole() -> None:
    text = "a\ud800b_c"
    assert re2_sub("_", " ", text) == python_sub("_", " ", text) == "a\ud800b c"
    assert re2_sub(".", "x", text) == python_sub(".", "x", text)
    assert re2_sub("", "-", text) == python_sub("", "-", text)
    assert compile_regex("a.b").search(text)


def test_no_match_gives_back_the_same_text_object() -> None:
    text = "red hair"
    assert compile_regex("zzz").substituter("y")(text) is text


# Refused, saying why


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        (r"(a)\1", r"Backreferences such as \\1 are not supported"),
        ("(?P<x>a)(?P=x)", r"\(\?P=name\)"),
        ("a(?=b)", r"lookaround"),
        ("a(?!b)", r"lookaround"),
        ("(?<=a)b", r"lookaround"),
        ("(?<!a)b", r"lookaround"),
        ("(?>a)", "invalid perl operator"),
        ("a*+", "bad repetition operator"),
        ("(?x) a", "invalid perl operator"),
        ("(", "missing \\)"),
        ("a{1001}", "invalid repetition size"),
        ("((((a{100}){100}){100}){100})", "invalid repetition size|too large"),
        ("\\", "ends with a lone backslash"),
        (r"[\W]", r"\\W inside \[...\] is not supported"),
        (r"[\S]", r"\\S inside \[...\] is not supported"),
        (r"\C", "any byte"),
        (r"\400", "above"),
        (r"\u12", "4 hexadecimal digits"),
        (r"\N{NO SUCH CHARACTER}", "Unknown character name"),
        ("a" * (MAX_PATTERN_LENGTH + 1), f"at most {MAX_PATTERN_LENGTH}"),
    ],
)
def test_syntax_re2_does_not_take_is_refused_saying_which_syntax_is_accepted(
    pattern: str, message: str
) -> None:
    with pytest.raises(RegexError, match=f"(?i){message}") as caught:
        compile_regex(pattern)
    assert isinstance(caught.value, ValueError)


def test_a_pattern_of_the_longest_length_is_taken() -> None:
    assert compile_regex("a" * MAX_PATTERN_LENGTH).search("a" * MAX_PATTERN_LENGTH)


@pytest.mark.parametrize(
    ("replacement", "message"),
    [
        (r"\2", "no group 2"),
        (r"\g<3>", "no group 3"),
        (r"\g<name>", "no group named 'name'"),
        (r"\g<1", "angle brackets"),
        ("\\", "lone backslash"),
        (r"\q", r"Bad escape \\q"),
        (r"\777", "above"),
    ],
)
def test_a_bad_replacement_is_refused_before_any_text_is_seen(
    replacement: str, message: str
) -> None:
    with pytest.raises(RegexError, match=message):
        compile_regex("(a)").substituter(replacement)


# Hostile patterns: linear time by construction


HOSTILE = [r"(a+)+$", r"(a|aa)+$", r"(x+x+)+y", r"(\w+\s?)+$", r"(.*a){12}"]


def run_with_watchdog(code: str) -> object:
    """Run `code` in a child Python (this worktree first on its path) and return the JSON it
    prints; a child still running after `WATCHDOG` seconds fails the test."""
    result = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        capture_output=True, text=True, timeout=WATCHDOG, check=False,
        cwd=Path(__file__).resolve().parent,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_hostile_patterns_run_in_linear_time_with_the_right_results() -> None:
    results = run_with_watchdog(
        f"""
        import json
        from lora_tagger_widget.core.regex import compile_regex
        out = []
        for pattern in {HOSTILE!r}:
            regex = compile_regex(pattern)
            for text in ("a" * 30000 + "b", "x" * 30000, "a" * 30000, "ab " * 10000 + "!"):
                out.append([pattern, text[:3], len(text), regex.search(text),
                            regex.substituter("X")(text)[-3:]])
        print(json.dumps(out))
        """
    )
    assert isinstance(results, list)
    got = {(pattern, head, length): (found, tail) for pattern, head, length, found, tail in results}
    assert got[("(a+)+$", "aaa", 30001)] == (False, "aab")
    assert got[("(a+)+$", "aaa", 30000)] == (True, "X")
    assert got[("(a|aa)+$", "aaa", 30001)] == (False, "aab")
    assert got[("(a|aa)+$", "aaa", 30000)] == (True, "X")
    assert got[("(x+x+)+y", "xxx", 30000)] == (False, "xxx")
    assert got[("(\\w+\\s?)+$", "ab ", 30001)] == (False, "b !")
    assert got[("(.*a){12}", "aaa", 30001)] == (True, "Xb")


def test_a_hostile_batch_preview_and_filter_on_a_real_data_set_finish_and_are_right(
    make_set: Callable[..., Path],
) -> None:
    long_a = "a" * 20000
    root = make_set({
        "1.png": f"{long_a}b, red_hair",
        "2.png": f"{long_a}, x",
        "3.png": "x" * 20000,
        "4.png": f"{long_a}b",
    })
    results = run_with_watchdog(
        f"""
        import json
        from lora_tagger_widget import Dataset
        ds = Dataset({str(root)!r})
        out = {{}}
        for pattern in {HOSTILE[:3]!r}:
            for target in ("tag", "caption"):
                op = {{"kind": "replace", "pattern": pattern, "replacement": "X",
                       "target": target}}
                report = ds.preview_batch(op)
                out[pattern + " " + target] = sorted(
                    (ds[change.id].name, change.after[-12:]) for change in report.changes
                )
        for query in ("caption:" + "a*" * 20 + "c", "tag:" + "*a" * 20 + "*b", "a*a*a*a*a*x"):
            out[query] = [item.name for item in ds.filter(query)]
        print(json.dumps(out))
        """
    )
    assert results == {
        "(a+)+$ tag": [["2.png", "X, x"]],
        "(a+)+$ caption": [],
        "(a|aa)+$ tag": [["2.png", "X, x"]],
        "(a|aa)+$ caption": [],
        "(x+x+)+y tag": [],
        "(x+x+)+y caption": [],
        "caption:" + "a*" * 20 + "c": [],
        "tag:" + "*a" * 20 + "*b": ["1.png", "4.png"],
        "a*a*a*a*a*x": ["2.png"],
    }
