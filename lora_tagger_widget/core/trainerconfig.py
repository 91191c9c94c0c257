"""The config files an export writes for trainers: ai-toolkit's `datasets:` YAML and kohya
sd-scripts' dataset TOML, with their strings quoted so the trainer reads back what was written
(what each trainer reads and rewrites is in `trainers.py`). Also how a name that is not valid
UTF-8 is shown or written, as no config (nor any name an export writes) may hold its bad bytes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from .buckets import STEP, bucket_limits
from .trainers import ai_toolkit_rewrites

_YAML_TOML_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
# What YAML does not take as is in a quoted string (outside its printable set, or a line break
# it would fold) and TOML's control characters: written as \\uXXXX.
_UNPRINTABLE = re.compile("[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
                          "|[\u2028\u2029\ufeff]")
_SURROGATES = re.compile("[\ud800-\udfff]")  # the bytes of a name that is not UTF-8


def ai_toolkit_yaml(folder: Path, trigger: str | None, resolution: Sequence[int]) -> str:
    """ai-toolkit's `datasets:` section for `folder` (and `trigger_word`), as in its example
    config `train_lora_flux_24gb.yaml`; `ValueError` for a value ai-toolkit would read back
    altered."""
    lines = [
        "# ai-toolkit: paste into the process of your config (under `config: process: - type:",
        "# 'sd_trainer'`, beside `network`, `train` and `model`), at that indentation.",
    ]
    if trigger:
        lines.append(f"trigger_word: {_yaml_quoted(trigger, 'The trigger word')}")
    lines += [
        "datasets:",
        f"  - folder_path: {_yaml_quoted(str(folder), 'The destination')}",
        '    caption_ext: "txt"',
        "    caption_dropout_rate: 0.05",
        "    shuffle_tokens: false",
        "    cache_latents_to_disk: true",
        f"    resolution: [{', '.join(str(side) for side in resolution)}]",
    ]
    return "\n".join(lines) + "\n"


def kohya_toml(image_dir: Path, repeats: int, resolution: int, trigger: str | None,
                wildcard: bool) -> str:
    """kohya sd-scripts' dataset config (`--dataset_config`) for the images in `image_dir`:
    bucket limits that hold the resolution (see `_buckets.bucket_limits`), and wildcards on
    when captions keep several lines."""
    smallest, largest = bucket_limits(resolution)
    lines = [
        "# kohya sd-scripts: train with --dataset_config pointing at this file.",
        "[general]",
        "caption_extension = \".txt\"  # kohya's own default is \".caption\"",
        "enable_bucket = true",
    ]
    if trigger:
        lines.append("keep_tokens = 1  # the trigger word, first in every caption, stays first")
    lines += [
        "",
        "[[datasets]]",
        f"resolution = {resolution}",
        f"min_bucket_reso = {smallest}",
        f"max_bucket_reso = {largest}  # kohya's default 1024 stops it above 1024",
        f"bucket_reso_steps = {STEP}",
        "",
        "  [[datasets.subsets]]",
        f"  image_dir = {_quoted(str(image_dir))}",
        f"  num_repeats = {repeats}",
    ]
    if wildcard:
        lines.append("  enable_wildcard = true  # each line of a caption is an alternative")
    return "\n".join(lines) + "\n"


def _quoted(text: str) -> str:
    """`text` as a double-quoted string that TOML and YAML both read back as `text`."""
    return '"' + "".join(_escaped(character) for character in text) + '"'


def _yaml_quoted(text: str, what: str) -> str:
    """`text` quoted for ai-toolkit's YAML: as `_quoted`, with "$" escaped (ai-toolkit replaces
    `${VAR}` in the config's text before parsing it); `ValueError` for what it alters after."""
    problem = ai_toolkit_rewrites(text)
    if problem:
        raise ValueError(f"{what} {printable(text)!r} would not be read back as written: "
                         f"{problem}. Choose one without it.")
    return _quoted(text).replace("$", "\\u0024")


def _escaped(character: str) -> str:
    if character in _YAML_TOML_ESCAPES:
        return _YAML_TOML_ESCAPES[character]
    if _UNPRINTABLE.fullmatch(character):
        code = ord(character)
        return f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}"
    return character


# Names that are not UTF-8


def is_utf8(text: str) -> bool:
    """Whether `text` holds no byte that is not UTF-8 (a surrogate escape)."""
    return _SURROGATES.search(text) is None


def utf8_name(name: str) -> str:
    """`name` with each byte that is not UTF-8 (a surrogate escape) replaced by `_`."""
    return _SURROGATES.sub("_", name)


def printable(text: str) -> str:
    """`text` with each byte that is not UTF-8 (a surrogate escape) shown as `\\xNN`."""
    return _SURROGATES.sub(lambda match: _escaped_surrogate(match[0]), text)


def _escaped_surrogate(character: str) -> str:
    code = ord(character)
    return f"\\x{code - 0xDC00:02x}" if 0xDC80 <= code <= 0xDCFF else f"\\u{code:04x}"
