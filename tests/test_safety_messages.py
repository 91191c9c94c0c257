"""Random and malformed requests against the widget's message handler (docs/protocol.md).

Hypothesis throws arbitrary JSON-like values, dicts with valid and invalid types and random
fields, valid types with almost-right fields, and plausible valid requests at
`TaggerWidget._on_request`, the entry point the front end's messages reach. Every message must get
exactly one well-formed, JSON-serialisable reply; a malformed one (judged here against the
protocol, independently of the product's code) must get `ok: false` and change nothing, neither the
synced state nor a byte on disk; and the widget must still navigate and tag correctly afterwards.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import random
import shutil
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from lora_tagger_widget import Dataset, TaggerWidget

from imagefiles import write_image

# The data set every example starts from: natural order is the order written here.
CAPTIONS: dict[str, str | None] = {
    "a.jpg": "red hair, smiling",
    "b.png": None,
    "sub/c.jpg": "outdoors",
    "sub/d.jpg": "red hair",
}
IDS = tuple(CAPTIONS)
COUNT = len(IDS)

PROTOCOL_TYPES = (
    "preview", "goto", "next", "prev", "next_untagged", "add_tag", "remove_tag", "toggle_tag",
    "set_tags", "toggle_reviewed", "complete", "palette", "palette_add", "palette_usage",
    "palette_delete", "palette_import", "palette_export", "save", "resolve_conflict",
    "allow_rewrite", "close",
)
FIELDS: dict[str, tuple[str, ...]] = {
    "preview": ("id", "width", "height"),
    "goto": ("index",),
    "add_tag": ("id", "tag"),
    "remove_tag": ("id", "tag"),
    "toggle_tag": ("id", "tag"),
    "set_tags": ("id", "tags"),
    "toggle_reviewed": ("id",),
    "complete": ("query", "limit"),
    "palette_add": ("tag",),
    "palette_usage": ("tag",),
    "palette_delete": ("tag",),
    "palette_import": ("text",),
    "resolve_conflict": ("id", "keep"),
    "allow_rewrite": ("id",),
}
MAX_SAFE_RID = 2**53 - 1  # rids are JavaScript numbers: exact integers only up to 2**53 - 1

BATCH = 20  # messages per Hypothesis example
# Stand-ins that `materialise` replaces just before sending, so that failing examples print short:
ABSOLUTE_ID = "<absolute path of a.jpg>"
LONG = ("<100k x>", "<100k e-acute>", "<10k 'red hair, '>", "<33k '../'>")
LONG_VALUES = {
    LONG[0]: "x" * 100_000,
    LONG[1]: "\u00e9" * 100_000,
    LONG[2]: "red hair, " * 10_000,
    LONG[3]: "../" * 33_333,
}


@dataclass(frozen=True)
class Reorder:
    """Stand-in for the item's current tags in a shuffled order (`seed` picks the order)."""

    seed: int


TAGS = ("red hair", "smiling", "outdoors", "ohwx", "Blue Eyes", "1girl", "caf\u00e9", "\u732b")


# Field values, valid and almost right

def _is_int(value: object, low: int, high: int) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and low <= value <= high


def _is_str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


FIELD_OK: dict[str, Callable[[object], bool]] = {
    "id": lambda v: isinstance(v, str) and v in IDS,
    "width": lambda v: _is_int(v, 16, 4096),
    "height": lambda v: _is_int(v, 16, 4096),
    "index": lambda v: _is_int(v, 0, COUNT - 1),
    "tag": lambda v: isinstance(v, str),
    "tags": _is_str_list,
    "query": lambda v: isinstance(v, str),
    "limit": lambda v: _is_int(v, 1, 50),
    "text": lambda v: isinstance(v, str),
    "keep": lambda v: v in ("theirs", "mine"),
}


def valid_rid(message: object) -> int | None:
    """The rid a reply must echo: the message's, when it is a safe positive integer."""
    rid = message.get("rid") if isinstance(message, dict) else None
    return rid if _is_int(rid, 1, MAX_SAFE_RID) else None


def is_well_formed(message: object, dataset: Dataset) -> bool:
    """Whether `message` is a request as the protocol describes it: structure, field types and
    ranges, known ids, and `set_tags` only reordering the image's tags. The text of tags is not
    judged here: an unusable tag is covered by 'a refused request changes nothing'."""
    if not isinstance(message, dict) or valid_rid(message) is None:
        return False
    kind = message.get("type")
    if not isinstance(kind, str) or kind not in PROTOCOL_TYPES:
        return False
    if not all(name in message and FIELD_OK[name](message[name]) for name in FIELDS.get(kind, ())):
        return False
    return kind != "set_tags" or sorted(message["tags"]) == sorted(dataset[message["id"]].tags)


SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**53 - 1, 2**53, 2**63, -(2**63), 2**64, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0, 1e308, 5e-324]),
    st.text(max_size=20),
    st.sampled_from(["", " ", "\x00", "\u202e", "\ud7ff\ufffd", "../../etc/passwd", *LONG]),
)
JSON_VALUES = st.recursive(
    SCALARS,
    lambda children: st.lists(children, max_size=4)
    | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=10,
)

VALID_RIDS = st.integers(1, MAX_SAFE_RID) | st.sampled_from([1, MAX_SAFE_RID])
BAD_RIDS = st.sampled_from(
    [0, -1, -(2**53), 2**53, 2**64, True, False, 1.0, 7.5, math.nan, "7", "", None, [7], {"r": 7}]
)

VALID_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(IDS),
    "width": st.integers(16, 4096),
    "height": st.integers(16, 4096),
    "index": st.integers(0, COUNT - 1),
    "tag": st.sampled_from(TAGS),
    "tags": st.lists(st.sampled_from(TAGS), max_size=5),
    "query": st.sampled_from(["", "r", "hair", "E", "\u00e9", "zzz", *LONG[:1]]),
    "limit": st.integers(1, 50),
    "text": st.lists(st.sampled_from(TAGS), max_size=6).map("\n".join),
    "keep": st.sampled_from(["theirs", "mine"]),
}
ADD_TAG_INPUT = st.lists(st.sampled_from(TAGS), min_size=1, max_size=3).map(", ".join) | st.just(
    LONG[2]
)

WRONG_IDS = [
    "", " ", ".", "..", "/", "../a.jpg", "../../etc/passwd", "..\\..\\x", "/etc/passwd",
    ABSOLUTE_ID, "./a.jpg", "A.JPG", "a.jpg ", " a.jpg", "a.jpg\x00", "a.jpg\x00.png",
    "sub//c.jpg", "sub\\c.jpg", "sub%2Fc.jpg", "%2e%2e%2fa.jpg", "sub/../a.jpg", "file:///etc/passwd",
    "~/a.jpg", "a", "c.jpg", *LONG, 0, 1, -1, 2**64, 1.5, True, None, ["a.jpg"], {"id": "a.jpg"},
]
WRONG_NUMBERS = [
    -1, 0, 1, 15, 4097, 51, COUNT, 10**9, 2**53, 2**64, -(2**63), "100", "", 100.0, 100.5,
    math.nan, math.inf, True, False, None, [100], {"n": 100},
]
WRONG_TEXT = ["", "   ", ",", " , ", "a\nb", "a\rb", "\x00", "x" * 501, *LONG, 5, 1.5, None, True,
              ["red hair"], {"tag": "red hair"}]
ALMOST_FIELDS: dict[str, st.SearchStrategy[Any]] = {
    "id": st.sampled_from(WRONG_IDS),
    "width": st.sampled_from(WRONG_NUMBERS),
    "height": st.sampled_from(WRONG_NUMBERS),
    "index": st.sampled_from(WRONG_NUMBERS) | st.integers(),
    "tag": st.sampled_from(WRONG_TEXT),
    "tags": st.sampled_from(["red hair", "a, b", [1, 2], ["a", None], [["a"]], [""], ["a\nb"],
                             [LONG[0]], None, 5, {"0": "a"}, [], ["red hair"], ["outdoors"],
                             ["smiling", "red hair", "new"], ["red hair", "red hair"]]),
    "query": st.sampled_from([5, None, [], {}, True, *LONG]),
    "limit": st.sampled_from(WRONG_NUMBERS),
    "text": st.sampled_from(WRONG_TEXT),
    "keep": st.sampled_from(["both", "", "THEIRS", "theirs ", None, True, 1, ["mine"]]),
}


def valid_request(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    fields = {name: VALID_FIELDS[name] for name in FIELDS.get(kind, ())}
    if kind == "add_tag":
        fields["tag"] = ADD_TAG_INPUT
    if kind == "set_tags":
        fields["tags"] = st.builds(Reorder, st.integers(0, 2**32))
    return st.fixed_dictionaries({"type": st.just(kind), "rid": VALID_RIDS, **fields})


OPEN_TYPES = [kind for kind in PROTOCOL_TYPES if kind != "close"]  # a valid close ends the widget
VALID_REQUESTS = st.one_of([valid_request(kind) for kind in OPEN_TYPES])


@st.composite
def almost_right_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A valid request with one field wrong (a bad value or a random one) or missing; the rid
    when the type has no fields."""
    kind = draw(st.sampled_from(OPEN_TYPES))
    message = draw(valid_request(kind))
    name = draw(st.sampled_from(FIELDS.get(kind, ("rid",))))
    how = draw(st.sampled_from(["wrong", "wrong", "missing", "random"]))
    if how == "missing":
        del message[name]
    elif name == "rid":
        message["rid"] = draw(BAD_RIDS)
    else:
        message[name] = draw(ALMOST_FIELDS[name] if how == "wrong" else JSON_VALUES)
    return message


FIELD_NAMES = st.sampled_from(["rid", "type", "id", *VALID_FIELDS, "foo", "", "__proto__"])
INVALID_TYPES = st.sampled_from(
    ["", " ", "Preview", "PREVIEW", "preview ", "reply", "notice", "__init__", "__class__", "get",
     "HANDLERS", "eval", "close\x00", "next_tagged"]
)


@st.composite
def random_field_requests(draw: st.DrawFn) -> dict[str, Any]:
    """A dict with a type from the protocol (or not) and random fields of random types."""
    message = draw(st.dictionaries(FIELD_NAMES | st.text(max_size=6), JSON_VALUES, max_size=5))
    message["type"] = draw(st.sampled_from(OPEN_TYPES) | INVALID_TYPES | JSON_VALUES)
    if draw(st.booleans()):
        message["rid"] = draw(VALID_RIDS | BAD_RIDS)
    return message


CLOSE_WITHOUT_RID = st.fixed_dictionaries(
    {"type": st.just("close")}, optional={"rid": BAD_RIDS}
)

BAD_RID_REQUESTS = st.builds(
    lambda message, rid: {**message, "rid": rid}, VALID_REQUESTS, BAD_RIDS
) | VALID_REQUESTS.map(lambda message: {k: v for k, v in message.items() if k != "rid"})

# (label, message): "valid" requests must succeed; the others are judged by `is_well_formed`.
# Repeating a strategy in `one_of` weights it: about a third valid, half almost right.
MESSAGES = st.one_of(
    *[st.tuples(st.just("valid"), VALID_REQUESTS)] * 6,
    *[st.tuples(st.just("other"), almost_right_requests())] * 8,
    st.tuples(st.just("other"), BAD_RID_REQUESTS),
    st.tuples(st.just("other"), JSON_VALUES),
    st.tuples(st.just("other"), random_field_requests()),
    st.tuples(st.just("other"), CLOSE_WITHOUT_RID),
).filter(lambda pair: not (valid_rid(pair[1]) and pair[1].get("type") == "close"))


# The widget under test

def write_template(folder: Path) -> Path:
    for name, caption in CAPTIONS.items():
        image = write_image(folder / name)
        if caption is not None:
            image.with_suffix(".txt").write_bytes(caption.encode("utf-8"))
    return folder


class Sent:
    """Replaces `widget.send` and keeps what the widget sent."""

    def __init__(self, widget: TaggerWidget) -> None:
        self.messages: list[tuple[dict[str, Any], list[bytes] | None]] = []
        widget.send = self._send  # type: ignore[method-assign]

    def _send(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> None:
        self.messages.append((content, buffers))


def snapshot(widget: TaggerWidget) -> tuple[object, ...]:
    """Everything a request could change: synced state, files on disk, captions in memory."""
    dataset = widget.dataset
    state = {k: v for k, v in widget.get_state().items() if k not in ("_esm", "_css")}
    files = {
        path.relative_to(dataset.root).as_posix(): path.read_bytes()
        for path in sorted(dataset.root.rglob("*"))
        if path.is_file()
    }
    memory = [
        (item.id, item.caption, item.dirty, item.locked_reason, item.conflict) for item in dataset
    ]
    return copy.deepcopy(state), files, memory, dataset.session.to_json()


def materialise(value: object, dataset: Dataset) -> object:
    """`value` with its stand-ins replaced by what they stand for."""
    if isinstance(value, dict):
        message = {key: materialise(v, dataset) for key, v in value.items()}
        if isinstance(value.get("tags"), Reorder):
            item_id = message.get("id")
            tags = dataset[item_id].tags if item_id in IDS else ["red hair", "smiling"]
            random.Random(value["tags"].seed).shuffle(tags)
            message["tags"] = tags
        return message
    if isinstance(value, list):
        return [materialise(v, dataset) for v in value]
    if value == ABSOLUTE_ID:
        return str(dataset.root / "a.jpg")
    return LONG_VALUES.get(value, value) if isinstance(value, str) else value


def check_reply(message: object, sent: Sent) -> dict[str, Any]:
    """The one reply to `message`, checked against the protocol's reply shape."""
    assert len(sent.messages) == 1, f"{len(sent.messages)} replies to {message!r:.200}"
    content, buffers = sent.messages.pop()
    json.dumps(content, allow_nan=False)
    assert content["type"] == "reply"
    rid = valid_rid(message)
    assert content["rid"] == rid and type(content["rid"]) is type(rid)
    assert isinstance(content["ok"], bool)
    if not content["ok"]:
        error = content.get("error")
        assert isinstance(error, str) and error.strip(), content
        assert not error.startswith("Internal error"), f"{error} for {message!r:.200}"
        assert len(error) <= 1000, f"a {len(error)}-character error for {message!r:.200}"
    assert buffers is None or all(isinstance(b, bytes) for b in buffers)
    return content


def ask(widget: TaggerWidget, sent: Sent, **message: Any) -> dict[str, Any]:
    widget._on_request(widget, {"rid": 99, **message}, [])
    return check_reply({"rid": 99, **message}, sent)


def assert_still_works(widget: TaggerWidget, sent: Sent) -> None:
    """Navigation and tagging through requests still do what they should, down to the file."""
    for index in range(COUNT):
        assert ask(widget, sent, type="goto", index=index)["index"] == index
        assert widget._current["id"] == IDS[index]
    ask(widget, sent, type="goto", index=0)
    assert ask(widget, sent, type="next")["index"] == 1
    assert ask(widget, sent, type="prev")["index"] == 0
    assert ask(widget, sent, type="prev")["index"] == 0
    for tag in widget._current["tags"]:
        assert ask(widget, sent, type="remove_tag", id="a.jpg", tag=tag)["ok"]
    assert ask(widget, sent, type="add_tag", id="a.jpg", tag="alpha, beta")["tags"] == [
        "alpha", "beta",
    ]
    assert ask(widget, sent, type="set_tags", id="a.jpg", tags=["beta", "alpha"])["ok"]
    assert ask(widget, sent, type="add_tag", id="a.jpg", tag="gamma")["tags"] == [
        "beta", "alpha", "gamma",
    ]
    assert ask(widget, sent, type="save")["ok"]
    assert (widget.dataset.root / "a.txt").read_bytes() == b"beta, alpha, gamma"
    assert widget._current["tags"] == ["beta", "alpha", "gamma"]
    assert not widget._current["dirty"] and widget.status["unsaved"] == 0


def run_random_requests(tmp_path: Path, examples: int) -> Counter[str]:
    """Send `examples` batches of `BATCH` random messages; returns how many of each kind were
    sent: "malformed", "well-formed" and "accepted" (replied `ok: true`)."""
    template = write_template(tmp_path / "template")
    numbers = itertools.count()
    seen: Counter[str] = Counter()

    @settings(
        max_examples=examples,
        deadline=None,
        database=None,  # nothing written outside tmp_path
        suppress_health_check=[
            HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much,
        ],
        phases=[Phase.explicit, Phase.reuse, Phase.generate],  # shrinking these takes minutes
    )
    @given(st.lists(MESSAGES, min_size=BATCH, max_size=BATCH))
    def send_batch(batch: list[tuple[str, object]]) -> None:
        root = tmp_path / f"set{next(numbers)}"
        shutil.copytree(template, root)
        widget = TaggerWidget(Dataset(root), autosave=False, workers=0)
        try:
            sent = Sent(widget)
            before = snapshot(widget)
            for label, raw in batch:
                message = materialise(raw, widget.dataset)
                well_formed = is_well_formed(message, widget.dataset)
                widget._on_request(widget, message, [])
                reply = check_reply(message, sent)
                seen["well-formed" if well_formed else "malformed"] += 1
                seen["accepted"] += reply["ok"]
                after = snapshot(widget)
                if label == "valid":
                    assert reply["ok"], f"{reply} for {message!r:.200}"
                if not well_formed:
                    assert not reply["ok"], f"accepted malformed {message!r:.200}"
                if not reply["ok"]:
                    assert after == before, f"refused {message!r:.200} but changed something"
                before = after
            assert_still_works(widget, sent)
        finally:
            widget.close()
            shutil.rmtree(root)

    send_batch()
    return seen


@pytest.mark.slow
def test_ten_thousand_random_requests_each_get_one_reply_and_malformed_ones_change_nothing(
    tmp_path: Path,
) -> None:
    seen = run_random_requests(tmp_path, 10_000 // BATCH)
    assert seen["malformed"] + seen["well-formed"] >= 10_000
    assert min(seen["malformed"], seen["well-formed"], seen["accepted"]) >= 1_000


def test_five_hundred_random_requests_each_get_one_reply_and_malformed_ones_change_nothing(
    tmp_path: Path,
) -> None:
    seen = run_random_requests(tmp_path, 500 // BATCH)
    assert seen["malformed"] + seen["well-formed"] >= 500
    assert min(seen["malformed"], seen["well-formed"], seen["accepted"]) >= 50
