"""The names of files that come into a data set from elsewhere (uploads, a zip's members): made
safe for every system and trainer, told apart by kind, and kept clear of the names in a folder.
"""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

from .dataset import CAPTION_EXTENSION
from .images import IMAGE_EXTENSIONS

ZIP_EXTENSION = ".zip"
# The extensions (lowercase) of each kind of file an upload takes; the front end asks for them.
UPLOAD_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image": tuple(sorted(IMAGE_EXTENSIONS)),
    "caption": (CAPTION_EXTENSION,),
    "zip": (ZIP_EXTENSION,),
}
_KINDS = {extension: kind for kind, extensions in UPLOAD_EXTENSIONS.items()
          for extension in extensions}
MAX_NAME = 120  # characters of a file name's stem
_UNSAFE = re.compile('[\x00-\x1f\x7f<>:"|?*\u202a-\u202e\u2066-\u2069]')
_RESERVED = frozenset({"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
                       *(f"lpt{n}" for n in range(10))})


class UploadError(ValueError):
    """An upload refused, with a sentence saying why; nothing of it stays on disk."""


def safe_name(given: str) -> str:
    """`given` as a file name every system and trainer takes: NFC, no control or reserved
    characters (each becomes `_`), no leading dot, no trailing dot or space, not a Windows
    device name, a stem of at most 120 characters. `UploadError` for a path or an empty name."""
    if not isinstance(given, str) or not given.strip():
        raise UploadError("A file needs a name.")
    if "/" in given or "\\" in given or given in (".", ".."):
        raise UploadError(f"{shown(given)} is a path; only a plain file name is taken.")
    name = _UNSAFE.sub("_", unicodedata.normalize("NFC", given)).strip().lstrip(".")
    dot = name.rfind(".")
    stem_part, extension = (name[:dot], name[dot:]) if dot > 0 else (name, "")
    stem_part = stem_part.rstrip(". ")[:MAX_NAME].rstrip(". ") or "upload"
    if stem_part.split(".")[0].casefold() in _RESERVED:
        stem_part += "_"
    return stem_part + extension.rstrip(". ")


def kind_of(name: str) -> str | None:
    """"image", "caption" or "zip" by the name's extension (any case, see
    `UPLOAD_EXTENSIONS`); None for anything else."""
    dot = name.rfind(".")
    return _KINDS.get(name[dot:].lower()) if dot > 0 else None


def folder_part(part: str) -> str:
    """One folder name of a path made safe as `safe_name` makes a file name."""
    return stem(safe_name(part + ".x"))


def taken_stems(folder: Path) -> set[str]:
    """The stems (casefolded) of every name in `folder`: a new image takes none of them, so
    it never shares a caption with another file."""
    return {stem(name).casefold() for name in os.listdir(folder)}


def image_named(folder: Path, wanted: str) -> str | None:
    """The name of the image in `folder` whose stem is `wanted` (any case), if one is there."""
    key = wanted.casefold()
    for name in sorted(os.listdir(folder)):
        if stem(name).casefold() == key and kind_of(name) == "image":
            return name
    return None


def stem(name: str) -> str:
    """A file name without its extension (a leading dot starts no extension)."""
    dot = name.rfind(".")
    return name[:dot] if dot > 0 else name


def join(*parts: str) -> str:
    """The POSIX path of `parts`, empty ones left out ("" for none)."""
    return "/".join(part for part in parts if part)


def shown(name: object) -> str:
    """A name as a reason quotes it: in quotes, cut to 80 characters."""
    text = str(name)
    return repr(text if len(text) <= 80 else text[:77] + "...")
