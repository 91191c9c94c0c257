"""Session: what is remembered between runs, in `.lora-tagger/session.json` inside the data set."""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ._files import atomic_write_text

STATE_DIR_NAME = ".lora-tagger"
SESSION_FILE_NAME = "session.json"
SESSION_VERSION = 1

log = logging.getLogger(__name__)


@dataclass
class Session:
    """Position, reviewed marks, pinned palette tags and settings of one data set."""

    path: Path
    position: str | None = None
    reviewed: set[str] = field(default_factory=set)
    palette: list[str] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)
    problem: str | None = None  # why an existing session file could not be used, if it could not

    @classmethod
    def load(cls, state_dir: Path) -> Session:
        """The session stored in `state_dir`, or a fresh one when there is none.

        A file that cannot be parsed is set aside as `session.json.broken-<time>` (nothing is
        deleted) and a fresh session starts; `problem` says so.
        """
        path = state_dir / SESSION_FILE_NAME
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except (OSError, UnicodeDecodeError) as error:
            return cls(path, problem=f"The session file {path} could not be read ({error}).")
        try:
            return cls._from_json(path, json.loads(raw))
        except (ValueError, TypeError, AttributeError) as error:
            aside = path.with_name(f"{SESSION_FILE_NAME}.broken-{int(time.time())}")
            try:
                path.replace(aside)
                where = f"it was kept as {aside.name}"
            except OSError:
                where = "it was left as it is"
            log.warning("Session file %s is damaged (%s); %s.", path, error, where)
            return cls(path, problem=f"The session file was damaged ({error}); {where}.")

    @classmethod
    def _from_json(cls, path: Path, data: Any) -> Session:
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or version < 1:
            raise ValueError(f"unknown version {version!r}")
        position = data.get("position")
        reviewed = data.get("reviewed", [])
        palette = data.get("palette", [])
        settings = data.get("settings", {})
        if position is not None and not isinstance(position, str):
            raise ValueError("position is not a string")
        if not all(isinstance(x, str) for x in reviewed) or not isinstance(reviewed, list):
            raise ValueError("reviewed is not a list of strings")
        if not all(isinstance(x, str) for x in palette) or not isinstance(palette, list):
            raise ValueError("palette is not a list of strings")
        if not isinstance(settings, dict):
            raise ValueError("settings is not an object")
        return cls(path, position, set(reviewed), list(palette), dict(settings))

    def to_json(self) -> str:
        """The session as the JSON text stored on disk."""
        data = {
            "version": SESSION_VERSION,
            "position": self.position,
            "reviewed": sorted(self.reviewed),
            "palette": self.palette,
            "settings": self.settings,
        }
        return json.dumps(data, ensure_ascii=False, indent=1) + "\n"

    def save(self) -> None:
        """Write the session atomically (raises `OSError` when the folder is not writable)."""
        atomic_write_text(self.path, self.to_json())
