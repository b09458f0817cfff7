//! App descriptions: the LongDescription Markdown that app authors write, rendered to HTML the
//! page can insert with `innerHTML`, and to plain text for previews.
//!
//! Authors are untrusted, so the rules work on pulldown-cmark's event stream, not on its output:
//! - a link passes only with a scheme on a short allowlist; a relative one points at the bundle's
//!   own file (see [`BundleLinks`]) when the bundle has it, and nowhere otherwise;
//! - an image shows inline only when it is one of the bundle's own pictures; any other becomes a
//!   link to it, so a description cannot make readers' browsers fetch outside addresses (no
//!   tracking pixels);
//! - raw HTML passes only as the few tags [`raw_html`] lists, rebuilt from their parsed names and
//!   attributes; anything else an author writes between `<` and `>` shows as the text it is;
//! - every tag written by hand is built from escaped values.

mod raw_html;

use crate::bundle::served::{served_as, Served};
use pulldown_cmark::{Alignment, CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

/// Where a refused link points: nowhere, but the link text still shows.
const REFUSED: &str = "#";

/// What an external link gets besides its `href`: no handle on our window, no referrer, no rank
/// passed on to the author's site, and a new tab so the store stays open.
const EXTERNAL: &str = r#" rel="noopener noreferrer nofollow" target="_blank""#;

/// The link text of an image that has no alt text, so its link is not invisible.
const UNNAMED_IMAGE: &str = "image";

/// The bundle a description came from: its relative links and images resolve against the
/// description file's folder, and point at the bundle's files as the server serves them.
pub struct BundleLinks<'a> {
    /// Where the bundle's files are served, ending in `/`: `/api/v1/apps/7/files/`.
    pub files_url: &'a str,
    /// The folder of the LongDescription file in the bundle: `""` at the top, else ending in `/`.
    pub folder: &'a str,
    /// Whether the bundle holds a file of exactly this name (`/`-separated, no leading `/`).
    pub has_file: &'a dyn Fn(&str) -> bool,
}

impl BundleLinks<'_> {
    /// The bundle's file a relative URL names, read the way a browser reads it against the
    /// description's folder: `?query` and `#fragment` dropped, `%XX` decoded, `.` and `..` walked
    /// (never above the top). `None` when the bundle has no such file.
    fn find(&self, relative: &str) -> Option<String> {
        let path = relative.split(['?', '#']).next().unwrap_or_default().replace('\\', "/");
        let path = crate::text::percent_decode(&path)?;
        let mut parts: Vec<&str> = self.folder.split('/').filter(|part| !part.is_empty()).collect();
        for part in path.split('/') {
            match part {
                "" | "." => {}
                ".." => {
                    parts.pop()?;
                }
                part => parts.push(part),
            }
        }
        let name = parts.join("/");
        (!name.is_empty() && (self.has_file)(&name)).then_some(name)
    }

    /// The address the server serves the bundle's file `name` at.
    fn url_of(&self, name: &str) -> String {
        let path: Vec<String> = name.split('/').map(crate::apps::percent_encode).collect();
        format!("{}{}", self.files_url, path.join("/"))
    }
}

/// `markdown` as HTML that is safe to insert into the page. With `bundle`, relative links and
/// images point at the bundle's own files; without it (a preview before upload) they go nowhere.
///
/// Tables and strikethrough are on; headings move two levels down (`#` is `<h3>`) because the
/// page around the description already has its `<h1>` and `<h2>`.
pub fn to_safe_html(markdown: &str, bundle: Option<&BundleLinks<'_>>) -> String {
    let events = safe_events(markdown, bundle);
    let mut html = String::with_capacity(markdown.len() + markdown.len() / 2);
    pulldown_cmark::html::push_html(&mut html, events.into_iter());
    html
}

/// The words of `markdown` without markup, whitespace collapsed to single spaces, for cards and
/// snippets; longer than `max_chars` characters, it is cut to fit, "…" included.
///
/// The result is plain text, not HTML: raw HTML in the Markdown is kept as the words it is, so set
/// it as text, never as `innerHTML`.
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

/// Where a table's cells are, for writing them by hand: pulldown-cmark would align them with a
/// `style` attribute, which the page's Content-Security-Policy refuses, so they get a class.
#[derive(Default)]
struct TableCells {
    alignments: Vec<Alignment>,
    in_head: bool,
    column: usize,
}

impl TableCells {
    fn open(&self) -> String {
        let tag = if self.in_head { "th" } else { "td" };
        match self.alignments.get(self.column) {
            Some(Alignment::Left) => format!(r#"<{tag} class="align-left">"#),
            Some(Alignment::Center) => format!(r#"<{tag} class="align-center">"#),
            Some(Alignment::Right) => format!(r#"<{tag} class="align-right">"#),
            Some(Alignment::None) | None => format!("<{tag}>"),
        }
    }

    fn close(&mut self) -> String {
        self.column += 1;
        format!("</{}>", if self.in_head { "th" } else { "td" })
    }
}

/// The parser's events with every rule of this module applied; push_html may write them as they
/// are.
fn safe_events<'a>(markdown: &'a str, bundle: Option<&BundleLinks<'_>>) -> Vec<Event<'a>> {
    let mut out = Vec::new();
    let mut open: Vec<Close> = Vec::new();
    let mut raw = raw_html::RawHtml::default();
    let mut table = TableCells::default();
    let mut events = parser(markdown).peekable();
    while let Some(event) = events.next() {
        match event {
            // An HTML block that opens with an allowed tag is that tag's block; one that opens
            // with anything else (text, or a tag shown as text) becomes a paragraph, so it still
            // reads as a block.
            Event::Start(Tag::HtmlBlock) => {
                let mut source = String::new();
                for event in events.by_ref() {
                    match event {
                        Event::Html(part) | Event::Text(part) => source.push_str(&part),
                        _ => break,
                    }
                }
                let pieces = raw.pieces(source.trim(), bundle);
                let paragraph = !matches!(pieces.first(), Some(raw_html::Piece::Markup(_)));
                if paragraph {
                    out.push(Event::Start(Tag::Paragraph));
                }
                out.extend(pieces.into_iter().map(raw_html::Piece::into_event));
                if paragraph {
                    out.push(Event::End(TagEnd::Paragraph));
                }
            }
            Event::Html(source) | Event::InlineHtml(source) => {
                out.extend(raw.pieces(&source, bundle).into_iter().map(raw_html::Piece::into_event));
            }
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
            Event::Start(Tag::Table(alignments)) => {
                table = TableCells { alignments: alignments.clone(), ..TableCells::default() };
                out.push(Event::Start(Tag::Table(alignments)));
            }
            Event::Start(Tag::TableHead) => {
                (table.in_head, table.column) = (true, 0);
                out.push(Event::Start(Tag::TableHead));
            }
            Event::End(TagEnd::TableHead) => {
                table.in_head = false;
                out.push(Event::End(TagEnd::TableHead));
            }
            Event::Start(Tag::TableRow) => {
                table.column = 0;
                out.push(Event::Start(Tag::TableRow));
            }
            Event::Start(Tag::TableCell) => out.push(Event::Html(CowStr::from(table.open()))),
            Event::End(TagEnd::TableCell) => out.push(Event::Html(CowStr::from(table.close()))),
            Event::Start(Tag::Link {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                let close = open_link(&mut out, &open, link_type, dest_url, title, bundle);
                open.push(close);
            }
            Event::Start(Tag::Image {
                link_type,
                dest_url,
                title,
                ..
            }) => {
                if let Some(src) = bundle_picture(&dest_url, bundle) {
                    let alt = alt_text(&mut events);
                    out.push(Event::Html(CowStr::from(picture_tag(&src, &alt, &title, &[]))));
                    continue;
                }
                let close = open_link(&mut out, &open, link_type, dest_url, title, bundle);
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
    let unclosed = raw.close_all();
    if !unclosed.is_empty() {
        out.push(Event::Html(CowStr::from(unclosed)));
    }
    out
}

/// The words of an image's alt text, up to and including its end: the `alt` of an `<img>` is
/// plain text, whatever Markdown the author wrote in it.
fn alt_text<'a>(events: &mut impl Iterator<Item = Event<'a>>) -> String {
    let mut alt = String::new();
    let mut depth = 1;
    for event in events {
        match event {
            Event::Start(Tag::Image { .. }) => depth += 1,
            Event::End(TagEnd::Image) => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            Event::Text(words) | Event::Code(words) => alt.push_str(&words),
            Event::SoftBreak | Event::HardBreak => alt.push(' '),
            _ => {}
        }
    }
    alt
}

/// The address of the bundle's own picture `url` names, when it does.
fn bundle_picture(url: &str, bundle: Option<&BundleLinks<'_>>) -> Option<String> {
    match destination(url, bundle) {
        Destination::File { url, name } if matches!(served_as(&name), Served::Picture(_)) => Some(url),
        _ => None,
    }
}

/// An `<img>` of the bundle's own picture at `src`, its values escaped; `size` holds the `width`
/// and `height` an author gave in raw HTML, already checked to be numbers.
fn picture_tag(src: &str, alt: &str, title: &str, size: &[(&str, &str)]) -> String {
    let mut tag = format!(r#"<img src="{}" alt="{}""#, escape(src), escape(alt));
    if !title.is_empty() {
        tag.push_str(&format!(r#" title="{}""#, escape(title)));
    }
    for (name, value) in size {
        tag.push_str(&format!(r#" {name}="{}""#, escape(value)));
    }
    tag.push_str(r#" loading="lazy">"#);
    tag
}

/// Opens a link (or an image, which becomes a link to it) to where `dest_url` points, or to
/// [`REFUSED`], and says how to close it.
fn open_link<'a>(
    out: &mut Vec<Event<'a>>,
    open: &[Close],
    link_type: LinkType,
    dest_url: CowStr<'a>,
    title: CowStr<'a>,
    bundle: Option<&BundleLinks<'_>>,
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
    let href = match destination(&href, bundle) {
        Destination::External => {
            out.push(Event::Html(CowStr::from(external_link_tag(&href, &title))));
            return Close::Html;
        }
        Destination::File { url, name } => {
            out.push(Event::Html(CowStr::from(file_link_tag(&url, &name, &title))));
            return Close::Html;
        }
        Destination::Site => href,
        Destination::Nowhere => CowStr::Borrowed(REFUSED),
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

/// The `<a …>` of a link that leaves the store.
fn external_link_tag(href: &str, title: &str) -> String {
    link_tag(href, title, EXTERNAL)
}

/// `<a href title` + `attributes` + `>`, `href` and `title` escaped.
fn link_tag(href: &str, title: &str, attributes: &str) -> String {
    let mut tag = format!(r#"<a href="{}""#, escape(href));
    if !title.is_empty() {
        tag.push_str(&format!(r#" title="{}""#, escape(title)));
    }
    tag.push_str(attributes);
    tag.push('>');
    tag
}

/// The `<a …>` of a link to one of the bundle's files, its values escaped. It says how it opens
/// (a download, or a picture in its own tab) so the web app's router leaves the click to the browser
/// instead of looking for a page at that address.
fn file_link_tag(url: &str, name: &str, title: &str) -> String {
    let opens = match served_as(name) {
        Served::Picture(_) => r#" target="_blank" rel="noopener""#,
        Served::Download(_) => " download",
    };
    link_tag(url, title, opens)
}

/// Where a link or image points, once judged.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Destination {
    /// Leaves the store (see [`Target::External`]): keep the URL, open it apart.
    External,
    /// A page of this site or `mailto:`: keep the URL.
    Site,
    /// One of the bundle's own files: its address, and its name in the bundle.
    File { url: String, name: String },
    /// Nowhere: a refused scheme, or a relative path the bundle (if any) does not have.
    Nowhere,
}

fn destination(url: &str, bundle: Option<&BundleLinks<'_>>) -> Destination {
    match target(url) {
        Target::External => Destination::External,
        Target::Site => Destination::Site,
        Target::Relative => {
            // As a browser reads a URL: controls and spaces around it go, tabs and newlines
            // anywhere; spaces inside stay (a file may have one in its name).
            let path: String = url.trim_matches(|c: char| c <= ' ').chars().filter(|c| !matches!(c, '\t' | '\n' | '\r')).collect();
            bundle
                .and_then(|bundle| bundle.find(&path).map(|name| Destination::File { url: bundle.url_of(&name), name }))
                .unwrap_or(Destination::Nowhere)
        }
        Target::Refused => Destination::Nowhere,
    }
}

/// What a link target is, as far as the page cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// `http:`, `https:`, or another host without a scheme (`//host/path`): leaves the store.
    External,
    /// A path from the top of this site (`/…`), a `#fragment` or `?query` of this page, or
    /// `mailto:`.
    Site,
    /// A path relative to the description (`shot.png`, `docs/guide.pdf`): a file of its bundle.
    Relative,
    /// Any other scheme (`javascript:`, `data:`, `vbscript:`, `file:`, …) runs or reads something
    /// it should not; an empty target would only reload the page.
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
        None if bare.starts_with(['/', '\\', '#', '?']) => Target::Site,
        None if bare.is_empty() => Target::Refused,
        None => Target::Relative,
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
            // The author's own HTML that passes (raw_html::ALLOWED).
            "details",
            "summary",
            "sub",
            "sup",
            "div",
            "b",
            "i",
            "kbd",
            "s",
            "ins",
            "img",
        ];
        for tag in tags(html) {
            let name = tag.name.trim_start_matches('/');
            assert!(TAGS.contains(&name), "tag <{}> in {html:?}", tag.name);
            for (attr, value) in &tag.attrs {
                let allowed = match name {
                    "a" => ["href", "title", "rel", "target", "download"].contains(&attr.as_str()),
                    "img" => ["src", "alt", "title", "width", "height", "loading"].contains(&attr.as_str()),
                    "details" => attr == "open",
                    "ol" => attr == "start",
                    "th" | "td" => attr == "class",
                    "code" => attr == "class",
                    _ => false,
                };
                assert!(allowed, "attribute {attr} on <{name}> in {html:?}");
                assert!(
                    !attr.to_ascii_lowercase().starts_with("on"),
                    "handler in {html:?}"
                );
                if attr == "src" {
                    assert!(value.starts_with(FILES), "src {value:?} in {html:?}");
                }
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
        let html = to_safe_html(markdown, None);
        assert_safe(&html);
        html
    }

    /// Where the tests' bundle files are served.
    const FILES: &str = "/api/v1/apps/7/files/";

    /// `markdown` as the description `folder/about.md` (or `about.md` at the top when `folder` is
    /// empty) of a bundle holding `files`.
    fn html_in(markdown: &str, folder: &str, files: &[&str]) -> String {
        let has_file = |name: &str| files.contains(&name);
        let bundle = BundleLinks { files_url: FILES, folder, has_file: &has_file };
        let html = to_safe_html(markdown, Some(&bundle));
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
    fn img_handlers_never_pass() {
        // Not the bundle's picture: nothing is loaded, nothing runs.
        assert_eq!(html("Look <img src=x onerror=alert(1)> here"), "<p>Look  here</p>\n");
        assert_eq!(html("<img src=x onerror=alert(1) alt=pic>"), "<p>pic</p>\n");
        // The bundle's picture: shown, without the handler.
        let out = html_in("<img src=x.png onerror=alert(1) alt=pic>", "", &["x.png"]);
        assert_eq!(out, format!("<img src=\"{FILES}x.png\" alt=\"pic\" loading=\"lazy\">"));
    }

    #[test]
    fn html_blocks_keep_their_lines_as_text() {
        assert_eq!(html("<script>\nalert(1)\n</script>"), "<p>&lt;script&gt;\nalert(1)\n&lt;/script&gt;</p>\n");
        let out = html("<div onclick=\"steal()\">\nhello\n</div>\n\nafter");
        assert_eq!(out, "<div>\nhello\n</div>\n<p>after</p>\n");
    }

    #[test]
    fn raw_links_lead_nowhere_refused_and_comments_go() {
        let out = html(r#"<a href="javascript:alert(1)">x</a> and <!-- hidden -->"#);
        assert_eq!(out, "<p><a>x</a> and </p>\n");
        assert_eq!(
            html(r#"<iframe src="https://evil.example"></iframe>"#),
            "<p>&lt;iframe src=\"https://evil.example\"&gt;&lt;/iframe&gt;</p>\n"
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
    fn percent_encoded_colon_is_a_relative_path() {
        // No `:`, so browsers read it as a relative path too: a file the bundle does not have.
        assert_eq!(html("[x](javascript%3Aalert(1))"), "<p><a href=\"#\">x</a></p>\n");
        assert_eq!(html_in("[x](javascript%3Aalert(1))", "", &["about.md"]), "<p><a href=\"#\">x</a></p>\n");
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
        // Relative paths are the bundle's files; without a bundle (a preview) they go nowhere.
        assert_eq!(html("[c](page.html)"), "<p><a href=\"#\">c</a></p>\n");
        assert_eq!(html("[e](a/b:c)"), "<p><a href=\"#\">e</a></p>\n");
        assert_eq!(html("[f]()"), "<p><a href=\"#\">f</a></p>\n");
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
        assert_eq!(html("![](shot.png)"), "<p><a href=\"#\">image</a></p>\n");
        assert_eq!(
            html("![*big* `x`](a.png)"),
            "<p><a href=\"#\"><em>big</em> <code>x</code></a></p>\n"
        );
    }

    #[test]
    fn the_bundles_own_pictures_show_inline() {
        let files = ["about.md", "static/screenshot-1.png", "docs/img/flow.svg", "logo.png"];
        assert_eq!(
            html_in("![First screen](static/screenshot-1.png \"Start\")", "", &files),
            format!("<p><img src=\"{FILES}static/screenshot-1.png\" alt=\"First screen\" title=\"Start\" loading=\"lazy\"></p>\n")
        );
        // Relative to the description's own folder, `.` and `..` walked like a browser does.
        assert_eq!(
            html_in("![*The* flow](img/flow.svg)", "docs/", &files),
            format!("<p><img src=\"{FILES}docs/img/flow.svg\" alt=\"The flow\" loading=\"lazy\"></p>\n")
        );
        assert_eq!(
            html_in("![logo](../logo.png)", "docs/", &files),
            format!("<p><img src=\"{FILES}logo.png\" alt=\"logo\" loading=\"lazy\"></p>\n")
        );
        // A picture the bundle does not have, or above its top, is a link to nowhere.
        assert_eq!(html_in("![gone](static/gone.png)", "", &files), "<p><a href=\"#\">gone</a></p>\n");
        assert_eq!(html_in("![up](../../logo.png)", "docs/", &files), "<p><a href=\"#\">up</a></p>\n");
        // Outside pictures are still never fetched.
        assert_eq!(
            html_in("![p](https://tracker.example/p.gif)", "", &files),
            format!("<p><a href=\"https://tracker.example/p.gif\"{REL}>p</a></p>\n")
        );
        // A badge-style picture inside a link shows inside it.
        assert_eq!(
            html_in("[![logo](logo.png)](https://h2o.ai)", "", &files),
            format!("<p><a href=\"https://h2o.ai\"{REL}><img src=\"{FILES}logo.png\" alt=\"logo\" loading=\"lazy\"></a></p>\n")
        );
    }

    #[test]
    fn relative_links_open_the_bundles_files() {
        let files = ["docs/User Guide.pdf", "data/sample.csv", "about.md"];
        assert_eq!(
            html_in("[guide](docs/User%20Guide.pdf#page=2)", "", &files),
            format!("<p><a href=\"{FILES}docs/User%20Guide.pdf\" download>guide</a></p>\n")
        );
        assert_eq!(
            html_in("[guide](<./docs/User Guide.pdf>)", "", &files),
            format!("<p><a href=\"{FILES}docs/User%20Guide.pdf\" download>guide</a></p>\n")
        );
        // A file that is not a picture, written as an image, is a link to it.
        assert_eq!(
            html_in("![the data](data/sample.csv)", "", &files),
            format!("<p><a href=\"{FILES}data/sample.csv\" download>the data</a></p>\n")
        );
        assert_eq!(html_in("[missing](nothing.txt)", "", &files), "<p><a href=\"#\">missing</a></p>\n");
        // A picture linked to (not shown) opens in its own tab.
        assert_eq!(
            html_in("[full size](shot.png)", "", &["shot.png"]),
            format!("<p><a href=\"{FILES}shot.png\" target=\"_blank\" rel=\"noopener\">full size</a></p>\n")
        );
        // Pages of the site and fragments keep their meaning.
        assert_eq!(html_in("[top](#about) [home](/apps)", "", &files), "<p><a href=\"#about\">top</a> <a href=\"/apps\">home</a></p>\n");
    }

    #[test]
    fn readme_html_keeps_its_layout() {
        let files = ["logo.png", "shot.png"];
        assert_eq!(
            html_in("<p align=\"center\">\n  <img src=\"logo.png\" width=\"200\" height=\"50%\" alt=\"Logo\">\n</p>", "", &files),
            format!("<p>\n  <img src=\"{FILES}logo.png\" alt=\"Logo\" width=\"200\" loading=\"lazy\">\n</p>")
        );
        assert_eq!(
            html_in("<details>\n<summary>Screens</summary>\n\n![shot](shot.png)\n\n</details>\n\nH<sub>2</sub>O<br>next", "", &files),
            format!(
                "<details>\n<summary>Screens</summary>\n\
                 <p><img src=\"{FILES}shot.png\" alt=\"shot\" loading=\"lazy\"></p>\n</details>\n\
                 <p>H<sub>2</sub>O<br>next</p>\n"
            )
        );
        // Left open by the author, closed at the end.
        assert_eq!(html("<details>\n\ntext"), "<details>\n<p>text</p>\n</details>");
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
            "<table><thead><tr><th class=\"align-left\">Name</th>\
             <th class=\"align-right\">Size</th></tr></thead><tbody>\n\
             <tr><td class=\"align-left\"><em>a</em></td>\
             <td class=\"align-right\">1</td></tr>\n\
             <tr><td class=\"align-left\"><b>b</b></td>\
             <td class=\"align-right\">2</td></tr>\n</tbody></table>\n"
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
        assert_eq!(to_safe_html("", None), "");
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
        assert_eq!(target("a.html"), Target::Relative);
        assert_eq!(target("../a/b:c"), Target::Relative);
        assert_eq!(target(""), Target::Refused);
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
        "<details>",
        "</details>",
        "<summary>",
        "<img src=",
        "<a href=",
        "</a>",
        "<sub>",
        " onerror=",
        "shot.png",
        "../",
        "%2e",
        "<!--",
        "-->",
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
            let out = to_safe_html(&markdown, None);
            assert_safe(&out);
            prop_assert!(!out.contains("<script"));
            prop_assert!(!out.contains("<img"));
            // With a bundle, pictures show (assert_safe checks every src is the bundle's).
            let out = html_in(&markdown, "docs/", &["shot.png", "docs/shot.png", "x"]);
            prop_assert!(!out.contains("<script"));
            let text = to_plain_text(&markdown, 20);
            prop_assert!(text.chars().count() <= 20);
        }
    }
}
