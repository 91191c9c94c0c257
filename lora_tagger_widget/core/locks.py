"""Locks shared with every other writer of a data set folder (other processes, other kernels, other
`Dataset` objects): the captions, the session and the undo journal each have their own.

They are `filelock` locks (flock on Unix) in the data set's `.lora-tagger/` folder, so every process
that opens the folder meets the same lock files. When that folder cannot be written (a read-only
data set, a state folder owned by another user or leading outside), the lock files go to the
system's temporary folder instead, named after the data set folder: writers on this machine still
meet there.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
import threading
from pathlib import Path

from filelock import FileLock

LOCK_TIMEOUT = 30.0  # seconds to wait for another writer; then `filelock.Timeout` (an OSError)


class FolderLock:
    """The lock `name` of a data set folder, its file placed at first use (so opening a data set
    writes nothing). A context manager; reentrant in the thread that holds it."""

    def __init__(self, root: Path, state_dir: Path, name: str) -> None:
        """Every thread of this process takes the lock on its own, as another process would."""
        self._where = (root, state_dir, name)
        self._lock: FileLock | None = None
        self._making = threading.Lock()

    def __enter__(self) -> FolderLock:
        with self._making:
            if self._lock is None:
                self._lock = FileLock(_lock_path(*self._where), timeout=LOCK_TIMEOUT,
                                      mode=0o666)
        self._lock.acquire()
        return self

    def __exit__(self, *exc_info: object) -> None:
        assert self._lock is not None
        self._lock.release()


def _lock_path(root: Path, state_dir: Path, name: str) -> Path:
    if _usable_state_dir(root, state_dir):
        return state_dir / f"{name}.lock"
    digest = hashlib.blake2b(os.fsencode(root), digest_size=12).hexdigest()
    temp = Path(tempfile.gettempdir())
    shared = temp / "lora-tagger-locks"
    try:
        shared.mkdir(exist_ok=True)
        if shared.stat().st_uid == os.geteuid():
            os.chmod(shared, 0o1777)  # every user's writers meet here (the umask would narrow it)
    except OSError:
        pass
    path = shared / f"{digest}-{name}.lock"
    if _openable_by_all(path):
        return path
    own = temp / f"lora-tagger-locks-{os.geteuid()}"  # another user's files: this user's own
    own.mkdir(mode=0o700, exist_ok=True)
    return own / f"{digest}-{name}.lock"


def _openable_by_all(path: Path) -> bool:
    """Whether the lock file `path` exists, or is made, so that every user may open it."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o666)
    except OSError:
        return False
    try:
        if os.fstat(fd).st_uid == os.geteuid():
            os.fchmod(fd, 0o666)
    except OSError:
        pass
    finally:
        os.close(fd)
    return True


def _usable_state_dir(root: Path, state_dir: Path) -> bool:
    """Whether `state_dir` is a real folder (no link) directly inside `root` that this process
    can write (made when missing)."""
    if state_dir.parent != root:
        return False
    try:
        status = os.lstat(state_dir)
    except FileNotFoundError:
        try:
            os.mkdir(state_dir)
            status = os.lstat(state_dir)
        except OSError:
            return False
    except OSError:
        return False
    return stat.S_ISDIR(status.st_mode) and os.access(state_dir, os.W_OK | os.X_OK)
