"""Crash safety: a save killed with SIGKILL at any moment leaves every caption whole.

A child Python process opens the data set, gives every image new tags, touches the session and
saves; the test kills it with SIGKILL at seeded random moments spread over the save (before the
first caption is written, part way, after the last caption, after the whole save) and then reads
the folder back. Each caption must hold exactly its content from before the round or its new
content, a caption that did not exist may only appear with its new content, the session file must
be the old or the new one and parse, and nothing a trainer would read (a visible file, a `.txt`,
an image) may have appeared. Leftover temporary files are counted, not asserted away: cleaning
them up is a separate feature.

These are process crashes, not power cuts: what a killed process wrote is in the page cache, so
nothing here depends on `fsync`.
"""

from __future__ import annotations

import inspect
import io
import json
import os
import random
import select
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import Dataset
from lora_tagger_widget.core.files import TEMP_PREFIX
from lora_tagger_widget.core.images import IMAGE_EXTENSIONS
from lora_tagger_widget.core.session import SESSION_FILE_NAME, STATE_DIR_NAME, Session

NO_CAPTION_EVERY = 7  # img0, img7, img14, ... start without a caption file
AT_ONCE = 0.0  # a kill point: as soon as the child says it starts saving
AFTER_LAST_CAPTION = -1.0  # a kill point: as soon as the last caption is replaced (session next)


def new_tags(round_no: int, n: int) -> list[str]:
    """The tags round `round_no` gives image `n` (lengths vary, so a torn file cannot pass)."""
    return [f"round {round_no}", f"item {n}", "pad" + "x" * ((round_no * 7 + n) % 23)]


def reviewed_ids(round_no: int, count: int) -> list[str]:
    return [f"img{(round_no * 37 + k) % count}.jpg" for k in range(5)]


def position_id(round_no: int, count: int) -> str:
    return f"img{(round_no * 101 + 3) % count}.jpg"


CHILD_MAIN = '''
import sys
import time
from lora_tagger_widget import Dataset

root, round_no, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
if sys.stdin.readline().strip() != "go":  # the parent has checked the previous round
    sys.exit(0)
ds = Dataset(root)
if ds.session.problem or len(ds) != count:
    sys.exit(f"bad start: {ds.session.problem!r}, {len(ds)} images")
for n in range(count):
    ds.set_tags(f"img{n}.jpg", new_tags(round_no, n))
for item_id in reviewed_ids(round_no, count):
    ds.set_reviewed(item_id)
ds.session.position = position_id(round_no, count)
ds.note_session_change()
print("saving", flush=True)
started = time.perf_counter()
ds.save()
print(f"saved {time.perf_counter() - started:.4f}", flush=True)
sys.stdin.readline()  # wait for the SIGKILL
'''

CHILD_SCRIPT = "\n".join(
    inspect.getsource(f) for f in (new_tags, reviewed_ids, position_id)
) + CHILD_MAIN


def tiny_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "steelblue").save(buffer, "JPEG")
    return buffer.getvalue()


def make_folder(root: Path, count: int) -> list[bytes | None]:
    """`count` images `img<n>.jpg`; captions `old <n>, tag` except every 7th. Returns captions."""
    root.mkdir(parents=True)
    jpeg = tiny_jpeg()
    captions: list[bytes | None] = []
    for n in range(count):
        (root / f"img{n}.jpg").write_bytes(jpeg)
        caption = None if n % NO_CAPTION_EVERY == 0 else f"old {n}, tag".encode()
        if caption is not None:
            (root / f"img{n}.txt").write_bytes(caption)
        captions.append(caption)
    return captions


def read_captions(root: Path, count: int) -> list[bytes | None]:
    captions: list[bytes | None] = []
    for n in range(count):
        try:
            captions.append((root / f"img{n}.txt").read_bytes())
        except FileNotFoundError:
            captions.append(None)
    return captions


def expected_caption(round_no: int, n: int) -> bytes:
    """Every caption here is `a, b, c` with plain separators, so new tags simply replace it."""
    return ", ".join(new_tags(round_no, n)).encode("utf-8")


def read_session(root: Path) -> dict | None:
    path = root / STATE_DIR_NAME / SESSION_FILE_NAME
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))  # a torn file fails here


def expected_session(before: dict | None, round_no: int, count: int) -> dict:
    before = before or {"palette": [], "settings": {}, "reviewed": [], "slots": {}}
    return {
        "version": 1,
        "position": position_id(round_no, count),
        "reviewed": sorted(set(before["reviewed"]) | set(reviewed_ids(round_no, count))),
        "palette": before["palette"],
        "settings": before["settings"],
        "slots": before["slots"],
    }


def seconds_per_caption(scratch: Path, count: int = 300) -> float:
    """A full save's time per caption here, measured in this process on a scratch folder."""
    make_folder(scratch, count)
    ds = Dataset(scratch)
    for n in range(count):
        ds.set_tags(f"img{n}.jpg", new_tags(0, n))
    start = time.perf_counter()
    ds.save()
    return (time.perf_counter() - start) / count


def trainer_could_read(name: str) -> bool:
    """Whether a trainer scanning the folder would pick this file up."""
    lower = name.lower()
    return not name.startswith(".") or lower.endswith(".txt") or any(
        lower.endswith(ext) for ext in IMAGE_EXTENSIONS
    )


class Child:
    """A child process that saves one round; it imports the package, then waits for "go"."""

    def __init__(self, root: Path, round_no: int, count: int) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", CHILD_SCRIPT, str(root), str(round_no), str(count)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0,
        )
        self._buffer = b""

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")

    def line(self, timeout: float) -> str | None:
        """The child's next output line; None if none came within `timeout`, "" at its end."""
        assert self.proc.stdout is not None
        deadline = time.perf_counter() + timeout
        while b"\n" not in self._buffer:
            remaining = deadline - time.perf_counter()
            if remaining <= 0 or not select.select([self.proc.stdout], [], [], remaining)[0]:
                return None
            chunk = os.read(self.proc.stdout.fileno(), 4096)
            if not chunk:
                return ""
            self._buffer += chunk
        line, self._buffer = self._buffer.split(b"\n", 1)
        return line.decode()

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(timeout=60) == -signal.SIGKILL

    def errors(self) -> str:
        assert self.proc.stderr is not None
        return self.proc.stderr.read().decode(errors="replace")

    def close(self) -> None:
        for pipe in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if pipe is not None:
                pipe.close()


def wait_for_replacement(child: Child, path: Path, expected: float) -> str | None:
    """Return as soon as `path` is a new file (`os.replace` gives it a new inode) or the child
    says something (its line, else None); `expected` is how long the save should take."""

    def inode() -> int | None:
        try:
            return os.stat(path).st_ino
        except FileNotFoundError:
            return None

    before = inode()
    line = child.line(timeout=0.4 * expected)  # the last caption is written at the very end
    if line is not None:
        return line
    deadline = time.perf_counter() + max(60.0, 10 * expected)
    while time.perf_counter() < deadline:
        line = child.line(timeout=0)
        if line is not None or inode() != before:
            return line
        time.sleep(0.0001)
    return None


@dataclass
class Tally:
    """Where the kills landed and what they left behind."""

    phases: dict[str, int] = field(default_factory=dict)
    rounds_with_leftovers: int = 0
    leftovers: set[str] = field(default_factory=set)
    lines: list[str] = field(default_factory=list)

    @property
    def mid_save(self) -> int:
        return self.phases.get("mid-save", 0)


def run_kill_rounds(tmp_path: Path, count: int, fractions: list[float], seed: int) -> Tally:
    """Run one killed save per entry of `fractions`: kill time / expected save time, or
    `AFTER_LAST_CAPTION`. Saves that end before their kill time are killed as they end."""
    rng = random.Random(seed)
    per_caption = seconds_per_caption(tmp_path / "scratch")
    estimates: list[float] = []  # seconds per caption seen in killed rounds
    root = tmp_path / "imgs"
    captions = make_folder(root, count)
    images = {f"img{n}.jpg" for n in range(count)}
    jpeg_size = len(tiny_jpeg())
    session = read_session(root)
    hidden_before: set[str] = set()
    tally = Tally()
    child = Child(root, 1, count)
    try:
        for round_no, fraction in enumerate(fractions, start=1):
            if estimates:
                recent = sorted(estimates[-5:])
                per_caption = recent[len(recent) // 2]
            delay = fraction * per_caption * count * rng.uniform(0.9, 1.1)
            child.go()
            line = child.line(timeout=300)
            if line != "saving":
                child.proc.kill()
                child.proc.wait()
                pytest.fail(f"round {round_no}: child said {line!r}: {child.errors()}")
            started = time.perf_counter()
            if fraction == AFTER_LAST_CAPTION:
                last = root / f"img{count - 1}.txt"
                line = wait_for_replacement(child, last, per_caption * count)
            else:
                # Wait until the kill moment, or until the save ends if that comes first: then
                # the kill lands right after a finished save instead of wasting time.
                line = child.line(timeout=delay)
            child.kill()
            killed_at = time.perf_counter() - started
            if line is None:
                line = child.line(timeout=0)
            finished = bool(line and line.startswith("saved "))
            if finished:
                assert line is not None
                estimates.append(float(line.split()[1]) / count)
            child.close()
            if round_no < len(fractions):  # the next child imports while this round is checked
                child = Child(root, round_no + 1, count)

            # Every caption is its old content or its new content, whole.
            after = read_captions(root, count)
            new = [expected_caption(round_no, n) for n in range(count)]
            bad = [
                (n, captions[n], after[n], new[n])
                for n in range(count)
                if after[n] != captions[n] and after[n] != new[n]
            ]
            assert not bad, f"round {round_no}: {len(bad)} captions neither old nor new: {bad[:3]}"
            written = sum(after[n] == new[n] for n in range(count))

            # The session file parses and is the old or the new version.
            session_after = read_session(root)
            new_session = expected_session(session, round_no, count)
            assert session_after in (session, new_session), f"round {round_no}: {session_after}"
            loaded = Session.load(root / STATE_DIR_NAME)
            assert loaded.problem is None, loaded.problem

            # Nothing appeared that a trainer would read; leftover temporary files are hidden.
            names = {entry.name: entry for entry in os.scandir(root)}
            captions_now = {f"img{n}.txt" for n in range(count) if after[n] is not None}
            assert images <= names.keys()
            assert all(names[name].stat().st_size == jpeg_size for name in images)
            extra = names.keys() - images - captions_now - {STATE_DIR_NAME}
            state_dir = root / STATE_DIR_NAME
            state_extra = {
                f"{STATE_DIR_NAME}/{name}"
                for name in (os.listdir(state_dir) if state_dir.exists() else [])
                if name != SESSION_FILE_NAME
            }
            readable = sorted(name for name in extra if trainer_could_read(name))
            assert not readable, f"round {round_no}: files a trainer would read: {readable}"
            assert not any("broken" in name for name in state_extra), state_extra
            hidden = extra | state_extra
            left_now = hidden - hidden_before
            if left_now:
                tally.rounds_with_leftovers += 1
                tally.leftovers |= left_now
            hidden_before = hidden

            if session_after == new_session:
                phase = "after save"
            elif written == count:
                phase = "captions done, session not"
            elif written:
                phase = "mid-save"
                if written >= count // 50:
                    estimates.append(killed_at / written)
            else:
                phase = "before first caption"
            tally.phases[phase] = tally.phases.get(phase, 0) + 1
            point = {AT_ONCE: "at once", AFTER_LAST_CAPTION: "after last caption"}.get(
                fraction, f"{fraction:4.2f} of save"
            )
            tally.lines.append(
                f"round {round_no:2}: kill at {killed_at:6.3f}s ({point}), "
                f"{written:5}/{count} new, {phase}{', child finished' if finished else ''}, "
                f"{len(left_now)} temp file(s) left"
            )
            print(tally.lines[-1], flush=True)
            captions, session = after, session_after
    finally:
        if child.proc.poll() is None:  # a check failed: end the child waiting for "go"
            child.proc.kill()
            child.proc.wait()
        child.close()
    not_temp = sorted(n for n in tally.leftovers if not n.split("/")[-1].startswith(TEMP_PREFIX))
    print(f"phases {tally.phases}; rounds leaving hidden files {tally.rounds_with_leftovers}; "
          f"left {sorted(tally.leftovers)}; not {TEMP_PREFIX}*: {not_temp}")
    return tally


def spread(rounds: int, seed: int, top: float = 1.15) -> list[float]:
    """`rounds` kill points: one at once, one right after the last caption, the others from 0 to
    `top` times the save's length, one per stratum; shuffled."""
    rng = random.Random(seed)
    points = [(k + rng.random()) / (rounds - 2) * top for k in range(rounds - 2)]
    points += [AT_ONCE, AFTER_LAST_CAPTION]
    rng.shuffle(points)
    return points


def test_captions_and_session_stay_whole_when_a_small_save_is_killed(tmp_path: Path) -> None:
    tally = run_kill_rounds(tmp_path, count=500, fractions=[0.4, AFTER_LAST_CAPTION, 1.3], seed=7)
    assert tally.mid_save >= 1


@pytest.mark.slow
def test_captions_and_session_stay_whole_when_saves_of_10000_are_killed_20_times(
    tmp_path: Path,
) -> None:
    tally = run_kill_rounds(tmp_path, count=10_000, fractions=spread(20, seed=2024), seed=2024)
    assert tally.mid_save >= 10
