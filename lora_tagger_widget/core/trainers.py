"""What each trainer reads, as its own loading code has it: the one table that the checks and
the exports both use, and the caption rules each trainer applies on its own.

* kohya sd-scripts (`library/train_util.py`): `IMAGE_EXTENSIONS` (png, jpg, jpeg, webp, bmp in
  lower or upper case; AVIF and JPEG XL only when a plugin is installed there), found by
  `glob_images` directly in each `image_dir` (names starting with "." are not found); the caption
  `<stem><caption_extension>`, read as UTF-8 by `read_caption`: its first line stripped, or, with
  `enable_wildcard`, every non-empty line, one of them picked at random at each step and `{a|b}`
  replaced by one of its choices. A `resolution` outside `min_bucket_reso`..`max_bucket_reso`
  (by default 256..1024) stops it at start-up (`adjust_min_max_bucket_reso_by_steps`).
* ai-toolkit (`toolkit/data_loader.py`, `toolkit/dataloader_mixins.py`,
  `toolkit/prompt_utils.py`): jpg, jpeg, png and webp in any case, in `folder_path` and its
  subfolders; the caption's lines joined with ", " and its comma-separated parts stripped; then
  `[trigger]` and `[name]` replaced by `trigger_word` (by nothing without one), and the trigger
  put in front with a space when the caption does not contain it, as a plain substring count.
  Its config text has `${VAR}` replaced before it is parsed and `[name]` after
  (`toolkit/config.py`).
* Civitai (`src/components/Training/Form/TrainingImages.tsx`): png, jpg, jpeg and webp by
  extension, at least 64 px on each side, at most 1,000; the label `<stem>.txt`. When the
  training starts, the trigger word, used as a regular expression, must open the label:
  `^trigger(,|$)` for tags, `^trigger( |$)` for captions, else it is put in front. Which of the
  two it is, Civitai guesses from the first label: over 80 characters with fewer commas than 5%
  of them means captions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

LABEL_TYPES = ("tag", "caption")  # Civitai's two kinds of label


@dataclass(frozen=True)
class Trainer:
    """What one trainer reads: formats (Pillow's names), the extensions it finds (lower case),
    the smallest side it accepts, the most images it takes, and where its code says so."""

    key: str
    label: str
    formats: frozenset[str]
    extensions: tuple[str, ...]
    min_side: int
    max_images: int | None
    source: str


TRAINERS: dict[str, Trainer] = {
    "civitai": Trainer(
        "civitai", "Civitai", frozenset({"JPEG", "PNG", "WEBP"}),
        (".png", ".jpg", ".jpeg", ".webp"), 64, 1_000,
        "civitai/civitai src/components/Training/Form/TrainingImages.tsx: imageExts, "
        "absoluteMinDimension, MAX_FILES_ALLOWED"),
    "ai-toolkit": Trainer(
        "ai-toolkit", "ai-toolkit", frozenset({"JPEG", "PNG", "WEBP"}),
        (".jpg", ".jpeg", ".png", ".webp"), 1, None,
        "ostris/ai-toolkit toolkit/data_loader.py: image_extensions"),
    "kohya": Trainer(
        "kohya", "kohya sd-scripts", frozenset({"JPEG", "PNG", "WEBP", "BMP"}),
        (".png", ".jpg", ".jpeg", ".webp", ".bmp"), 1, None,
        "kohya-ss/sd-scripts library/train_util.py: IMAGE_EXTENSIONS"),
}
# The formats every trainer reads: what a neutral copy keeps to.
COMMON_FORMATS = frozenset.intersection(*(trainer.formats for trainer in TRAINERS.values()))

# Characters that make Civitai's regular expression of the trigger word match something else.
_REGEX_SPECIAL = frozenset("\\^$*+?()[]{}|")
_CAPTION_LENGTH = 80
_CAPTION_COMMAS = 0.05


def civitai_trigger_problem(trigger: str) -> str | None:
    """Why Civitai cannot match `trigger` as written (it builds a regular expression from it
    unescaped), or None."""
    special = sorted({c for c in trigger if c in _REGEX_SPECIAL})
    if not special:
        return None
    return (f"Civitai reads the trigger word as a regular expression, so {trigger!r} (with "
            f"{' '.join(special)}) would not match itself and Civitai would add it again or fail; "
            "choose a trigger word without \\ ^ $ * + ? ( ) [ ] { } |.")


def civitai_label_type(label: str) -> str:
    """The label type Civitai guesses from this label: "caption" when it is over 80 characters
    (UTF-16 units, as JavaScript counts) with fewer comma-separated parts than 5% of them."""
    length = len(label.encode("utf-16-le")) // 2
    parts = label.count(",") + 1
    return "caption" if length > _CAPTION_LENGTH and parts < length * _CAPTION_COMMAS else "tag"


def civitai_guess(labels: Iterable[str]) -> set[str]:
    """The label types Civitai may guess for these labels: it guesses from whichever non-empty
    label it loads first, so one type when all agree."""
    return {civitai_label_type(label) for label in labels if label}


def civitai_keeps(label: str, trigger: str, label_type: str) -> bool:
    """Whether Civitai leaves `label` as it is when training with `trigger` as `label_type`
    (the trigger word holds none of the characters `civitai_trigger_problem` refuses)."""
    separator = "," if label_type == "tag" else " "
    rest = label[len(trigger):]
    return label.startswith(trigger) and (rest == "" or rest.startswith(separator))


def civitai_label(text: str, trigger: str, label_type: str) -> str:
    """`text` (one line, the trigger already put first by our rule for tags) as a label Civitai
    keeps: "trigger, ..." for tags, "trigger ..." for captions."""
    if civitai_keeps(text, trigger, label_type):
        return text
    separator = ", " if label_type == "tag" else " "
    rest = text[len(trigger):] if text.startswith(trigger) else None
    if rest is not None and rest[:1] in (" ", ","):  # the trigger first, the wrong separator
        return trigger + separator + rest.lstrip(" ,")
    return trigger + separator + text


def has_trigger_word(text: str, trigger: str) -> bool:
    """Whether `text` holds `trigger` as a word of its own (not inside a longer word)."""
    return re.search(rf"(?<!\w){re.escape(trigger)}(?!\w)", text) is not None


def ai_toolkit_fooled(text: str, trigger: str, placeholders: Iterable[str]) -> bool:
    """Whether ai-toolkit would train `text` without `trigger` as a word: its check counts the
    trigger as a substring, so one inside a longer word (`ohwxyz`) stops it adding the trigger."""
    for placeholder in placeholders:
        text = text.replace(placeholder, trigger)
    return trigger in text and not has_trigger_word(text, trigger)


def ai_toolkit_rewrites(value: str) -> str | None:
    """What ai-toolkit would change in a string of its YAML config after we write it, or None:
    it replaces `[name]` with the job's name after parsing (`${VAR}` we escape)."""
    if "[name]" in value:
        return "ai-toolkit replaces [name] in its config with the job's name"
    return None


def kohya_escape_wildcards(line: str) -> str:
    """A caption line that kohya's wildcard step (`enable_wildcard`) gives back as it is:
    braces doubled, which it reads as literal braces."""
    return line.replace("{", "{{").replace("}", "}}")
