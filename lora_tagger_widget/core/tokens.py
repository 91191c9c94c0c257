"""How many tokens a caption takes in the text encoders of Flux.1-dev and SDXL.

CLIP-L reads 77 tokens, its start and end tokens included: 75 of the caption's own, and a CLIP
count here is of those, as taggui counts and as the filter's ``tokens:`` compares. Flux.1-dev's
T5 reads 512, its end token `</s>` included, and a T5 count includes it. A count is exact where
the tokenizer's vocabulary is found offline, in an installed package or in the Hugging Face hub
cache (see `find_vocabularies`); otherwise it is an estimate, and says so (`TokenCount.exact` is
False and its label reads "≈… (estimate)").

The CLIP count is our own implementation of OpenAI CLIP's `SimpleTokenizer` (`ClipBPE`). Where
it can differ from OpenAI's:

- OpenAI cleans text with `ftfy.fix_text`; we do the parts of it that matter for captions (HTML
  entities, control characters, Latin ligatures, full-width forms, curly quotes, NFC) but do not
  repair mojibake, and decide on HTML unescaping for the whole text rather than line by line.
- The split uses `re`, not the `regex` module: checked against `regex` on every code point, the
  two differ only on characters newer than Python's Unicode database, which we count as
  punctuation rather than letters or digits (and `re` is the faster of the two here).

The T5 count is exact only with the `tokenizers` package and a `tokenizer.json`, or the
`sentencepiece` package and a `spiece.model`, of Flux's `tokenizer_2` or google/t5-v1_1-xxl.
"""

from __future__ import annotations

import gzip
import html
import importlib.util
import json
import os
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from itertools import groupby, pairwise
from pathlib import Path
from typing import TypeVar

CLIP_L_LIMIT = 75  # the caption's own tokens: 77 less the start and end tokens
_CLIP_SPECIAL = 2  # the start and end tokens
T5_LIMIT = 512  # Flux dev, including </s>

ESTIMATE = "estimate"
_START, _END = "<|startoftext|>", "<|endoftext|>"
_CLIP_MERGES = 49152 - 256 - 2  # OpenAI reads this many merges of bpe_simple_vocab_16e6.txt.gz
_BPE_GZ = "bpe_simple_vocab_16e6.txt.gz"
_CLIP_PACKAGES = ("open_clip", "clip")
_CLIP_HUB = (
    ("black-forest-labs/FLUX.1-dev", "tokenizer"),
    ("openai/clip-vit-large-patch14", ""),
    ("stabilityai/stable-diffusion-xl-base-1.0", "tokenizer"),
)
_T5_HUB = (("black-forest-labs/FLUX.1-dev", "tokenizer_2"), ("google/t5-v1_1-xxl", ""))
_TEXT_CACHE = 1 << 17
# A longer text is counted only this far (every limit is far behind by then): counting a 50 MB
# caption would take half a minute.
MAX_COUNTED_CHARS = 100_000


@dataclass(frozen=True)
class TokenCount:
    """How many tokens a text takes in one text encoder, and how sure that number is."""

    model: str  # "CLIP-L" or "T5"
    count: int  # CLIP: without its start and end tokens; T5: with its </s>
    limit: int
    exact: bool  # False: an estimate
    source: str  # where the vocabulary came from, or "estimate"
    partial: bool = False  # True: only the first `MAX_COUNTED_CHARS` characters were counted

    @property
    def over(self) -> bool:
        """Whether the text takes more tokens than the encoder reads (the rest is cut off)."""
        return self.count > self.limit

    def label(self) -> str:
        """For people: "CLIP-L 21/75", or "CLIP-L ≈21/75 (estimate)" for an estimate."""
        if self.partial:
            return f"{self.model} >{self.count:,}/{self.limit} (caption too long to count)"
        if self.exact:
            return f"{self.model} {self.count}/{self.limit}"
        return f"{self.model} ≈{self.count}/{self.limit} (estimate)"


# ---- OpenAI CLIP's text cleaning: the parts of ftfy.fix_text that matter here, then its own


def _fix_table() -> dict[int, str | None]:
    """ftfy's character fixes as one `str.translate` table."""
    controls = [*range(0x00, 0x09), 0x0B, *range(0x0E, 0x20), 0x7F, *range(0x206A, 0x2070)]
    table: dict[int, str | None] = dict.fromkeys([*controls, 0xFEFF, *range(0xFFF9, 0xFFFD)])
    ligatures = "ĲĳǱǲǳǄǅǆǇǈǉǊǋǌﬀﬁﬂﬃﬄﬆ"
    table.update({ord(c): unicodedata.normalize("NFKC", c) for c in ligatures})
    # ftfy keeps the long s (U+017F) of ﬅ, and uncurls the apostrophe of ŉ
    table.update({ord("ﬅ"): "\u017ft", ord("ŉ"): "'n", 0x3000: " "})
    for code in range(0xFF01, 0xFFF0):
        standard = unicodedata.normalize("NFKC", chr(code))
        if standard != chr(code):
            table[code] = standard
    table.update(dict.fromkeys(map(ord, "\u02bc\u2018\u2019\u201a\u201b"), "'"))
    table.update(dict.fromkeys(map(ord, "\u201c\u201d\u201e\u201f"), '"'))
    return table


_FIXES = _fix_table()


def clean(text: str) -> str:
    """`text` as CLIP's tokenizer sees it: fixed, unescaped, spaces collapsed, lower-cased."""
    if "<" not in text:  # ftfy unescapes HTML only in text without tags
        text = html.unescape(text)
    if not (text.isascii() and text.isprintable()):  # else there is nothing to fix
        text = unicodedata.normalize("NFC", text.translate(_FIXES))
    text = html.unescape(html.unescape(text))
    return " ".join(text.split()).lower()


# ---- CLIP's split of cleaned text, its pattern `<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|
# 'm|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+` (ignoring case) done with `re`. `re` has no class for
# letters: in ASCII text `[a-z]` is one; elsewhere runs of `[^\W_]` (letters and numbers) are
# split by `str.isalpha`, which is `\p{L}` for every character that Python's Unicode database has.
# Ignoring case, CLIP's pattern matches nothing at U+0345 (it folds to a letter), so ours neither.
# Letters come first: faster, and the same, as no other alternative starts with a letter.

_SPECIAL = r"'(?:s|t|re|ve|m|ll|d)|<\|(?:startoftext|endoftext)\|>"
_ASCII_WORDS = re.compile(rf"[a-z]+|[0-9]|{_SPECIAL}|[^\sa-z0-9]+", re.IGNORECASE)
_WORDS = re.compile(rf"[^\W_]+|{_SPECIAL}|(?:[^\s\w\u0345]|_)+", re.IGNORECASE)


def split(text: str) -> list[str]:
    """Cleaned text as CLIP splits it: letter runs, numbers one by one, runs of anything else."""
    if text.isascii():
        return _ASCII_WORDS.findall(text)
    words: list[str] = []
    for word in _WORDS.findall(text):
        if word[0].isalnum() and not word.isalpha():
            words.extend(_split_letters(word))
        else:
            words.append(word)
    return words


def _split_letters(run: str) -> Iterator[str]:
    """A run of letters and numbers: its letter runs, and its numbers one by one."""
    for letters, chars in groupby(run, str.isalpha):
        if letters:
            yield "".join(chars)
        else:
            yield from chars


# ---- CLIP's byte-level BPE


def _bytes_to_unicode() -> dict[int, str]:
    """OpenAI's map of each byte to a printable character (printable bytes map to themselves)."""
    printable = [*range(ord("!"), ord("~") + 1), *range(ord("¡"), ord("¬") + 1)]
    printable += range(ord("®"), ord("ÿ") + 1)
    others = [byte for byte in range(256) if byte not in printable]
    mapping = {byte: chr(byte) for byte in printable}
    mapping.update({byte: chr(256 + n) for n, byte in enumerate(others)})
    return mapping


_BYTE_CHARS = _bytes_to_unicode()


def _openai_vocab(merges: Sequence[tuple[str, str]]) -> dict[str, int]:
    """Token -> id as OpenAI numbers them: bytes, bytes ending a word, merges, start, end."""
    symbols = list(_BYTE_CHARS.values())
    tokens = [*symbols, *(s + "</w>" for s in symbols), *map("".join, merges), _START, _END]
    return {token: n for n, token in enumerate(tokens)}


def _merge(parts: list[str], first: str, second: str) -> list[str]:
    """`parts` with each `first` that is followed by `second` joined to it, left to right."""
    merged: list[str] = []
    i = 0
    while i < len(parts):
        if parts[i] == first and i + 1 < len(parts) and parts[i + 1] == second:
            merged.append(first + second)
            i += 2
        else:
            merged.append(parts[i])
            i += 1
    return merged


class ClipBPE:
    """OpenAI CLIP's tokenizer: clean, split, map bytes to characters, apply the BPE merges.

    `merges` are in rank order (the first merge is applied first); `vocab` maps tokens to ids,
    by default numbered as OpenAI numbers them. Words are cached once split.
    """

    def __init__(
        self, merges: Sequence[tuple[str, str]], vocab: Mapping[str, int] | None = None
    ) -> None:
        self._ranks = {pair: rank for rank, pair in enumerate(merges)}
        self._ids = dict(vocab) if vocab is not None else _openai_vocab(merges)
        self._unknown = self._ids.get(_END, 0)  # what Hugging Face's CLIP tokenizer uses
        self._words: dict[str, tuple[int, ...]] = {
            token: (self._ids[token],) for token in (_START, _END) if token in self._ids
        }

    @classmethod
    def from_merges(
        cls, merges: Iterable[tuple[str, str]], vocab: Mapping[str, int] | None = None
    ) -> ClipBPE:
        """A tokenizer from merges in rank order, and optionally a token -> id vocabulary."""
        return cls(list(merges), vocab)

    def encode(self, text: str) -> list[int]:
        """The ids of `text`'s tokens, without the start and end tokens."""
        return [token for word in split(clean(text)) for token in self._word(word)]

    def count(self, text: str) -> int:
        """How many tokens `text` takes, the start and end tokens included."""
        words = split(clean(text))
        try:  # the quick way, when every word is cached
            return 2 + sum(map(len, map(self._words.__getitem__, words)))
        except KeyError:
            return 2 + sum(len(self._word(word)) for word in words)

    def _word(self, word: str) -> tuple[int, ...]:
        ids = self._words.get(word)
        if ids is None:
            symbols = "".join(_BYTE_CHARS[b] for b in word.encode("utf-8", "surrogatepass"))
            ids = tuple(self._ids.get(token, self._unknown) for token in self._bpe(symbols))
            self._words[word] = ids
        return ids

    def _bpe(self, symbols: str) -> list[str]:
        """`symbols` as tokens: the last marked as ending the word, then merged by rank."""
        parts = [*symbols[:-1], symbols[-1] + "</w>"]
        unranked = len(self._ranks)
        while len(parts) > 1:
            pair = min(pairwise(parts), key=lambda p: self._ranks.get(p, unranked))
            if pair not in self._ranks:
                break
            parts = _merge(parts, *pair)
        return parts


# ---- Estimates, where no vocabulary is found. Each splits text as its tokenizer does (CLIP's
# exactly, T5's roughly) and prices each piece by its length: common words are one token in either
# vocabulary, long and rare ones several. See `estimate_clip` and `estimate_t5` for how well.


def estimate_clip(text: str) -> int:
    """About how many CLIP tokens `text` takes, start and end included, without a vocabulary.

    Split exactly as CLIP splits; a letter run costs one token up to 8 letters and one more for
    each 4 letters after; a number 1; a punctuation run one per 3 characters; each non-ASCII
    character one more. Fitted on 35 captions of tags and sentences against the real CLIP
    vocabulary (open_clip's bpe_simple_vocab_16e6.txt.gz): mean error 1.5 tokens. On 20 other
    captions of 12 to 61 tokens it was 2.15 tokens (6 %), the worst 8 (a caption in Spanish),
    mostly too low on names; on 300 captions of 30 tags (75 to 101 tokens) 2.2 (2.5 %).
    """
    return 2 + sum(map(_clip_word_cost, split(clean(text))))


@lru_cache(maxsize=_TEXT_CACHE)
def _clip_word_cost(word: str) -> int:
    length_cost = _letters_cost(word) if word.isalpha() else 1 + (len(word) - 1) // 3
    return length_cost + _non_ascii(word)


def _letters_cost(word: str) -> int:
    return 1 + max(0, len(word) - 5) // 4


def _non_ascii(word: str) -> int:
    return 0 if word.isascii() else sum(1 for char in word if not char.isascii())


_T5_PIECES = re.compile(r"[^\W\d_]+|\d+|\S")


def estimate_t5(text: str) -> int:
    """About how many T5 tokens `text` takes, </s> included, without a vocabulary.

    T5's SentencePiece keeps case and splits at spaces, between letters, digits and punctuation:
    a letter run costs as in `estimate_clip`, except that one in capitals (a T5 vocabulary
    of 32,000 pieces has few) costs one per 2 letters; a digit run one per 3 digits; any other
    character 1. Not calibrated: no T5 vocabulary could be had where this was written; it gives
    9, as T5 does, for "Hello World!, how are you?".
    """
    return 1 + sum(map(_t5_piece_cost, _T5_PIECES.findall(text)))


@lru_cache(maxsize=_TEXT_CACHE)
def _t5_piece_cost(piece: str) -> int:
    if piece.isdigit():
        return (len(piece) + 2) // 3
    if not piece.isalpha():
        return 1
    if len(piece) > 1 and piece.isupper():
        return (len(piece) + 1) // 2
    return _letters_cost(piece) + _non_ascii(piece)


# ---- Finding the vocabularies


@dataclass(frozen=True)
class Found:
    """A vocabulary file (or folder) and what it is."""

    kind: str  # "bpe.gz", "vocab.json+merges.txt", "tokenizer.json" or "spiece.model"
    path: Path
    source: str  # for people: which package or hub repository, and where


@dataclass(frozen=True)
class Vocabularies:
    """The vocabulary found for each model; None: none was, so its counts are estimates."""

    clip: Found | None
    t5: Found | None


def default_hub_cache() -> Path:
    """The Hugging Face hub cache folder, as huggingface_hub finds it."""
    for name in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(name):
            return Path(os.environ[name]).expanduser()
    home = os.environ.get("HF_HOME") or Path.home() / ".cache" / "huggingface"
    return Path(home).expanduser() / "hub"


def installed_packages(names: Iterable[str] = _CLIP_PACKAGES) -> dict[str, Path]:
    """Name -> folder of each installed package in `names`, found without importing it."""
    folders = {}
    for name in names:
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            continue
        if spec is not None and spec.submodule_search_locations:
            folders[name] = Path(next(iter(spec.submodule_search_locations)))
    return folders


def _importable(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return False


def _snapshots(hub_cache: Path, repo: str, subfolder: str) -> Iterator[Path]:
    """The folder `subfolder` of each downloaded revision of the hub repository `repo`."""
    snapshots = hub_cache / f"models--{repo.replace('/', '--')}" / "snapshots"
    for snapshot in sorted(snapshots.glob("*")):
        yield snapshot / subfolder if subfolder else snapshot


def _in_hub(
    hub_cache: Path, repos: Iterable[tuple[str, str]], *files: str
) -> tuple[str, Path] | None:
    """The first downloaded (repository, subfolder) of `repos` that has all `files`."""
    for repo, subfolder in repos:
        for folder in _snapshots(hub_cache, repo, subfolder):
            if all((folder / file).is_file() for file in files):
                return repo, folder
    return None


def _find_clip(packages: Mapping[str, Path], hub_cache: Path) -> Found | None:
    for name, folder in packages.items():
        path = folder / _BPE_GZ
        if path.is_file():
            return Found("bpe.gz", path, f"{name} package ({path})")
    found = _in_hub(hub_cache, _CLIP_HUB, "vocab.json", "merges.txt")
    if found is None:
        return None
    repo, folder = found
    return Found("vocab.json+merges.txt", folder, f"{repo} in the hub cache ({folder})")


def _find_t5(hub_cache: Path, importable: Callable[[str], bool]) -> Found | None:
    for file, package in (("tokenizer.json", "tokenizers"), ("spiece.model", "sentencepiece")):
        found = _in_hub(hub_cache, _T5_HUB, file) if importable(package) else None
        if found is not None:
            repo, folder = found
            path = folder / file
            return Found(file, path, f"{repo} in the hub cache, read by {package} ({path})")
    return None


def find_vocabularies(
    packages: Mapping[str, Path] | None = None,
    hub_cache: Path | None = None,
    importable: Callable[[str], bool] = _importable,
) -> Vocabularies:
    """Look for the CLIP and T5 vocabularies on this machine, without downloading or importing.

    CLIP: `bpe_simple_vocab_16e6.txt.gz` in the `packages` (name -> folder; by default the
    installed `open_clip`, then `clip`), else a `vocab.json` with `merges.txt` in the hub cache:
    FLUX.1-dev's `tokenizer/`, openai/clip-vit-large-patch14, SDXL base's `tokenizer/`.
    T5: in the hub cache, FLUX.1-dev's `tokenizer_2/`, then google/t5-v1_1-xxl: a
    `tokenizer.json` if the `tokenizers` package is `importable`, else a `spiece.model` if
    `sentencepiece` is. `hub_cache` defaults to the one huggingface_hub uses.
    """
    packages = installed_packages() if packages is None else packages
    hub_cache = default_hub_cache() if hub_cache is None else hub_cache
    return Vocabularies(_find_clip(packages, hub_cache), _find_t5(hub_cache, importable))


# ---- Loading them


def _read_bpe_gz(path: Path) -> ClipBPE:
    lines = gzip.decompress(path.read_bytes()).decode("utf-8").split("\n")
    return ClipBPE.from_merges(tuple(line.split()) for line in lines[1 : 1 + _CLIP_MERGES])


def _read_hugging_face(folder: Path) -> ClipBPE:
    vocab = json.loads((folder / "vocab.json").read_text(encoding="utf-8"))
    lines = (folder / "merges.txt").read_text(encoding="utf-8").splitlines()
    merges = (tuple(line.split()) for line in lines if line and not line.startswith("#version"))
    return ClipBPE.from_merges(merges, vocab)


def _t5_counter(found: Found) -> Callable[[str], int]:
    """A function counting T5 tokens without </s>."""
    if found.kind == "tokenizer.json":
        from tokenizers import Tokenizer

        tokenizer = Tokenizer.from_file(str(found.path))
        return lambda text: len(tokenizer.encode(text, add_special_tokens=False).ids)
    from sentencepiece import SentencePieceProcessor

    processor = SentencePieceProcessor(model_file=str(found.path))
    return lambda text: len(processor.encode(text))


class TokenCounter:
    """Counts with the vocabularies given, loading them now; an estimate where one is missing
    or cannot be read."""

    def __init__(self, vocabularies: Vocabularies) -> None:
        self._clip, self._clip_source = _load(vocabularies.clip, _load_clip)
        self._t5, self._t5_source = _load(vocabularies.t5, _t5_counter)

    def clip(self, text: str) -> TokenCount:
        """CLIP-L tokens of `text`, without the start and end tokens."""
        if self._clip is None:
            usable = estimate_clip(text) - _CLIP_SPECIAL
            return TokenCount("CLIP-L", usable, CLIP_L_LIMIT, False, ESTIMATE)
        usable = self._clip.count(text) - _CLIP_SPECIAL
        return TokenCount("CLIP-L", usable, CLIP_L_LIMIT, True, self._clip_source)

    def t5(self, text: str) -> TokenCount:
        """T5 tokens of `text`, </s> included."""
        if self._t5 is None:
            return TokenCount("T5", estimate_t5(text), T5_LIMIT, False, ESTIMATE)
        return TokenCount("T5", self._t5(text) + 1, T5_LIMIT, True, self._t5_source)


def _load_clip(found: Found) -> ClipBPE:
    return _read_bpe_gz(found.path) if found.kind == "bpe.gz" else _read_hugging_face(found.path)


_Loaded = TypeVar("_Loaded")


def _load(found: Found | None, load: Callable[[Found], _Loaded]) -> tuple[_Loaded | None, str]:
    """What `load` makes of `found` and its source, or None and "estimate"."""
    if found is None:
        return None, ESTIMATE
    try:
        return load(found), found.source
    except Exception:  # whatever a broken file or package raises: estimate instead
        return None, ESTIMATE


# ---- The counts for this machine, found and loaded once, on first use

_counter: TokenCounter | None = None
_counter_lock = threading.Lock()


def _machine_counter() -> TokenCounter:
    global _counter
    with _counter_lock:
        if _counter is None:
            _counter = TokenCounter(find_vocabularies())
        return _counter


def clip_tokens(text: str) -> TokenCount:
    """CLIP-L tokens of `text` (without the start and end tokens): exact if a vocabulary is
    found."""
    return _bounded(_clip_tokens, text)


def t5_tokens(text: str) -> TokenCount:
    """T5 tokens of `text` (</s> included): exact if a tokenizer and its vocabulary are found."""
    return _bounded(_t5_tokens, text)


@lru_cache(maxsize=_TEXT_CACHE)
def _clip_tokens(text: str) -> TokenCount:
    return _machine_counter().clip(text)


@lru_cache(maxsize=_TEXT_CACHE)
def _t5_tokens(text: str) -> TokenCount:
    return _machine_counter().t5(text)


def _bounded(count: Callable[[str], TokenCount], text: str) -> TokenCount:
    """`count(text)`, or for a text over `MAX_COUNTED_CHARS` the count of its start, `partial`."""
    if len(text) <= MAX_COUNTED_CHARS:
        return count(text)
    return replace(count(text[:MAX_COUNTED_CHARS]), partial=True)


def token_counts(text: str) -> tuple[TokenCount, TokenCount]:
    """The CLIP-L and T5 token counts of `text`."""
    return clip_tokens(text), t5_tokens(text)
