"""ai-toolkit reads our export as its own code reads a data set.

The rules, written here from ostris/ai-toolkit:
- `toolkit/config.py` `get_config`: `${VAR}` replaced in the config's text by the environment
  (an error when unset), then YAML (PyYAML's SafeLoader), then `preprocess_config` replaces
  `[name]` in the whole config with the job's name.
- `toolkit/data_loader.py` `AiToolkitDataset`: `os.walk(folder_path)`, files whose lower-cased
  name ends with `image_extensions` (jpg, jpeg, png, webp: no AVIF, no BMP), not starting with
  "."; folders named `_controls` left out.
- `toolkit/config_modules.py` `DatasetConfig`: `caption_ext` gets a leading dot.
- `toolkit/dataloader_mixins.py` `clean_caption` / `CaptionProcessingDTOMixin.get_caption`:
  newlines to ", ", split on ",", parts stripped, empty parts dropped, joined with ", ".
- `toolkit/prompt_utils.py` `inject_trigger_into_prompt`: `[name]` and `[trigger]` replaced by the
  trigger (by "" without one); the trigger put in front with a space when `prompt.count(trigger)`
  is 0.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.export import export

from oddset import ODD_CAPTIONS, TRIGGER, make_odd_set

yaml = pytest.importorskip("yaml")

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp")


def load_config(text: str, job_name: str = "job") -> dict:
    def environment(match: re.Match[str]) -> str:
        value = os.environ.get(match[1])
        if value is None:
            raise ValueError(f"Environment variable {match[1]} not set")
        return value

    parsed = yaml.safe_load(re.sub(r"\$\{([^}]+)\}", environment, text))
    return json.loads(json.dumps(parsed).replace("[name]", job_name))


def clean_caption(text: str) -> str:
    text = text.replace("\n", ", ").replace("\r", ", ")
    return ", ".join(part.strip() for part in text.split(",") if part.strip())


def inject_trigger(prompt: str, trigger: str | None) -> str:
    trigger = trigger or ""
    for placeholder in ("[name]", "[trigger]"):
        prompt = prompt.replace(placeholder, trigger)
    if trigger.strip() and prompt.count(trigger) == 0:
        prompt = f"{trigger} {prompt}"
    return prompt


def read_like_ai_toolkit(config_text: str) -> dict[str, str]:
    """Each image found (path relative to the folder) and the caption it trains with."""
    config = load_config(config_text)
    dataset = config["datasets"][0]
    folder = dataset["folder_path"]
    extension = dataset["caption_ext"]
    extension = extension if extension.startswith(".") else "." + extension
    found = {}
    for root, _, files in os.walk(folder):
        if os.path.basename(root) == "_controls":
            continue
        for name in files:
            if name.lower().endswith(IMAGE_EXTENSIONS) and not name.startswith("."):
                path = os.path.join(root, name)
                with open(os.path.splitext(path)[0] + extension, encoding="utf-8") as handle:
                    caption = clean_caption(handle.read())
                found[os.path.relpath(path, folder)] = inject_trigger(
                    caption, config.get("trigger_word"))
    return found


def has_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text) is not None


@pytest.fixture
def odd(tmp_path: Path) -> Dataset:
    dataset = Dataset(make_odd_set(tmp_path / "odd"))
    dataset.trigger = TRIGGER
    return dataset


def test_every_image_is_found_and_trains_with_the_trigger_as_a_word(odd: Dataset,
                                                                    tmp_path: Path) -> None:
    report = export(odd, "ai-toolkit", tmp_path / "out")
    assert report.config is not None
    found = read_like_ai_toolkit(report.config)
    assert len(found) == report.exported == len(ODD_CAPTIONS)
    assert not any(name.endswith(".avif") for name in found)  # converted: ai-toolkit skips it
    for name, caption in found.items():
        assert has_word(caption, TRIGGER), (name, caption)
        assert "\ufeff" not in caption
    assert found["palette.png"] == "ohwx, ohwxyz, palette"  # its count saw "ohwxyz" as ohwx
    assert found["gray16.png"] == "ohwx, sixteen bit, xohwx"
    assert found["placeholder.jpg"] == "ohwx woman, ohwx hat"


@pytest.mark.parametrize("folder", ["${HOME}x", "a\u2028b", 'q"uo\\te', "tab\there", "\ufeffbom",
                                    "dollar $HOME and {braces}"])
def test_folder_paths_read_back_as_written(odd: Dataset, tmp_path: Path, folder: str) -> None:
    dest = tmp_path / folder
    report = export(odd, "ai-toolkit", dest)
    assert report.config is not None
    assert load_config(report.config)["datasets"][0]["folder_path"] == str(dest)
    assert read_like_ai_toolkit(report.config)


def test_a_path_ai_toolkit_would_rewrite_is_refused(odd: Dataset, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\[name\]"):
        export(odd, "ai-toolkit", tmp_path / "runs [name]")
    assert not (tmp_path / "runs [name]").exists()
