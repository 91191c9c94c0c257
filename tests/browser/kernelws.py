"""Kernel messages as they cross JupyterLab's kernel WebSocket, for tests and benchmarks that
route it (Playwright's `route_web_socket`): read a frame, and write one."""

from __future__ import annotations

import json
import re
import struct
from typing import Any

KERNEL_CHANNELS = re.compile(r"/api/kernels/[^/]+/channels")
"""The URL of a kernel's WebSocket."""


def parse(frame: str | bytes) -> tuple[str, list[bytes]]:
    """The channel and parts (header, parent, metadata, content, buffers...) of a kernel message
    in the v1 WebSocket protocol (binary) or the legacy JSON one (text)."""
    if isinstance(frame, str):
        msg = json.loads(frame)
        parts = [json.dumps(msg.get(k, {})).encode() for k in
                 ("header", "parent_header", "metadata", "content")]
        return msg["channel"], parts
    (count,) = struct.unpack_from("<Q", frame, 0)
    offsets = struct.unpack_from(f"<{count}Q", frame, 8)  # where each piece starts, then the end
    pieces = [frame[offsets[i]:offsets[i + 1]] for i in range(count - 1)]
    return pieces[0].decode(), pieces[1:]


def serialize(channel: str, parts: list[bytes]) -> bytes:
    """A v1 protocol frame of `parts` on `channel`."""
    pieces = [channel.encode(), *parts]
    offsets = [8 * (1 + len(pieces) + 1)]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece))
    return struct.pack(f"<Q{len(offsets)}Q", len(offsets), *offsets) + b"".join(pieces)


class Tap:
    """Sits on a routed kernel WebSocket (`page.route_web_socket(KERNEL_CHANNELS, tap.route)`):
    `up(frame, server)` sees each frame the page sends, `down(frame, ws)` each the kernel sends;
    each passes on (or drops) the frame itself."""

    def route(self, ws: Any) -> None:
        server = ws.connect_to_server()
        ws.on_message(lambda frame: self.up(frame, server))
        server.on_message(lambda frame: self.down(frame, ws))

    def up(self, frame: str | bytes, server: Any) -> None:
        server.send(frame)

    def down(self, frame: str | bytes, ws: Any) -> None:
        ws.send(frame)
