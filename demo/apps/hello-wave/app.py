"""Hello Wave (Wavehub demo): the smallest real H2O Wave app, a greeting and a chart.

Start it the way Wavehub does, with `waved` already running (see demo/README.md):

    H2O_WAVE_ADDRESS=http://127.0.0.1:10101 H2O_WAVE_APP_ADDRESS=http://127.0.0.1:8000 \
        python -m h2o_wave run --no-reload --no-autostart app

or on your own machine simply `wave run app` (it starts waved for you). Only pure Python and h2o-wave.
"""
import os
from collections import Counter

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

# The title and version the store shows; read from the bundle's own app.toml (the working directory).
TITLE, VERSION = "Hello Wave", ""
try:
    import tomllib

    with open(os.path.join(os.getcwd(), "app.toml"), "rb") as f:
        _manifest = tomllib.load(f).get("App", {})
    TITLE, VERSION = _manifest.get("Title", TITLE), _manifest.get("Version", VERSION)
except (ImportError, OSError, ValueError):
    pass


def escape(text: str) -> str:
    """Shows a visitor's text as typed, not as Markdown or HTML."""
    return "".join("\\" + c if c in "\\`*_{}[]<>#|~" else c for c in text)


def greetings_chart(greeted: Counter) -> ui.PlotCard:
    rows = greeted.most_common(8) or [("world", 0)]
    return ui.plot_card(
        box=ui.box("right", height="320px"),
        title="Greetings this session, by name",
        data=data("name count", rows=rows),
        plot=ui.plot([ui.mark(type="interval", x="=name", y="=count", y_min=0, y_max=max(4, rows[0][1]),
                              x_title="Name", y_title="Greetings", fill_color="$cyan", label="=count")]),
    )


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[ui.zone("left", size="40%"), ui.zone("right", size="60%")])
    narrow = ui.zone("body", zones=[ui.zone("left"), ui.zone("right")])
    return ui.meta_card(box="", title=TITLE, layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), wide, ui.zone("footer")], max_width="1200px"),
    ])


async def show_page(q: Q):
    q.client.count = 0
    q.client.greeted = Counter()
    q.page["meta"] = layout()
    subtitle = f"Your first Wave app{f' · version {VERSION}' if VERSION else ''}"
    q.page["header"] = ui.header_card(box="header", title=TITLE, subtitle=subtitle, icon="Emoji2", color="primary")
    q.page["form"] = ui.form_card(box="left", title="Say hello", items=[
        ui.textbox(name="name", label="Your name", placeholder="world"),
        ui.button(name="greet", label="Greet", primary=True),
    ])
    q.page["greeting"] = ui.markdown_card(box="left", title="Greeting", content="Type your name and press **Greet**.")
    q.page["counter"] = ui.small_stat_card(box="left", title="This session", value="Greeted 0 times")
    q.page["chart"] = greetings_chart(q.client.greeted)
    q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")


@app("/")
async def serve(q: Q):
    if not q.client.initialized:
        q.client.initialized = True
        await show_page(q)
    if q.args.greet:
        name = (q.args.name or "").strip()[:60] or "world"
        q.client.count += 1
        q.client.greeted[name] += 1
        q.page["greeting"].content = f"### Hello, {escape(name)}!"
        q.page["counter"].value = f"Greeted {q.client.count} times"
        q.page["chart"] = greetings_chart(q.client.greeted)
    await q.page.save()
