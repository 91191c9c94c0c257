import { test } from "node:test";
import assert from "node:assert/strict";

const { DARK_BELOW, parseColour, luminance, shownColour, pickScheme } = await import("../src/lib/colour.js");

const close = (actual, expected, what) => {
  assert.equal(actual.length, expected.length, what);
  actual.forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 0.003, `${what}: ${actual} vs ${expected}`));
};

test("colour: the forms browsers compute are read as sRGB and alpha", () => {
  close(parseColour("rgb(255, 255, 255)"), [1, 1, 1, 1], "rgb");
  close(parseColour("rgba(0, 0, 0, 0)"), [0, 0, 0, 0], "rgba transparent");
  close(parseColour("rgba(51, 102, 153, 0.5)"), [0.2, 0.4, 0.6, 0.5], "rgba");
  close(parseColour("rgb(51 102 153 / 25%)"), [0.2, 0.4, 0.6, 0.25], "space syntax");
  // marimo's dark page background, as Chromium computes it
  close(parseColour("color(srgb 0.0941176 0.109804 0.101961)"), [0.0941176, 0.109804, 0.101961, 1], "color(srgb)");
  close(parseColour("color(srgb 1 1 1 / 0.4)"), [1, 1, 1, 0.4], "color(srgb) with alpha");
  close(parseColour("transparent"), [0, 0, 0, 0], "transparent");
  close(parseColour("oklab(1 0 0)"), [1, 1, 1, 1], "oklab white");
  close(parseColour("oklch(0 0 0)"), [0, 0, 0, 1], "oklch black");
  // oklch(0.628 0.2577 29.23) is sRGB red
  close(parseColour("oklch(0.628 0.2577 29.23)"), [1, 0, 0, 1], "oklch red");
  close(parseColour("oklch(62.8% 0.2577 29.23 / 0.5)"), [1, 0, 0, 0.5], "oklch percent and alpha");
});

test("colour: forms it cannot read give null, never a wrong colour", () => {
  for (const text of ["", "red", "color(display-p3 1 0 0)", "lab(50 20 30)", "rgb(nope)", "rgb(1, 2)", null, undefined]) {
    assert.equal(parseColour(text), null, String(text));
  }
});

test("colour: luminance is WCAG's, and the dark threshold gives black and white text equal contrast", () => {
  assert.equal(luminance([0, 0, 0]), 0);
  assert.equal(luminance([1, 1, 1, 1]), 1);
  close([luminance(parseColour("rgb(119, 119, 119)"))], [0.1845], "mid grey");
  const contrast = (a, b) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
  close([contrast(DARK_BELOW, 0)], [contrast(DARK_BELOW, 1)], "equal contrast");
});

test("colour: the shown colour lays translucent backgrounds over the first opaque one", () => {
  assert.deepEqual(shownColour([[0, 0, 0, 0], [1, 1, 1, 1], [0, 0, 0, 1]]), [1, 1, 1, 1]);
  // a colour we cannot read (lab(), display-p3) above the first opaque one: unknown, not guessed
  assert.equal(shownColour([parseColour("lab(10 0 0)"), [1, 1, 1, 1]]), null, "unreadable above");
  // half black over white, and above that a quarter white
  close(shownColour([[1, 1, 1, 0.25], [0, 0, 0, 0.5], [1, 1, 1, 1]]), [0.625, 0.625, 0.625, 1], "composited");
  assert.equal(shownColour([[0, 0, 0, 0.5], [0, 0, 0, 0]]), null, "nothing opaque");
  assert.equal(shownColour([]), null);
});

test("colour: the scheme follows the page's background, else the preference, and host themes keep the preference", () => {
  const dark = parseColour("color(srgb 0.0941176 0.109804 0.101961)");
  const light = parseColour("rgb(255, 255, 255)");
  assert.equal(pickScheme({ hostThemed: false, background: dark, prefersDark: false }), "dark");
  assert.equal(pickScheme({ hostThemed: false, background: light, prefersDark: true }), "light");
  assert.equal(pickScheme({ hostThemed: false, background: null, prefersDark: true }), "dark");
  assert.equal(pickScheme({ hostThemed: false, background: null, prefersDark: false }), "light");
  assert.equal(pickScheme({ hostThemed: true, background: light, prefersDark: true }), "dark");
  assert.equal(pickScheme({ hostThemed: true, background: dark, prefersDark: false }), "light");
  // around the threshold: a mid grey that black text reads better on is light
  assert.equal(pickScheme({ hostThemed: false, background: parseColour("rgb(119, 119, 119)"), prefersDark: true }), "light");
  assert.equal(pickScheme({ hostThemed: false, background: parseColour("rgb(110, 110, 110)"), prefersDark: false }), "dark");
});
