"""Plots of a data set: the data behind them and the matplotlib figures."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget.core.dataset import Dataset
from lora_tagger_widget.core.plots import (
    aspect_ratios,
    buckets,
    image_sizes,
    plot_buckets,
    plot_sizes,
    plot_tag_frequency,
    tag_frequency,
)

from imagefiles import write_image

SIZES = {"wide.jpg": (96, 64), "square.jpg": (64, 64), "tall.jpg": (64, 96), "hd.jpg": (128, 72)}


@pytest.fixture
def dataset(tmp_path: Path) -> Dataset:
    """Four images of known sizes, one unreadable file, and captions with known tag counts."""
    root = tmp_path / "imgs"
    captions = {"wide.jpg": "ohwx, red hair, smiling", "square.jpg": "ohwx, red hair",
                "tall.jpg": "ohwx", "hd.jpg": ""}
    for name, size in SIZES.items():
        image = write_image(root / name, size=size)
        image.with_suffix(".txt").write_text(captions[name], encoding="utf-8")
    (root / "broken.jpg").write_bytes(b"not an image")
    (root / "broken.txt").write_text("ohwx, broken", encoding="utf-8")
    return Dataset(root)


@pytest.fixture
def empty(tmp_path: Path) -> Dataset:
    (tmp_path / "nothing").mkdir()
    return Dataset(tmp_path / "nothing")


def test_tag_frequency_lists_the_most_used_first(dataset: Dataset) -> None:
    assert tag_frequency(dataset) == [("ohwx", 4), ("red hair", 2), ("broken", 1), ("smiling", 1)]


def test_tag_frequency_keeps_only_the_top(dataset: Dataset) -> None:
    assert tag_frequency(dataset, top=2) == [("ohwx", 4), ("red hair", 2)]


def test_image_sizes_skip_unreadable_images(dataset: Dataset) -> None:
    assert sorted(image_sizes(dataset)) == sorted(
        (name, width, height) for name, (width, height) in SIZES.items())


def test_image_sizes_are_upright_for_exif_rotated_images(tmp_path: Path) -> None:
    exif = Image.Exif()
    exif[0x0112] = 6  # stored sideways: shown rotated 90 degrees
    write_image(tmp_path / "set" / "rotated.jpg", size=(96, 64), exif=exif)
    assert image_sizes(Dataset(tmp_path / "set")) == [("rotated.jpg", 64, 96)]


def test_aspect_ratios_read_rows_or_pairs() -> None:
    assert aspect_ratios([("a.jpg", 150, 100), (100, 200)]) == [1.5, 0.5]


def test_buckets_count_readable_images_per_kohya_bucket(dataset: Dataset) -> None:
    assert buckets(dataset) == {(832, 1216): 1, (1024, 1024): 1, (1216, 832): 1, (1344, 768): 1}


def test_buckets_use_the_given_resolution(dataset: Dataset) -> None:
    assert (512, 512) in buckets(dataset, resolution=512)


def test_tag_plot_has_one_labelled_bar_per_tag_most_used_on_top(dataset: Dataset) -> None:
    ax = plot_tag_frequency(dataset).axes[0]
    top = max(ax.patches, key=lambda bar: bar.get_y())
    assert len(ax.patches) == 4
    assert top.get_width() == 4
    assert [text.get_text() for text in ax.texts] == ["1", "1", "2", "4"]


def test_tag_plot_is_titled_and_labelled(dataset: Dataset) -> None:
    ax = plot_tag_frequency(dataset, top=2).axes[0]
    assert (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) == (
        "Top 2 tags of 5 images", "images with the tag", "tag")


def test_size_plot_has_a_point_per_readable_image_and_a_ratio_histogram(dataset: Dataset) -> None:
    scatter, histogram = plot_sizes(dataset).axes
    assert len(scatter.collections[0].get_offsets()) == 4
    assert sum(bar.get_height() for bar in histogram.patches) == 4
    assert (scatter.get_title(), histogram.get_title()) == ("Image sizes (4 images)",
                                                            "Aspect ratios")


def test_size_plot_marks_the_training_resolutions(dataset: Dataset) -> None:
    scatter = plot_sizes(dataset).axes[0]
    vertical = {line.get_xdata()[0] for line in scatter.lines if line.get_xdata()[0] > 1}
    assert vertical == {512, 768, 1024}


def test_size_plot_draws_into_a_given_axes_only(dataset: Dataset) -> None:
    from matplotlib.figure import Figure

    ax = Figure().subplots()
    assert plot_sizes(dataset, ax=ax) is ax.figure
    assert len(ax.figure.axes) == 1


def test_bucket_plot_has_one_bar_per_bucket_named_by_size(dataset: Dataset) -> None:
    ax = plot_buckets(dataset).axes[0]
    assert len(ax.patches) == 4
    assert [label.get_text() for label in ax.get_xticklabels()] == [
        "832x1216", "1024x1024", "1216x832", "1344x768"]
    assert ax.get_title() == "Buckets at 1024 (4 images)"


def test_plots_of_an_empty_set_say_so(empty: Dataset) -> None:
    figures = [plot_tag_frequency(empty), plot_sizes(empty), plot_buckets(empty)]
    assert [figure.axes[0].texts[0].get_text() for figure in figures] == [
        "No tags yet", "No readable images", "No readable images"]


def test_a_figure_shows_as_png_in_a_notebook(dataset: Dataset) -> None:
    assert plot_buckets(dataset)._repr_png_().startswith(b"\x89PNG")


def test_plotting_neither_imports_pyplot_nor_changes_the_backend(dataset: Dataset) -> None:
    code = (
        "import sys, matplotlib; matplotlib.use('svg'); "
        "from lora_tagger_widget.core.dataset import Dataset; "
        "from lora_tagger_widget.core.plots import plot_sizes; "
        f"plot_sizes(Dataset({str(dataset.root)!r})); "
        "print(matplotlib.get_backend(), 'matplotlib.pyplot' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=120, check=True)
    assert result.stdout.split() == ["svg", "False"]


def test_plots_without_matplotlib_say_how_to_install_it(
        dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        plot_tag_frequency(dataset)


def test_the_plot_data_needs_no_matplotlib(
        dataset: Dataset, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert len(image_sizes(dataset)) == 4
