"""The front end's `splitTags` (js/src/lib/captions.js) finds the tags Python's `split_tags` finds,
so what a person types into a tag field is read the same on both sides."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from lora_tagger_widget import split_tags

ROOT = Path(__file__).resolve().parents[1]

TEXTS = [" red hair ,, smiling,  ", "a\nb\r\nc\rd", "a, b, a", "", ",,,", "^_^, >_<",
         "\x85tag\x1c, \u3000x\u2028", "a\u2028b, c\u0085d", "\ufeffbom, tab\there", "東京 , café"]


def test_the_front_end_splits_tags_as_python_does() -> None:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is needed to run the front end's code (it comes with Node.js).")
    captions = (ROOT / "js" / "src" / "lib" / "captions.js").as_uri()
    script = (f"const {{ splitTags }} = await import({json.dumps(captions)});"
              f"process.stdout.write(JSON.stringify({json.dumps(TEXTS)}.map(splitTags)));")
    done = subprocess.run([node, "--input-type=module", "-e", script], capture_output=True,
                          text=True, timeout=60, check=True)
    assert json.loads(done.stdout) == [split_tags(text) for text in TEXTS]
