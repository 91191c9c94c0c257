"""Kernel messages as they cross JupyterLab's kernel WebSocket, for tests and benchmarks that
route it (Playwright's `route_web_socket`): read a frame, and write one."""

from __future__ import annotations

import json
import re
import struct

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
