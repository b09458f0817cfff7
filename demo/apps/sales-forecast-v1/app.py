"""Sales Forecast 1 (Wavehub demo): a moving-average forecast of monthly sales.

A real H2O Wave app (pure Python and h2o-wave). Wavehub starts it with
`python -m h2o_wave run --no-reload --no-autostart app` next to a running `waved`; see demo/README.md.
Settings come from the environment: `FORECAST_HORIZON` (an `[[Env]]` value in app.toml) and
`MOVING_AVERAGE_WINDOW`.
"""
import os

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

# Monthly sales in k$, January 2023 to August 2024.
SALES = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170]
START_YEAR = 2023
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def setting(name: str, default: int, low: int, high: int) -> int:
    """An integer setting from the environment, kept within [low, high]; the default when it is not a number."""
    try:
        return max(low, min(high, int(os.environ.get(name, default))))
    except ValueError:
        return default


HORIZON = setting("FORECAST_HORIZON", 3, 1, 12)
WINDOW = setting("MOVING_AVERAGE_WINDOW", 3, 1, 12)


def month(index: int) -> str:
    """The month `index` months after January of START_YEAR, as a date the time axis reads."""
    return f"{START_YEAR + index // 12}-{index % 12 + 1:02d}-01"


def label(index: int) -> str:
    return f"{MONTHS[index % 12]} {START_YEAR + index // 12}"


def forecast(history, window: int, horizon: int):
    """Flat: every future month is the mean of the last `window` months."""
    recent = history[-window:]
    level = sum(recent) / len(recent)
    return [(len(history) + h, level) for h in range(horizon)]


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[ui.zone("left", size="32%"), ui.zone("right", size="68%")])
    narrow = ui.zone("body", zones=[ui.zone("left"), ui.zone("right")])
    return ui.meta_card(box="", title="Sales Forecast", layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), ui.zone("stats"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), ui.zone("stats", direction=ui.ZoneDirection.ROW), wide,
                                         ui.zone("footer")], max_width="1300px"),
    ])


def render(q: Q):
    window = q.client.window
    rows = forecast(SALES, window, HORIZON)
    level = rows[0][1]
    q.page["last"] = ui.small_stat_card(box="stats", title=f"Sales in {label(len(SALES) - 1)}", value=f"{SALES[-1]} k$")
    q.page["level"] = ui.small_stat_card(box="stats", title="Forecast per month", value=f"{level:.0f} k$")
    q.page["change"] = ui.small_stat_card(box="stats", title="Change", value=f"{100 * (level / SALES[-1] - 1):+.0f}%")
    q.page["horizon"] = ui.small_stat_card(box="stats", title="Horizon (FORECAST_HORIZON)", value=f"{HORIZON} months")

    q.page["settings"] = ui.form_card(box="left", title="Forecast", items=[
        ui.slider(name="window", label="Months averaged", min=1, max=12, step=1, value=window, trigger=True),
        ui.text(f"The next {HORIZON} months are forecast as the average of the last {window} months."),
        ui.table(name="forecast", columns=[
            ui.table_column(name="month", label="Month"),
            ui.table_column(name="value", label="Forecast (k$)", data_type="number"),
        ], rows=[ui.table_row(name=str(i), cells=[label(i), f"{v:.0f}"]) for i, v in rows]),
        ui.message_bar(type="info", text="Version 2.0.0 adds seasonality and prediction intervals."),
    ])
    # The forecast line starts at the last actual month, so the two lines meet.
    points = [(month(i), v, "actual") for i, v in enumerate(SALES)]
    points += [(month(len(SALES) - 1), SALES[-1], "forecast")] + [(month(i), round(v, 1), "forecast") for i, v in rows]
    q.page["chart"] = ui.plot_card(
        box=ui.box("right", height="460px"), title="Monthly sales and forecast (k$)",
        data=data("month sales series", rows=points),
        plot=ui.plot([
            ui.mark(type="line", x_scale="time", x="=month", y="=sales", color="=series", color_range="$blue $orange",
                    y_min=80, y_title="Sales (k$)"),
            ui.mark(type="point", x_scale="time", x="=month", y="=sales", color="=series", color_range="$blue $orange",
                    size=4),
        ]))


@app("/")
async def serve(q: Q):
    if not q.client.initialized:
        q.client.initialized = True
        q.client.window = WINDOW
        q.page["meta"] = layout()
        q.page["header"] = ui.header_card(box="header", title="Sales Forecast", icon="Financial",
                                          subtitle="Version 1: a moving-average forecast of monthly sales")
        q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")
    if q.args.window is not None:
        q.client.window = max(1, min(12, int(q.args.window)))
    render(q)
    await q.page.save()
