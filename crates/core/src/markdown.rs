//! App descriptions: the LongDescription Markdown that app authors write, rendered to HTML the
//! page can insert with `innerHTML`, and to plain text for previews.
//!
//! Authors are untrusted, so the rules work on pulldown-cmark's event stream, not on its output:
//! raw HTML never passes (it shows as text), a link target passes only with a scheme on a short
//! allowlist, images become links (a description cannot make readers' browsers fetch outside
//! addresses, so no tracking pixels), and the only tags written by hand are the `<a>` and `</a>`
//! of external links, built from escaped values.

use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Where a refused link points: nowhere, but the link text still shows.
const REFUSED: &str = "#";

/// What an external link gets besides its `href`: no handle on our window, no referrer, no rank
/// passed on to the author's site, and a new tab so the store stays open.
const EXTERNAL: &str = r#" rel="noopener noreferrer nofollow" target="_blank""#;

/// The link text of an image that has no alt text, so its link is not invisible.
const UNNAMED_IMAGE: &str = "image";

/// `markdown` as HTML that is safe to insert into the page.
///
/// Tables and strikethrough are on; headings move two levels down (`#` is `<h3>`) because the
/// page around the description already has its `<h1>` and `<h2>`.
pub fn to_safe_html(markdown: &str) -> String {
    let events = safe_events(markdown);
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// The words of `markdown` without markup, whitespace collapsed to single spaces, for cards and
/// snippets; longer than `max_chars` characters, it is cut to fit, "…" included.
///
/// The result is plain text, not HTML: raw HTML in the Markdown is kept as the words it is (the
/// rendered page shows it that way too), so set it as text, never as `innerHTML`.
pub fn to_plain_text(markdown: &str, max_chars: usize) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in parser(markdown) {
        match event {
            Event::Text(words)
            | Event::Code(words)
            | Event::Html(words)
            | Event::InlineHtml(words) => text.push_str(&words),
            Event::SoftBreak | Event::HardBreak | Event::Rule => text.push(' '),
            // Blocks are separate words even where the Markdown has no space between them
            // (a list item and the list nested in it, two table cells).
            Event::Start(tag) if is_block(&tag.to_end()) => text.push(' '),
            Event::End(end) if is_block(&end) => text.push(' '),
            _ => {}
        }
    }
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    cut(text, max_chars)
}

fn parser(markdown: &str) -> Parser<'_> {
    Parser::new_ext(
        markdown,
        Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH,
    )
}

/// How the `</a>` of a link or image comes out, decided when it opened.
enum Close {
    /// An external link: the `</a>` we write ourselves.
    Html,
    /// A link pulldown-cmark writes.
    Tag,
    /// A link or image inside another one: HTML has no nested links, so only its text shows.
    Nothing,
}

/// The parser's events with every rule of this module applied; push_html may write them as they
/// are.
fn safe_events(markdown: &str) -> Vec<Event<'_>> {
    let mut out = Vec::new();
    let mut open: Vec<Close> = Vec::new();
    let mut events = parser(markdown).peekable();
    while let Some(event) = events.next() {
        match event {
            // An HTML block becomes a paragraph of its source text, so it still reads as a block.
            Event::Start(Tag::HtmlBlock) => out.push(Event::Start(Tag::Paragraph)),
            Event::End(TagEnd::HtmlBlock) => {
                if let Some(Event::Text(last)) = out.last_mut() {
                    if last.ends_with('\n') {
                        *last = CowStr::from(last.trim_end_matches('\n').to_string());
                    }
                }
                out.push(Event::End(TagEnd::Paragraph));
            }
            Event::Html(raw) | Event::InlineHtml(raw) => out.push(Event::Text(raw)),
            // Rebuilt rather than passed on, so no id, class or attribute could ever ride along.
            Event::Start(Tag::Heading { level, .. }) => out.push(Event::Start(Tag::Heading {
                level: shift(level),
                id: None,
                classes: Vec::new(),
                attrs: Vec::new(),
            })),
            Event::End(TagEnd::Heading(level)) => {
                out.push(Event::End(TagEnd::Heading(shift(level))))
            }
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let close = open_link(&mut out, &open, link_type, dest_url, title);
                open.push(close);
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let close = open_link(&mut out, &open, link_type, dest_url, title);
                let unnamed = matches!(events.peek(), Some(Event::End(TagEnd::Image)));
                if unnamed && !matches!(close, Close::Nothing) {
                    out.push(Event::Text(CowStr::Borrowed(UNNAMED_IMAGE)));
                }
                open.push(close);
            }
            Event::End(TagEnd::Link | TagEnd::Image) => match open.pop() {
                Some(Close::Html) => out.push(Event::Html(CowStr::Borrowed("</a>"))),
                Some(Close::Tag) => out.push(Event::End(TagEnd::Link)),
                Some(Close::Nothing) | None => {}
            },
            other => out.push(other),
        }
    }
    out
}

/// Opens a link (or an image, which becomes a link to it) to `dest_url`, or to [`REFUSED`] when
/// its scheme is not allowed, and says how to close it.
fn open_link<'a>(
    out: &mut Vec<Event<'a>>,
    open: &[Close],
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
) -> Close {
    if !open.is_empty() {
        return Close::Nothing;
    }
    // An email autolink's target lacks the scheme that push_html would add; add it here, so the
    // URL judged is the URL written.
    let href = match link_type {
        LinkType::Email => CowStr::from(format!("mailto:{dest_url}")),
        _ => dest_url,
    };
    let href = match target(&href) {
        Target::External => {
            let mut tag = format!(r#"<a href="{}""#, escape(&href));
            if !title.is_empty() {
                tag.push_str(&format!(r#" title="{}""#, escape(&title)));
            }
            tag.push_str(EXTERNAL);
            tag.push('>');
            out.push(Event::Html(CowStr::from(tag)));
            return Close::Html;
        }
        Target::Site => href,
        Target::Refused => CowStr::Borrowed(REFUSED),
    };
    let id = CowStr::Borrowed("");
    out.push(Event::Start(Tag::Link {
        link_type: LinkType::Inline,
        dest_url: href,
        title,
        id,
    }));
    Close::Tag
}

/// What a link target is, as far as the page cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `http:`, `https:`, or another host without a scheme (`//host/path`): leaves the store.
    External,
    /// A relative URL on this site, or `mailto:`.
    Site,
    /// Any other scheme (`javascript:`, `data:`, `vbscript:`, `file:`, …): runs or reads
    /// something it should not.
    Refused,
}

/// Judges `url` the way a browser reads it: browsers drop tabs and newlines anywhere in a URL and
/// controls and spaces around it, so every ASCII whitespace and control character goes first
/// (more than a browser drops, so a refused scheme cannot hide), then a `:` before any `/`, `?`
/// or `#` ends a scheme, and only an allowed scheme passes.
fn target(url: &str) -> Target {
    let bare: String = url
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
        .collect();
    let path = bare.find(['/', '?', '#']).unwrap_or(bare.len());
    match bare[..path].find(':') {
        Some(colon) => {
            let scheme = &bare[..colon];
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") {
                Target::External
            } else if scheme.eq_ignore_ascii_case("mailto") {
                Target::Site
            } else {
                Target::Refused
            }
        }
        // Browsers read a backslash as a slash in web URLs, so `/\host` is another host too.
        None if bare.starts_with(['/', '\\']) && bare[1..].starts_with(['/', '\\']) => {
            Target::External
        }
        None => Target::Site,
    }
}

/// `text` fit for a double-quoted attribute value (and safe in single quotes or body text too).
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            c => escaped.push(c),
        }
    }
    escaped
}

/// An author's heading level under the page's own `<h1>` and `<h2>`: two down, `<h6>` at most.
fn shift(level: HeadingLevel) -> HeadingLevel {
    match level {
        HeadingLevel::H1 => HeadingLevel::H3,
        HeadingLevel::H2 => HeadingLevel::H4,
        HeadingLevel::H3 => HeadingLevel::H5,
        HeadingLevel::H4 | HeadingLevel::H5 | HeadingLevel::H6 => HeadingLevel::H6,
    }
}

fn is_block(end: &TagEnd) -> bool {
    !matches!(
        end,
        TagEnd::Emphasis
            | TagEnd::Strong
            | TagEnd::Strikethrough
            | TagEnd::Superscript
            | TagEnd::Subscript
            | TagEnd::Link
            | TagEnd::Image
    )
}

/// `text` cut to at most `max_chars` characters, the last of them "…" when anything was cut.
fn cut(text: String, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text;
    }
    let Some(kept) = max_chars.checked_sub(1) else {
        return String::new();
    };
    let end = text
        .char_indices()
        .nth(kept)
        .map_or(text.len(), |(at, _)| at);
    let mut cut = text[..end].trim_end().to_string();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const REL: &str = r#" rel="noopener noreferrer nofollow" target="_blank""#;

    /// A tag of the output: its name (`/a` for a closing tag) and its attributes, values still
    /// escaped.
    #[derive(Debug)]
    struct Found {
        name: String,
        attrs: Vec<(String, String)>,
    }

    /// Every tag in `html`. Text is always escaped, so every `<` opens a tag.
    fn tags(html: &str) -> Vec<Found> {
        let mut found = Vec::new();
        let mut rest = html;
        while let Some(start) = rest.find('<') {
            let chars: Vec<char> = rest[start + 1..].chars().collect();
            let mut at = 0;
            let mut name = String::new();
            while at < chars.len() && !chars[at].is_whitespace() && chars[at] != '>' {
                if chars[at] == '/' && !name.is_empty() {
                    break;
                }
                name.push(chars[at]);
                at += 1;
            }
            let mut attrs = Vec::new();
            loop {
                while at < chars.len() && (chars[at].is_whitespace() || chars[at] == '/') {
                    at += 1;
                }
                if at >= chars.len() || chars[at] == '>' {
                    break;
                }
                let mut attr = String::new();
                while at < chars.len() && !"= \t\n/>".contains(chars[at]) {
                    attr.push(chars[at]);
                    at += 1;
                }
                let mut value = String::new();
                if at < chars.len() && chars[at] == '=' {
                    at += 1;
                    if at < chars.len() && (chars[at] == '"' || chars[at] == '\'') {
                        let quote = chars[at];
                        at += 1;
                        while at < chars.len() && chars[at] != quote {
                            value.push(chars[at]);
                            at += 1;
                        }
                        at += 1;
                    } else {
                        while at < chars.len() && !chars[at].is_whitespace() && chars[at] != '>' {
                            value.push(chars[at]);
                            at += 1;
                        }
                    }
                }
                attrs.push((attr, value));
            }
            found.push(Found { name, attrs });
            let consumed: usize = chars[..at.min(chars.len())]
                .iter()
                .map(|c| c.len_utf8())
                .sum();
            rest = &rest[(start + 1 + consumed).min(rest.len())..];
        }
        found
    }

    fn unescape(value: &str) -> String {
        value
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&#x27;", "'")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&amp;", "&")
    }

    /// The rules every output keeps, whatever the input: known tags only, known attributes only
    /// (never an `on…` handler), and every `href` safe to follow.
    fn assert_safe(html: &str) {
        const TAGS: &[&str] = &[
            "p",
            "h3",
            "h4",
            "h5",
            "h6",
            "ul",
            "ol",
            "li",
            "em",
            "strong",
            "del",
            "code",
            "pre",
            "blockquote",
            "table",
            "thead",
            "tbody",
            "tr",
            "th",
            "td",
            "a",
            "br",
            "hr",
        ];
        for tag in tags(html) {
            let name = tag.name.trim_start_matches('/');
            assert!(TAGS.contains(&name), "tag <{}> in {html:?}", tag.name);
            for (attr, value) in &tag.attrs {
                let allowed = match name {
                    "a" => ["href", "title", "rel", "target"].contains(&attr.as_str()),
                    "ol" => attr == "start",
                    "th" | "td" => attr == "style",
                    "code" => attr == "class",
                    _ => false,
                };
                assert!(allowed, "attribute {attr} on <{name}> in {html:?}");
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on"),
                    "handler in {html:?}"
                );
                if attr == "href" {
                    let bare: String = unescape(value)
                        .chars()
                        .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                        .collect::<String>()
                        .to_ascii_lowercase();
                    for scheme in ["javascript:", "vbscript:", "data:", "file:"] {
                        assert!(!bare.starts_with(scheme), "href {value:?} in {html:?}");
                    }
                }
            }
        }
    }

    fn html(markdown: &str) -> String {
        let html = to_safe_html(markdown);
        assert_safe(&html);
        html
    }

    #[test]
    fn script_blocks_show_as_text() {
        let out = html("<script>alert(1)</script>");
        assert_eq!(out, "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n");
        assert!(!out.contains("<script"));
    }

    #[test]
    fn inline_script_shows_as_text() {
        let out = html("Hello <script>alert(1)</script> world");
        assert_eq!(
            out,
            "<p>Hello &lt;script&gt;alert(1)&lt;/script&gt; world</p>\n"
        );
    }

    #[test]
    fn img_handlers_show_as_text() {
        let inline = html("Look <img src=x onerror=alert(1)> here");
        assert_eq!(
            inline,
            "<p>Look &lt;img src=x onerror=alert(1)&gt; here</p>\n"
        );
        let block = html("<img src=x onerror=alert(1)>");
        assert_eq!(block, "<p>&lt;img src=x onerror=alert(1)&gt;</p>\n");
        for out in [inline, block] {
            assert!(!out.contains("<img"));
            assert!(out.contains("&lt;img"));
            assert!(tags(&out).iter().all(|t| t.attrs.is_empty()));
        }
    }

    #[test]
    fn html_blocks_keep_their_lines_as_text() {
        let out = html("<div onclick=\"steal()\">\nhello\n</div>\n\nafter");
        assert_eq!(
            out,
            "<p>&lt;div onclick=\"steal()\"&gt;\nhello\n&lt;/div&gt;</p>\n<p>after</p>\n"
        );
    }

    #[test]
    fn raw_links_and_comments_show_as_text() {
        let out = html(r#"<a href="javascript:alert(1)">x</a> and <!-- hidden -->"#);
        assert_eq!(
            out,
            "<p>&lt;a href=\"javascript:alert(1)\"&gt;x&lt;/a&gt; and &lt;!-- hidden --&gt;</p>\n"
        );
    }

    #[test]
    fn refused_schemes_link_nowhere() {
        let urls = [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "JAVASCRIPT:alert(1)",
            "< javascript:alert(1)>",
            "<\u{1}javascript:alert(1)>",
            "<\u{7f}javascript:alert(1)>",
            "<java\tscript:alert(1)>",
            "java&#x09;script:alert(1)",
            "java&#9;script:alert(1)",
            "java&#10;script:alert(1)",
            "java&#13;script:alert(1)",
            "&#x01;javascript:alert(1)",
            "&#32;javascript:alert(1)",
            "&#106;avascript:alert(1)",
            "&#x6A;avascript:alert(1)",
            "javascript&#58;alert(1)",
            "javascript&colon;alert(1)",
            "&#x6a;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3a;alert(1)",
            "ja&#x200B;vascript:alert(1)",
            "%6Aavascript:alert(1)",
            "vbscript:msgbox(1)",
            "VBScript:msgbox(1)",
            "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
            "DATA:text/html,<script>alert(1)</script>",
            "file:///etc/passwd",
            "javascript:alert(1)//http://example.com/",
        ];
        for url in urls {
            let markdown = format!("[x]({url})");
            assert_eq!(html(&markdown), "<p><a href=\"#\">x</a></p>\n", "{url:?}");
            let markdown = format!("![x]({url})");
            assert_eq!(
                html(&markdown),
                "<p><a href=\"#\">x</a></p>\n",
                "image {url:?}"
            );
        }
    }

    #[test]
    fn refused_schemes_via_autolinks_and_references() {
        assert_eq!(
            html("<javascript:alert(1)>"),
            "<p><a href=\"#\">javascript:alert(1)</a></p>\n"
        );
        assert_eq!(
            html("[x]\n\n[x]: javascript:alert(1)"),
            "<p><a href=\"#\">x</a></p>\n"
        );
        assert_eq!(
            html("[x][r]\n\n[r]: JaVa&#x09;ScRiPt:alert(1) \"t\""),
            "<p><a href=\"#\" title=\"t\">x</a></p>\n"
        );
    }

    #[test]
    fn percent_encoded_colon_is_a_harmless_relative_path() {
        // No `:`, so browsers read it as a path on this site too.
        assert_eq!(
            html("[x](javascript%3Aalert(1))"),
            "<p><a href=\"javascript%3Aalert(1)\">x</a></p>\n"
        );
    }

    #[test]
    fn external_links_open_apart() {
        assert_eq!(
            html("[Docs](https://example.com/a?b=1&c=2)"),
            format!("<p><a href=\"https://example.com/a?b=1&amp;c=2\"{REL}>Docs</a></p>\n")
        );
        assert_eq!(
            html("see [it](HTTP://EXAMPLE.COM \"The 'best' <docs> & \\\"more\\\"\")!"),
            format!(
                "<p>see <a href=\"HTTP://EXAMPLE.COM\" title=\"The &#39;best&#39; &lt;docs&gt; \
                 &amp; &quot;more&quot;\"{REL}>it</a>!</p>\n"
            )
        );
        assert_eq!(
            html("<https://example.com/x>"),
            format!("<p><a href=\"https://example.com/x\"{REL}>https://example.com/x</a></p>\n")
        );
        assert_eq!(
            html("[x](//evil.example/a)"),
            format!("<p><a href=\"//evil.example/a\"{REL}>x</a></p>\n")
        );
        assert_eq!(
            html("[x](/\\evil.example/a)"),
            format!("<p><a href=\"/\\evil.example/a\"{REL}>x</a></p>\n")
        );
    }

    #[test]
    fn external_href_cannot_break_out_of_its_attribute() {
        let out = html("[x](<https://e.example/\"onmouseover=\"alert(1)'>)");
        assert_eq!(
            out,
            format!(
                "<p><a href=\"https://e.example/&quot;onmouseover=&quot;alert(1)&#39;\"\
                 {REL}>x</a></p>\n"
            )
        );
        let anchor = &tags(&out)[1];
        let names: Vec<_> = anchor.attrs.iter().map(|(name, _)| name.as_str()).collect();
        assert_eq!(names, ["href", "rel", "target"]);
    }

    #[test]
    fn site_and_mail_links_survive() {
        assert_eq!(html("[a](#install)"), "<p><a href=\"#install\">a</a></p>\n");
        assert_eq!(
            html("[b](/docs/start)"),
            "<p><a href=\"/docs/start\">b</a></p>\n"
        );
        assert_eq!(
            html("[c](page.html)"),
            "<p><a href=\"page.html\">c</a></p>\n"
        );
        assert_eq!(
            html("[d](../up?x=1&y=2#z)"),
            "<p><a href=\"../up?x=1&amp;y=2#z\">d</a></p>\n"
        );
        assert_eq!(html("[e](a/b:c)"), "<p><a href=\"a/b:c\">e</a></p>\n");
        assert_eq!(html("[f]()"), "<p><a href=\"\">f</a></p>\n");
        assert_eq!(
            html("[mail](mailto:me@example.com \"Write\")"),
            "<p><a href=\"mailto:me@example.com\" title=\"Write\">mail</a></p>\n"
        );
        assert_eq!(
            html("[mail](MAILTO:me@example.com)"),
            "<p><a href=\"MAILTO:me@example.com\">mail</a></p>\n"
        );
        assert_eq!(
            html("<me@example.com>"),
            "<p><a href=\"mailto:me@example.com\">me@example.com</a></p>\n"
        );
    }

    #[test]
    fn images_become_links() {
        assert_eq!(
            html("![The logo](/static/logo.png)"),
            "<p><a href=\"/static/logo.png\">The logo</a></p>\n"
        );
        let pixel = html("![pixel](https://tracker.example/p.gif \"t\")");
        assert_eq!(
            pixel,
            format!(
                "<p><a href=\"https://tracker.example/p.gif\" title=\"t\"{REL}>pixel</a></p>\n"
            )
        );
        assert!(!pixel.contains("<img"));
        assert_eq!(
            html("![](shot.png)"),
            "<p><a href=\"shot.png\">image</a></p>\n"
        );
        assert_eq!(
            html("![*big* `x`](a.png)"),
            "<p><a href=\"a.png\"><em>big</em> <code>x</code></a></p>\n"
        );
    }

    #[test]
    fn links_never_nest() {
        // The usual badge: an image inside a link is its text.
        assert_eq!(
            html("[![build](https://ci.example/badge.svg)](https://ci.example/job)"),
            format!("<p><a href=\"https://ci.example/job\"{REL}>build</a></p>\n")
        );
        assert_eq!(
            html("[![x](javascript:alert(1))](/ok)"),
            "<p><a href=\"/ok\">x</a></p>\n"
        );
        assert_eq!(
            html("![see [here](https://a.example)](/i.png)"),
            "<p><a href=\"/i.png\">see here</a></p>\n"
        );
        assert_eq!(
            html("[a](/1) [b](https://b.example) [c](/3)")
                .matches("</a>")
                .count(),
            3
        );
    }

    #[test]
    fn headings_move_down() {
        assert_eq!(
            html("# One\n## Two\n### Three\n#### Four\n##### Five\n###### Six"),
            "<h3>One</h3>\n<h4>Two</h4>\n<h5>Three</h5>\n\
             <h6>Four</h6>\n<h6>Five</h6>\n<h6>Six</h6>\n"
        );
        assert_eq!(
            html("Title\n=====\n\nSub\n---"),
            "<h3>Title</h3>\n<h4>Sub</h4>\n"
        );
        // Heading attributes are off: the braces are words.
        assert_eq!(
            html("# Title {#top .big onclick=x}"),
            "<h3>Title {#top .big onclick=x}</h3>\n"
        );
    }

    #[test]
    fn blocks_and_inlines_render() {
        assert_eq!(
            html("Some *em*, **strong**, ~~gone~~ and `co<de>`.\nNext line  \nbroken"),
            "<p>Some <em>em</em>, <strong>strong</strong>, <del>gone</del> and \
             <code>co&lt;de&gt;</code>.\nNext line<br />\nbroken</p>\n"
        );
        assert_eq!(
            html("- one\n- *two*\n  - nested\n\n3. three\n4. four"),
            "<ul>\n<li>one</li>\n<li><em>two</em>\n<ul>\n<li>nested</li>\n</ul>\n</li>\n</ul>\n\
             <ol start=\"3\">\n<li>three</li>\n<li>four</li>\n</ol>\n"
        );
        assert_eq!(
            html("> quoted\n\n---"),
            "<blockquote>\n<p>quoted</p>\n</blockquote>\n<hr />\n"
        );
        assert_eq!(
            html("```rust\nfn main() { \"<script>\" }\n```"),
            "<pre><code class=\"language-rust\">fn main() { \"&lt;script&gt;\" }\n</code></pre>\n"
        );
        assert_eq!(
            html("```\"><script>x\nbody\n```"),
            "<pre><code class=\"language-&quot;&gt;&lt;script&gt;x\">body\n</code></pre>\n"
        );
        assert_eq!(
            html("    <b>indented</b>"),
            "<pre><code>&lt;b&gt;indented&lt;/b&gt;</code></pre>\n"
        );
    }

    #[test]
    fn tables_render() {
        assert_eq!(
            html("| Name | Size |\n|:-----|-----:|\n| *a* | 1 |\n| <b>b</b> | 2 |"),
            "<table><thead><tr><th style=\"text-align: left\">Name</th>\
             <th style=\"text-align: right\">Size</th></tr></thead><tbody>\n\
             <tr><td style=\"text-align: left\"><em>a</em></td>\
             <td style=\"text-align: right\">1</td></tr>\n\
             <tr><td style=\"text-align: left\">&lt;b&gt;b&lt;/b&gt;</td>\
             <td style=\"text-align: right\">2</td></tr>\n</tbody></table>\n"
        );
    }

    #[test]
    fn entities_stay_escaped() {
        assert_eq!(
            html("&lt;script&gt; &amp; &#60;b&#62;"),
            "<p>&lt;script&gt; &amp; &lt;b&gt;</p>\n"
        );
    }

    #[test]
    fn empty_input_is_empty() {
        assert_eq!(to_safe_html(""), "");
        assert_eq!(to_plain_text("", 10), "");
    }

    #[test]
    fn target_reads_schemes_like_a_browser() {
        assert_eq!(target("https://a.example"), Target::External);
        assert_eq!(target(" \thttp://a.example"), Target::External);
        assert_eq!(target("//a.example"), Target::External);
        assert_eq!(target("\\\\a.example"), Target::External);
        assert_eq!(target("mailto:a@b.example"), Target::Site);
        assert_eq!(target("/x:y"), Target::Site);
        assert_eq!(target("?q=a:b"), Target::Site);
        assert_eq!(target("#a:b"), Target::Site);
        assert_eq!(target("a.html"), Target::Site);
        assert_eq!(target(""), Target::Site);
        assert_eq!(target("j\na\rv\u{c}a\u{0}script:x"), Target::Refused);
        assert_eq!(target("httpx://a.example"), Target::Refused);
        assert_eq!(target("tel:123"), Target::Refused);
        assert_eq!(target(":x"), Target::Refused);
    }

    #[test]
    fn plain_text_keeps_only_words() {
        let markdown = "# Title\n\nSome *emphasis*,   `code` and [a link](https://x.example).\n\n\
                        - one\n- two\n  - nested\n\n| a | b |\n|---|---|\n| c | d |\n\n\
                        ![alt text](p.png) <b>raw</b>";
        assert_eq!(
            to_plain_text(markdown, 1000),
            "Title Some emphasis, code and a link. one two nested a b c d alt text <b>raw</b>"
        );
        assert_eq!(to_plain_text("a &amp; b\n\n\n  c", 100), "a & b c");
    }

    #[test]
    fn plain_text_is_cut_to_fit() {
        assert_eq!(to_plain_text("hello world", 11), "hello world");
        assert_eq!(to_plain_text("hello world", 10), "hello wor…");
        assert_eq!(to_plain_text("hello world", 7), "hello…");
        assert_eq!(to_plain_text("hello world", 1), "…");
        assert_eq!(to_plain_text("hello world", 0), "");
        assert_eq!(to_plain_text("ééééé", 5), "ééééé");
        assert_eq!(to_plain_text("ééééé", 4), "ééé…");
        assert_eq!(to_plain_text("日本語のテキスト", 3), "日本…");
        assert_eq!(to_plain_text("**hello** world", 8).chars().count(), 8);
    }

    const SOUP: &[&str] = &[
        "[",
        "]",
        "(",
        ")",
        "![",
        "](",
        "<",
        ">",
        "\"",
        "'",
        "`",
        "*",
        "#",
        "|",
        "-",
        "\\",
        ":",
        "/",
        " ",
        "\t",
        "\n",
        "\n\n",
        "x",
        "&",
        "&amp;",
        "&#x09;",
        "&#106;",
        "&#58;",
        "&colon;",
        "\u{1}",
        "java",
        "script:",
        "javascript:",
        "JaVaScRiPt:",
        "vbscript:",
        "data:",
        "file:",
        "http://e.example/",
        "https:",
        "mailto:",
        "//",
        "<script>",
        "</script>",
        "<img src=x ",
        "onerror=alert(1)",
        "<a href=\"javascript:alert(1)\">",
        "</a>",
        "<div>",
        "<!--",
        "-->",
        "[r]: ",
        "```",
        "    ",
        "# ",
        "> ",
        "1. ",
        "---",
    ];

    proptest! {
        #[test]
        fn any_soup_renders_safely(
            parts in proptest::collection::vec(proptest::sample::select(SOUP), 0..60)
        ) {
            let markdown = parts.concat();
            let out = to_safe_html(&markdown);
            assert_safe(&out);
            prop_assert!(!out.contains("<script"));
            prop_assert!(!out.contains("<img"));
            let text = to_plain_text(&markdown, 20);
            prop_assert!(text.chars().count() <= 20);
        }
    }
}
