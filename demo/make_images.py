#!/usr/bin/env python3
"""Regenerates every image of the demo apps: static/icon.png and static/screenshot-*.png.

Run from the repository root:

    python3 demo/make_images.py

It overwrites the PNGs under demo/apps/*/static/ and prints each file with its size. Only the
Python standard library is used (zlib and struct write the PNGs; no Pillow), so it runs anywhere,
and the same Python version writes the same bytes. Icons are 400x400, screenshots 1280x800, all
8-bit RGB. Drawing is plain rectangles, circles, lines and a 5x7 pixel font.
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

WHITE, INK, MUTED, LINE, PAGE = "#ffffff", "#1f2937", "#6b7280", "#e5e7eb", "#f3f4f6"


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


# --------------------------------------------------------------------------------------------
# Screenshots (1280x800): a Wave-like dashboard, header bar, cards, charts


def header(c, title, accent, tabs, selected=0):
    c.rect(0, 0, c.w, 64, accent)
    c.circle(36, 32, 14, WHITE)
    c.circle(36, 32, 7, accent)
    c.text(64, 22, title, 3, WHITE)
    x = c.w - 24 - sum(text_width(tab, 2) + 24 for tab in tabs)
    for i, tab in enumerate(tabs):
        c.text(x + 12, 25, tab, 2, WHITE)
        if i == selected:  # the selected tab is underlined
            c.rect(x, 58, text_width(tab, 2) + 24, 4, WHITE)
        x += text_width(tab, 2) + 24


def card(c, x, y, w, h, title=None):
    c.rect(x + 2, y + 3, w, h, "#d1d5db")
    c.rect(x, y, w, h, WHITE)
    if title:
        c.text(x + 20, y + 18, title, 2, INK)


def stat_cards(c, stats, accent, y=88):
    width = (c.w - 48 - 24 * (len(stats) - 1)) // len(stats)
    for i, (label, value, delta, good) in enumerate(stats):
        x = 24 + i * (width + 24)
        card(c, x, y, width, 120)
        c.rect(x, y, 6, 120, accent)
        c.text(x + 24, y + 20, label, 2, MUTED)
        c.text(x + 24, y + 50, value, 5, INK)
        c.text(x + 24, y + 94, delta, 2, "#16a34a" if good else "#dc2626")


def axes(c, x, y, w, h):
    for i in range(5):
        c.rect(x, y + i * h // 4, w, 1, LINE)
    c.rect(x, y + h, w, 2, "#9ca3af")


def bar_chart(c, x, y, w, h, values, colors, labels):
    axes(c, x, y, w, h)
    top = max(max(v) if isinstance(v, tuple) else v for v in values)
    slot = w / len(values)
    for i, v in enumerate(values):
        parts = v if isinstance(v, tuple) else (v,)
        bw = slot * 0.6 / len(parts)
        for j, part in enumerate(parts):
            bh = h * part / top
            c.rect(x + i * slot + slot * 0.2 + j * bw, y + h - bh, bw - 2, bh, colors[j])
        c.text(x + i * slot + slot / 2 - text_width(labels[i], 2) / 2, y + h + 12, labels[i], 2, MUTED)


def line_chart(c, x, y, w, h, series, top, bottom=0):
    axes(c, x, y, w, h)
    for values, color, width in series:
        step = w / (len(values) - 1)
        points = [(x + i * step, y + h - h * (v - bottom) / (top - bottom)) for i, v in enumerate(values) if v is not None]
        c.polyline(points, width, color)
        for px, py in points[-1:]:
            c.circle(px, py, width + 3, color)


def table(c, x, y, w, rows, accent):
    for i, (name, value, fraction) in enumerate(rows):
        yy = y + i * 44
        c.text(x, yy, name, 2, INK)
        c.text(x + w - text_width(value, 2), yy, value, 2, INK)
        c.rect(x, yy + 22, w, 8, LINE)
        c.rect(x, yy + 22, int(w * fraction), 8, accent)


def legend(c, x, y, items):
    for color, name in items:
        c.rect(x, y, 16, 16, color)
        x = c.text(x + 24, y + 1, name, 2, MUTED) + 24


def shots_churn(folder):
    accent = "#0f766e"
    c = Canvas(1280, 800, PAGE)
    header(c, "CHURN EXPLORER", accent, ["OVERVIEW", "SEGMENTS", "CUSTOMERS"])
    stat_cards(c, [("CUSTOMERS", "7,043", "+3.1% VS LAST MONTH", True), ("CHURN RATE", "26.5%", "-1.2 PTS", True),
                   ("AT RISK", "1,284", "+86 THIS WEEK", False), ("REVENUE AT RISK", "$94K", "+$6K", False)], accent)
    card(c, 24, 232, 800, 544, "CHURN RATE BY CONTRACT AND TENURE")
    legend(c, 44, 276, [("#f97316", "MONTH-TO-MONTH"), ("#14b8a6", "ONE YEAR"), ("#94a3b8", "TWO YEAR")])
    bar_chart(c, 64, 320, 720, 380, [(52, 14, 4), (43, 11, 3), (36, 9, 3), (29, 7, 2), (22, 5, 1), (15, 3, 1)],
              ["#f97316", "#14b8a6", "#94a3b8"], ["0-12", "13-24", "25-36", "37-48", "49-60", "61-72"])
    card(c, 848, 232, 408, 544, "TOP REASON CODES")
    table(c, 872, 290, 360, [("MONTHLY CHARGES", "0.31", 0.92), ("CONTRACT TYPE", "0.27", 0.80), ("TENURE", "0.19", 0.58),
                             ("FIBER OPTIC", "0.11", 0.34), ("TECH SUPPORT", "0.07", 0.22), ("PAPERLESS BILL", "0.05", 0.15),
                             ("SENIOR CITIZEN", "0.03", 0.09)], accent)
    c.save(os.path.join(folder, "screenshot-1.png"))

    c = Canvas(1280, 800, PAGE)
    header(c, "CHURN EXPLORER", accent, ["OVERVIEW", "SEGMENTS", "CUSTOMERS"])
    card(c, 24, 88, 1232, 330, "MONTHLY CHURN, LAST 12 MONTHS")
    line_chart(c, 64, 140, 1152, 240, [([31, 30, 29.5, 30, 28, 27.5, 28, 27, 26, 26.5, 25.8, 26.5], "#f97316", 6),
                                       ([24] * 12, "#94a3b8", 3)], 36)
    card(c, 24, 442, 1232, 334, "CUSTOMERS MOST LIKELY TO LEAVE")
    for i, (cid, plan, risk) in enumerate([("7590-VHVEG", "MONTH-TO-MONTH", 0.91), ("3668-QPYBK", "MONTH-TO-MONTH", 0.86),
                                           ("9237-HQITU", "ONE YEAR", 0.74), ("9305-CDSKC", "MONTH-TO-MONTH", 0.69),
                                           ("1452-KIOVK", "ONE YEAR", 0.55)]):
        yy = 500 + i * 52
        c.rect(44, yy - 14, 1192, 1, LINE)
        c.text(64, yy, cid, 2, INK)
        c.text(360, yy, plan, 2, MUTED)
        c.rect(700, yy, 420, 14, LINE)
        c.rect(700, yy, int(420 * risk), 14, "#f97316" if risk > 0.7 else "#fbbf24")
        c.text(1140, yy, f"{int(risk * 100)}%", 2, INK)
    c.save(os.path.join(folder, "screenshot-2.png"))


# Monthly sales in k$, January 2023 to August 2024: the SALES of both sales-forecast apps.
SALES = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170]
MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def shots_forecast(folder, version, accent):
    """2.x: seasonal naive plus drift, 6 months, 80% band; 1.x: 3-month moving average."""
    import statistics
    n = len(SALES)
    if version.startswith("2."):
        changes = [SALES[i] - SALES[i - 12] for i in range(12, n)]
        drift, spread = statistics.mean(changes), 1.28 * statistics.stdev(changes)
        values = [SALES[n - 12 + h] + drift for h in range(6)]
        band = [(v - spread * (h + 1) ** 0.5, v + spread * (h + 1) ** 0.5) for h, v in enumerate(values)]
        last_year = sum(SALES[n - 12:n - 6])
        stats = [("NEXT 6 MONTHS", f"${sum(values):.0f}K", f"{100 * (sum(values) / last_year - 1):+.1f}% YEAR ON YEAR", True),
                 ("YEARLY DRIFT", f"+${drift:.0f}K", "PER MONTH, YEAR ON YEAR", True)]
        settings = [("MODEL", "SEASONAL NAIVE + DRIFT"), ("SEASON", "12 MONTHS"), ("HORIZON", "6 MONTHS"),
                    ("INTERVAL", "80%"), ("TRAINED ON", f"{n} MONTHS")]
    else:
        values = [sum(SALES[-3:]) / 3] * 3
        band = []
        stats = [("NEXT 3 MONTHS", f"${sum(values):.0f}K", "FLAT FORECAST", True), ("WINDOW", "3 MO", "MOVING AVERAGE", True)]
        settings = [("MODEL", "MOVING AVERAGE"), ("WINDOW", "3 MONTHS"), ("HORIZON", "3 MONTHS"), ("TRAINED ON", f"{n} MONTHS")]
    change = 100 * (values[0] / SALES[-1] - 1)
    stats.insert(0, ("NEXT MONTH", f"${values[0]:.0f}K", f"{change:+.1f}% VS THIS MONTH", change >= 0))
    title, tabs, width = f"SALES FORECAST {version}", ["FORECAST", "DETAILS"], n + 6

    def series(points, start):
        return [None] * start + points + [None] * (width - start - len(points))

    c = Canvas(1280, 800, PAGE)
    header(c, title, accent, tabs)
    stat_cards(c, stats, accent)
    card(c, 24, 232, 1232, 544, f"MONTHLY SALES (K$) AND {len(values)}-MONTH FORECAST")
    lines = [(series(SALES, 0), accent, 6), (series(SALES[-1:] + values, n - 1), "#f59e0b", 6)]
    keys = [(accent, "ACTUAL"), ("#f59e0b", "FORECAST")]
    if band:
        lines[:0] = [(series(SALES[-1:] + [b[0] for b in band], n - 1), "#fde68a", 4),
                     (series(SALES[-1:] + [b[1] for b in band], n - 1), "#fde68a", 4)]
        keys.append(("#fde68a", "80% INTERVAL"))
    legend(c, 44, 276, keys)
    line_chart(c, 64, 320, 1152, 400, lines, 200, 80)
    for i in range(0, width, 3):
        c.text(64 + i * 1152 / (width - 1) - 17, 732, MONTHS[i % 12], 2, MUTED)
    c.save(os.path.join(folder, "screenshot-1.png"))

    c = Canvas(1280, 800, PAGE)
    header(c, title, accent, tabs, selected=1)
    card(c, 24, 88, 760, 688, "FORECAST VS SAME MONTH LAST YEAR (K$)")
    legend(c, 44, 146, [("#94a3b8", "LAST YEAR"), (accent, "FORECAST")])
    bar_chart(c, 64, 200, 680, 480, [(SALES[n - 12 + h], v) for h, v in enumerate(values)], ["#94a3b8", accent],
              [MONTHS[(n + h) % 12] for h in range(len(values))])
    card(c, 808, 88, 448, 688, "MODEL SETTINGS")
    for i, (name, value) in enumerate(settings):
        yy = 150 + i * 64
        c.text(832, yy, name, 2, MUTED)
        c.round_rect(832, yy + 22, 400, 30, 6, PAGE)
        c.text(844, yy + 30, value, 2, INK)
    c.round_rect(832, 700, 180, 44, 8, accent)
    c.text(832 + 90 - text_width("REFRESH", 2) // 2, 715, "REFRESH", 2, WHITE)
    c.save(os.path.join(folder, "screenshot-2.png"))


def landscape(c, x, y, w, h, sky, sun, hills):
    c.rect(x, y, w, h, sky)
    c.circle(x + w * 0.72, y + h * 0.3, h * 0.12, sun)
    c.polygon([(x, y + h), (x + w * 0.35, y + h * 0.35), (x + w * 0.7, y + h)], hills[0])
    c.polygon([(x + w * 0.4, y + h), (x + w * 0.7, y + h * 0.5), (x + w, y + h * 0.8), (x + w, y + h)], hills[1])
    c.rect(x, y + h * 0.9, w, h * 0.1, hills[2])


def shots_styler(folder):
    accent = "#7c3aed"
    styles = [("ORIGINAL", "#bae6fd", "#fde047", ("#15803d", "#166534", "#4d7c0f")),
              ("SUNSET", "#fdba74", "#dc2626", ("#7c2d12", "#9a3412", "#451a03")),
              ("NEON", "#1e1b4b", "#f0abfc", ("#c026d3", "#22d3ee", "#4c1d95")),
              ("PASTEL", "#fce7f3", "#fef08a", ("#a5b4fc", "#99f6e4", "#ddd6fe"))]
    c = Canvas(1280, 800, PAGE)
    header(c, "IMAGE STYLER", accent, ["STYLE", "ALL STYLES"])
    card(c, 24, 88, 300, 688, "STYLE")
    for i, (name, sky, sun, hills) in enumerate(styles[1:]):
        yy = 140 + i * 150
        c.round_rect(44, yy, 260, 130, 8, accent if i == 0 else LINE)
        landscape(c, 50, yy + 6, 120, 118, sky, sun, hills)
        c.text(184, yy + 56, name, 2, WHITE if i == 0 else INK)
    c.round_rect(44, 700, 260, 48, 8, accent)
    c.text(174 - text_width("APPLY STYLE", 2) // 2, 717, "APPLY STYLE", 2, WHITE)
    card(c, 348, 88, 908, 688, None)
    for i, style in enumerate(styles[:2]):
        x = 372 + i * 442
        c.text(x, 110, style[0], 2, INK)
        landscape(c, x, 140, 418, 560, *style[1:])
    c.rect(372, 720, 860, 1, LINE)
    c.text(372, 736, "STYLE: SUNSET   300 X 400 SVG", 2, MUTED)
    c.save(os.path.join(folder, "screenshot-1.png"))

    c = Canvas(1280, 800, PAGE)
    header(c, "IMAGE STYLER", accent, ["STYLE", "ALL STYLES"], selected=1)
    for i, (name, sky, sun, hills) in enumerate(styles):
        x = 24 + i * 314
        card(c, x, 88, 290, 688)
        landscape(c, x + 12, 100, 266, 600, sky, sun, hills)
        c.text(x + 145 - text_width(name, 3) // 2, 722, name, 3, INK)
    c.save(os.path.join(folder, "screenshot-2.png"))


def shots_summarizer(folder):
    accent = "#166534"
    c = Canvas(1280, 800, PAGE)
    header(c, "TEXT SUMMARIZER", accent, ["SUMMARIZE", "KEYWORDS"])
    card(c, 24, 88, 760, 688, "DOCUMENT  2,314 WORDS")
    widths = [700, 680, 700, 640, 700, 520, 0, 700, 690, 700, 660, 700, 580, 0, 700, 690, 640, 700, 300, 0, 700, 680]
    highlighted = {1, 2, 8, 15, 16}
    for i, w in enumerate(widths):
        if w:
            c.rect(44, 144 + i * 28, w, 12, "#bbf7d0" if i in highlighted else "#d1d5db")
    card(c, 808, 88, 448, 420, "SUMMARY  3 SENTENCES")
    for i, w in enumerate([400, 380, 250, 0, 400, 330, 0, 395, 400, 180]):
        if w:
            c.rect(832, 144 + i * 28, w, 12, "#4ade80")
    c.text(832, 450, "84% SHORTER", 3, accent)
    card(c, 808, 532, 448, 244, "LENGTH")
    for i, (name, on) in enumerate([("SHORT", False), ("MEDIUM", True), ("LONG", False)]):
        x = 832 + i * 136
        c.round_rect(x, 590, 124, 44, 8, accent if on else PAGE)
        c.text(x + 62 - text_width(name, 2) // 2, 605, name, 2, WHITE if on else INK)
    c.round_rect(832, 680, 400, 48, 8, accent)
    c.text(1032 - text_width("SUMMARIZE", 2) // 2, 697, "SUMMARIZE", 2, WHITE)
    c.save(os.path.join(folder, "screenshot-1.png"))

    c = Canvas(1280, 800, PAGE)
    header(c, "TEXT SUMMARIZER", accent, ["SUMMARIZE", "KEYWORDS"], selected=1)
    stat_cards(c, [("WORDS", "2,314", "IN THE DOCUMENT", True), ("SENTENCES", "118", "3 KEPT IN THE SUMMARY", True),
                   ("SUMMARY", "371", "WORDS", True), ("REDUCTION", "84%", "SHORTER", True)], accent)
    card(c, 24, 232, 800, 544, "TOP KEYWORDS IN THIS DOCUMENT")
    bar_chart(c, 64, 290, 720, 400, [96, 81, 74, 63, 51, 44, 38], ["#22c55e"],
              ["MODEL", "DATA", "RISK", "COST", "CLOUD", "TEAM", "API"])
    card(c, 848, 232, 408, 544, "BEST SENTENCES")
    table(c, 872, 290, 360, [("SENTENCE 2", "0.91", 0.91), ("SENTENCE 3", "0.88", 0.88), ("SENTENCE 41", "0.79", 0.79),
                             ("SENTENCE 17", "0.64", 0.64), ("SENTENCE 88", "0.58", 0.58), ("SENTENCE 9", "0.41", 0.41),
                             ("SENTENCE 60", "0.37", 0.37)], "#22c55e")
    c.save(os.path.join(folder, "screenshot-2.png"))


def shots_hello(folder):
    import math
    accent = "#1d4ed8"
    c = Canvas(1280, 800, PAGE)
    header(c, "HELLO WAVE", accent, ["HOME"])
    card(c, 240, 140, 800, 560)
    c.text(640 - text_width("HELLO, WAVE!", 8) // 2, 210, "HELLO, WAVE!", 8, INK)
    c.text(640 - text_width("YOUR FIRST APP IS RUNNING.", 3) // 2, 300, "YOUR FIRST APP IS RUNNING.", 3, MUTED)
    wave = [(x, 450 + 50 * math.sin((x - 320) / 640 * 4 * math.pi)) for x in range(320, 961, 4)]
    c.polyline(wave, 12, "#fbbf24")
    c.round_rect(540, 580, 200, 56, 10, accent)
    c.text(640 - text_width("SAY HELLO", 3) // 2, 597, "SAY HELLO", 3, WHITE)
    c.save(os.path.join(folder, "screenshot-1.png"))


def main():
    def static(folder):
        return os.path.join(APPS, folder, "static")

    icon_churn(os.path.join(static("churn-explorer"), "icon.png"))
    shots_churn(static("churn-explorer"))
    icon_forecast(os.path.join(static("sales-forecast"), "icon.png"), "#4338ca", "#a5b4fc", "#fbbf24", "V2")
    shots_forecast(static("sales-forecast"), "2.0.0", "#4338ca")
    icon_forecast(os.path.join(static("sales-forecast-v1"), "icon.png"), "#475569", "#cbd5e1", "#38bdf8", "V1")
    shots_forecast(static("sales-forecast-v1"), "1.4.1", "#475569")
    icon_styler(os.path.join(static("image-styler"), "icon.png"))
    shots_styler(static("image-styler"))
    icon_summarizer(os.path.join(static("text-summarizer"), "icon.png"))
    shots_summarizer(static("text-summarizer"))
    icon_hello(os.path.join(static("hello-wave"), "icon.png"))
    shots_hello(static("hello-wave"))


if __name__ == "__main__":
    main()
