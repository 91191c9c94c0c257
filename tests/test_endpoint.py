"""Captioning through an OpenAI-compatible chat endpoint: a real HTTP server on localhost that
speaks the chat completions protocol (as vLLM, LM Studio, Ollama and llama.cpp do), answering,
failing and stalling as told."""

from __future__ import annotations

import base64
import io
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import ChatCaptioner, Dataset, TaggerError

from imagefiles import write_image


class Chat:
    """What the server does: `script` lists the answers for the next requests (a status code, or
    "stall"); after it, each image is answered with its size and colour."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[int | str] = []
        self.lock = threading.Lock()
        self.stalled = threading.Event()


@pytest.fixture
def chat() -> Iterator[tuple[Chat, str]]:
    state = Chat()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with state.lock:
                state.requests.append({"path": self.path, "body": body,
                                       "auth": self.headers.get("Authorization")})
                step = state.script.pop(0) if state.script else None
            if step == "stall":
                state.stalled.wait(5)
                return
            if isinstance(step, int):
                self.send_response(step)
                self.end_headers()
                self.wfile.write(b'{"error": "scripted"}')
                return
            content = body["messages"][0]["content"]
            url = content[1]["image_url"]["url"]
            image = Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1])))
            red, _, blue = image.convert("RGB").getpixel((0, 0))
            colour = "red" if red > blue else "blue"
            text = f"{content[0]['text']} | {image.size[0]}x{image.size[1]} {colour}"
            reply = {"choices": [{"message": {"role": "assistant", "content": text}}]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state, f"http://127.0.0.1:{server.server_address[1]}/v1"
    state.stalled.set()
    server.shutdown()
    server.server_close()


def _set(root: Path) -> Path:
    write_image(root / "a.png", (64, 48), "red")
    write_image(root / "b.png", (30, 60), "blue")
    (root / "b.txt").write_text("sky, cloud", encoding="utf-8")
    return root


def test_captions_come_back_as_suggestions_with_the_prompt_filled_in(
        tmp_path: Path, chat: tuple[Chat, str]) -> None:
    state, url = chat
    ds = Dataset(_set(tmp_path / "imgs"))
    captioner = ChatCaptioner(url, "joycaption", "Describe {name}; tagged: {tags}.",
                              api_key="sk-local", max_tokens=77)

    report = ds.autocaption(captioner, existing="append")

    assert report.suggested == ("a.png", "b.png")
    assert ds.suggestions.get("a.png").caption == "Describe a.png; tagged: . | 64x48 red"
    assert ds.suggestions.get("b.png").caption.startswith("Describe b.png; tagged: sky, cloud.")
    request = state.requests[0]
    assert request["path"] == "/v1/chat/completions" and request["auth"] == "Bearer sk-local"
    assert request["body"]["model"] == "joycaption" and request["body"]["max_tokens"] == 77
    assert ds.unsaved_count == 0 and not (tmp_path / "imgs" / "a.txt").exists()

    ds.accept_suggestions()
    assert ds[0].caption.endswith("64x48 red")
    assert ds[1].caption.startswith("sky, cloud, Describe b.png")
    ds.undo()
    assert ds[1].caption == "sky, cloud" and ds[0].caption == ""


def test_ignore_leaves_captioned_images_alone_and_tags_mode_splits_the_reply(
        tmp_path: Path, chat: tuple[Chat, str]) -> None:
    _, url = chat
    ds = Dataset(_set(tmp_path / "imgs"))
    report = ds.autocaption(ChatCaptioner(url, "m", "red, round"))
    assert report.suggested == ("a.png",) and report.skipped_tagged == ("b.png",)

    tags = ChatCaptioner(url, "m", "cat, {name}", as_tags=True)
    ds.autotag(tags, rerun=True, existing="overwrite", general_threshold=0.5)
    assert [t.tag for t in ds.suggestions.get("b.png").tags] == ["cat", "b.png | 30x60 blue"]


def test_busy_and_failing_servers_are_tried_again_then_reported(
        tmp_path: Path, chat: tuple[Chat, str]) -> None:
    state, url = chat
    ds = Dataset(_set(tmp_path / "imgs"))
    state.script = [503, 429]
    assert ds.autocaption(ChatCaptioner(url, "m", retries=2, concurrency=1),
                          ["a.png"]).suggested == ("a.png",)
    assert len(state.requests) == 3

    state.script = [400]
    with pytest.raises(TaggerError, match="HTTP 400"):
        ds.autocaption(ChatCaptioner(url, "m"), ["a.png"], rerun=True)


def test_a_server_that_does_not_answer_in_time_is_an_error(
        tmp_path: Path, chat: tuple[Chat, str]) -> None:
    state, url = chat
    state.script = ["stall", "stall"]
    ds = Dataset(_set(tmp_path / "imgs"))
    with pytest.raises(TaggerError, match="did not answer after 2 tries"):
        ds.autocaption(ChatCaptioner(url, "m", timeout=0.3, retries=1), ["a.png"])
    assert ds.suggestions.open_ids() == []


def test_nothing_listens_there_is_an_error_after_the_retries(tmp_path: Path) -> None:
    ds = Dataset(_set(tmp_path / "imgs"))
    with pytest.raises(TaggerError, match="did not answer"):
        ds.autocaption(ChatCaptioner("http://127.0.0.1:9/v1", "m", retries=0), ["a.png"])


@pytest.mark.parametrize(("args", "message"), [
    (("localhost:8000", "m"), "http"),
    (("http://x/v1", "m", "Say {what}"), "only {name} and {tags}"),
    (("http://x/v1", "m"), "concurrency"),
])
def test_bad_settings_are_refused_when_made(args: tuple, message: str) -> None:
    extra = {"concurrency": 0} if message == "concurrency" else {}
    with pytest.raises(ValueError, match=message):
        ChatCaptioner(*args, **extra)
