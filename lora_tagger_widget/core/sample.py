"""A small, varied sample data set to try the tagger on, generated on the spot.

Every image is painted with Pillow from a seeded random generator, so the set is the same for the
same seed, needs no download and ships nothing with the package.
"""

from __future__ import annotations

import colorsys
import io
import itertools
import math
import os
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps

RGB = tuple[int, int, int]
Size = tuple[int, int]
Point = tuple[float, float]
Painter = Callable[[random.Random, Size], Image.Image]

_RED_HAIR: RGB = (176, 48, 36)
_BLONDE_HAIR: RGB = (228, 192, 112)
_HAIR_COLORS: tuple[RGB, ...] = (
    _RED_HAIR,
    (92, 60, 40),
    (34, 30, 36),
    _BLONDE_HAIR,
    (112, 136, 220),
    (238, 160, 190),
)
_SKIN_TONES: tuple[RGB, ...] = ((248, 216, 192), (232, 186, 152), (198, 142, 106), (140, 94, 70))
_INK: RGB = (58, 40, 46)
_PIXEL_INK: RGB = (24, 20, 36)
_EXIF_ORIENTATION = 0x0112
_SHOW_TURNED_90_CLOCKWISE = 6


# Colors and textures


def _hsv(hue: float, saturation: float, value: float) -> RGB:
    """The RGB color of a hue (wrapping around 1.0), saturation and value, each 0..1."""
    r, g, b = colorsys.hsv_to_rgb(hue % 1.0, saturation, value)
    return round(r * 255), round(g * 255), round(b * 255)


def _mix(a: RGB, b: RGB, t: float) -> RGB:
    """The color a fraction t of the way from a to b."""
    return (
        round(a[0] + (b[0] - a[0]) * t),
        round(a[1] + (b[1] - a[1]) * t),
        round(a[2] + (b[2] - a[2]) * t),
    )


def _palette(rng: random.Random, count: int) -> list[RGB]:
    """Harmonious saturated colors: hues evenly stepped from a random start."""
    hue, step = rng.random(), rng.choice((0.07, 0.2, 1 / 3, 0.618))
    return [
        _hsv(hue + i * step, rng.uniform(0.5, 0.8), rng.uniform(0.7, 0.95)) for i in range(count)
    ]


def _gradient(size: Size, start: RGB, end: RGB, angle: float = 0.0) -> Image.Image:
    """A smooth gradient from start to end; at angle 0 it runs from top to bottom."""
    mask = Image.linear_gradient("L").rotate(angle, resample=Image.Resampling.BICUBIC)
    inset = 38  # keeps only the part the rotated square still covers
    mask = mask.crop((inset, inset, 256 - inset, 256 - inset))
    mask = ImageOps.autocontrast(mask).resize(size, Image.Resampling.BICUBIC)
    return Image.composite(Image.new("RGB", size, end), Image.new("RGB", size, start), mask)


def _add_grain(image: Image.Image, rng: random.Random, strength: int) -> Image.Image:
    """The image with soft grey noise of about plus or minus strength levels, like sensor noise."""
    width, height = max(1, image.width // 2), max(1, image.height // 2)
    noise = Image.frombytes("L", (width, height), rng.randbytes(width * height))
    noise = noise.point([128 + (v - 128) * strength // 128 for v in range(256)])
    noise = noise.resize(image.size, Image.Resampling.BICUBIC).convert(image.mode)
    return ImageChops.add(image, noise, offset=-128)


def _develop(painting: Image.Image, size: Size, rng: random.Random, grain: int) -> Image.Image:
    """A photo from a half-size painting: enlarged, which softens it like a lens, then grained."""
    return _add_grain(painting.resize(size, Image.Resampling.BICUBIC), rng, strength=grain)


def _draw_bokeh(image: Image.Image, rng: random.Random, count: int) -> None:
    """Scatters translucent light discs over the image, like out-of-focus highlights."""
    draw = ImageDraw.Draw(image, "RGBA")
    longest = max(image.size)
    for _ in range(count):
        x, y = rng.uniform(0, image.width), rng.uniform(0, image.height)
        radius = rng.uniform(0.03, 0.12) * longest
        color = (*_hsv(rng.random(), 0.25, 1.0), rng.randint(30, 90))
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=color)


# Photo-like images


def _ridge_line(rng: random.Random, width: int, baseline: float, height: float) -> list[Point]:
    """A jagged mountain ridge across the width, rising at most height above the baseline."""
    levels = [rng.random(), rng.random()]
    roughness = 0.6
    for _ in range(6):
        refined: list[float] = []
        for left, right in itertools.pairwise(levels):
            refined += [left, (left + right) / 2 + rng.uniform(-roughness, roughness)]
        levels = [*refined, levels[-1]]
        roughness /= 2
    low, high = min(levels), max(levels)
    step = width / (len(levels) - 1)
    return [
        (i * step, baseline - height * (0.15 + 0.85 * (v - low) / (high - low)))
        for i, v in enumerate(levels)
    ]


def _paint_landscape_photo(rng: random.Random, size: Size, *, sunset: bool = False) -> Image.Image:
    """A photo of mountains under a sky, with hazy distant ridges and grassy ground."""
    width, height = size[0] // 2, size[1] // 2
    horizon = round(height * rng.uniform(0.55, 0.7))
    if sunset:
        sky_top, sky_low, sun = (48, 54, 118), (250, 158, 92), (255, 224, 160)
        ridge, ground_top, ground_low = (70, 52, 78), (70, 56, 66), (26, 20, 30)
    else:
        sky_top, sky_low, sun = (64, 124, 206), (202, 226, 244), (255, 252, 236)
        ridge, ground_top, ground_low = (70, 92, 120), (104, 140, 64), (44, 74, 34)
    image = Image.new("RGB", (width, height))
    image.paste(_gradient((width, horizon), sky_top, sky_low), (0, 0))
    draw = ImageDraw.Draw(image, "RGBA")
    sun_x, sun_y = rng.uniform(0.2, 0.8) * width, horizon * rng.uniform(0.35, 0.75)
    for glow in range(6, 0, -1):
        radius = height * 0.03 * glow
        alpha = 255 if glow == 1 else 30
        draw.ellipse(
            (sun_x - radius, sun_y - radius, sun_x + radius, sun_y + radius), fill=(*sun, alpha)
        )
    for depth, (haze, rise) in enumerate(((0.65, 0.32), (0.4, 0.2), (0.15, 0.09))):
        ridge_line = _ridge_line(rng, width, horizon + depth * height * 0.02, height * rise)
        draw.polygon([(0, height), *ridge_line, (width, height)], fill=_mix(ridge, sky_low, haze))
    image.paste(_gradient((width, height - horizon), ground_top, ground_low), (0, horizon))
    return _develop(image, size, rng, grain=14)


def _paint_bokeh_photo(rng: random.Random, size: Size) -> Image.Image:
    """An out-of-focus photo: a soft two-color gradient strewn with blurred highlights."""
    half_size = (size[0] // 2, size[1] // 2)
    hue = rng.random()
    dark = _hsv(hue, rng.uniform(0.3, 0.6), rng.uniform(0.2, 0.4))
    light = _hsv(hue + rng.uniform(0.08, 0.25), rng.uniform(0.3, 0.6), rng.uniform(0.8, 0.95))
    image = _gradient(half_size, dark, light, angle=rng.uniform(0, 360))
    _draw_bokeh(image, rng, count=rng.randint(8, 16))
    image = image.filter(ImageFilter.GaussianBlur(max(half_size) / 75))
    return _develop(image, size, rng, grain=18)


def _paint_portrait_photo(
    rng: random.Random, size: Size, *, hair: RGB | None = None
) -> Image.Image:
    """A shallow-focus head-and-shoulders photo of a person against a blurred background."""
    width, height = size[0] // 2, size[1] // 2
    hue = rng.random()
    background = (_hsv(hue, 0.3, 0.6), _hsv(hue + 0.1, 0.4, 0.25))
    image = _gradient((width, height), *background, angle=rng.uniform(-40, 40))
    _draw_bokeh(image, rng, count=10)
    image = image.filter(ImageFilter.GaussianBlur(width / 40))
    hair = hair or rng.choice(_HAIR_COLORS)
    skin = rng.choice(_SKIN_TONES)
    head_w = width * rng.uniform(0.28, 0.34)
    head_h = head_w * 1.3
    cx, cy = width * rng.uniform(0.42, 0.58), height * rng.uniform(0.36, 0.42)
    draw = ImageDraw.Draw(image)
    draw.rounded_rectangle(
        (cx - head_w * 0.7, cy - head_h * 0.62, cx + head_w * 0.7, cy + head_h * 0.95),
        radius=head_w * 0.6,
        fill=_mix(hair, (0, 0, 0), 0.2),
    )
    shoulders_top = cy + head_h * 0.72
    draw.ellipse(
        (cx - width * 0.46, shoulders_top, cx + width * 0.46, height * 1.5),
        fill=_hsv(rng.random(), 0.45, 0.55),
    )
    draw.rectangle(
        (cx - head_w * 0.17, cy + head_h * 0.3, cx + head_w * 0.17, shoulders_top + 4),
        fill=_mix(skin, (0, 0, 0), 0.18),
    )
    draw.ellipse((cx - head_w / 2, cy - head_h / 2, cx + head_w / 2, cy + head_h / 2), fill=skin)
    draw.chord(
        (cx - head_w * 0.56, cy - head_h * 0.6, cx + head_w * 0.56, cy + head_h * 0.05),
        180,
        360,
        fill=hair,
    )
    for side in (-1, 1):
        eye_x, eye_y = cx + side * head_w * 0.19, cy + head_h * 0.06
        draw.ellipse(
            (
                eye_x - head_w * 0.06,
                eye_y - head_h * 0.025,
                eye_x + head_w * 0.06,
                eye_y + head_h * 0.025,
            ),
            fill=(52, 36, 32),
        )
    draw.arc(
        (cx - head_w * 0.14, cy + head_h * 0.14, cx + head_w * 0.14, cy + head_h * 0.3),
        20,
        160,
        fill=(150, 62, 64),
        width=max(2, round(head_w / 40)),
    )
    image = image.filter(ImageFilter.GaussianBlur(width / 200))
    return _develop(image, size, rng, grain=12)


# Drawings and illustrations


def _paint_flat_shapes(rng: random.Random, size: Size) -> Image.Image:
    """A flat-color geometric illustration: overlapping outlined shapes on a plain background."""
    palette = _palette(rng, 5)
    image = Image.new("RGB", size, _mix(palette[0], (255, 255, 255), 0.75))
    draw = ImageDraw.Draw(image)
    shortest = min(size)
    outline_width = max(2, round(shortest / 160))
    for _ in range(rng.randint(9, 16)):
        x, y = rng.uniform(0, size[0]), rng.uniform(0, size[1])
        radius = rng.uniform(0.05, 0.2) * shortest
        color = rng.choice(palette[1:])
        sides = rng.choice((0, 3, 4, 6))
        if sides:
            draw.regular_polygon(
                (x, y, radius),
                sides,
                rotation=rng.uniform(0, 120),
                fill=color,
                outline=_INK,
                width=outline_width,
            )
        else:
            draw.ellipse(
                (x - radius, y - radius, x + radius, y + radius),
                fill=color,
                outline=_INK,
                width=outline_width,
            )
    return image


def _bezier_curve(rng: random.Random, size: Size) -> list[Point]:
    """Points along a random cubic Bezier curve lying within the image."""
    controls = [(rng.uniform(0, size[0]), rng.uniform(0, size[1])) for _ in range(4)]
    points = []
    for step in range(41):
        t = step / 40
        weights = ((1 - t) ** 3, 3 * (1 - t) ** 2 * t, 3 * (1 - t) * t**2, t**3)
        points.append(
            (
                sum(w * p[0] for w, p in zip(weights, controls, strict=True)),
                sum(w * p[1] for w, p in zip(weights, controls, strict=True)),
            )
        )
    return points


def _paint_line_sketch(rng: random.Random, size: Size) -> Image.Image:
    """A pencil sketch on paper: loose curves, a few circles and a patch of hatching."""
    image = _add_grain(Image.new("RGB", size, (246, 242, 232)), rng, strength=6)
    draw = ImageDraw.Draw(image)
    graphite = (72, 72, 80)
    shortest = min(size)
    for _ in range(rng.randint(4, 8)):
        draw.line(_bezier_curve(rng, size), fill=graphite, width=rng.randint(2, 4), joint="curve")
    for _ in range(rng.randint(2, 4)):
        x, y = rng.uniform(0.2, 0.8) * size[0], rng.uniform(0.2, 0.8) * size[1]
        radius = rng.uniform(0.06, 0.18) * shortest
        draw.ellipse((x - radius, y - radius, x + radius, y + radius), outline=graphite, width=2)
    left, top = rng.uniform(0.05, 0.55) * size[0], rng.uniform(0.05, 0.55) * size[1]
    extent, spacing = shortest * 0.3, max(4.0, shortest / 70)
    for i in range(int(extent / spacing)):
        x = left + i * spacing
        draw.line((x, top + extent, x + extent * 0.35, top), fill=(140, 140, 148), width=1)
    return image


def _draw_anime_eye(
    draw: ImageDraw.ImageDraw, x: float, y: float, w: float, h: float, iris: RGB, line_width: int
) -> None:
    """Draws a large cartoon eye centred on (x, y): white, iris, pupil, highlight, lash, blush."""
    draw.ellipse((x - w, y - h, x + w, y + h), fill=(255, 255, 255), outline=_INK, width=line_width)
    draw.ellipse((x - w * 0.75, y - h * 0.7, x + w * 0.75, y + h), fill=iris)
    draw.ellipse((x - w * 0.35, y - h * 0.2, x + w * 0.35, y + h * 0.6), fill=_mix(iris, _INK, 0.7))
    draw.ellipse((x - w * 0.55, y - h * 0.55, x - w * 0.15, y - h * 0.15), fill=(255, 255, 255))
    draw.arc(
        (x - w * 1.15, y - h * 1.1, x + w * 1.15, y + h * 1.1),
        200,
        340,
        fill=_INK,
        width=line_width * 3,
    )
    draw.ellipse((x - w, y + h * 1.35, x + w, y + h * 1.75), fill=(255, 110, 130, 80))


def _face_outline(cx: float, cy: float, w: float, h: float) -> list[Point]:
    """A cartoon face's outline: a round top and cheeks narrowing to a soft chin."""
    points = []
    for step in range(48):
        angle = 2 * math.pi * step / 48
        below = max(0.0, math.sin(angle))
        points.append(
            (
                cx + w / 2 * math.cos(angle) * (1 - 0.3 * below),
                cy + h / 2 * math.sin(angle) * (1 + 0.15 * below),
            )
        )
    return points


def _paint_anime_face(
    rng: random.Random, size: Size, *, hair: RGB | None = None, background: RGB | None = None
) -> Image.Image:
    """An anime-style girl's face and shoulders made of ellipses and flat colors."""
    width, height = size
    hair = hair or rng.choice(_HAIR_COLORS)
    skin = rng.choice(_SKIN_TONES[:2])
    pastel = _mix(_hsv(rng.random(), 0.35, 1.0), (255, 255, 255), 0.35)
    image = Image.new("RGB", size, background or pastel)
    draw = ImageDraw.Draw(image, "RGBA")
    if background is None:
        _draw_bokeh(image, rng, count=6)
    shortest = min(size)
    line_width = max(2, round(shortest / 220))
    face_w, face_h = shortest * 0.44, shortest * 0.5
    cx, cy = width / 2, height / 2 - shortest * 0.04
    draw.rounded_rectangle(
        (cx - face_w * 0.78, cy - face_h * 0.68, cx + face_w * 0.78, cy + face_h * 1.15),
        radius=face_w * 0.5,
        fill=hair,
        outline=_INK,
        width=line_width,
    )
    draw.ellipse(
        (cx - face_w * 0.95, cy + face_h * 0.72, cx + face_w * 0.95, cy + face_h * 1.9),
        fill=_hsv(rng.random(), 0.4, 0.9),
        outline=_INK,
        width=line_width,
    )
    draw.rectangle(
        (cx - face_w * 0.12, cy + face_h * 0.3, cx + face_w * 0.12, cy + face_h * 0.8),
        fill=_mix(skin, _INK, 0.15),
    )
    draw.polygon(_face_outline(cx, cy, face_w, face_h), fill=skin, outline=_INK, width=line_width)
    crown = (cx - face_w * 0.58, cy - face_h * 0.66, cx + face_w * 0.58, cy + face_h * 0.05)
    draw.chord(crown, 180, 360, fill=hair)
    draw.arc(crown, 180, 360, fill=_INK, width=line_width)
    strands = 6
    strand_w = face_w * 1.1 / strands
    for i in range(strands):
        left = cx - face_w * 0.55 + i * strand_w
        tip = (left + strand_w * rng.uniform(0.3, 0.7), cy - face_h * rng.uniform(0.12, 0.22))
        draw.polygon(
            [(left, cy - face_h * 0.32), (left + strand_w, cy - face_h * 0.32), tip], fill=hair
        )
    iris = _hsv(rng.random(), 0.6, 0.75)
    for side in (-1, 1):
        _draw_anime_eye(
            draw,
            cx + side * face_w * 0.2,
            cy + face_h * 0.04,
            face_w * 0.11,
            face_h * 0.12,
            iris,
            line_width,
        )
    draw.arc(
        (cx - face_w * 0.07, cy + face_h * 0.2, cx + face_w * 0.07, cy + face_h * 0.3),
        20,
        160,
        fill=_INK,
        width=line_width,
    )
    return image


def _paint_sticker(rng: random.Random, size: Size, *, hair: RGB | None = None) -> Image.Image:
    """A round die-cut sticker of an anime face, with a white rim and a soft drop shadow, on a
    transparent background."""
    width, height = size
    radius = min(size) * 0.4
    rim = radius * 0.06
    cx, cy = width / 2, height / 2
    face = _paint_anime_face(rng, size, hair=hair, background=(255, 255, 255))
    shadow = Image.new("L", size, 0)
    offset = radius * 0.05
    ImageDraw.Draw(shadow).ellipse(
        (
            cx - radius - rim + offset,
            cy - radius - rim + offset,
            cx + radius + rim + offset,
            cy + radius + rim + offset,
        ),
        fill=120,
    )
    sticker = Image.new("RGBA", size, (20, 16, 28, 0))
    sticker.putalpha(shadow.filter(ImageFilter.GaussianBlur(radius / 20)))
    ImageDraw.Draw(sticker).ellipse(
        (cx - radius - rim, cy - radius - rim, cx + radius + rim, cy + radius + rim),
        fill=(255, 255, 255, 255),
    )
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    sticker.paste(face, (0, 0), mask)
    return sticker


def _random_sprite(rng: random.Random, body: RGB, accent: RGB) -> list[list[RGB | None]]:
    """A symmetric 10 by 12 creature sprite with two eyes and a dark outline; None marks empty
    cells."""
    half_width, height = 4, 10
    grid: list[list[RGB | None]] = [[None] * (2 * half_width + 2) for _ in range(height + 2)]
    for y in range(height):
        half: list[RGB | None] = [
            (accent if rng.random() < 0.2 else body) if rng.random() < 0.3 + 0.2 * x else None
            for x in range(half_width)
        ]
        if 2 <= y <= 4:
            half[1:] = [body, body, body]
        if y == 3:
            half[1:3] = [(255, 255, 255), _PIXEL_INK]
        grid[y + 1][1:-1] = half + half[::-1]
    outline: list[tuple[int, int]] = []
    for y, row in enumerate(grid):
        for x, cell in enumerate(row):
            neighbours = [
                grid[j][i]
                for i, j in ((x - 1, y), (x + 1, y), (x, y - 1), (x, y + 1))
                if 0 <= j < len(grid) and 0 <= i < len(row)
            ]
            if cell is None and any(n is not None for n in neighbours):
                outline.append((x, y))
    for x, y in outline:
        grid[y][x] = _PIXEL_INK
    return grid


def _paint_pixel_art(rng: random.Random, size: Size) -> Image.Image:
    """Pixel art: a creature sprite on grass under a sky, drawn on a coarse grid and enlarged
    without smoothing."""
    cell = max(size) // 32
    grid_w, grid_h = size[0] // cell, size[1] // cell
    ground = grid_h * 3 // 4
    grid = Image.new("RGB", (grid_w, grid_h), _hsv(rng.uniform(0.5, 0.65), 0.45, 0.95))
    draw = ImageDraw.Draw(grid)
    draw.rectangle((0, ground, grid_w, grid_h), fill=(120, 84, 52))
    draw.rectangle((0, ground, grid_w, ground + 1), fill=(88, 176, 72))
    for x in range(0, grid_w, 2):
        grid.putpixel((x, ground + 1), (64, 140, 56))
    for _ in range(2):
        x, y = rng.randrange(grid_w - 6), rng.randrange(ground // 2)
        draw.rectangle((x, y + 1, x + 5, y + 2), fill=(255, 255, 255))
        draw.rectangle((x + 1, y, x + 3, y), fill=(255, 255, 255))
    sprite = _random_sprite(rng, *_palette(rng, 2))
    left, top = grid_w // 2 - 5, ground - len(sprite)
    for y, row in enumerate(sprite):
        for x, color in enumerate(row):
            if color is not None:
                grid.putpixel((left + x, top + y), color)
    return grid.resize(size, Image.Resampling.NEAREST)


# The sample set


@dataclass(frozen=True)
class _SampleImage:
    """One file of the sample set: what it shows, its size as displayed, its caption, its quirks."""

    path: str
    paint: Painter
    size: Size
    caption: str | None = None
    caption_encoding: str = "utf-8"
    stored_sideways: bool = False
    truncated: bool = False


_RED_PORTRAIT = partial(_paint_portrait_photo, hair=_RED_HAIR)
_RED_ANIME = partial(_paint_anime_face, hair=_RED_HAIR)
_SUNSET = partial(_paint_landscape_photo, sunset=True)

_SAMPLE_IMAGES: tuple[_SampleImage, ...] = (
    _SampleImage(
        "img1.jpg",
        _paint_landscape_photo,
        (1216, 832),
        "landscape, mountain, sky, no humans, outdoors, scenery, photo_(medium)",
    ),
    _SampleImage(
        "img2.jpg",
        _RED_PORTRAIT,
        (832, 1216),
        "ohwx, 1girl, red hair, smiling, outdoors, upper body, photo_(medium)",
    ),
    _SampleImage(
        "img3.png",
        _RED_ANIME,
        (1024, 1024),
        "(masterpiece:1.2), ohwx, 1girl, red hair, smiling, looking at viewer, anime",
    ),
    _SampleImage("img4.webp", _paint_flat_shapes, (1024, 768)),
    _SampleImage("img5.jpg", _paint_bokeh_photo, (896, 1152)),
    _SampleImage(
        "img6.jpg",
        _SUNSET,
        (1600, 900),
        "landscape, sunset, mountain, sky, no humans, outdoors, photo_(medium)",
    ),
    _SampleImage(
        "img7.png",
        _paint_pixel_art,
        (512, 512),
        "pixel art, no humans, sprite, simple background, outdoors",
    ),
    _SampleImage("img8.jpg", _paint_portrait_photo, (768, 1024)),
    _SampleImage(
        "img9.png",
        _paint_flat_shapes,
        (768, 1024),
        "abstract, geometric, flat color, no humans, (masterpiece:1.2)",
    ),
    _SampleImage(
        "img10.jpg",
        _RED_PORTRAIT,
        (1024, 1536),
        "ohwx, 1girl, red hair, smiling, upper body, photo_(medium)\n"
        "a photo of ohwx, a woman with red hair smiling at the camera",
    ),
    _SampleImage("img11.jpg", _paint_landscape_photo, (1200, 800)),
    _SampleImage("img12.webp", _paint_anime_face, (832, 1216)),
    _SampleImage("img13.jpg", _paint_bokeh_photo, (1024, 1024)),
    _SampleImage("img20.jpg", _paint_line_sketch, (1024, 768)),
    _SampleImage("img21.webp", _SUNSET, (1344, 768)),
    _SampleImage("img100.jpg", _paint_portrait_photo, (640, 960)),
    _SampleImage("DSC_0042.JPG", _paint_portrait_photo, (768, 1024), stored_sideways=True),
    _SampleImage("truncated_download.jpg", _paint_landscape_photo, (1024, 683), truncated=True),
    _SampleImage(
        "summer café 3.jpg",
        _paint_bokeh_photo,
        (1200, 800),
        "café, bokeh, blurry, no humans, photo_(medium)",
    ),
    _SampleImage(
        "windows_caption.jpg",
        _RED_PORTRAIT,
        (768, 1024),
        "ohwx, 1girl, red hair, café, indoors, photo_(medium)",
        caption_encoding="cp1252",
    ),
    _SampleImage(
        "sticker_transparent.png",
        partial(_paint_sticker, hair=_RED_HAIR),
        (768, 768),
        "ohwx, 1girl, red hair, smiling, sticker, transparent background",
    ),
    _SampleImage("pixel_slime.png", _paint_pixel_art, (320, 320)),
    _SampleImage("banner_wide.webp", _paint_flat_shapes, (1600, 600)),
    _SampleImage("icon_300.png", _paint_flat_shapes, (300, 300)),
    _SampleImage("doodle_4.webp", _paint_line_sketch, (600, 800)),
    _SampleImage(
        "anime_girl_05.png",
        partial(_paint_anime_face, hair=_BLONDE_HAIR),
        (768, 1024),
        "(masterpiece:1.2), 1girl, blonde hair, smiling, looking at viewer, anime",
    ),
    _SampleImage("anime_girl_12.webp", _paint_anime_face, (1024, 768)),
    _SampleImage(
        "extra/sketch_2.webp",
        _paint_line_sketch,
        (1024, 1024),
        "lineart, monochrome, sketch, traditional media, no humans",
    ),
    _SampleImage("extra/sketch_10.webp", _paint_line_sketch, (800, 600)),
    _SampleImage("extra/pixel_critter_1.png", _paint_pixel_art, (640, 480)),
)

_SAVE_OPTIONS: dict[str, dict[str, object]] = {
    "JPEG": {"quality": 85},
    "PNG": {},
    "WEBP": {"quality": 80, "method": 2},
}


def _encode(image: Image.Image, suffix: str, *, stored_sideways: bool) -> bytes:
    """The image's file content in the format its suffix names; a sideways image is stored
    turned a quarter turn left, with an EXIF orientation saying to turn it back."""
    image_format = Image.registered_extensions()[suffix.lower()]
    options = dict(_SAVE_OPTIONS[image_format])
    if stored_sideways:
        image = image.transpose(Image.Transpose.ROTATE_90)
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION] = _SHOW_TURNED_90_CLOCKWISE
        options["exif"] = exif
    buffer = io.BytesIO()
    image.save(buffer, image_format, **options)
    return buffer.getvalue()


def _write_sample(root: Path, sample: _SampleImage, rng: random.Random) -> None:
    """Writes one sample image and its caption, or removes a caption the sample does not have."""
    image_path = root / sample.path
    image_path.parent.mkdir(parents=True, exist_ok=True)
    data = _encode(
        sample.paint(rng, sample.size), image_path.suffix, stored_sideways=sample.stored_sideways
    )
    if sample.truncated:
        data = data[: len(data) * 3 // 5]
    image_path.write_bytes(data)
    caption_path = image_path.with_suffix(".txt")
    if sample.caption is None:
        caption_path.unlink(missing_ok=True)
    else:
        caption_path.write_bytes(sample.caption.encode(sample.caption_encoding))


def make_sample_dataset(
    dest: str | os.PathLike[str], *, seed: int = 0, overwrite: bool = False
) -> Path:
    """Writes a small, varied LoRA data set to try the tagger on, and returns its resolved path.

    About thirty generated images: photo-like and drawn, portrait, landscape and square, JPEG, PNG
    and WebP, one folder deep in places; about a third already captioned with tags from a shared
    vocabulary. A few odd files are included on purpose: a truncated JPEG, a JPEG stored sideways
    with EXIF orientation 6, a caption in cp1252, a caption of two lines and a PNG with
    transparency. The same seed always gives the same files.

    A folder that already holds anything is returned untouched unless overwrite is True, so
    re-running a notebook never undoes someone's tagging. With overwrite, the sample's own images
    and captions are restored to their initial state and other files are left alone.
    """
    root = Path(dest).expanduser().resolve()
    if root.is_dir() and any(root.iterdir()) and not overwrite:
        return root
    root.mkdir(parents=True, exist_ok=True)
    for sample in _SAMPLE_IMAGES:
        _write_sample(root, sample, random.Random(f"{seed}/{sample.path}"))
    return root
