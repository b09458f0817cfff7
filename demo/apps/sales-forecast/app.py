"""Sales Forecast 2 (Wavehub demo): seasonal naive forecast with drift and an 80% interval.

A real H2O Wave app (pure Python and h2o-wave). Wavehub starts it with
`python -m h2o_wave run --no-reload --no-autostart app` next to a running `waved`; see demo/README.md.
`FORECAST_HORIZON` (an `[[Env]]` value in app.toml) sets how many months are forecast at first.
"""
import os
import statistics

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

# Monthly sales in k$, January 2023 to August 2024.
SALES = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170]
START_YEAR = 2023
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()

try:
    HORIZON = max(1, min(12, int(os.environ.get("FORECAST_HORIZON", "6"))))
except ValueError:
    HORIZON = 6


def month(index: int) -> str:
    """The month `index` months after January of START_YEAR, as a date the time axis reads."""
    return f"{START_YEAR + index // 12}-{index % 12 + 1:02d}-01"


def label(index: int) -> str:
    return f"{MONTHS[index % 12]} {START_YEAR + index // 12}"


def forecast(history, horizon):
    """Same month last year plus the mean year-over-year change; the band is +-1.28 sd * sqrt(h).

    Returns (month index, forecast, low, high, same month last year) rows, and the drift."""
    changes = [history[i] - history[i - 12] for i in range(12, len(history))]
    drift, spread = statistics.mean(changes), 1.28 * statistics.stdev(changes)
    rows = []
    for h in range(horizon):  # horizon <= 12
        last_year = history[len(history) - 12 + h]
        value, width = last_year + drift, spread * (h + 1) ** 0.5
        rows.append((len(history) + h, value, value - width, value + width, last_year))
    return rows, drift


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[ui.zone("left", size="36%"), ui.zone("right", size="64%")])
    narrow = ui.zone("body", zones=[ui.zone("left"), ui.zone("right")])
    return ui.meta_card(box="", title="Sales Forecast", layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), ui.zone("stats"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), ui.zone("stats", direction=ui.ZoneDirection.ROW), wide,
                                         ui.zone("footer")], max_width="1300px"),
    ])


def render(q: Q):
    horizon = q.client.horizon
    rows, drift = forecast(SALES, horizon)
    total = sum(r[1] for r in rows)
    total_last_year = sum(r[4] for r in rows)
    q.page["next"] = ui.small_stat_card(box="stats", title=f"Forecast for {label(rows[0][0])}", value=f"{rows[0][1]:.0f} k$")
    q.page["total"] = ui.small_stat_card(box="stats", title=f"Next {horizon} months", value=f"{total:,.0f} k$")
    q.page["growth"] = ui.small_stat_card(box="stats", title="Against last year", value=f"{100 * (total / total_last_year - 1):+.1f}%")
    q.page["drift"] = ui.small_stat_card(box="stats", title="Yearly drift", value=f"{drift:+.1f} k$/month")

    q.page["settings"] = ui.form_card(box="left", title="Forecast", items=[
        ui.slider(name="horizon", label="Months ahead", min=1, max=12, step=1, value=horizon, trigger=True),
        ui.text(f"Each month is the same month last year plus the drift; {len(SALES)} months of history. "
                "The interval holds the actual value 80% of the time."),
        ui.table(name="forecast", columns=[
            ui.table_column(name="month", label="Month", min_width="90px"),
            ui.table_column(name="value", label="Forecast", data_type="number", min_width="80px"),
            ui.table_column(name="interval", label="80% interval", min_width="100px"),
            ui.table_column(name="last_year", label="Last year", data_type="number"),
        ], rows=[ui.table_row(name=str(i), cells=[label(i), f"{v:.0f}", f"{lo:.0f} to {hi:.0f}", str(ly)])
                 for i, v, lo, hi, ly in rows]),
    ])
    # One table for all marks: history has a zero-width band; the forecast starts at the last actual month.
    last = len(SALES) - 1
    points = [(month(i), v, "actual", v, v) for i, v in enumerate(SALES)]
    points.append((month(last), SALES[last], "forecast", SALES[last], SALES[last]))
    points += [(month(i), round(v, 1), "forecast", round(lo, 1), round(hi, 1)) for i, v, lo, hi, _ in rows]
    # The marks plot different fields; the same y range keeps them on one scale.
    y_min, y_max = 20 * (min(p[3] for p in points) // 20), 20 * (max(p[4] for p in points) // 20 + 1)
    q.page["chart"] = ui.plot_card(
        box=ui.box("right", height="480px"), title="Monthly sales, forecast and 80% interval (k$)",
        data=data("month sales series low high", rows=points),
        plot=ui.plot([
            ui.mark(type="area", x_scale="time", x="=month", y0="=low", y="=high", fill_color="$orange",
                    fill_opacity=0.2, y_min=y_min, y_max=y_max, y_title="Sales (k$)"),
            ui.mark(type="line", x_scale="time", x="=month", y="=sales", color="=series", color_range="$blue $orange",
                    y_min=y_min, y_max=y_max),
            ui.mark(type="point", x_scale="time", x="=month", y="=sales", color="=series", color_range="$blue $orange",
                    size=4, y_min=y_min, y_max=y_max),
        ]))


@app("/")
async def serve(q: Q):
    if not q.client.initialized:
        q.client.initialized = True
        q.client.horizon = HORIZON
        q.page["meta"] = layout()
        q.page["header"] = ui.header_card(box="header", title="Sales Forecast", icon="Financial",
                                          subtitle="Version 2: seasonal forecast with an 80% prediction interval")
        q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")
    if q.args.horizon is not None:
        q.client.horizon = max(1, min(12, int(q.args.horizon)))
    render(q)
    await q.page.save()
