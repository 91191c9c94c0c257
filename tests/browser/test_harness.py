"""The browser harness itself works end to end, with a minimal anywidget defined inline."""

from __future__ import annotations

import sys

import pytest

pytestmark = pytest.mark.browser

PROBE = '''
import sys
import anywidget
import traitlets

class W(anywidget.AnyWidget):
    _esm = """
    export default {
      render({ model, el }) {
        const b = document.createElement("button");
        b.className = "ltw-probe";
        b.textContent = model.get("v");
        model.on("change:v", () => { b.textContent = model.get("v"); });
        b.addEventListener("click", () => { model.set("clicks", model.get("clicks") + 1);
                                            model.save_changes(); });
        el.appendChild(b);
      }
    };
    """
    v = traitlets.Unicode("hello").tag(sync=True)
    clicks = traitlets.Int(0).tag(sync=True)

w = W()
w
'''


def test_inline_anywidget_roundtrip(lab, tmp_path):
    lab.open_and_run("probe", ["import sys; print(sys.executable)", PROBE])

    # The kernel is the Python running pytest.
    assert lab.run_cell("print(sys.executable)").strip() == sys.executable

    button = lab.output(".ltw-probe")
    assert button.first.text_content() == "hello"

    # Python -> view: an edit in another cell shows at once.
    lab.run_cell("w.v = 'changed from python'")
    button.first.wait_for(state="visible")
    lab.page.wait_for_function(
        "() => document.querySelector('.ltw-probe').textContent === 'changed from python'"
    )

    # View -> Python: a click reaches the kernel.
    button.first.click()
    out = lab.run_cell(
        "import time\nfor _ in range(100):\n    if w.clicks: break\n"
        "    time.sleep(0.05)\nprint(w.clicks)"
    )
    assert out.strip() == "1"

    # Themes and a screenshot a person can look at.
    lab.set_theme("dark")
    assert lab.page.evaluate("document.body.dataset.jpThemeLight") == "false"
    shot = lab.screenshot(button.first, tmp_path, "probe-dark")
    assert shot.exists() and shot.stat().st_size > 0
    lab.set_theme("light")
    assert lab.page.evaluate("document.body.dataset.jpThemeLight") == "true"
    lab.screenshot(None, tmp_path, "page-light")


def test_save_and_reopen_resumes(lab):
    lab.open_and_run("resume", ["x = 41", "print(x + 1)", PROBE])
    lab.output(".ltw-probe")
    lab.run_cell("w.v = 'edited'; print('edited')")
    lab.save()
    saved = lab.read_notebook()
    assert saved.cells[-1].source == "w.v = 'edited'; print('edited')"

    lab.reopen()  # new kernel: every cell ran again, the widget is back
    assert lab.output(".ltw-probe").first.text_content() == "edited"
    assert lab.run_cell("print(x)").strip() == "41"


def test_cell_error_is_reported(lab):
    lab.write_notebook("boom", ["raise ValueError('boom-marker')"])
    lab.open("boom")
    with pytest.raises(AssertionError, match="boom-marker"):
        lab.run_all()
