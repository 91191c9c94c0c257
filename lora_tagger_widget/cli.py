"""`lora-tagger ./imgs`: the tagger as a page of its own in any browser, with no notebook around it.

Voila serves a notebook that this command writes into a temporary folder (never beside the
images): one cell opens `TaggerWidget` on the folder, and Voila shows only the widget. The page
listens on 127.0.0.1 and asks for a token unless told otherwise. Ctrl+C (SIGINT) or SIGTERM stops
Voila, which shuts each page's kernel down gracefully; a kernel writes its pending captions as it
exits (`save_on_exit`), so nothing typed before the Ctrl+C is lost.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import sys
import tempfile
import webbrowser
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING

from .core.captions import validate_tag
from .core.dataset import CaptionConflictError, CaptionWriteError
from .core.images import IMAGE_EXTENSIONS, is_image_name

if TYPE_CHECKING:
    from .widget import TaggerWidget

PROG = "lora-tagger"
LOOPBACK = "127.0.0.1"
KERNEL_NAME = "lora-tagger-python"
TITLE_BYTES = 150  # of the folder's name in the page's title (a file name has 255 at most)
# Time a kernel gets to save and exit after the shutdown request, before it is terminated.
KERNEL_SHUTDOWN_SECONDS = 120.0
AUTO_PORT_TRIES = 5
# The JupyterLab extensions the page loads (Voila loads every installed one otherwise): the
# widget's, and the widget managers (Voila keeps the one for the installed ipywidgets).
PAGE_EXTENSIONS = ("anywidget", "@jupyter-widgets/jupyterlab-manager",
                   "@voila-dashboards/widgets-manager8", "@voila-dashboards/widgets-manager7")
INSTALL_HINT = 'pip install "lora-tagger-widget[standalone]"'

DESCRIPTION = """\
Open the tagger for FOLDER as a page in your web browser, with no notebook: the images, their
tags and every panel of the notebook widget, filling the window. Captions are saved as you edit
them, beside the images, as in the notebook.

The page is served by Voila on this machine only (127.0.0.1), at a free port, and asks for a
token: the address printed (and opened) carries it. Press Ctrl+C to save and stop."""

EPILOG = """\
examples:
  lora-tagger ./imgs                           open ./imgs in the default browser
  lora-tagger ./imgs --no-browser --port 8899  print the address only, on port 8899
  lora-tagger ./imgs --trigger ohwx            set the data set's trigger word
  python -m lora_tagger_widget ./imgs          the same as lora-tagger ./imgs

The server is an optional part: """ + INSTALL_HINT


class CliError(Exception):
    """What stops the command before the page is served; the message says why."""


@dataclass(frozen=True)
class Options:
    """What the command line asks for."""

    folder: Path
    host: str = LOOPBACK
    port: int | None = None
    open_browser: bool = True
    trigger: str | None = None
    autosave_delay: float = 0.5


def build_parser() -> argparse.ArgumentParser:
    """The command line's parser (its `--help` is the command's help)."""
    parser = argparse.ArgumentParser(
        prog=PROG, description=DESCRIPTION, epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", metavar="FOLDER",
                        help="the data set folder (images and captions)")
    parser.add_argument("--port", type=_port, default=None,
                        help="the port to serve on (default: a free one)")
    parser.add_argument("--host", default=LOOPBACK, metavar="ADDR",
                        help="the address to listen on (default: 127.0.0.1, this machine only). "
                        "Any other lets other machines open the page and edit the files, "
                        "with the token")
    parser.add_argument("--no-browser", dest="open_browser", action="store_false",
                        help="do not open a browser; only print the page's address")
    parser.add_argument("--trigger", metavar="WORD", type=_trigger, default=None,
                        help="the data set's trigger word (kept in its session; \"\" clears it)")
    parser.add_argument("--autosave-delay", type=_seconds, default=0.5, metavar="SECONDS",
                        help="how long after the last edit its caption is written (default: 0.5)")
    return parser


def parse_options(argv: Sequence[str] | None = None) -> Options:
    """Read the command line (`argv` without the program name; None: `sys.argv[1:]`). A bad
    argument prints the usage and exits with status 2, as argparse does."""
    args = build_parser().parse_args(argv)
    return Options(folder=Path(args.folder).expanduser(), host=args.host, port=args.port,
                   open_browser=args.open_browser, trigger=args.trigger,
                   autosave_delay=args.autosave_delay)


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 1 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is from 1 to 65535, not {port}")
    return port


def _trigger(text: str) -> str:
    if not text:
        return text  # clears it
    try:
        return validate_tag(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(f"not a trigger word: {error}") from None


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"a delay is 0 seconds or more, not {text}")
    return seconds


def check_folder(folder: Path) -> str | None:
    """Refuse (`CliError`) a folder that does not exist or is not a folder; for one with no
    images, the warning to show (the page still opens: images put there show after a reload)."""
    if not folder.exists():
        raise CliError(f"no folder at {_shown(folder)}: give the folder that holds the images")
    if not folder.is_dir():
        raise CliError(f"{_shown(folder)} is not a folder: give the folder that holds the images")
    try:
        found = has_images(folder)
    except OSError as error:
        raise CliError(f"the folder {_shown(folder)} cannot be read: {error}") from error
    if found:
        return None
    kinds = ", ".join(sorted(IMAGE_EXTENSIONS))
    return (f"there are no images in {_shown(folder)} (looked for {kinds}, in its subfolders "
            "too); the page opens empty: put images there and reload it")


def has_images(folder: Path) -> bool:
    """Whether `folder` or a folder below it (not a hidden one) holds a file named like an image;
    stops at the first one."""
    for _, dirs, files in os.walk(folder, onerror=_raise):
        if any(is_image_name(name) for name in files if not name.startswith(".")):
            return True
        dirs[:] = [name for name in dirs if not name.startswith(".")]
    return False


def _raise(error: OSError) -> None:
    raise error


def _shown(path: Path) -> str:
    return str(path.absolute())


def is_loopback(host: str) -> bool:
    """Whether listening on `host` keeps the page to this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def exposure_warning(host: str, folder: Path) -> str | None:
    """The warning for a page that other machines can reach, or None on a loopback address."""
    if is_loopback(host):
        return None
    return (f"WARNING: listening on {host}: other machines that reach this address can open the "
            f"page and, with its token, read the images and edit or overwrite the captions in "
            f"{_shown(folder)}. Use it only on a network you trust.")


def page_url(host: str, port: int, token: str) -> str:
    """The page's address with its token; a wildcard host is shown as 127.0.0.1."""
    shown = LOOPBACK if host in ("", "0.0.0.0", "::") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/?token={token}"


def notebook_cells(options: Options) -> list[str]:
    """The code cells of the page's notebook: the tagger on the (absolute) folder."""
    arguments = [repr(str(options.folder.absolute())),
                 f"autosave_delay={options.autosave_delay!r}"]
    if options.trigger is not None:
        arguments.append(f"trigger={options.trigger!r}")
    return [
        "import atexit\n"
        "from lora_tagger_widget import TaggerWidget\n"
        "from lora_tagger_widget.cli import save_on_exit\n"
        f"tagger = TaggerWidget({', '.join(arguments)})\n"
        "atexit.register(save_on_exit, tagger)\n"
        "tagger.add_class('ltw-page')\n"
        "tagger",
    ]


def write_page(options: Options, workdir: Path) -> Path:
    """Write the page's notebook into `workdir` (with a kernel spec for this very Python, found
    through `JUPYTER_PATH=workdir`); returns the notebook's path."""
    import nbformat

    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "lora-tagger",
                                       "language": "python"}
    notebook.metadata["language_info"] = {"name": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in notebook_cells(options)]
    path = workdir / f"{page_title(options.folder)}.ipynb"
    nbformat.write(notebook, str(path))
    spec = workdir / "kernels" / KERNEL_NAME
    spec.mkdir(parents=True, exist_ok=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "lora-tagger", "language": "python"}, indent=1), encoding="utf-8")
    return path


def page_title(folder: Path) -> str:
    """The page's title (Voila's is the notebook's name): the folder's name, then the tool's."""
    name = folder.resolve().name.encode()[:TITLE_BYTES].decode(errors="ignore")
    return f"{name} - {PROG}" if name else PROG


def save_on_exit(widget: TaggerWidget) -> None:
    """Write the captions still pending in `widget` (registered with `atexit` in the page's
    kernel, which exits when the page closes or the server stops); the outcome goes to the
    server's terminal."""
    if not widget.ready:
        return  # the folder was still being read: nothing was edited
    try:
        report = widget.dataset.save()
    except (CaptionWriteError, CaptionConflictError) as error:
        print(f"{PROG}: not every caption could be saved: {error}", file=sys.__stderr__)
        return
    if report.written:
        print(f"{PROG}: saved {len(report.written)} caption(s) on the way out.",
              file=sys.__stderr__, flush=True)


def listening_port(host: str, port: int | None) -> int:
    """`port` if it is free on `host`, or a free port when `port` is None (the server binds it a
    moment later; see AUTO_PORT_TRIES). `CliError` when `host` cannot be listened on, or `port`
    is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server does
            probe.bind((host, port or 0))
            return probe.getsockname()[1]
    except OSError as error:
        reason = error.strerror or str(error)
        if port is None:
            raise CliError(f"cannot listen on {host}: {reason}") from error
        raise CliError(f"cannot listen on {host} port {port}: {reason}; choose another --port, "
                       "or leave it out for a free one") from error


def serve(options: Options, workdir: Path) -> None:
    """Serve the page from `workdir` until Ctrl+C or SIGTERM; then stop every kernel (each
    saves as it exits) and return."""
    try:
        from tornado.ioloop import IOLoop
        from voila.app import Voila
    except ImportError as error:
        raise CliError(f"the page's server, Voila, is not installed ({error}). Install it with: "
                       f"{INSTALL_HINT}") from error
    if importlib.util.find_spec("ipykernel") is None:
        raise CliError(f"the page's kernel, ipykernel, is not installed. Install it with: "
                       f"{INSTALL_HINT}")
    port = listening_port(options.host, options.port)
    notebook = write_page(options, workdir)
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        filter(None, [str(workdir), os.environ.get("JUPYTER_PATH")]))
    token = secrets.token_urlsafe(24)
    app = Voila()
    app.initialize([str(notebook)])
    app.ip = options.host
    app.port = port
    app.port_retries = 0 if options.port else AUTO_PORT_TRIES - 1
    app.open_browser = False
    app.token = token
    app.log_level = "ERROR"  # not its notes on the generated notebook
    app.voila_configuration.show_tracebacks = True
    app.voila_configuration.extension_allowlist = list(PAGE_EXTENSIONS)
    app.config.KernelManager.shutdown_wait_time = KERNEL_SHUTDOWN_SECONDS
    # The login page would otherwise offer to store a password in the user's Jupyter config.
    app.config.PasswordIdentityProvider.allow_password_change = False

    def announce() -> None:
        url = page_url(options.host, app.port, token)
        print(f"{PROG}: the tagger for {_shown(options.folder)} is at\n    {url}\n"
              "Press Ctrl+C to save and stop.", flush=True)
        if options.open_browser:
            open_browser(url, workdir)

    IOLoop.current().add_callback(announce)
    signal.signal(signal.SIGINT, _stopping)
    print(f"{PROG}: starting the page's server...", flush=True)
    app.start()


def _stopping(signum: int, frame: FrameType | None) -> None:
    print(f"\n{PROG}: saving and stopping...", flush=True)
    raise KeyboardInterrupt


def open_browser(url: str, workdir: Path) -> None:
    """Open `url` in the default browser through a file in `workdir` that redirects to it, so
    the token is not on the browser's command line for other users to see."""
    page = workdir / "open.html"
    page.write_text(f'<!doctype html><meta http-equiv="refresh" content="0;url={url}">'
                    f'<a href="{url}">Open the tagger</a>', encoding="utf-8")
    if not webbrowser.open(page.as_uri()):
        print(f"{PROG}: no browser could be opened: open the address above.", flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command; returns its exit status (0 after Ctrl+C or SIGTERM; 2 for a bad folder,
    port or address, or a missing server; 130 after a second Ctrl+C)."""
    options = parse_options(argv)
    try:
        warning = check_folder(options.folder)
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    for note in (warning, exposure_warning(options.host, options.folder)):
        if note:
            print(f"{PROG}: {note}", file=sys.stderr)
    workdir = Path(tempfile.mkdtemp(prefix="lora-tagger-"))
    try:
        serve(options, workdir)
    except CliError as error:
        print(f"{PROG}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # a second Ctrl+C while the kernels were saving, or one at the start
        print(f"{PROG}: stopped at once: an open page's last edits may not be saved.",
              file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"{PROG}: stopped.", flush=True)
    return 0
