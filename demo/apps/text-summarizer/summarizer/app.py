"""Text Summarizer (Wavehub demo): extractive summaries by word frequency, in the spirit of Luhn (1958).

Standard library only. Run it with `python3 -m summarizer.app`; it listens on $PORT (default 10101).
"""
import html
import os
import re
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

STOP = set("a an and are as at be been but by for from has have in into is it its of on or so than that the "
           "their then there these they this to was we were what when which who will with you your".split())
LENGTHS = {"short": 2, "medium": 3, "long": 5}
SAMPLE = ("Wave apps are written in Python and run in the browser. An app store lets a team publish such apps. "
          "Users find an app in the store, read what it does, and start their own instance of the app. "
          "Each app version is stored once and can be shared with everyone or kept private. "
          "The weather was nice on the day the store launched. Admins decide which versions everyone sees.")


def summarize(text, count):
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    freq = Counter(w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOP and len(w) > 2)
    def score(sentence):
        words = [w for w in re.findall(r"[a-z']+", sentence.lower()) if w in freq]
        return sum(freq[w] for w in words) / (len(words) or 1)
    best = sorted(sorted(range(len(sentences)), key=lambda i: -score(sentences[i]))[:count])
    return [sentences[i] for i in best], freq.most_common(5)


def page(text=SAMPLE, length="medium"):
    summary, keywords = summarize(text, LENGTHS.get(length, 3))
    options = "".join(f"<option{' selected' * (name == length)}>{name}</option>" for name in LENGTHS)
    return (f"<!doctype html><title>Text Summarizer</title><h1>Text Summarizer</h1><form method=post>"
            f"<textarea name=text rows=8 cols=80>{html.escape(text)}</textarea><br><select name=length>{options}"
            f"</select> <button>Summarize</button></form><h2>Summary</h2><p>{html.escape(' '.join(summary))}</p>"
            f"<p>Keywords: {html.escape(', '.join(f'{w} ({n})' for w, n in keywords))}</p>")


class Handler(BaseHTTPRequestHandler):
    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.reply(page().encode())

    def do_POST(self):
        size = min(int(self.headers.get("Content-Length", 0)), 1 << 20)  # at most 1 MiB of text
        form = parse_qs(self.rfile.read(size).decode(errors="replace"))
        self.reply(page(form.get("text", [SAMPLE])[0], form.get("length", ["medium"])[0]).encode())


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "10101"))
    server = ThreadingHTTPServer((os.environ.get("HOST", "127.0.0.1"), port), Handler)
    print(f"Text Summarizer listening on http://{server.server_address[0]}:{port}", flush=True)
    server.serve_forever()
