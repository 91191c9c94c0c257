"""Plots of a data set: how often tags are used, image sizes, and training buckets.

The data functions are plain Python; the `plot_*` functions need matplotlib and make a Figure
without pyplot, so no window opens, the user's backend is untouched, and a notebook shows it.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .buckets import RESOLUTIONS, bucket_counts

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .dataset import Dataset

_BAR_COLOR = "#4c72b0"
_LINE_COLOR = "#c44e52"


def tag_frequency(dataset: Dataset, top: int = 30) -> list[tuple[str, int]]:
    """The `top` most used tags with their counts, most used first."""
    return dataset.vocabulary.most_common(top)


def image_sizes(dataset: Dataset) -> list[tuple[str, int, int]]:
    """(id, width, height) of each readable image, upright; unreadable images are left out."""
    sizes = []
    for item in dataset:
        info = item.image_info
        if info is not None:
            sizes.append((item.id, info.width, info.height))
    return sizes


def aspect_ratios(sizes: Iterable[Sequence[Any]]) -> list[float]:
    """Width / height of each size: (id, width, height) rows as `image_sizes` gives them,
    or (width, height) pairs."""
    return [size[-2] / size[-1] for size in sizes]


def buckets(dataset: Dataset, resolution: int = 1024) -> dict[tuple[int, int], int]:
    """How many images fall into each kohya bucket at `resolution`, by aspect ratio."""
    return bucket_counts(((width, height) for _, width, height in image_sizes(dataset)),
                         resolution)


def plot_tag_frequency(dataset: Dataset, top: int = 30, ax: Axes | None = None) -> Figure:
    """A horizontal bar chart of the most used tags, the most used on top, counts labelled."""
    _check_matplotlib()
    rows = tag_frequency(dataset, top)
    ax = _axes(ax, width=7.0, height=max(2.5, 0.28 * len(rows) + 1.2))
    ax.set_title(f"Top {len(rows)} tags of {len(dataset)} images")
    ax.set_xlabel("images with the tag")
    ax.set_ylabel("tag")
    if not rows:
        return _empty(ax, "No tags yet")
    tags = [tag for tag, _ in reversed(rows)]
    bars = ax.barh(tags, [count for _, count in reversed(rows)], color=_BAR_COLOR)
    ax.bar_label(bars, padding=3)
    ax.margins(x=0.1)
    _whole_numbers(ax.xaxis)
    return ax.figure


def plot_sizes(dataset: Dataset, ax: Axes | None = None) -> Figure:
    """Width against height of every readable image, with lines at the usual training
    resolutions; beside it a histogram of aspect ratios (only when no `ax` is given)."""
    _check_matplotlib()
    sizes = image_sizes(dataset)
    if ax is None:
        figure = _new_figure(width=11.0, height=4.5)
        ax, histogram = figure.subplots(1, 2, width_ratios=(3, 2))
        _ratio_histogram(histogram, aspect_ratios(sizes))
    ax.set_title(f"Image sizes ({len(sizes)} images)")
    ax.set_xlabel("width (px)")
    ax.set_ylabel("height (px)")
    label = "training sizes " + ", ".join(map(str, RESOLUTIONS))
    for resolution in RESOLUTIONS:
        ax.axvline(resolution, color=_LINE_COLOR, linestyle=":", linewidth=1, label=label)
        ax.axhline(resolution, color=_LINE_COLOR, linestyle=":", linewidth=1)
        label = "_"  # one legend entry for all the lines
    ax.legend(loc="upper left")
    if not sizes:
        return _empty(ax, "No readable images")
    ax.scatter([width for _, width, _ in sizes], [height for _, _, height in sizes],
               s=14, alpha=0.6, color=_BAR_COLOR)
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    return ax.figure


def plot_buckets(dataset: Dataset, resolution: int = 1024, ax: Axes | None = None) -> Figure:
    """A bar chart of how many images fall into each kohya bucket ("WxH") at `resolution`."""
    _check_matplotlib()
    counts = buckets(dataset, resolution)
    ax = _axes(ax, width=max(6.0, 0.55 * len(counts) + 2), height=4.5)
    ax.set_title(f"Buckets at {resolution} ({sum(counts.values())} images)")
    ax.set_xlabel("bucket (width x height)")
    ax.set_ylabel("images")
    if not counts:
        return _empty(ax, "No readable images")
    labels = [f"{width}x{height}" for width, height in counts]
    bars = ax.bar(labels, list(counts.values()), color=_BAR_COLOR)
    ax.bar_label(bars, padding=2)
    ax.margins(y=0.12)
    _whole_numbers(ax.yaxis)
    ax.tick_params(axis="x", labelrotation=45 if len(labels) > 6 else 0)
    return ax.figure


def _ratio_histogram(ax: Axes, ratios: list[float]) -> None:
    ax.set_title("Aspect ratios")
    ax.set_xlabel("width / height (1 = square)")
    ax.set_ylabel("images")
    ax.axvline(1.0, color=_LINE_COLOR, linestyle=":", linewidth=1)
    if ratios:
        ax.hist(ratios, bins=min(30, max(5, len(ratios) // 3)), color=_BAR_COLOR)
        _whole_numbers(ax.yaxis)
    else:
        _empty(ax, "No readable images")


def _axes(ax: Axes | None, *, width: float, height: float) -> Axes:
    """`ax`, or the axes of a new figure of that size in inches."""
    return ax if ax is not None else _new_figure(width=width, height=height).subplots()


def _whole_numbers(axis: Any) -> None:
    """Put ticks only at whole numbers on a count axis."""
    from matplotlib.ticker import MaxNLocator

    axis.set_major_locator(MaxNLocator(integer=True))


def _empty(ax: Axes, message: str) -> Figure:
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", color="gray")
    return ax.figure


def _new_figure(*, width: float, height: float) -> Figure:
    return _notebook_figure()(figsize=(width, height), layout="constrained")


def _check_matplotlib() -> None:
    try:
        import matplotlib  # noqa: F401
    except ImportError as error:
        raise ImportError(
            "The plots need matplotlib, which is not installed: pip install matplotlib"
        ) from error


@lru_cache(maxsize=1)
def _notebook_figure() -> type[Figure]:
    """A Figure that a notebook shows as a PNG even when pyplot was never imported."""
    from matplotlib.figure import Figure

    class NotebookFigure(Figure):
        def _repr_png_(self) -> bytes:
            buffer = io.BytesIO()
            self.savefig(buffer, format="png", dpi=100)
            return buffer.getvalue()

    return NotebookFigure
