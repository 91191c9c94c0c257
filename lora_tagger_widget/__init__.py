"""lora-tagger-widget: tag a LoRA training data set inside a Jupyter notebook.

`Dataset` is the core and needs no Jupyter; `TaggerWidget` is its notebook view.
"""

from ._batch import BatchPreview, CaptionChange, Operation
from ._captions import split_tags, validate_tag
from ._checks import CheckReport, CheckSettings, Finding
from ._dataset import (
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
from ._edits import BatchReport, UndoConflictError
from ._export import TARGETS, ExportCancelled, ExportReport, Fixes, ForeignFilesError
from ._files import OutsideRootError
from ._history import CaptionEdit, Entry
from ._images import ImageError, ImageInfo, Preview
from ._plots import plot_buckets, plot_sizes, plot_tag_frequency
from ._query import QueryError
from ._sample import make_sample_dataset
from ._vocabulary import Vocabulary
from .widget import TaggerWidget

__version__ = "0.1.0"

__all__ = [
    "TARGETS",
    "BatchPreview",
    "BatchReport",
    "CaptionChange",
    "CaptionConflictError",
    "CaptionEdit",
    "CaptionLockedError",
    "CaptionWriteError",
    "Change",
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
    "SaveReport",
    "TaggerWidget",
    "UndoConflictError",
    "Vocabulary",
    "__version__",
    "make_sample_dataset",
    "plot_buckets",
    "plot_sizes",
    "plot_tag_frequency",
    "split_tags",
    "validate_tag",
]
