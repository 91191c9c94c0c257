"""Hostile text in a real JupyterLab: file names, caption tags, typed tags, tags set from Python
and palette tags that look like HTML, script URLs, template syntax, bidi controls, zero-width
joiners, emoji, combining marks, and a 10,000-character tag all show as plain text, run nothing,
and keep the widget inside its cell (wide and narrow) and working."""

from __future__ import annotations

from pathlib import Path

import pytest
from PIL import Image

from lora_tagger_widget import Dataset

from labharness import wait_shown, wait_until

pytestmark = pytest.mark.browser

TAGGER_CELLS = [
    "from lora_tagger_widget import TaggerWidget",
    "w = TaggerWidget('imgs')\nw",
]

RLM, RLO, ZWJ, ZWSP = "\u200f", "\u202e", "\u200d", "\u200b"
FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAGS = "\U0001f1ef\U0001f1f5\U0001f3f3\ufe0f\u200d\U0001f308"  # Japan, rainbow flag
ASTRONAUT = "\U0001f469\U0001f3fd\u200d\U0001f680"
LONG_TAG = "LONG" + "W" * 9_992 + "END!"
assert len(LONG_TAG) == 10_000 and " " not in LONG_TAG

# Tags written straight into every caption file (the file may hold what the UI would refuse).
FILE_TAGS = [
    '<img src=x onerror="window.__pwned=1">',
    "<script>window.__pwned=2</script>",
    '"><svg onload="window.__pwned=3">',
    "javascript:alert(1)",
    "{{7*7}}",
    "${7*7}",
    "&lt;b&gt;not bold&lt;/b&gt;",
    f"rlm{RLM}mark and {RLO}override",
    f"zero{ZWJ}width{ZWSP}joiner",
    f"{FAMILY} family {FLAGS} flags",
    "combining e\u0301\u0302 Z\u0336\u0334\u0353\u0354",
    LONG_TAG,
]
# File names (Linux allows <>"' and backslashes in names; not "/").
FILE_STEMS = [
    '<img src=x onerror="window.__pwned=11">',
    "<script>window.__pwned=12<\\script>",
    '"><svg onload="window.__pwned=13">',
    "javascript:alert(14)",
    "{{7*7}} ${7*7} 'single'",
    f"photo{RLO}gnp.exe",
    f"{FAMILY} {FLAGS} e\u0301 zw{ZWJ}j rlm{RLM}",
    "N" * 200,
]
# Typed into "Add tag", added from Python, typed into "New palette tag".
UI_TAGS = [
    '<img src=y onerror="window.__pwned=4">',
    "<script>window.__pwned=5</script>",
    f"{RLO}typed override",
    f"{ASTRONAUT} typed emoji",
    "U" * 500,  # the longest tag the product creates
]
PY_TAGS = [
    '"><svg onload="window.__pwned=6">',
    "{{7*7}}${7*7}#{7*7}",
    f"py{RLM}{RLO}{ZWJ}bidi",
]
PALETTE_TAGS = [
    '<img src=z onerror="window.__pwned=7">',
    "javascript:window.__pwned=8",
    f"{FLAGS}{ZWJ}palette",
]

# Anything inside the widget that could run or load something, and every on* attribute.
SAFETY_JS = """
(root) => {
  const bad = [...root.querySelectorAll(
      'script, svg, math, iframe, frame, object, embed, img, a, link, style, form, base, meta')]
    .filter(e => !(e.tagName === 'IMG' && (e.classList.contains('ltw-img')
                                          || e.classList.contains('ltw-zoom-region'))))
    .filter(e => !(e.tagName === 'FORM' && /^ltw-[a-z]+-form$/.test(e.className)))
    .map(e => e.outerHTML.slice(0, 200));
  const handlers = [];
  for (const e of [root, ...root.querySelectorAll('*')]) {
    for (const a of e.attributes) {
      if (/^on/i.test(a.name)) handlers.push(e.tagName + ' ' + a.name);
    }
  }
  const imgs = [...root.querySelectorAll('img.ltw-img')];
  return {
    pwned: typeof window.__pwned === 'undefined' ? null : String(window.__pwned),
    bad, handlers, imgCount: imgs.length,
    srcs: [...imgs, ...root.querySelectorAll('img.ltw-zoom-region')]
      .map(i => i.getAttribute('src')).filter(s => s !== null && !s.startsWith('blob:')),
  };
}
"""

# The root within its output area, nothing wider than the root, nothing past its edges.
LAYOUT_JS = """
(root) => {
  const r = root.getBoundingClientRect();
  const area = root.closest('.jp-OutputArea-output').getBoundingClientRect();
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const b = el.getBoundingClientRect();
    if (b.width === 0 && b.height === 0) continue;
    if (b.right > r.right + 1 || b.left < r.left - 1) {
      out.push(`${el.tagName}.${el.className} [${Math.round(b.left)}, ${Math.round(b.right)}]`);
    }
  }
  const outer = root.closest('.jp-OutputArea');
  return {
    root: [r.left, r.right, r.width], area: [area.left, area.right, area.width],
    scrollWidth: root.scrollWidth, clientWidth: root.clientWidth,
    outerScroll: [outer.scrollWidth, outer.clientWidth],
    outside: out.slice(0, 12), outsideCount: out.length,
  };
}
"""

# What the widget shows, read back exactly.
VIEW_JS = """
(root) => ({
  chips: [...root.querySelectorAll('.ltw-chip-text')].map(e => e.textContent),
  chipTitles: [...root.querySelectorAll('.ltw-chip')].map(e => e.getAttribute('title')),
  removeLabels: [...root.querySelectorAll('.ltw-chip-x')].map(e => e.getAttribute('aria-label')),
  palette: [...root.querySelectorAll('.ltw-pal-name')].map(e => e.textContent),
  deleteLabels: [...root.querySelectorAll('.ltw-pal-del')].map(e => e.getAttribute('aria-label')),
  name: root.querySelector('.ltw-name').textContent,
  nameTitle: root.querySelector('.ltw-name').title,
  alt: root.querySelector('img.ltw-img').alt,
  status: root.querySelector('.ltw-status').textContent,
})
"""


def make_hostile_dataset(root: Path) -> list[str]:
    """Small PNGs named with hostile text, each captioned with every FILE_TAGS tag; returns the
    image names in the data set's order."""
    root.mkdir(parents=True, exist_ok=True)
    caption = ", ".join(FILE_TAGS) + "\n"
    for i, stem in enumerate(FILE_STEMS):
        Image.new("RGB", (64 + 8 * i, 48), (40 * i % 255, 120, 200)).save(root / f"{stem}.png")
        (root / f"{stem}.txt").write_text(caption, encoding="utf-8")
    names = [item.name for item in Dataset(root)]
    assert sorted(names) == sorted(f"{stem}.png" for stem in FILE_STEMS)
    assert all(item.tags == FILE_TAGS for item in Dataset(root))
    return names


def wait_chips(lab, tags: list[str], present: bool = True) -> None:
    lab.page.wait_for_function(
        "([labels, present]) => { const have = new Set([...document.querySelectorAll("
        "'.ltw-root .ltw-chip-x')].map(b => b.getAttribute('aria-label')));"
        " return labels.every(l => have.has(l) === present); }",
        arg=[[f"Remove tag {t}" for t in tags], present],
        timeout=15_000,
    )


def wait_palette(lab, tags: list[str]) -> None:
    lab.page.wait_for_function(
        "(tags) => { const have = new Set([...document.querySelectorAll("
        "'.ltw-root .ltw-pal-name')].map(e => e.textContent));"
        " return tags.every(t => have.has(t)); }",
        arg=tags,
        timeout=15_000,
    )


def set_theme(lab, theme: str) -> None:
    """Switch theme and wait until JupyterLab's theme-change splash is gone (it would be in the
    screenshots)."""
    lab.set_theme(theme)
    lab.page.wait_for_function("() => !document.getElementById('jupyterlab-splash')")


def plain(text: str) -> str:
    """`text` without bidi isolate controls (a fix may wrap names in them)."""
    return text.translate({c: None for c in range(0x2066, 0x206A)})


def assert_safe(widget, dialogs: list[str], where: str) -> None:
    res = widget.evaluate(SAFETY_JS)
    assert res["pwned"] is None, f"{where}: script ran (window.__pwned = {res['pwned']})"
    assert dialogs == [], f"{where}: dialogs opened: {dialogs}"
    assert res["bad"] == [], f"{where}: markup from text became elements: {res['bad']}"
    assert res["handlers"] == [], f"{where}: event-handler attributes: {res['handlers']}"
    assert res["imgCount"] == 1, f"{where}: {res['imgCount']} preview images"
    assert res["srcs"] == [], f"{where}: preview src is not a blob URL: {res['srcs']}"


def assert_layout(widget, where: str) -> None:
    res = widget.evaluate(LAYOUT_JS)
    (r_left, r_right, r_width), (a_left, a_right, a_width) = res["root"], res["area"]
    assert r_width <= a_width + 1 and r_right <= a_right + 1 and r_left >= a_left - 1, (
        f"{where}: the widget is wider than its output area: {res}"
    )
    assert res["scrollWidth"] <= res["clientWidth"] + 1, f"{where}: the widget scrolls: {res}"
    outer_scroll, outer_client = res["outerScroll"]
    assert outer_scroll <= outer_client + 1, f"{where}: the output area scrolls: {res}"
    assert res["outsideCount"] == 0, f"{where}: elements past the widget's edges: {res}"


def test_hostile_names_and_tags_show_as_plain_text_run_nothing_and_keep_the_layout(
    lab, tmp_path: Path
) -> None:
    root_dir = lab.workdir / "imgs"
    names = make_hostile_dataset(root_dir)
    page = lab.page
    dialogs: list[str] = []
    page.on("dialog", lambda d: dialogs.append(f"{d.type}: {d.message}"))
    page.set_viewport_size({"width": 1400, "height": 1700})  # the whole widget in view

    lab.open_and_run("hostile", TAGGER_CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, names[0])
    wait_chips(lab, FILE_TAGS)
    assert_safe(widget, dialogs, "first view")

    # Names and tags from disk, verbatim, wherever they are shown or named.
    view = widget.evaluate(VIEW_JS)
    assert view["name"] == view["nameTitle"] == view["alt"] == names[0]
    assert view["chips"] == FILE_TAGS
    assert view["chipTitles"] == FILE_TAGS
    assert view["removeLabels"] == [f"Remove tag {t}" for t in FILE_TAGS]
    assert set(FILE_TAGS) <= set(view["palette"])
    assert {f"Delete tag {t} from all images" for t in FILE_TAGS} <= set(view["deleteLabels"])
    for tag in FILE_TAGS[:7]:  # the ASCII ones, through Playwright's own text matching too
        assert widget.get_by_text(tag, exact=True).count() == 2  # its chip and palette entry
        widget.get_by_role("button", name=f"Remove tag {tag}", exact=True).wait_for()
    assert widget.get_by_text(names[0], exact=True).count() == 1
    assert_layout(widget, "wide, tags from the caption files")
    lab.screenshot(widget, tmp_path, "hostile-light")

    # Typed into "Add tag".
    add = widget.get_by_role("textbox", name="Add tag")
    for tag in UI_TAGS:
        add.fill(tag)
        add.press("Enter")
        wait_chips(lab, [tag])
    # A 10,000-character tag typed is refused with a message, and the text stays in the box.
    add.fill(LONG_TAG + "x")
    add.press("Enter")
    widget.get_by_text("A tag can be at most 500 characters long").wait_for()
    assert add.input_value() == LONG_TAG + "x"

    # Suggestions show hostile tags as text too, the long one included.
    for query, expected in (
        ("onerror", [FILE_TAGS[0], UI_TAGS[0]]),
        ("LONGWWW", [LONG_TAG]),
    ):
        add.fill(query)
        option_tags = widget.locator(".ltw-suggest .ltw-option-tag")
        option_tags.first.wait_for()
        page.wait_for_timeout(200)  # the debounced query has answered
        assert set(option_tags.all_text_contents()) == set(expected)
        assert_safe(widget, dialogs, f"suggestions for {query!r}")
        assert_layout(widget, f"suggestions for {query!r}")
    add.press("Escape")
    add.fill("")

    # Added from Python.
    lab.run_cell("\n".join(f"w.dataset.add_tag(w.index, {t!r})" for t in PY_TAGS))
    wait_chips(lab, PY_TAGS)

    # Typed into "New palette tag".
    new_palette_tag = widget.get_by_role("textbox", name="New palette tag")
    status = widget.locator(".ltw-status")
    for tag in PALETTE_TAGS:
        new_palette_tag.fill(tag)
        new_palette_tag.press("Enter")
        wait_palette(lab, [tag])
        wait_until(
            lambda t=tag: plain(status.text_content() or "") == f'Added "{t}" to the palette.',
            what=f"the status about palette tag {tag!r}",
        )

    everything = FILE_TAGS + UI_TAGS + PY_TAGS
    view = widget.evaluate(VIEW_JS)
    assert view["chips"] == everything
    assert view["removeLabels"] == [f"Remove tag {t}" for t in everything]
    assert set(everything + PALETTE_TAGS) <= set(view["palette"])
    assert_safe(widget, dialogs, "after adding tags from the UI, Python and the palette")
    assert_layout(widget, "wide, every tag added")

    # The palette filter takes hostile text as a plain substring.
    palette_filter = widget.get_by_role("textbox", name="Filter palette")
    palette_filter.fill("<script>")
    wait_until(
        lambda: widget.locator(".ltw-pal-name").all_text_contents() == [FILE_TAGS[1], UI_TAGS[1]],
        what="the palette filtered to the <script> tags",
    )
    palette_filter.fill("")
    wait_palette(lab, everything + PALETTE_TAGS)

    # The delete confirmation names the 10,000-character tag in full, no wider than the widget.
    delete_label = f"Delete tag {LONG_TAG} from all images"
    view = widget.evaluate(VIEW_JS)
    widget.locator(".ltw-pal-del").nth(view["deleteLabels"].index(delete_label)).click()
    dialog = widget.get_by_role("alertdialog")
    dialog.wait_for()
    assert plain(dialog.locator(".ltw-dialog-text").text_content() or "") == (
        f'Remove "{LONG_TAG}" from {len(names)} images?'
    )
    assert_safe(widget, dialogs, "delete dialog")
    assert_layout(widget, "wide, delete dialog of the long tag")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")

    set_theme(lab, "dark")
    lab.screenshot(widget, tmp_path, "hostile-dark")
    assert_layout(widget, "wide, dark theme")

    # Narrow window.
    page.set_viewport_size({"width": 700, "height": 2600})
    page.wait_for_function(
        "() => document.querySelector('.ltw-root').getBoundingClientRect().width < 700"
    )
    page.wait_for_timeout(300)  # let the preview's resize observer settle
    assert_layout(widget, "narrow (700 px), every tag added")
    lab.screenshot(widget, tmp_path, "hostile-narrow-dark")
    set_theme(lab, "light")
    lab.screenshot(widget, tmp_path, "hostile-narrow-light")
    lab.screenshot(None, tmp_path, "hostile-narrow-page")
    assert_safe(widget, dialogs, "narrow")

    # The caption on disk holds what was added, byte for byte.
    caption_path = (root_dir / names[0]).with_suffix(".txt")
    wait_until(
        lambda: caption_path.read_text(encoding="utf-8") == ", ".join(everything) + "\n",
        what="autosave of the hostile tags",
    )

    # It still works: move on, add and remove tags.
    widget.get_by_role("button", name="Next image").click()
    wait_shown(lab, names[1])
    view = widget.evaluate(VIEW_JS)
    assert view["name"] == view["alt"] == names[1]
    assert view["chips"] == FILE_TAGS
    add.fill("still works")
    add.press("Enter")
    wait_chips(lab, ["still works"])
    widget.get_by_role("button", name="Remove tag still works").click()
    wait_chips(lab, ["still works"], present=False)
    widget.get_by_role("button", name=f"Remove tag {LONG_TAG}").click()  # over-long, yet removable
    wait_chips(lab, [LONG_TAG], present=False)
    assert_layout(widget, "narrow, next image")
    for name in names[2:]:  # every hostile file name shows as itself
        widget.get_by_role("button", name="Next image").click()
        wait_shown(lab, name)
        assert widget.locator(".ltw-name").text_content() == name
        assert_layout(widget, f"narrow, image {name!r}")
    assert_safe(widget, dialogs, "the end")
    errors = [m for m in page.console_messages_log if m.startswith("[pageerror]")]
    assert errors == []


# Where a piece of a message is drawn: a Range over the text nodes, by character offsets.
ORDER_JS = """
(el, [tag, after]) => {
  const nodes = [];
  const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) nodes.push(walker.currentNode);
  const text = nodes.map(n => n.textContent).join('');
  const at = (offset) => {
    for (const n of nodes) {
      if (offset <= n.textContent.length) return [n, offset];
      offset -= n.textContent.length;
    }
    throw new Error('offset past the end');
  };
  const rect = (start, end) => {
    const r = document.createRange();
    r.setStart(...at(start));
    r.setEnd(...at(end));
    return r.getBoundingClientRect();
  };
  const t = text.indexOf(tag), a = text.lastIndexOf(after);
  if (t < 0 || a < t) return {text, error: 'not found'};
  const tagRect = rect(t, t + tag.length), afterRect = rect(a, a + after.length);
  return {text, tagRight: tagRect.right, afterLeft: afterRect.left,
          sameLine: Math.abs(tagRect.top - afterRect.top) < 2};
}
"""


def test_tags_in_messages_neither_reorder_the_words_around_them_nor_push_buttons_out_of_reach(
    lab, tmp_path: Path
) -> None:
    """A right-to-left override inside a tag must stay inside the tag: the widget's own words
    after it read left to right where they belong. And a confirmation naming a 10,000-character
    tag keeps its Delete/Cancel buttons inside the widget."""
    root_dir = lab.workdir / "imgs"
    names = make_hostile_dataset(root_dir)
    rtl_tag = f"{RLO}evil"
    lab.open_and_run("messages", TAGGER_CELLS)
    widget = lab.output(".ltw-root").first
    wait_shown(lab, names[0])
    problems = []

    def reads_in_order(locator, after: str, where: str) -> None:
        res = locator.evaluate(ORDER_JS, [rtl_tag, after])
        if res.get("error") or not (res["sameLine"] and res["afterLeft"] >= res["tagRight"] - 1):
            problems.append(
                f"{where}: {res['text']!r} is drawn with {after!r} left of the tag "
                f"(tag ends at x={res.get('tagRight')}, {after!r} starts at "
                f"x={res.get('afterLeft')})"
            )

    box = widget.get_by_role("textbox", name="New palette tag")
    box.fill(rtl_tag)
    box.press("Enter")
    wait_palette(lab, [rtl_tag])
    status = widget.locator(".ltw-status")
    wait_until(lambda: "to the palette" in (status.text_content() or ""), what="status")
    reads_in_order(status, "palette.", "status after adding a palette tag")
    lab.screenshot(status, tmp_path, "rtl-status")

    labels = widget.evaluate(VIEW_JS)["deleteLabels"]
    widget.locator(".ltw-pal-del").nth(
        labels.index(f"Delete tag {rtl_tag} from all images")
    ).click()
    dialog = widget.get_by_role("alertdialog")
    reads_in_order(dialog.locator(".ltw-dialog-text"), "images?", "delete confirmation")
    lab.screenshot(dialog, tmp_path, "rtl-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")

    # The confirmation for the 10,000-character tag: its buttons within the widget.
    labels = widget.evaluate(VIEW_JS)["deleteLabels"]
    widget.locator(".ltw-pal-del").nth(
        labels.index(f"Delete tag {LONG_TAG} from all images")
    ).click()
    dialog.wait_for()
    fit = widget.evaluate(
        "(root) => { const r = root.getBoundingClientRect();"
        " const d = root.querySelector('.ltw-dialog').getBoundingClientRect();"
        " const b = root.querySelector('.ltw-dialog-actions').getBoundingClientRect();"
        " return {root: [r.top, r.bottom], dialog: [d.top, d.bottom],"
        " buttons: [b.top, b.bottom]}; }"
    )
    (r_top, r_bottom), (d_top, d_bottom), (b_top, b_bottom) = (
        fit["root"],
        fit["dialog"],
        fit["buttons"],
    )
    if not (r_top - 1 <= d_top and d_bottom <= r_bottom + 1 and b_bottom <= r_bottom + 1):
        problems.append(
            f"delete confirmation of the {len(LONG_TAG)}-char tag is {d_bottom - d_top:.0f} px "
            f"tall and ends {d_bottom - r_bottom:.0f} px below the widget; its buttons are "
            f"{b_top - r_bottom:.0f} px below the widget's bottom edge ({fit})"
        )
    dialog.get_by_role("button", name="Cancel").click()
    dialog.wait_for(state="detached")
    assert window_pwned(lab) is None
    assert not problems, "\n".join(problems)


def window_pwned(lab):
    return lab.page.evaluate("() => window.__pwned === undefined ? null : String(window.__pwned)")
