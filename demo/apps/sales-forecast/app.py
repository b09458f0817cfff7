"""Sales Forecast 2 (Wavehub demo): seasonal naive forecast with drift and an 80% interval.

Standard library only. Run it with `python3 -m app`; it listens on $PORT (default 10101).
"""
import os
import statistics
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Monthly sales in k$, January 2023 to August 2024.
SALES = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HORIZON = max(1, min(12, int(os.environ.get("FORECAST_HORIZON", "6"))))


def forecast(history, horizon):
    """Same month last year plus the mean year-over-year change; the band is +-1.28 sd * sqrt(h)."""
    changes = [history[i] - history[i - 12] for i in range(12, len(history))]
    drift, spread = statistics.mean(changes), 1.28 * statistics.stdev(changes)
    rows = []
    for h in range(horizon):
        value = history[len(history) - 12 + h] + drift  # horizon <= 12
        width = spread * (h + 1) ** 0.5
        rows.append((MONTHS[(len(history) + h) % 12], value, value - width, value + width))
    return rows, drift


def page():
    rows, drift = forecast(SALES, HORIZON)
    cells = "".join(f"<tr><td>{m}</td><td>{v:.0f}</td><td>{lo:.0f} to {hi:.0f}</td></tr>" for m, v, lo, hi in rows)
    return (f"<!doctype html><title>Sales Forecast</title><h1>Sales Forecast 2</h1>"
            f"<p>{HORIZON}-month forecast from {len(SALES)} months of history; drift {drift:+.1f} k$/month.</p>"
            f"<table border=1><tr><th>Month</th><th>Forecast (k$)</th><th>80% interval</th></tr>{cells}</table>")


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
    print(f"Sales Forecast listening on http://{server.server_address[0]}:{port}", flush=True)
    server.serve_forever()
