"""Upload throughput (issue 16, "Add images"): a large image sent to a real ipykernel the way the
front end sends it (`upload_batch`, `upload_begin`, one `upload_chunk` comm message with a binary
buffer per chunk, each answered before the next goes, `upload_finish`), against a plain file copy
of the same bytes and the same upload done in-process with no kernel (`Uploads` alone).

The kernel path is jupyter_client's ZMQ channels, as JupyterLab's server uses them; the browser's
websocket hop is not in it (bench_browser.py measures the browser side of other actions).
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from PIL import Image

from lora_tagger_widget.core.uploads import Uploads

from _bench import Row, add_common_args, median, print_table, write_summary

CHUNK = 2 * 1024 * 1024  # as js/src/panels/upload/logic.js sends


def make_image(path: Path, megabytes: int) -> bytes:
    """A PNG of random pixels of about `megabytes` MB (noise does not compress)."""
    side = int((megabytes * 1024 * 1024 / 3) ** 0.5)
    out = io.BytesIO()
    Image.frombytes("RGB", (side, side), os.urandom(side * side * 3)).save(out, "PNG",
                                                                          compress_level=0)
    path.write_bytes(out.getvalue())
    return out.getvalue()


class Kernel:
    """An ipykernel with a TaggerWidget on `root`, spoken to as the front end speaks to it."""

    def __init__(self, root: Path) -> None:
        from jupyter_client.manager import start_new_kernel

        self.manager, self.client = start_new_kernel(kernel_name="python3")
        self.rid = 0
        code = (f"import os; os.environ['LORA_TAGGER_WATCH'] = 'off'\n"
                f"from lora_tagger_widget import TaggerWidget\n"
                f"w = TaggerWidget({str(root)!r}, workers=0, background=False)\n"
                f"print(w.comm.comm_id)")
        self.comm_id = self._run(code).strip()

    def _run(self, code: str) -> str:
        msg_id = self.client.execute(code)
        out = []
        while True:
            msg = self.client.get_iopub_msg(timeout=60)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "stream":
                out.append(msg["content"]["text"])
            elif msg["msg_type"] == "error":
                raise RuntimeError("\n".join(msg["content"]["traceback"]))
            elif msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return "".join(out)

    def ask(self, content: dict[str, Any], buffers: list[bytes] | None = None) -> dict[str, Any]:
        self.rid += 1
        session = self.client.session
        msg = session.msg("comm_msg", {"comm_id": self.comm_id, "data": {
            "method": "custom", "content": {**content, "rid": self.rid}}})
        session.send(self.client.shell_channel.socket, msg, buffers=buffers or [])
        while True:
            reply = self.client.get_iopub_msg(timeout=120)
            if reply["msg_type"] != "comm_msg":
                continue
            data = reply["content"]["data"]
            if data.get("method") == "custom" and data["content"].get("rid") == self.rid:
                if not data["content"]["ok"]:
                    raise RuntimeError(data["content"]["error"])
                return data["content"]

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


def upload_through_kernel(kernel: Kernel, name: str, data: bytes) -> dict[str, Any]:
    batch = kernel.ask({"type": "upload_batch", "folder": "", "files": [[name, len(data)]]})
    upload = kernel.ask({"type": "upload_begin", "batch": batch["batch"], "name": name,
                         "size": len(data)})["upload"]
    for offset in range(0, len(data), CHUNK):
        kernel.ask({"type": "upload_chunk", "upload": upload, "offset": offset},
                   [data[offset: offset + CHUNK]])
    return kernel.ask({"type": "upload_finish", "upload": upload})


def upload_in_process(uploads: Uploads, name: str, data: bytes) -> None:
    upload = uploads.begin(name, len(data))
    for offset in range(0, len(data), CHUNK):
        uploads.write(upload, offset, data[offset: offset + CHUNK])
    uploads.finish(upload)


def rate(size: int, seconds: float) -> str:
    return f"{size / (1024 * 1024) / seconds:,.0f} MB/s ({seconds * 1000:,.0f} ms)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_common_args(parser)
    parser.add_argument("--megabytes", type=int, default=None, help="size of the image sent")
    parser.add_argument("--repeat", type=int, default=None, help="runs per figure (median)")
    args = parser.parse_args()
    megabytes = args.megabytes or (16 if args.quick else 64)
    repeat = args.repeat or (2 if args.quick else 5)
    workdir = Path(tempfile.mkdtemp(prefix="ltw-upload-"))
    root = workdir / "imgs"
    root.mkdir()
    source = workdir / "source.png"
    data = make_image(source, megabytes)
    size = len(data)
    copies, local, kernel_runs = [], [], []
    kernel = Kernel(root)
    try:
        uploads = Uploads(root.resolve(), root.resolve() / ".lora-tagger")
        for n in range(repeat):
            start = time.perf_counter()
            shutil.copyfile(source, workdir / f"copy{n}.png")
            with open(workdir / f"copy{n}.png", "rb+") as copied:
                os.fsync(copied.fileno())
            copies.append(time.perf_counter() - start)
            start = time.perf_counter()
            upload_in_process(uploads, f"local{n}.png", data)
            local.append(time.perf_counter() - start)
            start = time.perf_counter()
            reply = upload_through_kernel(kernel, f"kernel{n}.png", data)
            kernel_runs.append(time.perf_counter() - start)
            assert reply["landed"][0][0] == f"kernel{n}.png", reply
    finally:
        kernel.close()
        shutil.rmtree(workdir, ignore_errors=True)
    copy_s, local_s, kernel_s = median(copies), median(local), median(kernel_runs)
    rows = [
        Row(f"plain file copy of a {size / 2**20:.0f} MB PNG (+ fsync)", rate(size, copy_s)),
        Row("upload in-process (Uploads: chunks, fsync, Pillow decode, link)", rate(size, local_s),
            "copy", f"{local_s / copy_s:.1f}x"),
        Row(f"upload through the kernel ({CHUNK // 2**20} MB comm messages, one at a time)",
            rate(size, kernel_s), "copy", f"{kernel_s / copy_s:.1f}x"),
    ]
    print_table(f"Upload throughput, median of {repeat} (python {sys.version.split()[0]})", rows,
                ["The in-process figure includes decoding the whole image with Pillow to check "
                 "it, which a copy does not do."])
    write_summary(args.summary, "bench_upload", rows)


if __name__ == "__main__":
    main()
