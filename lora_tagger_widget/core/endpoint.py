"""A captioner (or tagger) served over an OpenAI-compatible chat endpoint.

vLLM, LM Studio, Ollama and llama.cpp's server all answer `POST {base_url}/chat/completions`
with the OpenAI chat format, images given as `data:` URLs: that is how local vision-language
models such as JoyCaption or Qwen-VL are run. `ChatCaptioner` sends each image with a prompt and
takes the reply's text as the caption (or, with `as_tags=True`, as comma-separated tags).

Decisions:

* The standard library's HTTP client (no new dependency); requests run `concurrency` at a time.
* The prompt may name `{name}` (the image's file name) and `{tags}` (its tags, joined with ", "),
  so a captioner can be told what the person already tagged.
* A timeout, a connection error, HTTP 429 or a 5xx answer is tried again up to `retries` times,
  waiting 0.5 s, 1 s, 2 s...; any other HTTP error, or a reply without text, fails at once with
  `TaggerError` saying what the server said. The image is sent as a JPEG (PNG when it has
  transparency) no larger than `image_side` on its long side.
"""

from __future__ import annotations

import base64
import io
import json
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from PIL import Image

from .captions import split_tags
from .taggers import ImageContext, TaggerError

DEFAULT_PROMPT = ("Write one short paragraph describing this image for a text-to-image training "
                  "caption. Describe only what is visible.")
_RETRY_STATUS = frozenset({408, 429, 500, 502, 503, 504})


class ChatCaptioner:
    """Captions (or tags) images through an OpenAI-compatible chat endpoint (see the module)."""

    takes_context = True  # called as captioner(images, contexts)

    def __init__(self, base_url: str, model: str, prompt: str = DEFAULT_PROMPT, *,
                 api_key: str | None = None, max_tokens: int = 300, temperature: float = 0.2,
                 concurrency: int = 4, timeout: float = 60.0, retries: int = 2,
                 as_tags: bool = False, image_side: int = 1024) -> None:
        """`base_url` such as "http://localhost:8000/v1"; `model` as the server names it."""
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"base_url must start with http:// or https://, not {base_url!r}.")
        if concurrency < 1 or retries < 0 or timeout <= 0 or max_tokens < 1:
            raise ValueError("concurrency and max_tokens must be at least 1, retries at least 0 "
                             "and timeout above 0.")
        try:
            prompt.format(name="", tags="")
        except (KeyError, IndexError, ValueError) as error:
            raise ValueError(f"The prompt may name only {{name}} and {{tags}} ({error}).") from None
        self.url = base_url.rstrip("/") + "/chat/completions"
        self.model = model
        self.prompt = prompt
        self.api_key = api_key
        self.max_tokens = max_tokens
        self.temperature = temperature
        self.concurrency = concurrency
        self.timeout = timeout
        self.retries = retries
        self.as_tags = as_tags
        self.side = image_side
        self.name = model

    def __repr__(self) -> str:
        return f"ChatCaptioner({self.url!r}, model={self.model!r})"

    def __call__(self, images: list[Image.Image], contexts: Sequence[ImageContext] | None = None
                 ) -> list[Any]:
        """The caption of each image (or its tags as `(tag, 1.0)` pairs when `as_tags`)."""
        contexts = contexts or [ImageContext("", ())] * len(images)
        with ThreadPoolExecutor(max_workers=self.concurrency,
                                thread_name_prefix="ltw-endpoint") as pool:
            texts = list(pool.map(self._caption, images, contexts))
        if self.as_tags:
            return [[(tag, 1.0) for tag in split_tags(text)] for text in texts]
        return texts

    def _caption(self, image: Image.Image, context: ImageContext) -> str:
        prompt = self.prompt.format(name=context.name, tags=", ".join(context.tags))
        body = json.dumps({
            "model": self.model,
            "max_tokens": self.max_tokens,
            "temperature": self.temperature,
            "messages": [{"role": "user", "content": [
                {"type": "text", "text": prompt},
                {"type": "image_url", "image_url": {"url": _data_url(image, self.side)}},
            ]}],
        }).encode("utf-8")
        reply = self._post(body)
        try:
            text = reply["choices"][0]["message"]["content"]
        except (KeyError, IndexError, TypeError):
            text = None
        if not isinstance(text, str) or not text.strip():
            raise TaggerError(f"{self.url} answered without a caption: {str(reply)[:200]}")
        return text.strip()

    def _post(self, body: bytes) -> Any:
        headers = {"Content-Type": "application/json"}
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        attempt = 0
        while True:
            request = urllib.request.Request(self.url, body, headers, method="POST")
            try:
                with urllib.request.urlopen(request, timeout=self.timeout) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                detail = error.read()[:300].decode("utf-8", "replace")
                if error.code not in _RETRY_STATUS or attempt == self.retries:
                    raise TaggerError(f"{self.url} answered HTTP {error.code}: "
                                      f"{detail}") from None
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                if attempt == self.retries:
                    reason = getattr(error, "reason", error)
                    raise TaggerError(f"{self.url} did not answer after {self.retries + 1} "
                                      f"tries ({reason}).") from None
            except json.JSONDecodeError as error:
                raise TaggerError(f"{self.url} answered with something that is not JSON "
                                  f"({error}).") from None
            time.sleep(0.5 * 2**attempt)
            attempt += 1


def _data_url(image: Image.Image, side: int) -> str:
    if max(image.size) > side:
        image = image.copy()
        image.thumbnail((side, side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if image.mode == "RGBA":
        image.save(buffer, "PNG")
        mime = "image/png"
    else:
        image.convert("RGB").save(buffer, "JPEG", quality=90)
        mime = "image/jpeg"
    return f"data:{mime};base64,{base64.b64encode(buffer.getvalue()).decode('ascii')}"
