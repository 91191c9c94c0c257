"""Auto-tagging: the WD-format ONNX tagger (a tiny model built here, run by onnxruntime), the
options that pick tags, suggestions kept in the data set's state folder, and accepting them.

The rules encoded (see taggui/auto_captioning/models/wd_tagger.py, `get_model_inputs` and
`WdTaggerModel.generate_tags`; Civitai's auto-tag modal for the option names and the three
"existing captions" modes): transparency onto white, pad to a white square, bicubic resize, BGR
float32 0-255; the CSV read by its header with categories 9 rating, 0 general, 4 character;
underscores to spaces except kaomoji."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from lora_tagger_widget import AutotagOptions, Dataset, ScoredTag, TaggerError, WdTagger
from lora_tagger_widget.core.autotag import accepted, choose
from lora_tagger_widget.core.taggers import prepare

from imagefiles import write_image
from wdmodel import TAGS, expected_scores, write_model


@pytest.fixture
def model_dir(tmp_path: Path) -> Path:
    return write_model(tmp_path / "wd-test-tagger")


# -- preprocessing -----------------------------------------------------------------------------


def test_prepare_puts_transparency_on_white_pads_to_a_white_square_and_flips_to_bgr() -> None:
    pixels = np.zeros((4, 6, 4), dtype=np.uint8)
    pixels[..., 0], pixels[..., 1], pixels[..., 2] = 200, 100, 50  # R, G, B
    pixels[:, :3, 3] = 255  # left half opaque
    pixels[:, 3:, 3] = 0  # right half transparent
    pixels[0, 0, 3] = 128  # one half-transparent pixel
    image = Image.fromarray(pixels, "RGBA")

    array = prepare(image, 6)  # the square side: no resize, so every pixel can be checked

    assert array.shape == (6, 6, 3) and array.dtype == np.float32
    assert (array[0] == 255).all() and (array[5] == 255).all()  # one white row above, one below
    assert array[1:5, 3:].tolist() == [[[255.0] * 3] * 3] * 4  # transparent -> white
    assert array[2, 1].tolist() == [50.0, 100.0, 200.0]  # B, G, R
    alpha = 128 / 255
    expected = [round(v * alpha + 255 * (1 - alpha)) for v in (50, 100, 200)]
    assert np.abs(array[1, 0] - expected).max() <= 1  # Pillow's integer blending


def test_prepare_resizes_the_padded_square_bicubically_and_keeps_rgb_when_asked() -> None:
    image = Image.fromarray(np.random.default_rng(1).integers(0, 255, (30, 20, 3), np.uint8))
    square = Image.new("RGB", (30, 30), (255, 255, 255))
    square.paste(image, (5, 0))
    reference = np.asarray(square.resize((16, 16), Image.Resampling.BICUBIC), np.float32)

    assert np.array_equal(prepare(image, 16, bgr=False), reference)
    assert np.array_equal(prepare(image, 16), reference[:, :, ::-1])
    assert np.array_equal(prepare(image.convert("L"), 16, bgr=False)[..., 0],
                          prepare(image.convert("L").convert("RGB"), 16, bgr=False)[..., 0])


# -- the WD tagger -----------------------------------------------------------------------------


def test_the_wd_tagger_scores_every_tag_as_the_model_computes_them(model_dir: Path) -> None:
    tagger = WdTagger(model_dir, min_score=0)
    images = [Image.new("RGB", (40, 30), "blue"), Image.new("RGB", (30, 40), (200, 30, 30))]

    results = tagger(images)

    assert tagger.side == 32 and tagger.name == "wd-test-tagger"
    batch = np.stack([prepare(image, 32) for image in images])
    want = expected_scores(batch)
    for row, scores in zip(results, want, strict=True):
        assert [s.tag for s in row] == [name for name, *_ in TAGS]
        assert [s.category for s in row] == ["rating", "rating", "general", "general",
                                             "general", "general", "character"]
        assert np.allclose([s.score for s in row], scores, atol=1e-5)
    assert results[0][2].score > 0.99 and results[1][3].score > 0.9  # blue, red


def test_a_model_named_after_its_folder_pair_and_a_channels_first_model_load(
        tmp_path: Path) -> None:
    folder = write_model(tmp_path / "m", stem="wd-v3", csv_stem="wd-v3", channels_first=True)
    tagger = WdTagger(folder)
    assert tagger.name == "wd-v3" and tagger.channels_first
    scores = tagger([Image.new("RGB", (8, 8), "blue")])[0]
    assert scores[2].tag == "blue_theme" and scores[2].score > 0.99


@pytest.mark.parametrize(("damage", "message"), [
    ("no_csv", "has no tag list beside it"),
    ("no_model", "No model.onnx"),
    ("short_csv", "they are not a pair"),
    ("no_category", "has no category column"),
    ("not_onnx", "could not be loaded as an ONNX model"),
])
def test_a_broken_model_folder_says_what_is_wrong(tmp_path: Path, damage: str,
                                                  message: str) -> None:
    folder = write_model(tmp_path / "m")
    if damage == "no_csv":
        (folder / "selected_tags.csv").unlink()
    elif damage == "no_model":
        (folder / "model.onnx").unlink()
    elif damage == "short_csv":
        write_model(folder, rows=[("a", "0"), ("b", "0")])
    elif damage == "no_category":
        (folder / "selected_tags.csv").write_text("tag_id,name\n1,a\n", encoding="utf-8")
    else:
        (folder / "model.onnx").write_bytes(b"not a model")
    with pytest.raises(TaggerError, match=message):
        WdTagger(folder)


def test_a_model_that_takes_no_square_image_is_refused(tmp_path: Path) -> None:
    import onnx
    from onnx import TensorProto, helper

    graph = helper.make_graph(
        [helper.make_node("Identity", ["input"], ["out"])], "g",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, [1, 7])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 7])])
    folder = tmp_path / "m"
    folder.mkdir()
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 18)])
    model.ir_version = 9
    onnx.save(model, folder / "model.onnx")
    (folder / "selected_tags.csv").write_text(
        "tag_id,name,category,count\n" + "".join(f"{n},t{n},0,1\n" for n in range(7)))
    with pytest.raises(TaggerError, match="square RGB images"):
        WdTagger(folder)


# -- picking tags ------------------------------------------------------------------------------


def _scores(**named: float) -> list[ScoredTag]:
    categories = {"general": "rating", "explicit": "rating", "hatsune_miku": "character",
                  "ayanami_rei": "character"}
    return [ScoredTag(tag, score, categories.get(tag, "general")) for tag, score in named.items()]


def test_thresholds_by_category_the_rating_and_the_order() -> None:
    predictions = _scores(general=0.9, explicit=0.05, long_hair=0.35, smile=0.34,
                          hatsune_miku=0.86, ayanami_rei=0.6, solo=0.97)
    chosen = choose(predictions, AutotagOptions())
    assert [(t.tag, t.category) for t in chosen] == [
        ("solo", "general"), ("hatsune miku", "character"), ("long hair", "general")]
    with_rating = choose(predictions, AutotagOptions(rating=True, max_tags=1))
    assert [t.tag for t in with_rating] == ["general", "solo"]


def test_kaomoji_keep_their_underscore_and_the_blacklist_matches_either_spelling() -> None:
    predictions = [("^_^", 0.9), ("long_hair", 0.8), ("red_eyes", 0.7), ("simple_background",
                                                                        0.6)]
    chosen = choose(predictions, AutotagOptions(blacklist="simple background, Red_Eyes"))
    assert [t.tag for t in chosen] == ["^_^", "long hair"]
    kept = choose(predictions, AutotagOptions(spaces=False))
    assert [t.tag for t in kept] == ["^_^", "long_hair", "red_eyes", "simple_background"]


def test_existing_tags_are_ignored_appended_to_or_overwritten() -> None:
    ignore = AutotagOptions(prepend=("ohwx",), append=("best quality",))
    append = AutotagOptions(existing="append", prepend=("ohwx",), append=("best quality",))
    overwrite = AutotagOptions(existing="overwrite", prepend=("ohwx",))
    assert accepted(["cat"], ["dog"], ignore) == ["cat"]
    assert accepted([], ["dog"], ignore) == ["ohwx", "dog", "best quality"]
    assert accepted(["cat", "Dog"], ["dog", "sofa"], append) == [
        "ohwx", "cat", "Dog", "sofa", "best quality"]
    assert accepted(["cat"], ["dog", "sofa"], overwrite) == ["ohwx", "dog", "sofa"]


@pytest.mark.parametrize("options", [
    {"general_threshold": 1.5}, {"max_tags": 0}, {"existing": "merge"}, {"blacklist": ["a,b"]},
    {"treshold": 0.3},
])
def test_bad_options_are_refused_before_anything_runs(tmp_path: Path, options: dict) -> None:
    root = tmp_path / "imgs"
    write_image(root / "a.png")
    calls = []
    with pytest.raises(ValueError):
        Dataset(root).autotag(lambda images: calls.append(images) or [], **options)
    assert calls == []


# -- runs on a data set ------------------------------------------------------------------------


def _colour_set(root: Path, colours: dict[str, str | None]) -> Path:
    for name, colour in colours.items():
        write_image(root / f"{name}.png", color=colour or "grey")
    return root


def test_a_run_keeps_suggestions_without_touching_a_caption_and_accepting_is_one_undo(
        tmp_path: Path, model_dir: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red", "c": "green"})
    (root / "c.txt").write_text("grass", encoding="utf-8")
    ds = Dataset(root)

    report = ds.autotag(WdTagger(model_dir), batch_size=2)

    assert report.suggested == ("a.png", "b.png") and report.skipped_tagged == ("c.png",)
    assert sorted(p.name for p in root.iterdir()) == [".lora-tagger", "a.png", "b.png",
                                                      "c.png", "c.txt"]
    assert [t.tag for t in ds.suggestions.get("a.png").tags] == ["blue theme"]
    assert ds.suggestions.get("a.png").tags[0].score > 0.99
    assert ds.unsaved_count == 0

    again = Dataset(root)  # a new kernel finds them
    assert again.suggestions.open_ids() == ["a.png", "b.png"]
    assert again.autotag(WdTagger(model_dir)).skipped_done == ("a.png", "b.png")

    applied = ds.accept_suggestions()
    assert ds[0].tags == ["blue theme"] and ds[1].tags == ["red theme"]
    assert ds.history_labels()[0][0] == applied.label
    assert ds.suggestions.open_ids() == []
    ds.undo()
    assert ds[0].tags == [] and ds[1].tags == [] and ds.unsaved_count == 0


def test_apply_accepts_at_once_and_appends_to_existing_tags(tmp_path: Path,
                                                            model_dir: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red"})
    (root / "a.txt").write_text("sky", encoding="utf-8")
    ds = Dataset(root)
    report = ds.autotag(WdTagger(model_dir), apply=True, existing="append",
                        prepend="ohwx", rating=True)
    assert ds[0].caption == "ohwx, sky, general, blue theme"
    assert ds[1].tags == ["ohwx", "general", "red theme"]
    assert report.applied is not None and "2 images" in report.applied.label
    assert "2 images got suggestions" in report.summary()


def test_accepting_above_a_score_and_rejecting(tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red"})
    ds = Dataset(root)

    def tagger(images: list[Image.Image]) -> list[list[tuple[str, float]]]:
        return [[("sure", 0.95), ("maybe", 0.5), ("no", 0.1)] for _ in images]

    ds.autotag(tagger, general_threshold=0.3)
    ds.accept_suggestions(["a.png"], min_score=0.9)
    assert ds[0].tags == ["sure"]
    assert ds.reject_suggestions() == 1
    assert ds[1].tags == [] and ds.suggestions.open_ids() == []
    rerun = ds.autotag(tagger)
    assert rerun.skipped_done == ("b.png",) and rerun.skipped_tagged == ("a.png",)
    assert ds.autotag(tagger, rerun=True, existing="append").suggested == ("a.png", "b.png")


def test_an_unreadable_image_is_reported_and_the_run_goes_on(tmp_path: Path,
                                                             model_dir: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "c": "red"})
    (root / "b.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    report = Dataset(root).autotag(WdTagger(model_dir), batch_size=2)
    assert report.suggested == ("a.png", "c.png")
    assert [image for image, _ in report.failed] == ["b.png"]
    assert "could not be read" in report.summary()


def test_cancel_stops_after_the_batch_in_progress_and_keeps_what_was_done(
        tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {f"i{n}": "blue" for n in range(10)})
    ds = Dataset(root)
    cancel = threading.Event()
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        if done >= 4:
            cancel.set()

    report = ds.autotag(lambda images: [[("x", 0.9)]] * len(images), batch_size=2,
                        cancel=cancel, progress=progress)
    assert report.cancelled and seen == [(2, 10), (4, 10)]
    assert len(report.suggested) == 4 and report.summary().startswith("Cancelled")
    assert len(Dataset(root).suggestions.open_ids()) == 4


def test_a_tagger_that_gives_a_wrong_number_of_results_is_an_error(tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red"})
    with pytest.raises(TaggerError, match="1 results for 2 images"):
        Dataset(root).autotag(lambda images: [[("x", 0.9)]])
    with pytest.raises(TaggerError, match="pairs"):
        Dataset(root).autotag(lambda images: [["x"]] * len(images))


def test_two_data_set_objects_keep_each_others_suggestions(tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red"})
    first, second = Dataset(root), Dataset(root)
    first.autotag(lambda images: [[("one", 0.9)]] * len(images), ["a.png"])
    second.autotag(lambda images: [[("two", 0.9)]] * len(images), ["b.png"])
    assert first.suggestions.open_ids() == ["a.png", "b.png"]
    assert [t.tag for t in Dataset(root).suggestions.get("b.png").tags] == ["two"]


def test_the_filter_finds_images_by_their_open_suggestions(tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red", "c": "green"})
    ds = Dataset(root)
    scores = iter([[("1girl", 0.42), ("solo", 0.9)], [("1girl", 0.97)]])
    ds.autotag(lambda images: [next(scores) for _ in images], ["a.png", "b.png"],
               general_threshold=0.3)
    assert [i.id for i in ds.filter("suggested")] == ["a.png", "b.png"]
    assert [i.id for i in ds.filter("score:1girl<0.5")] == ["a.png"]
    assert [i.id for i in ds.filter("NOT suggested")] == ["c.png"]
    ds.reject_suggestions(["a.png"])
    assert [i.id for i in ds.filter("suggested:1girl")] == ["b.png"]


def test_tags_under_the_floor_are_not_given_but_rating_tags_always_are(model_dir: Path) -> None:
    scores = WdTagger(model_dir, min_score=0.9)([Image.new("RGB", (8, 8), "blue")])[0]
    assert [(s.tag, s.category) for s in scores] == [
        ("general", "rating"), ("explicit", "rating"), ("blue_theme", "general")]


def test_listeners_hear_of_suggestions_made_accepted_and_rejected(tmp_path: Path) -> None:
    root = _colour_set(tmp_path / "imgs", {"a": "blue", "b": "red"})
    ds = Dataset(root)
    heard = []
    ds.subscribe(lambda change: heard.append((change.kind, change.ids)))
    ds.autotag(lambda images: [[("x", 0.9)]] * len(images), batch_size=1)
    ds.accept_suggestions(["a.png"])
    ds.reject_suggestions()
    told = [ids for kind, ids in heard if kind == "suggestions"]
    assert told[-2:] == [("a.png",), ("b.png",)]  # accepted, then rejected
    assert sorted(i for ids in told[:-2] for i in ids) == ["a.png", "b.png"]  # made
