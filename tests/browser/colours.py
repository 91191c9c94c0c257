"""Colours as a page shows them, for browser tests of the widget's looks on every host: computed
CSS colours read as RGB, WCAG contrast, and the check that the widget's texts are readable."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Locator

# Text and the background it is drawn on (the nearest ancestor's that is not transparent, across
# shadow roots), for each selector: the widget root itself or the first visible match inside it.
_JS_COLOURS = """(root, selectors) => selectors.map((sel) => {
  const el = root.matches(sel) ? root
    : [...root.querySelectorAll(sel)].find((e) => e.checkVisibility());
  if (!el) return [sel, null, null];
  let bg = el;
  while (bg && /^rgba\\(0, 0, 0, 0\\)$|^transparent$/.test(getComputedStyle(bg).backgroundColor)) {
    bg = bg.parentElement || bg.getRootNode().host || null;
  }
  return [sel, getComputedStyle(el).color, bg ? getComputedStyle(bg).backgroundColor : null];
})"""
TEXTS = [".ltw-root", ".ltw-name", ".ltw-root .ltw-muted", ".ltw-root .ltw-btn:not(:disabled)",
         ".ltw-root input[aria-label='Add tag']", ".ltw-root .ltw-hint"]


def parse_colour(text: str) -> tuple[float, float, float, float]:
    """(r, g, b, alpha) in 0..1 from a computed CSS colour (rgb(), rgba() or color(srgb ...))."""
    nums = [float(n) for n in re.findall(r"[-\d.]+", text)]
    if text.startswith("color(srgb"):
        r, g, b = nums[:3]
    elif text.startswith("rgb"):
        r, g, b = (n / 255 for n in nums[:3])
    else:
        raise AssertionError(f"unexpected computed colour {text!r}")
    return r, g, b, nums[3] if len(nums) > 3 else 1.0


def luminance(rgb: tuple[float, ...]) -> float:
    """WCAG relative luminance of an sRGB colour (0..1 channels)."""
    lin = [x / 12.92 if x <= 0.04045 else ((x + 0.055) / 1.055) ** 2.4 for x in rgb[:3]]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def is_dark(colour: str) -> bool:
    """Is this computed colour darker than the grey on which black and white text read equally?"""
    return luminance(parse_colour(colour)) < (1.05 * 0.05) ** 0.5 - 0.05


def contrast(fg: str, bg: str) -> float:
    """WCAG contrast ratio of text colour `fg` (blended over `bg`) on the opaque `bg`."""
    br, bgg, bb, _ = parse_colour(bg)
    fr, fgg, fb, a = parse_colour(fg)
    text = (fr * a + br * (1 - a), fgg * a + bgg * (1 - a), fb * a + bb * (1 - a))
    hi, lo = sorted((luminance(text), luminance((br, bgg, bb))), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def readable(widget: Locator) -> dict[str, tuple[str, str, float]]:
    """Each visible text of TEXTS in the widget root `widget`: (colour, background, contrast);
    all >= 4.5 or fail."""
    found = {}
    for sel, fg, bg in widget.evaluate(_JS_COLOURS, TEXTS):
        assert fg is not None, f"{sel} not shown"
        found[sel] = (fg, bg, round(contrast(fg, bg), 2))
    low = {sel: v for sel, v in found.items() if v[2] < 4.5}
    assert not low, f"text below 4.5:1 contrast: {low}"
    return found
