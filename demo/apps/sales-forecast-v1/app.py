"""Sales Forecast 1 (Wavehub demo): a moving-average forecast of monthly sales.

Standard library only. Run it with `python3 -m app`; it listens on $PORT (default 10101).
"""
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# Monthly sales in k$, January 2023 to August 2024.
SALES = [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125, 149, 170, 170]
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
HORIZON = max(1, min(12, int(os.environ.get("FORECAST_HORIZON", "3"))))
WINDOW = max(1, int(os.environ.get("MOVING_AVERAGE_WINDOW", "3")))


def page():
    level = sum(SALES[-WINDOW:]) / len(SALES[-WINDOW:])
    cells = "".join(f"<tr><td>{MONTHS[(len(SALES) + h) % 12]}</td><td>{level:.0f}</td></tr>" for h in range(HORIZON))
    return (f"<!doctype html><title>Sales Forecast</title><h1>Sales Forecast 1</h1>"
            f"<p>Average of the last {WINDOW} months, {HORIZON} months ahead.</p>"
            f"<table border=1><tr><th>Month</th><th>Forecast (k$)</th></tr>{cells}</table>")


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
