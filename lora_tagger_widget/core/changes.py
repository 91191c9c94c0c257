"""What a data set tells its listeners when something changes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Change:
    """What a listener is told: the kind of change and the ids of the items it touched."""

    kind: str  # "tags", "saved", "conflict", "status", "palette", "reviewed", "settings",
    # "suggestions" (auto-tagging suggestions made, accepted or rejected), "added" (images
    # taken in after the scan, at the end: `Dataset.add_images`)
    ids: tuple[str, ...] = ()
