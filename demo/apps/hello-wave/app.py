"""Hello Wave (Wavehub demo): the smallest app, one page that says hello.

Standard library only. Run it with `python3 -m app`; it listens on $PORT (default 10101).
"""
import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        url = urlsplit(self.path)
        if url.path.endswith("/healthz"):  # for probes: plain "ok"
            self.reply(b"ok", "text/plain")
            return
        name = parse_qs(url.query).get("name", ["Wave"])[0]
        body = (f"<!doctype html><title>Hello Wave</title><h1>Hello, {html.escape(name)}!</h1>"
                "<p>Your first app is running. Add <code>?name=you</code> to the address.</p>")
        self.reply(body.encode(), "text/html")

    def reply(self, body, media_type):
        self.send_response(200)
        self.send_header("Content-Type", f"{media_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "10101"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Handler)
    print(f"Hello Wave listening on http://{server.server_address[0]}:{port}", flush=True)
    server.serve_forever()
