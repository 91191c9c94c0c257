"""Live changes: a data set's folder watched on a thread, so that what other writers (another
process, a second kernel, a script, a text editor) do to its captions shows within about a second.

A changed caption `name.txt` is looked at again with `Dataset.refresh` (an untouched caption takes
the new text, an edited one becomes a conflict); our own saves come back as changes too and cost a
read that finds nothing new. The data set's own state folder is ignored except for the session
and the undo journal, which `Dataset.sync_state` merges. An image put in the folder (copied,
moved, saved by another program, a new folder of them) joins the data set at its end
(`Dataset.add_images`) once its file has stopped changing for `SETTLE_SECONDS`, so a copy still
being written is not read half-done; an image removed stays listed (its preview then says the file
is missing) until the folder is opened again.

Native file system events (inotify, FSEvents, ReadDirectoryChangesW, through `watchfiles`) watch
each folder that holds images, one watch each and no walk of the files, so starting costs little
even for 100,000 images (and it happens on the thread: the open does not wait for it); a folder
that appears in a watched one is watched from then on. A folder that already existed but held no
images when the data set was read is not watched natively: images put there later are not seen
(polling sees them). Where
native events cannot be had (the inotify limits reached, say) or would miss changes (network
folders: choose "polling"), the tree is polled instead: a walk of every file each
`POLL_DELAY_MS`, which costs CPU in proportion to the number of files. Polling compares
modification times in whole seconds, so a caption seen changing is read again `RECHECK_SECONDS`
later; a change made within the second before polling began is not seen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from watchfiles import watch

from .dataset import CAPTION_EXTENSION
from .files import is_inside
from .images import IMAGE_EXTENSIONS, is_image_name
from .scan import images_in_folder

if TYPE_CHECKING:
    from .dataset import Dataset

WATCH_MODES = ("auto", "polling", "off")
WATCH_ENV = "LORA_TAGGER_WATCH"
DEBOUNCE_MS = 100  # changes within this time come as one batch
STEP_MS = 50  # a batch ends this long after its last change; also how often a stop is noticed
POLL_DELAY_MS = 300
IDLE_MS = 200  # with no changes, the watching loop comes back this often (the first time: started)
RETRY_SECONDS = 1.0
# Polling sees a change by a file's modification time in whole seconds: a caption seen changing
# (by us or another writer) is read again this much later, in case it changed again within the
# same second.
RECHECK_SECONDS = 1.1
SETTLE_SECONDS = 1.0  # a new image is taken in once its size and time stayed the same this long

log = logging.getLogger(__name__)


def watch_mode(mode: str | None = None) -> str:
    """The watch mode to use: `mode`, else the `LORA_TAGGER_WATCH` environment variable, else
    "auto" (native events, polling when they cannot be had). `ValueError` for another value."""
    chosen = mode if mode is not None else os.environ.get(WATCH_ENV, "").strip() or "auto"
    if chosen not in WATCH_MODES:
        origin = "watch" if mode is not None else f"The environment variable {WATCH_ENV}"
        raise ValueError(f'{origin} must be "auto", "polling" or "off", not {chosen!r}.')
    return chosen


class FolderWatcher:
    """Watches one data set's folder on a daemon thread and brings other writers' changes into
    the data set, until `stop` or until the data set is dropped (it is held only weakly)."""

    def __init__(self, dataset: Dataset, *, polling: bool = False) -> None:
        self.root = dataset.root
        self._dataset = weakref.ref(dataset)
        self._polling = polling
        self._stop = threading.Event()
        self._started = threading.Event()
        self.mode: str | None = None
        """ "native" or "polling" while watching; None before, after, or when it failed."""
        self.error: str | None = None
        """Why the folder cannot be watched, when it cannot."""
        self.users = 0
        self._new_images = _NewImages()
        weakref.finalize(dataset, self._stop.set)
        self._thread = threading.Thread(target=self._run, name=f"ltw-watch {self.root.name}",
                                        daemon=True)
        self._thread.start()

    def wait_started(self, timeout: float | None = None) -> bool:
        """Wait until changes are watched (or watching failed); True when they are watched."""
        self._started.wait(timeout)
        return self.mode is not None

    @property
    def running(self) -> bool:
        """Whether the watching thread is alive."""
        return self._thread.is_alive()

    def stop(self) -> None:
        """Stop watching and wait for the thread to end."""
        self._stop.set()
        if threading.current_thread() is not self._thread:
            self._thread.join()

    def _run(self) -> None:
        try:
            dataset = self._dataset()
            if dataset is not None:
                targets = _Targets(dataset)
                del dataset
                self._watch(targets)
        finally:
            self.mode = None
            self._started.set()

    def _watch(self, targets: _Targets) -> None:
        """Watch natively, or by polling when native watching fails; after a change of what to
        watch (or an error while polling), watch again."""
        while not self._stop.is_set():
            try:
                again = self._deliver(targets)
            except (OSError, RuntimeError) as error:  # watchfiles' errors when it cannot watch
                if not self._polling:
                    log.info("Native watching of %s failed (%s); polling.", self.root, error)
                    self._polling = True
                elif self.mode is None:
                    self.error = f"The folder {self.root} cannot be watched: {error}"
                    log.warning(self.error)
                    return
                else:
                    log.info("Polling %s failed (%s); again soon.", self.root, error)
                    self._stop.wait(RETRY_SECONDS)
                continue
            if again is None:
                continue
            # Watching again: what changed meanwhile came as no event. Look for new images in
            # every watched folder; a state folder that appeared may hold state to merge.
            targets.relist()
            if again == "state":
                self._bring_in([], state=True)

    def _deliver(self, targets: _Targets) -> str | None:
        """Bring in each batch of changes until a stop (None) or until a folder to watch
        appeared ("state" when it is a state folder, else "images"). Polling walks the whole
        tree once per round (polling the folders one by one would walk each again); native
        events come from each folder alone."""
        batches = watch(
            *([self.root] if self._polling else targets.folders()), watch_filter=None,
            debounce=DEBOUNCE_MS, step=STEP_MS, stop_event=self._stop,
            rust_timeout=IDLE_MS, yield_on_timeout=True, debug=False,
            force_polling=self._polling, poll_delay_ms=POLL_DELAY_MS,
            recursive=self._polling, ignore_permission_denied=True)
        recheck: dict[str, float] = {}  # polling: captions to read again, and when
        with contextlib.closing(batches):
            for changes in batches:  # the first batch (maybe empty) comes once watching
                self.mode = "polling" if self._polling else "native"
                self._started.set()
                now = time.monotonic()
                self._new_images.note(targets.images_of_new_folders(), now)
                due = [item_id for item_id, when in recheck.items() if when <= now]
                if changes or due:
                    found = targets.sort([path for _, path in changes], folders=not self._polling)
                    for item_id in due:
                        del recheck[item_id]
                    self._new_images.note(found.images, now)
                    changed = self._bring_in(list(dict.fromkeys([*found.captions, *due])),
                                             state=found.state)
                    if self._polling:
                        recheck.update(
                            dict.fromkeys([*found.captions, *changed], now + RECHECK_SECONDS))
                    elif found.state_appeared or found.folders_appeared:
                        return "state" if found.state_appeared else "images"
                if self._new_images:
                    self._take_in(self._new_images.settled(now))
        return None

    def _take_in(self, paths: list[str]) -> None:
        """Add the images at `paths` that the data set does not hold yet; those that went or
        are not images the scan would list are left out."""
        dataset = self._dataset()
        if dataset is None or not paths:
            return
        try:
            dataset.add_images(paths, skip_invalid=True)
        except Exception:  # a bug must not end live changes for the rest of the session
            log.exception("Taking in new images in %s failed", self.root)

    def _bring_in(self, captions: list[str], *, state: bool) -> list[str]:
        """Refresh the items of `captions` (and merge the state files when `state`); returns
        the ids whose captions had changed."""
        dataset = self._dataset()
        if dataset is None:
            self._stop.set()
            return []
        changed = []
        try:
            for item_id in captions:
                if self._stop.is_set():  # closing: do not keep the closer waiting
                    break
                if dataset.refresh(item_id):
                    changed.append(item_id)
            if state:
                dataset.sync_state()
        except Exception:  # a bug must not end live changes for the rest of the session
            log.exception("Bringing in changes to %s failed", self.root)
        return changed


class _Sorted(NamedTuple):
    """What a batch of changed paths names."""

    captions: list[str]  # ids of the items whose captions changed
    state: bool  # the session or the undo journal changed
    state_appeared: bool  # a state folder to watch appeared
    folders_appeared: bool  # a folder (maybe for images) to watch appeared
    images: list[str]  # paths of image files the data set does not hold


class _Targets:
    """What to watch in a data set's folder, and which items, state files and new images a
    changed path names."""

    def __init__(self, dataset: Dataset) -> None:
        self._dataset = weakref.ref(dataset)
        self._root_path = dataset.root
        self._root = str(dataset.root) + os.sep
        self._state = {str(dataset.session.path), str(dataset.history.path)}
        self._state_folders = {os.path.dirname(path) for path in self._state}
        self._watched: set[str] = set()
        self._identities: set[tuple[int, int]] = set()  # (device, inode) of the watched folders
        self._unlisted: list[str] = []  # folders whose images were not looked for since watched
        folders: set[str] = {""}
        # an image's caption is its path without one of these, + .txt: every image extension
        # (new images may bring one in) and the spellings the images have
        suffixes = {*IMAGE_EXTENSIONS, *(suffix.upper() for suffix in IMAGE_EXTENSIONS)}
        for item in dataset:
            slash, dot = item.id.rfind("/"), item.id.rfind(".")
            folders.add(item.id[:slash] if slash > 0 else "")
            suffixes.add(item.id[dot:])
        self._folders = [os.path.join(str(dataset.root), *folder.split("/"))
                         for folder in sorted(folders)]
        self._suffixes = sorted(suffixes)

    def folders(self) -> list[str]:
        """The folders to watch one by one, those that exist: each that holds images (or
        appeared since), the root, and the state folders."""
        found = [f for f in (*self._folders, *sorted(self._state_folders)) if os.path.isdir(f)]
        self._watched = set(found)
        self._identities = {_identity(folder) for folder in found} - {None}
        return found

    def sort(self, paths: list[str], *, folders: bool) -> _Sorted:
        """What `paths` name; with `folders`, a folder that appeared in a watched one is watched
        from now on, it and the folders in it (their images: `images_of_new_folders`)."""
        dataset = self._dataset()
        captions: dict[str, None] = {}
        images: list[str] = []
        state = state_appeared = folders_appeared = False
        for path in paths:
            if path in self._state:
                state = True
            elif path in self._state_folders:
                state_appeared = state_appeared or path not in self._watched
            elif dataset is not None and path.startswith(self._root):
                relative = path[len(self._root):].replace(os.sep, "/")
                if "/." in "/" + relative:  # hidden: temporary files, the state folder
                    continue
                if path.endswith(CAPTION_EXTENSION):
                    captions.update(dict.fromkeys(self._items_of(dataset, relative)))
                elif is_image_name(relative) and not _holds(dataset, relative):
                    images.append(path)
                elif folders and path not in self._watched and self._add_folder(path):
                    folders_appeared = True
        return _Sorted(list(captions), state, state_appeared, folders_appeared, images)

    def relist(self) -> None:
        """Have `images_of_new_folders` look in every watched folder next time."""
        self._unlisted = list(self._folders)

    def images_of_new_folders(self) -> list[str]:
        """The paths of the images the data set does not hold in the folders that appeared
        (or all, after `relist`) since the last call."""
        dataset = self._dataset()
        found: list[str] = []
        for folder in self._unlisted:
            relative = folder[len(self._root):].replace(os.sep, "/")
            with contextlib.suppress(OSError):
                found.extend(os.path.join(self._root, *image.relative.split("/"))
                             for image in images_in_folder(self._root_path, relative)
                             if dataset is not None and not _holds(dataset, image.relative))
        self._unlisted.clear()
        return found

    def _add_folder(self, path: str) -> bool:
        """Watch the folder at `path` and the folders in it as the scan visits them (not
        hidden, links only to places inside the data set, each real folder once: a link to a
        folder watched already adds nothing), and look for their images; False when it added
        none."""
        if not os.path.isdir(path) or not is_inside(self._root_path, Path(path)):
            return False
        added = False
        for folder, subfolders, _ in os.walk(path, followlinks=True):
            identity = _identity(folder)
            if identity is None or identity in self._identities:
                subfolders.clear()
                continue
            self._identities.add(identity)
            subfolders[:] = [name for name in subfolders if not name.startswith(".")
                             and is_inside(self._root_path, Path(folder, name))]
            if folder not in self._folders:
                self._folders.append(folder)
                self._unlisted.append(folder)
                added = True
        return added

    def _items_of(self, dataset: Dataset, caption: str) -> Iterator[str]:
        """The ids of the images whose caption file is `caption` (usually one)."""
        stem = caption[: -len(CAPTION_EXTENSION)]
        for suffix in self._suffixes:
            if _holds(dataset, stem + suffix):
                yield stem + suffix


class _NewImages:
    """Image files that appeared, each waiting until its size and modification time have
    stayed the same for `SETTLE_SECONDS` (a copy still being written keeps changing them)."""

    def __init__(self) -> None:
        self._seen: dict[str, tuple[int, int, float]] = {}  # path: size, time, unchanged since

    def __bool__(self) -> bool:
        return bool(self._seen)

    def note(self, paths: list[str], now: float) -> None:
        """Wait for the files at `paths` (again, when already waiting: they changed)."""
        for path in paths:
            self._seen[path] = (-1, -1, now)

    def settled(self, now: float) -> list[str]:
        """The paths that have settled; each is given once. A file that went is forgotten."""
        ready = []
        for path, (size, mtime, since) in list(self._seen.items()):
            try:
                status = os.stat(path)
            except OSError:
                del self._seen[path]
                continue
            if (status.st_size, status.st_mtime_ns) != (size, mtime):
                self._seen[path] = (status.st_size, status.st_mtime_ns, now)
            elif now - since >= SETTLE_SECONDS:
                del self._seen[path]
                ready.append(path)
        return ready


def _identity(folder: str) -> tuple[int, int] | None:
    """The (device, inode) of the folder at `folder` (a link: of where it leads), if any."""
    try:
        status = os.stat(folder)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _holds(dataset: Dataset, item_id: str) -> bool:
    try:
        dataset.index_of(item_id)
    except KeyError:
        return False
    return True


_watchers: weakref.WeakKeyDictionary[Dataset, FolderWatcher] = weakref.WeakKeyDictionary()
_watchers_lock = threading.Lock()


def watch_dataset(dataset: Dataset, mode: str | None = None) -> Callable[[], None]:
    """Bring other writers' changes to `dataset`'s folder into it, live, until the returned
    function is called (or the data set is dropped). Every user of one `Dataset` object shares
    one watching thread; the first user's `mode` ("auto", "polling", "off"; see `watch_mode`)
    decides how it watches."""
    chosen = watch_mode(mode)
    if chosen == "off":
        return lambda: None
    with _watchers_lock:
        watcher = _watchers.get(dataset)
        if watcher is None:
            watcher = _watchers[dataset] = FolderWatcher(dataset, polling=chosen == "polling")
        watcher.users += 1
    watched = weakref.ref(dataset)
    done = threading.Event()

    def unwatch() -> None:
        with _watchers_lock:
            if done.is_set():
                return
            done.set()
            watcher.users -= 1
            last = watcher.users == 0
            target = watched()
            if last and target is not None and _watchers.get(target) is watcher:
                del _watchers[target]
        if last:
            watcher.stop()

    return unwatch


def watcher_of(dataset: Dataset) -> FolderWatcher | None:
    """The watcher of `dataset`, if something watches it."""
    with _watchers_lock:
        return _watchers.get(dataset)
