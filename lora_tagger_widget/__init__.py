"""lora-tagger-widget: tag a LoRA training data set inside a Jupyter notebook.

`Dataset` is the core and needs no Jupyter; `TaggerWidget` is its notebook view, imported on
first use so that `from lora_tagger_widget import Dataset` loads no Jupyter module.
"""

from typing import TYPE_CHECKING

from .core.autotag import AutotagOptions
from .core.autotagging import AutotagReport
from .core.batch import BatchPreview, CaptionChange, Operation
from .core.captions import split_tags, validate_tag
from .core.checks import CheckReport, CheckSettings, Finding
from .core.dataset import (
    CaptionConflictError,
    CaptionLockedError,
    CaptionWriteError,
    Change,
    Conflict,
    Dataset,
    Flag,
    Item,
    SaveReport,
)
from .core.edits import BatchReport, UndoConflictError
from .core.endpoint import ChatCaptioner
from .core.export import TARGETS, ExportCancelled, ExportReport, Fixes, ForeignFilesError
from .core.files import OutsideRootError
from .core.history import CaptionEdit, Entry
from .core.images import ImageError, ImageInfo, Preview
from .core.plots import plot_buckets, plot_sizes, plot_tag_frequency
from .core.query import QueryError
from .core.rayengine import RayOptions
from .core.sample import make_sample_dataset
from .core.suggestions import AutoSuggestion
from .core.taggers import ScoredTag, TaggerError, WdTagger
from .core.uploads import UploadError, UploadLimits, UploadResult, Uploads
from .core.vocabulary import Vocabulary

if TYPE_CHECKING:
    from .widget import TaggerWidget

__version__ = "0.1.0"

__all__ = [
    "TARGETS",
    "AutoSuggestion",
    "AutotagOptions",
    "AutotagReport",
    "BatchPreview",
    "BatchReport",
    "CaptionChange",
    "CaptionConflictError",
    "CaptionEdit",
    "CaptionLockedError",
    "CaptionWriteError",
    "Change",
    "ChatCaptioner",
    "CheckReport",
    "CheckSettings",
    "Conflict",
    "Dataset",
    "Entry",
    "ExportCancelled",
    "ExportReport",
    "Finding",
    "Fixes",
    "Flag",
    "ForeignFilesError",
    "ImageError",
    "ImageInfo",
    "Item",
    "Operation",
    "OutsideRootError",
    "Preview",
    "QueryError",
    "RayOptions",
    "SaveReport",
    "ScoredTag",
    "TaggerError",
    "TaggerWidget",
    "UndoConflictError",
    "UploadError",
    "UploadLimits",
    "UploadResult",
    "Uploads",
    "Vocabulary",
    "WdTagger",
    "__version__",
    "make_sample_dataset",
    "plot_buckets",
    "plot_sizes",
    "plot_tag_frequency",
    "split_tags",
    "validate_tag",
]


def __getattr__(name: str) -> object:
    """`TaggerWidget`, imported (with anywidget and traitlets) when first asked for."""
    if name == "TaggerWidget":
        from .widget import TaggerWidget

        globals()["TaggerWidget"] = TaggerWidget
        return TaggerWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
