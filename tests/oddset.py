"""A data set full of odd cases, for the trainer compatibility tests: alpha, EXIF rotation,
CMYK, palette, 16-bit, AVIF, tiny images, name clashes, BOM, CRLF, several lines, the trigger
inside a word and already first, natural-language captions, braces, placeholders and odd
names. `TRIGGER` is its trigger word; `ODD_CAPTIONS` what each caption file holds."""

from __future__ import annotations

from pathlib import Path

from PIL import Image

TRIGGER = "ohwx"
CIVITAI_SIDE = 64  # Civitai's smallest side
SIZE = (96, 64)  # big enough for every trainer

SENTENCE = ("A photograph of a woman with long red hair standing on a windy beach at sunset, "
            "looking out over the grey sea")
ODD_CAPTIONS: dict[str, bytes] = {
    "alpha.png": b"ohwx, transparent background",
    "rotated.jpg": b"ohwx woman, beach",  # the trigger first as a word of a longer tag
    "cmyk.jpg": b"print, cmyk",
    "palette.png": b"ohwxyz, palette",  # the trigger inside a longer word
    "gray16.png": b"sixteen bit, xohwx",  # ... and at the end of one
    "avif.avif": b"avif, modern",
    "tiny.png": b"tiny",  # under Civitai's 64 px
    "clash/a.png": b"clash one",
    "other/a.png": b"clash two",  # the same name in another folder
    "A.jpg": b"case clash",  # differs from a.jpg only in case
    "a.jpg": b"lower case",
    "bom.jpg": "\ufeffohwx, bom".encode(),
    "crlf.jpg": b"crlf, windows\r\n",
    "lines.jpg": b"first line, ohwx\nsecond line\n\nthird {line}",
    "placeholder.jpg": b"[trigger] woman, [name] hat",
    "sentence.jpg": SENTENCE.encode(),
    "trigger-sentence.jpg": f"ohwx {SENTENCE[2:]}".encode(),
    "braces.jpg": b"{a|b}, curly",
    "[brackets] and *stars*.jpg": b"odd name",
    "semi;colon, comma.jpg": b"odd name two",
    "dots.in.name.jpg": b"dots",
    "many_parts_of_a_long_name.jpg": b"underscores",
}


def write(path: Path, image: Image.Image, **options: object) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    image.save(path, **options)


def _image(name: str) -> tuple[Image.Image, dict[str, object]]:
    """The picture and save options for one odd name."""
    if name == "alpha.png":
        image = Image.new("RGBA", SIZE, (255, 0, 0, 255))
        image.paste((0, 0, 0, 0), (0, 0, 40, 64))
        return image, {}
    if name == "rotated.jpg":
        exif = Image.Exif()
        exif[0x0112] = 6
        return Image.new("RGB", SIZE, "red"), {"exif": exif}
    if name == "cmyk.jpg":
        return Image.new("CMYK", SIZE, (0, 255, 255, 0)), {}
    if name == "palette.png":
        return Image.new("RGB", SIZE, "orange").convert("P"), {}
    if name == "gray16.png":
        return Image.new("I;16", SIZE, 50_000), {}
    if name == "tiny.png":
        return Image.new("RGB", (80, 40), "teal"), {}
    return Image.new("RGB", SIZE, "steelblue"), {}


def make_odd_set(root: Path) -> Path:
    """Write the odd data set under `root` (made) and return it."""
    for name, caption in ODD_CAPTIONS.items():
        path = root / name
        image, options = _image(name)
        write(path, image, **options)
        path.with_suffix(".txt").write_bytes(caption)
    return root


def enlarge(root: Path, size: tuple[int, int] = SIZE) -> Path:
    """Save every image under `root` again at `size` (same format), so that Civitai takes it."""
    for path in root.rglob("*"):
        if path.suffix.lower() in (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif"):
            with Image.open(path) as image:
                image.load()
            image.resize(size).save(path, image.format)
    return root
