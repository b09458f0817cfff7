//! The HTML an author may write in a description: the few tags READMEs use for layout
//! ([`ALLOWED`]), each rebuilt from its parsed name and the attributes it may keep, so nothing else
//! an author writes reaches the page as markup. Any other tag shows as the text it is; comments
//! are dropped, as every Markdown viewer hides them.

use super::{destination, external_link_tag, file_link_tag, link_tag, picture_tag, BundleLinks, Destination};
use crate::bundle::served::{served_as, Served};
use pulldown_cmark::{CowStr, Event};

/// A tag authors may write, and the attributes it keeps. `img` and `a` are judged further (their
/// `src` and `href` go through the same rules as Markdown's images and links).
struct Allowed {
    name: &'static str,
    attributes: &'static [&'static str],
    /// Has no end tag (`<br>`).
    void: bool,
}

const fn tag(name: &'static str) -> Allowed {
    Allowed { name, attributes: &[], void: false }
}

const ALLOWED: &[Allowed] = &[
    Allowed { name: "details", attributes: &["open"], void: false },
    tag("summary"),
    tag("sub"),
    tag("sup"),
    tag("p"),
    tag("div"),
    tag("b"),
    tag("i"),
    tag("em"),
    tag("strong"),
    tag("code"),
    tag("kbd"),
    tag("s"),
    tag("del"),
    tag("ins"),
    Allowed { name: "a", attributes: &["href", "title"], void: false },
    Allowed { name: "br", attributes: &[], void: true },
    Allowed { name: "hr", attributes: &[], void: true },
    Allowed { name: "img", attributes: &["src", "alt", "title", "width", "height"], void: true },
];

/// A run of raw HTML after judging: text shows as it is (escaped when written), markup is ours.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Piece {
    Text(String),
    Markup(String),
}

impl Piece {
    pub(super) fn into_event<'a>(self) -> Event<'a> {
        match self {
            Piece::Text(text) => Event::Text(CowStr::from(text)),
            Piece::Markup(html) => Event::Html(CowStr::from(html)),
        }
    }
}

/// The author's allowed tags still open, across the whole description (a `<details>` opens in one
/// HTML block and closes in another, with Markdown between).
#[derive(Default)]
pub(super) struct RawHtml {
    open: Vec<&'static str>,
}

impl RawHtml {
    /// `source` (raw HTML as the parser found it) as text and rebuilt tags.
    pub(super) fn pieces(&mut self, source: &str, bundle: Option<&BundleLinks<'_>>) -> Vec<Piece> {
        let mut pieces = Vec::new();
        let mut text_from = 0;
        let mut at = 0;
        while let Some(offset) = source[at..].find('<') {
            let start = at + offset;
            let (rebuilt, end) = match parse(source, start) {
                Some(Parsed::Comment { end }) => (Some(Vec::new()), end),
                // A tag that is not allowed stays text, all of it (a `<` in its values included).
                Some(Parsed::Tag { tag, end }) => (self.rebuild(&tag, bundle), end),
                None => (None, start + 1),
            };
            if let Some(markup) = rebuilt {
                push_text(&mut pieces, &source[text_from..start]);
                pieces.extend(markup);
                text_from = end;
            }
            at = end;
        }
        push_text(&mut pieces, &source[text_from..]);
        pieces
    }

    /// The end tags of whatever the author left open, innermost first.
    pub(super) fn close_all(&mut self) -> String {
        self.open.drain(..).rev().map(|name| format!("</{name}>")).collect()
    }

    /// `tag` as our own markup, or `None` when it is not allowed (it then shows as text).
    fn rebuild(&mut self, tag: &Tag, bundle: Option<&BundleLinks<'_>>) -> Option<Vec<Piece>> {
        let allowed = ALLOWED.iter().find(|allowed| allowed.name == tag.name)?;
        if tag.closing {
            // An end tag closes what opened since its start tag; one that matches nothing goes.
            let closes = self.open.iter().rposition(|name| *name == allowed.name).filter(|_| !allowed.void);
            let closed = closes.map(|at| self.open.split_off(at)).unwrap_or_default();
            return Some(closed.iter().rev().map(|name| Piece::Markup(format!("</{name}>"))).collect());
        }
        let pieces = match allowed.name {
            "img" => image(tag, bundle),
            "a" => vec![Piece::Markup(anchor(tag, bundle))],
            name => {
                let mut html = format!("<{name}");
                for attribute in allowed.attributes {
                    // The only attributes kept this way are boolean (`<details open>`).
                    if tag.attribute(attribute).is_some() {
                        html.push_str(&format!(" {attribute}"));
                    }
                }
                html.push('>');
                vec![Piece::Markup(html)]
            }
        };
        if !allowed.void {
            self.open.push(allowed.name);
        }
        Some(pieces)
    }
}

fn push_text(pieces: &mut Vec<Piece>, text: &str) {
    if !text.is_empty() {
        pieces.push(Piece::Text(text.to_owned()));
    }
}

/// An author's `<img>`: the bundle's own picture shows; any other (an outside address, which would
/// tell the author who reads the page) is its alt text.
fn image(tag: &Tag, bundle: Option<&BundleLinks<'_>>) -> Vec<Piece> {
    let alt = tag.attribute("alt").unwrap_or_default();
    let src = tag.attribute("src").unwrap_or_default();
    match destination(src, bundle) {
        Destination::File { url, name } if matches!(served_as(&name), Served::Picture(_)) => {
            let size: Vec<(&str, &str)> = ["width", "height"]
                .into_iter()
                .filter_map(|name| tag.attribute(name).filter(|value| is_pixels(value)).map(|value| (name, value)))
                .collect();
            vec![Piece::Markup(picture_tag(&url, alt, tag.attribute("title").unwrap_or_default(), &size))]
        }
        _ if alt.is_empty() => Vec::new(),
        _ => vec![Piece::Text(alt.to_owned())],
    }
}

/// A size in pixels as HTML writes it: a few digits.
fn is_pixels(value: &str) -> bool {
    (1..=4).contains(&value.len()) && value.bytes().all(|byte| byte.is_ascii_digit())
}

/// An author's `<a>`, its `href` judged like a Markdown link's; a refused one keeps no `href`, so
/// its words show without leading anywhere.
fn anchor(tag: &Tag, bundle: Option<&BundleLinks<'_>>) -> String {
    let title = tag.attribute("title").unwrap_or_default();
    let Some(href) = tag.attribute("href") else {
        return "<a>".to_owned();
    };
    match destination(href, bundle) {
        Destination::External => external_link_tag(href, title),
        Destination::File { url, name } => file_link_tag(&url, &name, title),
        Destination::Site => link_tag(href, title, ""),
        Destination::Nowhere => "<a>".to_owned(),
    }
}

/// A start or end tag as written: its name lowercased, attribute names lowercased, values with
/// their character references decoded (so a `src` is judged as the browser would read it).
#[derive(Debug)]
struct Tag {
    name: String,
    closing: bool,
    attributes: Vec<(String, String)>,
}

impl Tag {
    fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes.iter().find(|(key, _)| key == name).map(|(_, value)| value.as_str())
    }
}

enum Parsed {
    Tag { tag: Tag, end: usize },
    Comment { end: usize },
}

/// Reads the tag or comment that starts at `source[start]` (a `<`), and where it ends; `None` when
/// what follows is not one (a lone `<`, `a < b`, a tag cut short), which then shows as text.
fn parse(source: &str, start: usize) -> Option<Parsed> {
    let rest = &source[start..];
    if let Some(comment) = rest.strip_prefix("<!--") {
        let end = comment.find("-->")?;
        return Some(Parsed::Comment { end: start + 4 + end + 3 });
    }
    let bytes = source.as_bytes();
    let mut at = start + 1;
    let closing = bytes.get(at) == Some(&b'/');
    if closing {
        at += 1;
    }
    let name_start = at;
    if !bytes.get(at)?.is_ascii_alphabetic() {
        return None;
    }
    while bytes.get(at).is_some_and(|byte| byte.is_ascii_alphanumeric() || *byte == b'-') {
        at += 1;
    }
    let name = source[name_start..at].to_ascii_lowercase();
    let mut attributes = Vec::new();
    loop {
        while bytes.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        match bytes.get(at)? {
            b'>' => return Some(Parsed::Tag { tag: Tag { name, closing, attributes }, end: at + 1 }),
            b'/' if bytes.get(at + 1) == Some(&b'>') => {
                return Some(Parsed::Tag { tag: Tag { name, closing, attributes }, end: at + 2 })
            }
            b'/' => {
                at += 1;
                continue;
            }
            _ => {}
        }
        let key_start = at;
        while bytes.get(at).is_some_and(|byte| !byte.is_ascii_whitespace() && !b"/>=\"'<".contains(byte)) {
            at += 1;
        }
        if at == key_start {
            return None;
        }
        let key = source[key_start..at].to_ascii_lowercase();
        while bytes.get(at)?.is_ascii_whitespace() {
            at += 1;
        }
        let mut value = "";
        if bytes.get(at) == Some(&b'=') {
            at += 1;
            while bytes.get(at)?.is_ascii_whitespace() {
                at += 1;
            }
            match bytes.get(at)? {
                quote @ (b'"' | b'\'') => {
                    let length = source[at + 1..].find(char::from(*quote))?;
                    value = &source[at + 1..at + 1 + length];
                    at += length + 2;
                }
                _ => {
                    let value_start = at;
                    while bytes.get(at).is_some_and(|byte| !byte.is_ascii_whitespace() && *byte != b'>') {
                        at += 1;
                    }
                    value = &source[value_start..at];
                }
            }
        }
        attributes.push((key, decode_references(value)));
    }
}

/// `value` with the character references browsers decode in attributes: `&amp;`, `&lt;`, `&gt;`,
/// `&quot;`, `&apos;` and numeric ones. Others stay as written (and are escaped when written out,
/// so they cannot turn into anything).
fn decode_references(value: &str) -> String {
    let mut decoded = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(at) = rest.find('&') {
        decoded.push_str(&rest[..at]);
        rest = &rest[at..];
        let Some(end) = rest.find(';').filter(|end| *end <= 10) else {
            decoded.push('&');
            rest = &rest[1..];
            continue;
        };
        let name = &rest[1..end];
        let character = match name {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => name
                .strip_prefix("#x")
                .or_else(|| name.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| name.strip_prefix('#').and_then(|digits| digits.parse().ok()))
                .and_then(char::from_u32),
        };
        match character {
            Some(character) => {
                decoded.push(character);
                rest = &rest[end + 1..];
            }
            None => {
                decoded.push('&');
                rest = &rest[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pieces(source: &str) -> Vec<Piece> {
        RawHtml::default().pieces(source, None)
    }

    #[test]
    fn allowed_tags_are_rebuilt_without_their_other_attributes() {
        assert_eq!(
            pieces(r#"<details open class="x" onclick="steal()"><SUMMARY id=y>More</summary>"#),
            [
                Piece::Markup("<details open>".into()),
                Piece::Markup("<summary>".into()),
                Piece::Text("More".into()),
                Piece::Markup("</summary>".into()),
            ]
        );
        assert_eq!(pieces("<br/>"), [Piece::Markup("<br>".into())]);
        assert_eq!(pieces(r#"<p align="center">"#), [Piece::Markup("<p>".into())]);
    }

    #[test]
    fn other_tags_and_broken_ones_are_text() {
        for source in ["<script>alert(1)</script>", "<iframe src=x>", "a < b", "<b", "<img src='x>", "<svg onload=x>"] {
            let out = pieces(source);
            assert!(out.iter().all(|piece| matches!(piece, Piece::Text(_))), "{source:?}: {out:?}");
        }
    }

    #[test]
    fn comments_go() {
        assert_eq!(pieces("a<!-- hidden <b> -->b"), [Piece::Text("a".into()), Piece::Text("b".into())]);
        // An unterminated comment is text, like any broken tag.
        assert_eq!(pieces("<!-- open"), [Piece::Text("<!-- open".into())]);
    }

    #[test]
    fn end_tags_close_only_what_is_open() {
        let mut raw = RawHtml::default();
        assert_eq!(raw.pieces("</details>", None), []);
        assert_eq!(
            raw.pieces("<details><b>x</details>", None),
            [
                Piece::Markup("<details>".into()),
                Piece::Markup("<b>".into()),
                Piece::Text("x".into()),
                Piece::Markup("</b>".into()),
                Piece::Markup("</details>".into()),
            ]
        );
        raw.pieces("<details><sub>", None);
        assert_eq!(raw.close_all(), "</sub></details>");
        assert_eq!(raw.close_all(), "");
    }

    #[test]
    fn images_without_a_bundle_are_their_alt_text() {
        assert_eq!(pieces(r#"<img src="https://tracker.example/p.gif" alt="Logo">"#), [Piece::Text("Logo".into())]);
        assert_eq!(pieces(r#"<img src="shot.png">"#), []);
    }

    #[test]
    fn links_are_judged_like_markdown_links() {
        assert_eq!(
            pieces(r#"<a href="java&#115;cript:alert(1)" onclick=x>x</a>"#),
            [Piece::Markup("<a>".into()), Piece::Text("x".into()), Piece::Markup("</a>".into())]
        );
        assert_eq!(
            pieces(r#"<a href="https://h2o.ai/?a=1&amp;b=2">x</a>"#)[0],
            Piece::Markup(r#"<a href="https://h2o.ai/?a=1&amp;b=2" rel="noopener noreferrer nofollow" target="_blank">"#.into())
        );
    }

    #[test]
    fn references_decode_as_browsers_decode_them() {
        assert_eq!(decode_references("a&amp;b&#58;&#x3A;&colon;&"), "a&b::&colon;&");
        assert_eq!(decode_references("&#xD800;"), "&#xD800;");
    }
}
