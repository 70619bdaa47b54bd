#!/usr/bin/env python3
"""check-icon.py — the application icons parse, and render as they should.

    check-icon.py full|symbolic ICON.svg SIZE... [--out DIR]

The SVG must be well-formed with an <svg> root whose viewBox is 0 0 128 128
(full colour) or 0 0 16 16 (symbolic).  rsvg-convert (librsvg2-bin, the
library GTK loads SVG icons with) renders it at every SIZE; each PNG must be
SIZE x SIZE and must draw something.  The full-colour icon is a plate with
rounded corners: transparent corners, opaque centre.  The symbolic icon must
use one colour only, fills only (GTK recolours symbolic icons by fill), and
every pixel it draws must be that colour.  With --out, the PNGs are kept
there (icon-SIZE.png / symbolic-SIZE.png) to be looked at.

Exit status 0 passed, 1 failed, 77 skipped (rsvg-convert is not installed).
"""
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
import zlib

SVG_NS = "{http://www.w3.org/2000/svg}"


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def read_png(path):
    """Returns (width, height, rows of RGBA tuples) of an 8-bit RGBA PNG."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        fail(f"{path}: not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            idat += body
        elif kind == b"IEND":
            break
    if ihdr is None:
        fail(f"{path}: no IHDR")
    width, height, depth, ctype, _, _, interlace = ihdr
    if depth != 8 or ctype != 6 or interlace != 0:
        fail(f"{path}: expected 8-bit RGBA, non-interlaced (depth {depth}, colour type {ctype})")
    raw = zlib.decompress(idat)
    stride = width * 4
    rows, prev, i = [], bytearray(stride), 0
    for _ in range(height):
        ftype, line = raw[i], bytearray(raw[i + 1:i + 1 + stride])
        i += 1 + stride
        for x in range(stride):
            a = line[x - 4] if x >= 4 else 0
            b = prev[x]
            c = prev[x - 4] if x >= 4 else 0
            if ftype == 1:
                line[x] = (line[x] + a) & 255
            elif ftype == 2:
                line[x] = (line[x] + b) & 255
            elif ftype == 3:
                line[x] = (line[x] + (a + b) // 2) & 255
            elif ftype == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else (b if pb <= pc else c)
                line[x] = (line[x] + pred) & 255
            elif ftype != 0:
                fail(f"{path}: bad PNG filter {ftype}")
        rows.append([tuple(line[x:x + 4]) for x in range(0, stride, 4)])
        prev = line
    return width, height, rows


def colours_in(svg_text):
    found = set()
    for m in re.finditer(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b", svg_text):
        h = m.group(1).lower()
        if len(h) == 3:
            h = "".join(ch * 2 for ch in h)
        found.add(h)
    return found


def main(argv):
    out_dir = None
    if "--out" in argv:
        k = argv.index("--out")
        out_dir = argv[k + 1]
        del argv[k:k + 2]
    if len(argv) < 4 or argv[1] not in ("full", "symbolic"):
        print(__doc__)
        return 2
    kind, svg, sizes = argv[1], argv[2], [int(s) for s in argv[3:]]
    rsvg = shutil.which("rsvg-convert")
    if rsvg is None:
        print("SKIP: rsvg-convert not installed (librsvg2-bin)")
        return 77

    # 1. the SVG parses, and is the size an icon of its kind must be.
    try:
        root = ET.parse(svg).getroot()
    except ET.ParseError as e:
        fail(f"{svg}: not well-formed XML: {e}")
    if root.tag != SVG_NS + "svg":
        fail(f"{svg}: the root element is {root.tag}, not an SVG <svg>")
    want = 128 if kind == "full" else 16
    viewbox = (root.get("viewBox") or "").replace(",", " ").split()
    if [float(v) for v in viewbox] != [0, 0, want, want]:
        fail(f"{svg}: viewBox is {root.get('viewBox')!r}, expected '0 0 {want} {want}'")
    for attr in ("width", "height"):
        if root.get(attr) not in (None, str(want), f"{want}px"):
            fail(f"{svg}: {attr}={root.get(attr)!r}, expected {want}")
    text = open(svg, encoding="utf-8").read()
    for tag in ("image", "script", "foreignObject"):
        if list(root.iter(SVG_NS + tag)):
            fail(f"{svg}: contains <{tag}> (icons must be self-contained vector art)")
    if "xlink:href=\"http" in text or "href=\"http" in text:
        fail(f"{svg}: refers to an external resource")

    single = None
    if kind == "symbolic":
        cols = colours_in(text)
        if len(cols) != 1:
            fail(f"{svg}: a symbolic icon uses one colour, this one uses {sorted(cols)}")
        single = tuple(int(next(iter(cols))[i:i + 2], 16) for i in (0, 2, 4))
        for el in root.iter():
            for attr in ("stroke", "style", "opacity", "fill-opacity", "stroke-width"):
                if el.get(attr) not in (None, "none"):
                    fail(f"{svg}: <{el.tag.replace(SVG_NS, '')}> has {attr}={el.get(attr)!r}; "
                         "symbolic icons are recoloured by fill, so use fills only")
        print(f"{svg}: one colour, #{next(iter(cols))}, fills only")

    # 2. it renders at every size, to a picture of that size that draws
    #    something, in the right places.
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            png = os.path.join(tmp, f"{size}.png")
            r = subprocess.run([rsvg, "-w", str(size), "-h", str(size), "-f", "png",
                                "-o", png, svg], capture_output=True, text=True)
            if r.returncode != 0 or r.stderr.strip():
                fail(f"rsvg-convert at {size} px: exit {r.returncode}: {r.stderr.strip()}")
            w, h, rows = read_png(png)
            if (w, h) != (size, size):
                fail(f"rendered at {size} px: got {w} x {h}")
            drawn = sum(1 for row in rows for px in row if px[3] > 0)
            frac = drawn / (w * h)
            if frac < 0.10:
                fail(f"rendered at {size} px: only {frac:.0%} of the pixels are drawn")
            if kind == "full":
                corners = [rows[0][0], rows[0][w - 1], rows[h - 1][0], rows[h - 1][w - 1]]
                if any(px[3] != 0 for px in corners):
                    fail(f"rendered at {size} px: the corners are not transparent: {corners}")
                centre = rows[h // 2][w // 2]
                if centre[3] != 255:
                    fail(f"rendered at {size} px: the centre is not opaque: {centre}")
                # the plate, the neurons and the arrow: at least three clear colours
                opaque = {px[:3] for row in rows for px in row if px[3] == 255}
                if len(opaque) < 3:
                    fail(f"rendered at {size} px: only {len(opaque)} opaque colours")
            else:
                # edge pixels, composited and un-premultiplied in 8 bits, round off
                off = [px for row in rows for px in row
                       if px[3] > 0
                       and max(abs(px[i] - single[i]) for i in range(3)) > 3 + 510 / px[3]]
                if off:
                    fail(f"rendered at {size} px: {len(off)} pixels are not the icon's colour, e.g. {off[0]}")
            print(f"{svg}: {size} x {size} px, {frac:.0%} drawn")
            if out_dir:
                os.makedirs(out_dir, exist_ok=True)
                name = ("icon" if kind == "full" else "symbolic") + f"-{size}.png"
                shutil.copy(png, os.path.join(out_dir, name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
