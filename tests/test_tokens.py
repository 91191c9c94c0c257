"""Token counts: our CLIP BPE on tiny vocabularies, the offline vocabulary finder, the estimates."""

from __future__ import annotations

import gzip
import json
import sys
import types
from pathlib import Path

import pytest

from lora_tagger_widget.core.tokens import (
    CLIP_L_LIMIT,
    T5_LIMIT,
    ClipBPE,
    TokenCount,
    TokenCounter,
    Vocabularies,
    clean,
    clip_tokens,
    default_hub_cache,
    estimate_clip,
    estimate_t5,
    find_vocabularies,
    split,
    t5_tokens,
    token_counts,
)

HELLO_MERGES = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o</w>")]
HELLO_VOCAB = {"h": 0, "e": 1, "l": 2, "o</w>": 3, "he": 4, "ll": 5, "hell": 6, "hello</w>": 7}
HELLO_VOCAB |= {"<|startoftext|>": 8, "<|endoftext|>": 9}
FLUX = "models--black-forest-labs--FLUX.1-dev"


def write_bpe_gz(path: Path, merges: list[tuple[str, str]]) -> Path:
    """A file in the format of OpenAI's bpe_simple_vocab_16e6.txt.gz: a header, then merges."""
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["bpe_simple_vocab_16e6.txt#version: 0.2", *(" ".join(m) for m in merges)]
    path.write_bytes(gzip.compress("\n".join(lines).encode("utf-8")))
    return path


def write_hf_tokenizer(folder: Path) -> Path:
    """A Hugging Face CLIP tokenizer folder: vocab.json, and merges.txt with its header."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "vocab.json").write_text(json.dumps(HELLO_VOCAB), encoding="utf-8")
    lines = ["#version: 0.2", *(" ".join(m) for m in HELLO_MERGES)]
    (folder / "merges.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def snapshot(hub: Path, repo_folder: str, revision: str = "0123abcd") -> Path:
    return hub / repo_folder / "snapshots" / revision


# ---- the BPE algorithm


def test_merges_apply_in_rank_order() -> None:
    vocab = {"a": 0, "b": 1, "c</w>": 2, "ab": 3, "bc</w>": 4}
    b_first = ClipBPE.from_merges([("b", "c</w>"), ("a", "b")], vocab)
    a_first = ClipBPE.from_merges([("a", "b"), ("b", "c</w>")], vocab)
    assert b_first.encode("abc") == [vocab["a"], vocab["bc</w>"]]
    assert a_first.encode("abc") == [vocab["ab"], vocab["c</w>"]]


def test_merges_join_a_word_step_by_step_into_one_token() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES, HELLO_VOCAB)
    assert bpe.encode("hello") == [HELLO_VOCAB["hello</w>"]]


def test_a_token_missing_from_the_vocabulary_is_the_end_token_as_in_hugging_face() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES, HELLO_VOCAB)
    # "hell" ends in "l</w>", which "ll" does not merge and vocab.json does not have
    assert bpe.encode("hell") == [HELLO_VOCAB["he"], HELLO_VOCAB["l"], HELLO_VOCAB["<|endoftext|>"]]


def test_a_merge_joins_every_occurrence_left_to_right() -> None:
    bpe = ClipBPE.from_merges([("a", "a")])
    assert len(bpe.encode("aaa")) == 2  # "aa", "a</w>"
    assert len(bpe.encode("aaaa")) == 3  # "aa", "a", "a</w>": the last a ends the word


def test_start_and_end_tokens_are_counted() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES, HELLO_VOCAB)
    assert bpe.count("") == 2
    assert bpe.count("hello") == 3
    assert bpe.count("hello hello") == 4


def test_default_ids_are_numbered_as_openai_numbers_them() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES)
    assert bpe.encode("!") == [256]  # "!" ending a word, after the 256 single bytes
    assert bpe.encode("hello") == [512 + 3]  # the fourth merge
    assert bpe.encode("<|startoftext|><|endoftext|>") == [516, 517]


def test_lower_cases_and_collapses_white_space() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES)
    assert bpe.encode("  HeLLo \n\t HELLO\u3000 ") == bpe.encode("hello hello")
    assert clean("  A\u00a0 B\n\nC ") == "a b c"


def test_punctuation_numbers_and_contractions_split_as_clip_splits_them() -> None:
    words = ["1", "girl", ",", "it", "'s", "(", "masterpiece", ":", "1", ".", "2", ")"]
    assert split(clean("1girl, it's (masterpiece:1.2)")) == words
    assert split(clean("...!!! snake_case")) == ["...!!!", "snake", "_", "case"]


def test_non_ascii_text_splits_letters_from_numbers() -> None:
    assert split(clean("x² café_ñ 日本2")) == ["x", "²", "café", "_", "ñ", "日本", "2"]
    assert split(clean("b\u0345!")) == ["b", "!"]  # CLIP's pattern, ignoring case, skips U+0345


def test_cleaning_fixes_text_as_ftfy_and_html_unescaping_do() -> None:
    assert clean("It\u2019s &amp; \ufb01ne") == "it's & fine"
    assert clean("\ufeff\uff21\uff22\uff23\x01") == "abc"
    assert clean("&lt;b&gt; &amp;amp;") == "<b> &"


def test_words_without_merges_are_split_into_bytes() -> None:
    bpe = ClipBPE.from_merges([])
    assert bpe.count("é") == 2 + 2  # two UTF-8 bytes, two tokens
    assert bpe.count("cat") == 2 + 3


def test_a_repeated_word_is_split_once() -> None:
    bpe = ClipBPE.from_merges(HELLO_MERGES)
    calls = []
    split_word = bpe._bpe
    bpe._bpe = lambda symbols: calls.append(symbols) or split_word(symbols)  # type: ignore[method-assign]
    bpe.count("hello, hello hello")
    bpe.count("HELLO")
    assert calls == ["hello", ","]


# ---- vocabulary files


def test_reads_openai_bpe_file_and_only_its_first_48894_merges(tmp_path: Path) -> None:
    filler = [(f"q{n}", "z") for n in range(48894 - 2)]
    merges = [("c", "a"), ("ca", "t</w>"), *filler, ("d", "o</w>")]
    path = write_bpe_gz(tmp_path / "open_clip" / "bpe_simple_vocab_16e6.txt.gz", merges)
    counter = TokenCounter(find_vocabularies({"open_clip": path.parent}, tmp_path / "hub"))
    assert counter.clip("cat").count == 1
    assert counter.clip("do").count == 2  # the merge after the first 48894 is not read


def test_reads_hugging_face_vocab_json_and_merges_txt(tmp_path: Path) -> None:
    write_hf_tokenizer(snapshot(tmp_path, FLUX) / "tokenizer")
    counter = TokenCounter(find_vocabularies({}, tmp_path))
    assert counter.clip("hello hell").count == 1 + 3


# ---- the finder


def test_finder_prefers_a_package_bpe_file(tmp_path: Path) -> None:
    hub = tmp_path / "hub"
    write_hf_tokenizer(snapshot(hub, FLUX) / "tokenizer")
    path = write_bpe_gz(tmp_path / "clip" / "bpe_simple_vocab_16e6.txt.gz", HELLO_MERGES)
    found = find_vocabularies({"open_clip": tmp_path / "nothing", "clip": path.parent}, hub).clip
    assert found is not None
    assert (found.kind, found.path) == ("bpe.gz", path)
    assert found.source.startswith("clip package")


@pytest.mark.parametrize(
    ("repo_folder", "subfolder"),
    [
        (FLUX, "tokenizer"),
        ("models--openai--clip-vit-large-patch14", ""),
        ("models--stabilityai--stable-diffusion-xl-base-1.0", "tokenizer"),
    ],
)
def test_finder_finds_clip_tokenizers_in_the_hub_cache(
    tmp_path: Path, repo_folder: str, subfolder: str
) -> None:
    folder = write_hf_tokenizer(snapshot(tmp_path, repo_folder) / subfolder)
    found = find_vocabularies({}, tmp_path).clip
    assert found is not None
    assert (found.kind, found.path) == ("vocab.json+merges.txt", folder)
    assert "hub cache" in found.source


def test_finder_prefers_flux_tokenizer_over_openai_clip(tmp_path: Path) -> None:
    write_hf_tokenizer(snapshot(tmp_path, "models--openai--clip-vit-large-patch14"))
    flux = write_hf_tokenizer(snapshot(tmp_path, FLUX) / "tokenizer")
    found = find_vocabularies({}, tmp_path).clip
    assert found is not None and found.path == flux


def test_finder_skips_a_tokenizer_folder_missing_its_merges(tmp_path: Path) -> None:
    folder = write_hf_tokenizer(snapshot(tmp_path, FLUX) / "tokenizer")
    (folder / "merges.txt").unlink()
    assert find_vocabularies({}, tmp_path, lambda name: False) == Vocabularies(None, None)


@pytest.mark.parametrize(
    ("packages", "expected"),
    [
        ({"tokenizers", "sentencepiece"}, "tokenizer.json"),
        ({"sentencepiece"}, "spiece.model"),
        ({"tokenizers"}, "tokenizer.json"),
        (set(), None),
    ],
)
def test_finder_picks_the_t5_file_that_an_installed_package_can_read(
    tmp_path: Path, packages: set[str], expected: str | None
) -> None:
    folder = snapshot(tmp_path, FLUX) / "tokenizer_2"
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")
    (folder / "spiece.model").write_bytes(b"")
    found = find_vocabularies({}, tmp_path, packages.__contains__).t5
    assert (found and found.kind) == expected
    if found is not None:
        assert found.path == folder / expected


def test_finder_finds_google_t5_in_the_hub_cache(tmp_path: Path) -> None:
    folder = snapshot(tmp_path, "models--google--t5-v1_1-xxl")
    folder.mkdir(parents=True)
    (folder / "spiece.model").write_bytes(b"")
    found = find_vocabularies({}, tmp_path, lambda name: name == "sentencepiece").t5
    assert found is not None and found.path == folder / "spiece.model"


def test_hub_cache_location_follows_hugging_face_variables(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_hub_cache() == tmp_path / ".cache" / "huggingface" / "hub"
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))
    assert default_hub_cache() == tmp_path / "hf" / "hub"
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "cache"))
    assert default_hub_cache() == tmp_path / "cache"


# ---- counting with what was found, or estimating


def test_nothing_found_gives_labelled_estimates(tmp_path: Path) -> None:
    vocabularies = find_vocabularies({"open_clip": tmp_path}, tmp_path, lambda name: True)
    assert vocabularies == Vocabularies(None, None)
    counter = TokenCounter(vocabularies)
    clip, t5 = counter.clip("a cat"), counter.t5("a cat")
    assert (clip.exact, clip.source, clip.label()) == (False, "estimate", "CLIP-L ≈2/75 (estimate)")
    assert (t5.exact, t5.source, t5.label()) == (False, "estimate", "T5 ≈3/512 (estimate)")


def test_found_vocabulary_gives_exact_counts_naming_their_source(tmp_path: Path) -> None:
    path = write_bpe_gz(tmp_path / "open_clip" / "bpe_simple_vocab_16e6.txt.gz", HELLO_MERGES)
    count = TokenCounter(find_vocabularies({"open_clip": path.parent}, tmp_path / "hub")).clip(
        "Hello, hello!"
    )
    # "Hello, hello!" is 4 tokens; CLIP-L reads them with a start and an end token, not counted
    assert (count.model, count.count, count.limit, count.exact) == ("CLIP-L", 4, 75, True)
    assert str(path) in count.source
    assert count.label() == "CLIP-L 4/75"


def test_an_unreadable_vocabulary_gives_estimates(tmp_path: Path) -> None:
    path = tmp_path / "open_clip" / "bpe_simple_vocab_16e6.txt.gz"
    path.parent.mkdir()
    path.write_bytes(b"not gzip")
    count = TokenCounter(find_vocabularies({"open_clip": path.parent}, tmp_path)).clip("a cat")
    assert (count.exact, count.source) == (False, "estimate")


def fake_module(monkeypatch: pytest.MonkeyPatch, name: str, **attributes: object) -> None:
    monkeypatch.setitem(sys.modules, name, types.SimpleNamespace(**attributes))


def test_t5_count_with_tokenizers_adds_the_end_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class Tokenizer:  # splits at spaces; adds "</s>" unless told not to, as T5's does
        @classmethod
        def from_file(cls, path: str) -> Tokenizer:
            assert path.endswith("tokenizer.json")
            return cls()

        def encode(self, text: str, add_special_tokens: bool = True) -> types.SimpleNamespace:
            words = text.split() + (["</s>"] if add_special_tokens else [])
            return types.SimpleNamespace(ids=list(range(len(words))))

    fake_module(monkeypatch, "tokenizers", Tokenizer=Tokenizer)
    folder = snapshot(tmp_path, FLUX) / "tokenizer_2"
    folder.mkdir(parents=True)
    (folder / "tokenizer.json").write_text("{}")
    counter = TokenCounter(find_vocabularies({}, tmp_path, lambda name: name == "tokenizers"))
    count = counter.t5("three words here")
    assert (count.count, count.exact, count.label()) == (4, True, "T5 4/512")
    assert "read by tokenizers" in count.source


def test_t5_count_with_sentencepiece_adds_the_end_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    class SentencePieceProcessor:
        def __init__(self, model_file: str) -> None:
            assert model_file.endswith("spiece.model")

        def encode(self, text: str) -> list[int]:
            return list(range(len(text.split())))

    fake_module(monkeypatch, "sentencepiece", SentencePieceProcessor=SentencePieceProcessor)
    folder = snapshot(tmp_path, "models--google--t5-v1_1-xxl")
    folder.mkdir(parents=True)
    (folder / "spiece.model").write_bytes(b"")
    counter = TokenCounter(find_vocabularies({}, tmp_path, lambda name: name == "sentencepiece"))
    assert counter.t5("two words").count == 3


# ---- TokenCount


def test_over_means_more_tokens_than_the_limit() -> None:
    assert not TokenCount("CLIP-L", 75, CLIP_L_LIMIT, True, "x").over
    assert TokenCount("CLIP-L", 76, CLIP_L_LIMIT, True, "x").over
    assert TokenCount("T5", 513, T5_LIMIT, False, "estimate").over


def test_label_marks_estimates() -> None:
    assert TokenCount("CLIP-L", 23, 75, True, "x").label() == "CLIP-L 23/75"
    assert TokenCount("CLIP-L", 23, 75, False, "estimate").label() == "CLIP-L ≈23/75 (estimate)"
    assert TokenCount("T5", 600, 512, False, "estimate").label() == "T5 ≈600/512 (estimate)"


# ---- estimates


def test_estimates_of_empty_text_are_the_special_tokens() -> None:
    assert estimate_clip("") == 2
    assert estimate_t5("") == 1
    assert estimate_clip(" \n ") == 2


def test_estimates_grow_with_the_text() -> None:
    tags = ["1girl", "solo", "long hair", "smile", "blue eyes", "outdoors", "cherry blossoms"]
    clip = [estimate_clip(", ".join(tags[:n])) for n in range(len(tags) + 1)]
    t5 = [estimate_t5(", ".join(tags[:n])) for n in range(len(tags) + 1)]
    assert clip == sorted(set(clip))
    assert t5 == sorted(set(t5))


def test_estimates_price_long_words_above_short_ones() -> None:
    assert estimate_clip("photorealistic") > estimate_clip("photo") == 3
    assert estimate_t5("bioluminescence") > estimate_t5("light") == 2


def test_t5_estimate_matches_t5_on_a_known_sentence() -> None:
    assert estimate_t5("Hello World!, how are you?") == 9  # "▁Hello ▁World ! , ▁how ▁are ▁you ?"


# ---- this machine's counts, whatever it has installed


def test_counts_on_this_machine_leave_out_clips_start_and_end_but_count_t5s_end() -> None:
    clip, t5 = token_counts("")
    assert (clip.model, clip.count, clip.limit) == ("CLIP-L", 0, 75)
    assert (t5.model, t5.count, t5.limit) == ("T5", 1, 512)
    for count in (clip_tokens("a cat"), t5_tokens("a cat")):
        assert count.exact == (count.source != "estimate")
        assert ("estimate" in count.label()) != count.exact
