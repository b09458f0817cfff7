"""Text Summarizer (Wavehub demo): extractive summaries by word frequency, in the spirit of Luhn (1958).

A real H2O Wave app (pure Python and h2o-wave), in a package: Wavehub starts it with
`python -m h2o_wave run --no-reload --no-autostart summarizer.app` next to a running `waved`; see
demo/README.md.
"""
import re
from collections import Counter

from h2o_wave import Q, app, data, main, ui  # noqa: F401  (`main` is what `wave run` serves)

STOP = set("a an and are as at be been but by for from has have in into is it its of on or so than that the "
           "their then there these they this to was we were what when which who will with you your".split())
LENGTHS = {"short": 2, "medium": 3, "long": 5}
MAX_TEXT = 1 << 20  # at most 1 MiB of text is summarized
SAMPLE = ("Wave apps are written in Python and run in the browser. An app store lets a team publish such apps. "
          "Users find an app in the store, read what it does, and start their own instance of the app. "
          "Each app version is stored once and can be shared with everyone or kept private. "
          "The weather was nice on the day the store launched. Admins decide which versions everyone sees.")


def summarize(text: str, count: int):
    """The `count` best sentences in their original order, and the five most frequent words."""
    sentences = [s.strip() for s in re.split(r"(?<=[.!?])\s+", text) if s.strip()]
    freq = Counter(w for w in re.findall(r"[a-z']+", text.lower()) if w not in STOP and len(w) > 2)

    def score(sentence):
        words = [w for w in re.findall(r"[a-z']+", sentence.lower()) if w in freq]
        return sum(freq[w] for w in words) / (len(words) or 1)

    best = sorted(sorted(range(len(sentences)), key=lambda i: -score(sentences[i]))[:count])
    return [sentences[i] for i in best], freq.most_common(5), len(sentences)


def escape(text: str) -> str:
    """Shows text as written, not as Markdown or HTML."""
    return "".join("\\" + c if c in "\\`*_{}[]<>#|~" else c for c in text)


def layout() -> ui.MetaCard:
    wide = ui.zone("body", direction=ui.ZoneDirection.ROW, zones=[ui.zone("left", size="50%"), ui.zone("right", size="50%")])
    narrow = ui.zone("body", zones=[ui.zone("left"), ui.zone("right")])
    return ui.meta_card(box="", title="Text Summarizer", layouts=[
        ui.layout(breakpoint="xs", zones=[ui.zone("header"), narrow, ui.zone("footer")]),
        ui.layout(breakpoint="m", zones=[ui.zone("header"), wide, ui.zone("footer")], max_width="1300px"),
    ])


def render(q: Q):
    text, length = q.client.text, q.client.length
    summary, keywords, total = summarize(text, LENGTHS[length])
    q.page["input"] = ui.form_card(box="left", title="Your text", items=[
        ui.textbox(name="text", label="Text to summarize", value=text, multiline=True, height="260px"),
        ui.choice_group(name="length", label="Summary length", value=length, inline=True,
                        choices=[ui.choice(name, f"{name.capitalize()} ({n} sentences)") for name, n in LENGTHS.items()]),
        ui.button(name="summarize", label="Summarize", primary=True),
    ])
    body = " ".join(escape(s) for s in summary) or "There is no sentence to summarize yet: paste some text."
    q.page["summary"] = ui.markdown_card(box="right", title="Summary", content=body)
    q.page["stats"] = ui.form_card(box="right", title="", items=[ui.stats(items=[
        ui.stat(label="Sentences", value=str(total)),
        ui.stat(label="In the summary", value=str(len(summary))),
        ui.stat(label="Words kept", value=f"{100 * sum(len(s.split()) for s in summary) / max(1, len(text.split())):.0f}%"),
    ], justify="between")])
    q.page["keywords"] = ui.plot_card(
        box=ui.box("right", height="260px"), title="Keywords (how often each appears)",
        data=data("word count", rows=keywords[::-1] or [("(none)", 0)]),  # the most frequent on top
        plot=ui.plot([ui.mark(type="interval", x="=count", y="=word", x_min=0, x_max=(keywords[0][1] if keywords else 0) + 1,
                              fill_color="$purple", label="=count")]))


@app("/")
async def serve(q: Q):
    if not q.client.initialized:
        q.client.initialized = True
        q.client.text, q.client.length = SAMPLE, "medium"
        q.page["meta"] = layout()
        q.page["header"] = ui.header_card(box="header", title="Text Summarizer", icon="TextDocument",
                                          subtitle="The most important sentences and keywords of a long text")
        q.page["footer"] = ui.footer_card(box="footer", caption="A Wavehub demo app, made with [H2O Wave](https://wave.h2o.ai).")
    if q.args.summarize:
        q.client.text = (q.args.text or "")[:MAX_TEXT]
        q.client.length = q.args.length if q.args.length in LENGTHS else "medium"
    render(q)
    await q.page.save()
