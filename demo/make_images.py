#!/usr/bin/env python3
"""Regenerates the icons of the demo apps: static/icon.png in each folder under demo/apps/.

Run from the repository root:

    python3 demo/make_images.py

It overwrites the icon PNGs under demo/apps/*/static/ and prints each file with its size. Only the
Python standard library is used (zlib and struct write the PNGs; no Pillow), so it runs anywhere,
and the same Python version writes the same bytes. Icons are 400x400, 8-bit RGB, drawn with plain
rectangles, circles, lines and a 5x7 pixel font.

The screenshots (static/screenshot-*.png, 1280x800) are not drawn here: they are real captures of
each app's live Wave UI in headless Chromium; demo/README.md says how they were taken. This script
leaves them alone.
"""

import os
import struct
import zlib

APPS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apps")

# --------------------------------------------------------------------------------------------
# Canvas and PNG writer


def rgb(hex_color):
    hex_color = hex_color.lstrip("#")
    return bytes(int(hex_color[i:i + 2], 16) for i in (0, 2, 4))


class Canvas:
    def __init__(self, width, height, background):
        self.w, self.h = width, height
        self.rows = [bytearray(rgb(background) * width) for _ in range(height)]

    def span(self, y, x0, x1, color):
        """Fills row y from x0 (inclusive) to x1 (exclusive), clipped to the canvas."""
        if not 0 <= y < self.h:
            return
        x0, x1 = max(0, int(x0)), min(self.w, int(x1))
        if x1 > x0:
            self.rows[y][x0 * 3:x1 * 3] = rgb(color) * (x1 - x0)

    def rect(self, x, y, w, h, color):
        for yy in range(int(y), int(y + h)):
            self.span(yy, x, x + w, color)

    def round_rect(self, x, y, w, h, r, color):
        for yy in range(int(y), int(y + h)):
            dy = max(y + r - yy - 0.5, yy + 0.5 - (y + h - r), 0)
            inset = r - (max(r * r - dy * dy, 0)) ** 0.5 if dy else 0
            self.span(yy, x + inset, x + w - inset, color)

    def circle(self, cx, cy, r, color):
        for yy in range(int(cy - r), int(cy + r) + 1):
            d = r * r - (yy + 0.5 - cy) ** 2
            if d > 0:
                half = d ** 0.5
                self.span(yy, round(cx - half), round(cx + half), color)

    def ring(self, cx, cy, r_out, r_in, color, start=0.0, end=1.0):
        """A ring, or the part of it between fractions start..end of a turn (clockwise from 12)."""
        import math
        for yy in range(int(cy - r_out), int(cy + r_out) + 1):
            for xx in range(int(cx - r_out), int(cx + r_out) + 1):
                dx, dy = xx + 0.5 - cx, yy + 0.5 - cy
                if r_in * r_in <= dx * dx + dy * dy <= r_out * r_out:
                    turn = (math.atan2(dx, -dy) / (2 * math.pi)) % 1.0
                    if start <= turn < end:
                        self.span(yy, xx, xx + 1, color)

    def polygon(self, points, color):
        """Scanline fill of a simple polygon given as [(x, y), ...]."""
        ys = [p[1] for p in points]
        for yy in range(int(min(ys)), int(max(ys)) + 1):
            yc, xs = yy + 0.5, []
            for (x0, y0), (x1, y1) in zip(points, points[1:] + points[:1]):
                if (y0 <= yc < y1) or (y1 <= yc < y0):
                    xs.append(x0 + (yc - y0) * (x1 - x0) / (y1 - y0))
            xs.sort()
            for a, b in zip(xs[0::2], xs[1::2]):
                self.span(yy, round(a), round(b), color)

    def line(self, x0, y0, x1, y1, width, color):
        steps = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        for i in range(steps + 1):
            t = i / steps
            self.circle(x0 + (x1 - x0) * t, y0 + (y1 - y0) * t, width / 2, color)

    def polyline(self, points, width, color):
        for (x0, y0), (x1, y1) in zip(points, points[1:]):
            self.line(x0, y0, x1, y1, width, color)

    def text(self, x, y, message, scale, color):
        """Draws text with the 5x7 font; returns the x after the last character."""
        for ch in message.upper():
            glyph = FONT.get(ch, FONT["?"])
            for row, bits in enumerate(glyph):
                for col in range(5):
                    if bits & (0x10 >> col):
                        self.rect(x + col * scale, y + row * scale, scale, scale, color)
            x += 6 * scale
        return x

    def save(self, path):
        raw = b"".join(b"\x00" + bytes(row) for row in self.rows)

        def chunk(kind, data):
            body = kind + data
            return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

        header = struct.pack(">IIBBBBB", self.w, self.h, 8, 2, 0, 0, 0)
        png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(png)
        print(f"{os.path.relpath(path)}: {self.w}x{self.h}, {len(png)} bytes")


def text_width(message, scale):
    return len(message) * 6 * scale - scale


# 5x7 glyphs, one 5-bit row each (bit 4 is the leftmost pixel).
FONT = {
    "A": (0x0E, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11), "B": (0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E),
    "C": (0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E), "D": (0x1E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1E),
    "E": (0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F), "F": (0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10),
    "G": (0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F), "H": (0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11),
    "I": (0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E), "J": (0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C),
    "K": (0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11), "L": (0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F),
    "M": (0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11), "N": (0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11),
    "O": (0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E), "P": (0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10),
    "Q": (0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D), "R": (0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11),
    "S": (0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E), "T": (0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04),
    "U": (0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E), "V": (0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04),
    "W": (0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A), "X": (0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11),
    "Y": (0x11, 0x11, 0x0A, 0x04, 0x04, 0x04, 0x04), "Z": (0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F),
    "0": (0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E), "1": (0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E),
    "2": (0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F), "3": (0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E),
    "4": (0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02), "5": (0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E),
    "6": (0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E), "7": (0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08),
    "8": (0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E), "9": (0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C),
    " ": (0, 0, 0, 0, 0, 0, 0), ".": (0, 0, 0, 0, 0, 0x0C, 0x0C), ",": (0, 0, 0, 0, 0x0C, 0x04, 0x08),
    "%": (0x18, 0x19, 0x02, 0x04, 0x08, 0x13, 0x03), "-": (0, 0, 0, 0x1F, 0, 0, 0),
    ":": (0, 0x0C, 0x0C, 0, 0x0C, 0x0C, 0), "$": (0x04, 0x0F, 0x14, 0x0E, 0x05, 0x1E, 0x04),
    "/": (0, 0x01, 0x02, 0x04, 0x08, 0x10, 0), "+": (0, 0x04, 0x04, 0x1F, 0x04, 0x04, 0),
    ">": (0x08, 0x04, 0x02, 0x01, 0x02, 0x04, 0x08), "'": (0x0C, 0x04, 0x08, 0, 0, 0, 0),
    "?": (0x0E, 0x11, 0x01, 0x02, 0x04, 0, 0x04), "!": (0x04, 0x04, 0x04, 0x04, 0x04, 0, 0x04),
    "(": (0x02, 0x04, 0x08, 0x08, 0x08, 0x04, 0x02), ")": (0x08, 0x04, 0x02, 0x02, 0x02, 0x04, 0x08),
}

# --------------------------------------------------------------------------------------------
# Icons (400x400)

WHITE = "#ffffff"


def icon_churn(path):
    c = Canvas(400, 400, "#0f766e")
    c.circle(200, 200, 150, "#115e59")
    c.ring(200, 200, 128, 80, "#5eead4", 0.0, 0.74)
    c.ring(200, 200, 128, 80, "#f97316", 0.74, 1.0)
    c.circle(200, 200, 66, "#ccfbf1")
    c.text(200 - text_width("26%", 5) // 2, 183, "26%", 5, "#0f766e")
    c.save(path)


def icon_forecast(path, background, bars, trend, label):
    c = Canvas(400, 400, background)
    c.rect(60, 320, 280, 8, WHITE)
    heights = [70, 105, 95, 150, 185]
    for i, h in enumerate(heights):
        c.rect(78 + i * 50, 320 - h, 34, h, bars if i < 4 else trend)
    points = [(95 + i * 50, 300 - h) for i, h in enumerate(heights)] + [(345, 70)]
    c.polyline(points[3:], 10, trend)
    c.polyline(points[:4], 10, WHITE)
    c.circle(345, 70, 16, trend)
    c.text(60, 40, label, 6, WHITE)
    c.save(path)


def icon_styler(path):
    c = Canvas(400, 400, "#7c3aed")
    c.round_rect(50, 70, 300, 260, 24, WHITE)
    c.rect(70, 90, 260, 220, "#fde68a")
    c.rect(70, 90, 130, 220, "#bae6fd")
    c.circle(270, 150, 30, "#f97316")
    c.polygon([(70, 310), (160, 170), (250, 310)], "#0369a1")
    c.polygon([(170, 310), (260, 200), (330, 310)], "#db2777")
    # A brush across the corner: the "styling".
    c.line(250, 360, 360, 250, 26, "#fbbf24")
    c.line(235, 375, 258, 352, 30, "#92400e")
    c.save(path)


def icon_summarizer(path):
    c = Canvas(400, 400, "#166534")
    c.round_rect(50, 60, 170, 240, 14, WHITE)
    for i, w in enumerate([130, 110, 130, 90, 125, 105, 130, 70]):
        c.rect(70, 85 + i * 26, w, 10, "#9ca3af")
    c.polygon([(232, 165), (262, 165), (262, 145), (300, 180), (262, 215), (262, 195), (232, 195)], "#bbf7d0")
    c.round_rect(250, 220, 110, 120, 12, "#dcfce7")
    for i, w in enumerate([70, 55, 70]):
        c.rect(270, 245 + i * 26, w, 10, "#166534")
    c.save(path)


def icon_hello(path):
    import math
    c = Canvas(400, 400, "#1d4ed8")
    c.circle(200, 200, 160, "#2563eb")
    wave = [(x, 235 + 38 * math.sin((x - 60) / 280 * 2 * math.pi)) for x in range(60, 341, 4)]
    c.polyline(wave, 18, "#fde047")
    c.text(200 - text_width("HI", 14) // 2, 70, "HI", 14, WHITE)
    c.save(path)


def main():
    def icon(folder):
        return os.path.join(APPS, folder, "static", "icon.png")

    icon_churn(icon("churn-explorer"))
    icon_forecast(icon("sales-forecast"), "#4338ca", "#a5b4fc", "#fbbf24", "V2")
    icon_forecast(icon("sales-forecast-v1"), "#475569", "#cbd5e1", "#38bdf8", "V1")
    icon_styler(icon("image-styler"))
    icon_summarizer(icon("text-summarizer"))
    icon_hello(icon("hello-wave"))


if __name__ == "__main__":
    main()
