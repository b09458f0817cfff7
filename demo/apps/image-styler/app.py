"""Image Styler (Wavehub demo): recolours a small vector scene with a named palette.

Standard library only. Run it with `python3 -m app`; it listens on $PORT (default 10101).
"""
import html
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

# sky, sun, left hill, right hill, ground
STYLES = {
    "original": ("#bae6fd", "#fde047", "#15803d", "#166534", "#4d7c0f"),
    "sunset": ("#fdba74", "#dc2626", "#7c2d12", "#9a3412", "#451a03"),
    "neon": ("#1e1b4b", "#f0abfc", "#c026d3", "#22d3ee", "#4c1d95"),
    "pastel": ("#fce7f3", "#fef08a", "#a5b4fc", "#99f6e4", "#ddd6fe"),
}


def scene(style):
    sky, sun, left, right, ground = STYLES[style]
    return (f'<svg width="300" height="400" viewBox="0 0 300 400"><rect width="300" height="400" fill="{sky}"/>'
            f'<circle cx="215" cy="120" r="48" fill="{sun}"/><polygon points="0,400 105,140 210,400" fill="{left}"/>'
            f'<polygon points="120,400 210,200 300,320 300,400" fill="{right}"/>'
            f'<rect y="360" width="300" height="40" fill="{ground}"/></svg>')


def page(query):
    style = parse_qs(query).get("style", ["sunset"])[0]
    style = style if style in STYLES else "sunset"
    links = " | ".join(f'<a href="?style={name}">{name}</a>' for name in STYLES)
    return (f"<!doctype html><title>Image Styler</title><h1>Image Styler</h1><p>Style: {links}</p>"
            f"<figure style='display:inline-block'>{scene('original')}<figcaption>original</figcaption></figure> "
            f"<figure style='display:inline-block'>{scene(style)}<figcaption>{html.escape(style)}</figcaption></figure>")


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        body = page(urlsplit(self.path).query).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "10101"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Handler)
    print(f"Image Styler listening on http://{server.server_address[0]}:{port}", flush=True)
    server.serve_forever()
