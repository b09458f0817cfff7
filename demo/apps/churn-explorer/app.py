"""Churn Explorer (Wavehub demo): churn rate by contract type, from /data/customers.csv or a sample.

Standard library only. Run it with `python3 -m app`; it listens on $PORT (default 10101).
"""
import csv
import html
import os
from collections import defaultdict
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DATA_FILE = os.path.join(os.environ.get("DATA_DIR", "/data"), "customers.csv")
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


def load():
    if os.path.exists(DATA_FILE):
        with open(DATA_FILE, newline="") as f:
            return [(r["customer_id"], r["contract"], int(r["tenure"]), float(r["monthly_charges"]), r["churned"])
                    for r in csv.DictReader(f)], DATA_FILE
    return SAMPLE, "built-in sample"


def page():
    rows, source = load()
    totals, churned = defaultdict(int), defaultdict(int)
    for _, contract, _, _, left in rows:
        totals[contract] += 1
        churned[contract] += left.lower() == "yes"
    table = "".join(f"<tr><td>{html.escape(c)}</td><td>{totals[c]}</td><td>{100 * churned[c] / totals[c]:.0f}%</td></tr>"
                    for c in sorted(totals, key=lambda c: -churned[c] / totals[c]))
    risky = ", ".join(html.escape(r[0]) for r in rows if r[4].lower() == "yes")
    return (f"<!doctype html><title>Churn Explorer</title><h1>Churn Explorer</h1><p>{len(rows)} customers from "
            f"{html.escape(source)}.</p><table border=1><tr><th>Contract</th><th>Customers</th><th>Churn rate</th>"
            f"</tr>{table}</table><p>Churned: {risky}</p>")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = page().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "10101"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Handler)
    print(f"Churn Explorer listening on http://{server.server_address[0]}:{port}", flush=True)
    server.serve_forever()
