"""Churn Explorer (Wavehub demo): churn rate by contract type and tenure, from /data/customers.csv or a sample.

A real H2O Wave app (pure Python and h2o-wave). Wavehub starts it with
`python -m h2o_wave run --no-reload --no-autostart app` next to a running `waved`; see demo/README.md.
The data folder is the app's persistent volume (`VolumeMount = "/data"`); `DATA_DIR` moves it elsewhere.
"""
import csv
import io
import os
import tempfile
from collections import defaultdict

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

DATA_DIR = os.environ.get("DATA_DIR", "/data")
DATA_FILE = os.path.join(DATA_DIR, "customers.csv")
COLUMNS = ("customer_id", "contract", "tenure", "monthly_charges", "churned")
SAMPLE = [  # customer_id, contract, tenure (months), monthly_charges, churned
    ("7590-VHVEG", "Month-to-month", 1, 29.85, "no"), ("5575-GNVDE", "One year", 34, 56.95, "no"),
    ("3668-QPYBK", "Month-to-month", 2, 53.85, "yes"), ("7795-CFOCW", "One year", 45, 42.30, "no"),
    ("9237-HQITU", "Month-to-month", 2, 70.70, "yes"), ("9305-CDSKC", "Month-to-month", 8, 99.65, "yes"),
    ("1452-KIOVK", "Month-to-month", 22, 89.10, "no"), ("6713-OKOMC", "Month-to-month", 10, 29.75, "no"),
    ("7892-POOKP", "Month-to-month", 28, 104.80, "yes"), ("6388-TABGU", "One year", 62, 56.15, "no"),
    ("9763-GRSKD", "Month-to-month", 13, 49.95, "no"), ("7469-LKBCI", "Two year", 16, 18.95, "no"),
    ("8091-TTVAX", "One year", 58, 100.35, "no"), ("0280-XJGEX", "Month-to-month", 49, 103.70, "yes"),
    ("5129-JLPIS", "Month-to-month", 25, 105.50, "no"), ("3655-SNQYZ", "Two year", 69, 113.25, "no"),
]
BANDS = [(0, 12, "0-12 months"), (13, 24, "13-24 months"), (25, 48, "25-48 months"), (49, 10**6, "49+ months")]
ALL = "All contracts"


def parse(text: str):
    """The rows of a customers CSV; ValueError says what is wrong and where."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise ValueError(f"the CSV has no column {', '.join(missing)} (it needs {', '.join(COLUMNS)})")
    rows = []
    for r in reader:
        try:
            churned = r["churned"].strip().lower()
            if churned not in ("yes", "no"):
                raise ValueError(f"churned is {r['churned']!r}, not yes or no")
            rows.append((r["customer_id"].strip(), r["contract"].strip(), int(r["tenure"]), float(r["monthly_charges"]),
                         churned))
        except (ValueError, TypeError) as e:
            raise ValueError(f"line {reader.line_num}: {e}") from None
    if not rows:
        raise ValueError("the CSV has no customers")
    return rows


def load():
    """The customers and where they came from: the data folder's file, else the built-in sample."""
    try:
        with open(DATA_FILE, newline="", encoding="utf-8-sig") as f:
            return parse(f.read()), DATA_FILE, None
    except FileNotFoundError:
        return SAMPLE, "built-in sample", None
    except (OSError, ValueError, UnicodeDecodeError) as e:
        return SAMPLE, "built-in sample", ("warning", f"{DATA_FILE} was not used: {e}")


def band(tenure: int) -> str:
    return next(label for low, high, label in BANDS if low <= tenure <= high)


def rates(rows, key):
    totals, churned = defaultdict(int), defaultdict(int)
    for row in rows:
        totals[key(row)] += 1
        churned[key(row)] += row[4] == "yes"
    return {k: (totals[k], churned[k] / totals[k]) for k in totals}


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[ui.zone("left", size="55%"), ui.zone("right", size="45%")])
    narrow = ui.zone("body", zones=[ui.zone("left"), ui.zone("right")])
    stats = ui.zone("stats", direction=ui.ZoneDirection.ROW)
    return ui.meta_card(box="", title="Churn Explorer", layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), ui.zone("stats"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), stats, wide, ui.zone("footer")], max_width="1400px"),
    ])


def render(q: Q, rows, source: str, message):
    by_contract = rates(rows, lambda r: r[1])
    by_band = rates(rows, lambda r: band(r[2]))
    churned = sum(r[4] == "yes" for r in rows)
    contracts = sorted(by_contract, key=lambda c: -by_contract[c][1])
    chosen = q.client.contract if q.client.contract in by_contract else ALL

    q.page["customers"] = ui.small_stat_card(box="stats", title="Customers", value=str(len(rows)))
    q.page["churned"] = ui.small_stat_card(box="stats", title="Churned", value=str(churned))
    q.page["rate"] = ui.small_stat_card(box="stats", title="Churn rate", value=f"{100 * churned / len(rows):.0f}%")
    q.page["source"] = ui.small_stat_card(box="stats", title="Data", value=os.path.basename(source) if source == DATA_FILE else "sample")

    # Risk of a customer still with us: the mean churn rate of their contract type and their tenure band.
    at_risk = sorted(((r, (by_contract[r[1]][1] + by_band[band(r[2])][1]) / 2) for r in rows
                      if r[4] == "no" and chosen in (ALL, r[1])), key=lambda x: (-x[1], x[0][2], -x[0][3]))
    items = []
    if message:
        items.append(ui.message_bar(type=message[0], text=message[1]))
    items += [
        ui.text(f"{len(rows)} customers from {source}. Risk is the average churn rate of the customer's contract type "
                "and tenure band."),
        ui.dropdown(name="contract", label="Contract type", value=chosen, trigger=True,
                    choices=[ui.choice(ALL, ALL)] + [ui.choice(c, c) for c in contracts]),
        ui.table(name="at_risk", columns=[
            ui.table_column(name="id", label="Customer", min_width="100px"),
            ui.table_column(name="contract", label="Contract", min_width="140px"),
            ui.table_column(name="tenure", label="Tenure (months)", data_type="number", sortable=True, min_width="120px"),
            ui.table_column(name="charges", label="Monthly ($)", data_type="number", sortable=True),
            ui.table_column(name="risk", label="Risk (%)", data_type="number", sortable=True),
        ], rows=[ui.table_row(name=r[0], cells=[r[0], r[1], str(r[2]), f"{r[3]:.2f}", f"{100 * risk:.0f}"])
                 for r, risk in at_risk]),
    ]
    q.page["risk"] = ui.form_card(box="left", title="Customers still with you, highest risk first", items=items)
    q.page["by_contract"] = ui.plot_card(
        box=ui.box("right", height="300px"), title="Churn rate by contract type",
        data=data("contract rate label", rows=[(c, 100 * by_contract[c][1], f"{100 * by_contract[c][1]:.0f}%")
                                               for c in contracts]),
        plot=ui.plot([ui.mark(type="interval", x="=contract", y="=rate", y_min=0, y_max=100, y_title="Churn rate (%)",
                              fill_color="$red", label="=label")]))
    q.page["by_tenure"] = ui.plot_card(
        box=ui.box("right", height="300px"), title="Churn rate by tenure",
        data=data("tenure rate", rows=[(b, round(100 * by_band[b][1], 1)) for *_, b in BANDS if b in by_band]),
        plot=ui.plot([ui.mark(type="line", x="=tenure", y="=rate", y_min=0, y_max=100, y_title="Churn rate (%)", stroke_color="$orange"),
                      ui.mark(type="point", x="=tenure", y="=rate", fill_color="$orange", size=6)]))
    q.page["upload"] = ui.form_card(box="right", title="Bring your own data", items=[
        ui.text(f"A CSV with the columns {', '.join(COLUMNS)}; it is kept in {DATA_DIR} and survives restarts."),
        ui.file_upload(name="csv", label="Upload customers.csv", file_extensions=["csv"], max_file_size=20, height="160px"),
    ])


async def upload(q: Q, url: str):
    """Saves an uploaded CSV as the data file; returns what happened, as a message bar's type and text."""
    with tempfile.TemporaryDirectory() as scratch:
        local = await q.site.download(url, scratch)
        with open(local, encoding="utf-8-sig", errors="replace") as f:
            text = f.read()
    await q.site.unload(url)
    try:
        rows = parse(text)
    except ValueError as e:
        return "error", f"The upload was not used: {e}."
    try:
        os.makedirs(DATA_DIR, exist_ok=True)
        with open(DATA_FILE + ".part", "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(DATA_FILE + ".part", DATA_FILE)
    except OSError as e:
        return "error", f"{len(rows)} customers read, but {DATA_FILE} cannot be written ({e.strerror})."
    return "success", f"Saved {len(rows)} customers to {DATA_FILE}."


@app("/")
async def serve(q: Q):
    message = None
    if not q.client.initialized:
        q.client.initialized = True
        q.page["meta"] = layout()
        q.page["header"] = ui.header_card(box="header", title="Churn Explorer", icon="Phone",
                                          subtitle="Which telco customers leave, and why")
        q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")
    if q.args.contract:
        q.client.contract = q.args.contract
    if q.args.csv:
        message = await upload(q, q.args.csv[0])
    rows, source, problem = load()
    render(q, rows, source, message or problem)
    await q.page.save()
