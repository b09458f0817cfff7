"""Image Styler (Wavehub demo): recolours a small vector scene with a named palette.

A real H2O Wave app (pure Python and h2o-wave). Wavehub starts it with
`python -m h2o_wave run --no-reload --no-autostart app` next to a running `waved`; see demo/README.md.
Open it with `#neon` (or `#sunset`, `#pastel`) at the end of the address to start with that style.
"""
import base64

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

PARTS = ("sky", "sun", "left hill", "right hill", "ground")
STYLES = {  # one colour per part, in PARTS order
    "original": ("#bae6fd", "#fde047", "#15803d", "#166534", "#4d7c0f"),
    "sunset": ("#fdba74", "#dc2626", "#7c2d12", "#9a3412", "#451a03"),
    "neon": ("#1e1b4b", "#f0abfc", "#c026d3", "#22d3ee", "#4c1d95"),
    "pastel": ("#fce7f3", "#fef08a", "#a5b4fc", "#99f6e4", "#ddd6fe"),
}
DEFAULT_STYLE = "sunset"


def blend(a: str, b: str, strength: float) -> str:
    """The colour `strength` (0 to 1) of the way from a to b."""
    pa, pb = (tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for c in (a, b))
    return "#" + "".join(f"{round(x + (y - x) * strength):02x}" for x, y in zip(pa, pb))


def palette(style: str, strength: float):
    return tuple(blend(o, s, strength) for o, s in zip(STYLES["original"], STYLES[style]))


def scene(colours) -> str:
    """The scene as a base64 SVG, for an image card."""
    sky, sun, left, right, ground = colours
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="400" viewBox="0 0 300 400">'
           f'<rect width="300" height="400" fill="{sky}"/><circle cx="215" cy="120" r="48" fill="{sun}"/>'
           f'<polygon points="0,400 105,140 210,400" fill="{left}"/>'
           f'<polygon points="120,400 210,200 300,320 300,400" fill="{right}"/>'
           f'<rect y="360" width="300" height="40" fill="{ground}"/></svg>')
    return base64.b64encode(svg.encode()).decode()


def inside(x: float, y: float, polygon) -> bool:
    """Even-odd rule: is the point inside the polygon?"""
    hit = False
    for (x1, y1), (x2, y2) in zip(polygon, polygon[1:] + polygon[:1]):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            hit = not hit
    return hit


def coverage():
    """How much of the picture each part covers (percent), sampling the scene as scene() paints it."""
    left, right = [(0, 400), (105, 140), (210, 400)], [(120, 400), (210, 200), (300, 320), (300, 400)]
    counts = dict.fromkeys(PARTS, 0)
    samples = [(x + 1, y + 1) for x in range(0, 300, 4) for y in range(0, 400, 4)]
    for x, y in samples:
        part = ("ground" if y >= 360 else "right hill" if inside(x, y, right) else "left hill" if inside(x, y, left)
                else "sun" if (x - 215) ** 2 + (y - 120) ** 2 <= 48 ** 2 else "sky")
        counts[part] += 1
    return {part: 100 * n / len(samples) for part, n in counts.items()}


COVERAGE = coverage()


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[
        ui.zone("controls", size="30%"), ui.zone("original", size="35%"), ui.zone("styled", size="35%")])
    narrow = ui.zone("body", zones=[ui.zone("controls"), ui.zone("original"), ui.zone("styled")])
    return ui.meta_card(box="", title="Image Styler", layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), wide, ui.zone("footer")], max_width="1300px"),
    ])


def render(q: Q):
    style, strength = q.client.style, q.client.strength
    colours = palette(style, strength / 100)
    q.page["controls"] = ui.form_card(box="controls", title="Style", items=[
        ui.choice_group(name="style", label="Palette", value=style, trigger=True,
                        choices=[ui.choice(name, name.capitalize()) for name in STYLES if name != "original"]),
        ui.slider(name="strength", label="Strength (%)", min=0, max=100, step=5, value=strength, trigger=True),
        ui.text("0% keeps the original colours, 100% uses the palette as it is."),
    ])
    q.page["palette"] = ui.plot_card(
        box=ui.box("controls", height="300px"), title="Colours of the styled picture (% of its area)",
        data=data("part share colour", rows=[(part, round(COVERAGE[part], 1), colour) for part, colour in zip(PARTS, colours)]),
        plot=ui.plot([ui.mark(type="interval", x="=part", y="=share", color="=colour", color_range=" ".join(colours),
                              color_domain=list(colours), y_min=0, y_max=70, label="=colour", label_font_size=10,
                              stroke_color="#999999", stroke_size=0.5)]))
    q.page["original"] = ui.image_card(box="original", title="Original", type="svg+xml", image=scene(STYLES["original"]))
    q.page["styled"] = ui.image_card(box="styled", title=f"{style.capitalize()} ({strength:.0f}%)", type="svg+xml",
                                     image=scene(colours))


@app("/")
async def serve(q: Q):
    if not q.client.initialized:
        q.client.initialized = True
        q.client.style, q.client.strength = DEFAULT_STYLE, 100
        q.page["meta"] = layout()
        q.page["header"] = ui.header_card(box="header", title="Image Styler", icon="Color",
                                          subtitle="Restyle a picture with one click")
        q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")
    hash_style = (q.args["#"] or "").strip("/").lower()
    if hash_style in STYLES and hash_style != "original":
        q.client.style = hash_style
    if q.args.style in STYLES:
        q.client.style = q.args.style
    if q.args.strength is not None:
        q.client.strength = max(0, min(100, float(q.args.strength)))
    render(q)
    await q.page.save()
