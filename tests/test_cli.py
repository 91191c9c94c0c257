"""The `lora-tagger` command without a browser: its arguments, its refusals, the page's notebook
(run in a real kernel, which saves on its way out), and `python -m lora_tagger_widget`."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Callable
from importlib import import_module
from pathlib import Path

import nbformat
import pytest
import toml

from lora_tagger_widget import Dataset, TaggerWidget
from lora_tagger_widget.cli import (
    INSTALL_HINT,
    KERNEL_NAME,
    LOOPBACK,
    CliError,
    Options,
    check_folder,
    exposure_warning,
    is_loopback,
    main,
    notebook_cells,
    page_title,
    page_url,
    parse_options,
    save_on_exit,
    write_page,
)

from imagefiles import write_image
from test_watch import wait_for

REPO = Path(__file__).resolve().parents[1]


def run_module(*args: str, code: str | None = None) -> subprocess.CompletedProcess[str]:
    """`python -m lora_tagger_widget args` (or `python -c code args`) in a child process."""
    head = ["-c", code, *args] if code else ["-m", "lora_tagger_widget", *args]
    return subprocess.run([sys.executable, *head], capture_output=True, text=True, timeout=120,
                          check=False, stdin=subprocess.DEVNULL)


# Arguments


def test_defaults_keep_the_page_to_this_machine_with_a_free_port_and_a_browser() -> None:
    options = parse_options(["./imgs"])
    assert options == Options(folder=Path("imgs"), host=LOOPBACK, port=None, open_browser=True,
                              trigger=None, autosave_delay=0.5)


def test_every_option_is_read() -> None:
    options = parse_options(["~/sets/a", "--port", "8899", "--no-browser", "--trigger", "ohwx",
                             "--host", "0.0.0.0", "--autosave-delay", "2.5"])
    assert options == Options(folder=Path.home() / "sets" / "a", host="0.0.0.0", port=8899,
                              open_browser=False, trigger="ohwx", autosave_delay=2.5)
    assert parse_options(["a", "--trigger", ""]).trigger == ""
    assert parse_options(["a", "--trigger", "  ohwx "]).trigger == "ohwx"


@pytest.mark.parametrize(("argv", "says"), [
    (["a", "--port", "0"], "a port is from 1 to 65535, not 0"),
    (["a", "--port", "70000"], "a port is from 1 to 65535, not 70000"),
    (["a", "--port", "http"], "not a port number: 'http'"),
    (["a", "--trigger", "oh,wx"], "not a trigger word: A tag cannot contain a comma: 'oh,wx'."),
    (["a", "--trigger", "a\nb"], "not a trigger word: A tag cannot contain a line break"),
    (["a", "--autosave-delay", "-1"], "a delay is 0 seconds or more, not -1"),
    (["a", "--autosave-delay", "nan"], "a delay is 0 seconds or more, not nan"),
    ([], "the following arguments are required: FOLDER"),
    (["a", "b"], "unrecognized arguments: b"),
])
def test_bad_arguments_exit_2_with_the_reason(argv: list[str], says: str,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        parse_options(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert says in err
    assert err.startswith("usage: lora-tagger")


def test_help_of_python_dash_m_is_the_commands() -> None:
    done = run_module("--help")
    assert done.returncode == 0, done.stderr
    text = done.stdout
    assert text.startswith("usage: lora-tagger [-h] [--port PORT] [--host ADDR] [--no-browser]")
    for words in ("FOLDER", "127.0.0.1", "token", "Ctrl+C to save and stop", "--trigger WORD",
                  "other machines", "python -m lora_tagger_widget ./imgs", INSTALL_HINT):
        assert words in " ".join(text.split()), words


def test_the_console_script_is_main_and_voila_is_the_standalone_extra() -> None:
    project = toml.loads((REPO / "pyproject.toml").read_text())["project"]
    module, name = project["scripts"]["lora-tagger"].split(":")
    assert getattr(import_module(module), name) is main
    extras = project["optional-dependencies"]
    assert any(need.startswith("voila") for need in extras["standalone"])
    assert "standalone" in extras["test"][0]


# The folder


def test_a_missing_folder_or_a_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(CliError, match=r"^no folder at .*/gone: give the folder that holds"):
        check_folder(tmp_path / "gone")
    image = write_image(tmp_path / "one.png")
    with pytest.raises(CliError, match=r"one\.png is not a folder"):
        check_folder(image)


def test_a_folder_without_images_opens_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("no images here")
    write_image(tmp_path / ".lora-tagger" / "thumb.png")  # hidden folders do not count
    write_image(tmp_path / ".hidden.png")
    warning = check_folder(tmp_path)
    assert warning is not None
    assert f"there are no images in {tmp_path}" in warning
    assert ".jpg" in warning and ".webp" in warning
    assert "the page opens empty: put images there and reload it" in warning
    write_image(tmp_path / "deep" / "er" / "photo.JPG")
    assert check_folder(tmp_path) is None


def test_main_refuses_a_bad_folder_with_status_2_and_starts_nothing(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main([str(tmp_path / "missing"), "--no-browser"]) == 2
    captured = capsys.readouterr()
    assert captured.err == (f"lora-tagger: error: no folder at {tmp_path / 'missing'}: give the "
                            "folder that holds the images\n")
    assert captured.out == ""
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(("module", "says"), [
    ("voila", "the page's server, Voila, is not installed"),
    ("ipykernel", "the page's kernel, ipykernel, is not installed"),
])
def test_a_missing_server_or_kernel_is_named_with_how_to_install_it(
        module: str, says: str, make_set: Callable[..., Path]) -> None:
    folder = make_set({"a.png": "red"})
    block = (f"import sys; sys.modules[{module!r}] = None; "
             "from lora_tagger_widget.cli import main; sys.exit(main())")
    done = run_module(str(folder), "--no-browser", code=block)
    assert done.returncode == 2, done.stderr
    assert f"lora-tagger: error: {says}" in done.stderr
    assert INSTALL_HINT in done.stderr
    assert (folder / "a.txt").read_text() == "red"


# Hosts and addresses


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "localhost"])
def test_loopback_hosts_need_no_warning(host: str, tmp_path: Path) -> None:
    assert is_loopback(host)
    assert exposure_warning(host, tmp_path) is None


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.20", "tagger.example"])
def test_other_hosts_are_warned_about(host: str, tmp_path: Path) -> None:
    warning = exposure_warning(host, tmp_path)
    assert warning is not None
    assert warning.startswith(f"WARNING: listening on {host}: other machines")
    assert f"edit or overwrite the captions in {tmp_path}" in warning


def test_page_urls_carry_the_token() -> None:
    assert page_url("127.0.0.1", 8899, "abc") == "http://127.0.0.1:8899/?token=abc"
    assert page_url("0.0.0.0", 1, "t") == "http://127.0.0.1:1/?token=t"
    assert page_url("::1", 2, "t") == "http://[::1]:2/?token=t"
    assert page_url("192.168.1.20", 3, "t") == "http://192.168.1.20:3/?token=t"


# The page's notebook


def test_the_notebook_quotes_any_folder_name(tmp_path: Path) -> None:
    folder = tmp_path / "it's \"ü\"\nset"
    options = Options(folder=folder, trigger="o'hwx", autosave_delay=2.0)
    (code,) = notebook_cells(options)
    compile(code, "cell", "exec")
    assert f"TaggerWidget({str(folder)!r}, autosave_delay=2.0, trigger=\"o'hwx\")" in code
    assert "trigger" not in notebook_cells(Options(folder=folder))[0]


def test_the_pages_title_is_the_folders_name(tmp_path: Path) -> None:
    assert page_title(tmp_path / "imgs") == "imgs - lora-tagger"
    assert page_title(tmp_path / "imgs" / "..") == f"{tmp_path.name} - lora-tagger"
    assert page_title(Path("/")) == "lora-tagger"
    long = page_title(tmp_path / ("é" * 200))
    assert long == "é" * 75 + " - lora-tagger"


def run_page(notebook: Path, monkeypatch: pytest.MonkeyPatch, *cells: str) -> list[dict]:
    """Run the page's notebook, then `cells`, in a real kernel of its kernel spec, which is shut
    down at the end as Voila shuts it down; every output, errors failing the test."""
    from nbclient import NotebookClient

    workdir = notebook.parent
    for name in ("IPYTHONDIR", "JUPYTER_RUNTIME_DIR"):
        monkeypatch.setenv(name, str(workdir / name.lower()))
    monkeypatch.setenv("JUPYTER_PATH", str(workdir))
    spec = nbformat.read(str(notebook), as_version=4)
    spec.cells += [nbformat.v4.new_code_cell(cell) for cell in cells]
    NotebookClient(spec, timeout=120, kernel_name=KERNEL_NAME,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    outputs = [output for cell in spec.cells for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"], outputs
    assert any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    return outputs


def test_the_page_runs_in_a_real_kernel_that_saves_on_its_way_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "a set's \"images\""
    write_image(folder / "a.png")
    workdir = tmp_path / "work"
    workdir.mkdir()
    notebook = write_page(Options(folder=folder, trigger="ohwx", autosave_delay=600), workdir)
    assert notebook == workdir / "a set's \"images\" - lora-tagger.ipynb"
    assert [p.name for p in folder.iterdir()] == ["a.png"], "nothing written beside the images"
    spec = nbformat.read(str(notebook), as_version=4)
    nbformat.validate(spec)
    assert spec.metadata.kernelspec.name == KERNEL_NAME
    kernel = (workdir / "kernels" / KERNEL_NAME / "kernel.json").read_text()
    assert sys.executable in kernel

    # The kernel is shut down at the end: the autosave (600 s) never ran.
    run_page(notebook, monkeypatch, "tagger.dataset.add_tag(0, 'from the page')")
    assert (folder / "a.txt").read_text() == "from the page"
    assert Dataset(folder).trigger == "ohwx"


def test_the_page_of_an_empty_folder_opens(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    workdir = tmp_path / "work"
    workdir.mkdir()
    notebook = write_page(Options(folder=folder), workdir)
    outputs = run_page(notebook, monkeypatch, "print(len(tagger.dataset), tagger.index)")
    assert any(o.get("text") == "0 -1\n" for o in outputs), outputs


def test_save_on_exit_writes_what_is_pending(make_set: Callable[..., Path],
                                              capfd: pytest.CaptureFixture[str]) -> None:
    folder = make_set({"a.png": "red", "b.png": None})
    widget = TaggerWidget(folder, autosave=False)
    try:
        save_on_exit(widget)
        assert capfd.readouterr().err == ""
        widget.dataset.add_tag(1, "blue")
        save_on_exit(widget)
        assert (folder / "b.txt").read_text() == "blue"
        assert capfd.readouterr().err == "lora-tagger: saved 1 caption(s) on the way out.\n"
    finally:
        widget.close()


def test_save_on_exit_says_what_it_could_not_save(make_set: Callable[..., Path],
                                                  capfd: pytest.CaptureFixture[str]) -> None:
    folder = make_set({"a.png": "red"})
    widget = TaggerWidget(folder, autosave=False)
    try:
        widget.dataset.add_tag(0, "blue")
        (folder / "a.txt").write_text("changed elsewhere")
        save_on_exit(widget)
        err = capfd.readouterr().err
        assert err.startswith("lora-tagger: not every caption could be saved: ")
        assert (folder / "a.txt").read_text() == "changed elsewhere"
    finally:
        widget.close()


# Starting and stopping


def test_a_port_in_use_or_an_address_not_here_is_refused(
        make_set: Callable[..., Path], tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    folder = make_set({"a.png": None})
    temp = tmp_path / "temp"
    temp.mkdir()
    monkeypatch.setattr("tempfile.tempdir", str(temp))
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main([str(folder), "--no-browser", "--port", str(port)]) == 2
    assert capsys.readouterr().err == (
        f"lora-tagger: error: cannot listen on 127.0.0.1 port {port}: Address already in use; "
        "choose another --port, or leave it out for a free one\n")
    assert main([str(folder), "--no-browser", "--host", "192.0.2.1"]) == 2  # TEST-NET-1
    err = capsys.readouterr().err
    assert "WARNING: listening on 192.0.2.1: other machines" in err
    assert err.endswith("lora-tagger: error: cannot listen on 192.0.2.1: "
                        "Cannot assign requested address\n")
    assert list(temp.iterdir()) == []


def test_the_browser_is_sent_to_the_page_with_its_token_and_sigterm_stops(
        make_set: Callable[..., Path], tmp_path: Path) -> None:
    folder = make_set({"a.png": "red"})
    opened = tmp_path / "opened.html"
    recorder = tmp_path / "browser.py"
    recorder.write_text("import shutil, sys\nfrom urllib.parse import unquote, urlparse\n"
                        f"shutil.copy(unquote(urlparse(sys.argv[1]).path), {str(opened)!r})\n")
    env = {**os.environ, "BROWSER": f"{sys.executable} {recorder} %s",
           "TMPDIR": str(tmp_path), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    out = tmp_path / "out.txt"
    with out.open("wb") as stdout:
        proc = subprocess.Popen([sys.executable, "-m", "lora_tagger_widget", str(folder)],
                                env=env, stdout=stdout, stderr=subprocess.PIPE,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    try:
        wait_for(lambda: opened.exists() or proc.poll() is not None, "the browser to be opened")
        url = re.search(r"http://127\.0\.0\.1:\d+/\?token=[\w-]+", out.read_text())
        assert url, out.read_text()
        assert f'content="0;url={url.group()}"' in opened.read_text()
        workdir = next(tmp_path.glob("lora-tagger-*"))
        assert workdir.stat().st_mode & 0o077 == 0, "the token's folder is its owner's alone"
        proc.terminate()
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert out.read_text().endswith("lora-tagger: stopped.\n")
    assert not list(tmp_path.glob("lora-tagger-*"))
    assert (folder / "a.txt").read_text() == "red"
