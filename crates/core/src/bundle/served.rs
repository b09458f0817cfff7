//! How a version's own files are served to the readers of its description: pictures inline, every
//! other file as a download. Nothing from a bundle is ever served as a page of the site, so no HTML
//! or script an author packaged can run in a reader's browser.

/// How the server answers for one file of a bundle, decided by its name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Served {
    /// A picture the description may show inline (`<img>`), in this media type.
    Picture(&'static str),
    /// Anything else: a download (`Content-Disposition: attachment`) in this media type.
    Download(&'static str),
}

impl Served {
    pub fn media_type(self) -> &'static str {
        match self {
            Served::Picture(media_type) | Served::Download(media_type) => media_type,
        }
    }
}

/// How `name` (a path inside the bundle) is served. Browsers show these picture formats in `<img>`,
/// where even an SVG's scripts never run; a `.html` or `.js` file is only ever a download.
pub fn served_as(name: &str) -> Served {
    let extension = name
        .rsplit_once('.')
        .filter(|(stem, _)| !stem.is_empty() && !stem.ends_with('/'))
        .map(|(_, extension)| extension.to_ascii_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "png" => Served::Picture("image/png"),
        "jpg" | "jpeg" => Served::Picture("image/jpeg"),
        "gif" => Served::Picture("image/gif"),
        "webp" => Served::Picture("image/webp"),
        "avif" => Served::Picture("image/avif"),
        "svg" => Served::Picture("image/svg+xml"),
        "pdf" => Served::Download("application/pdf"),
        "csv" => Served::Download("text/csv; charset=utf-8"),
        "txt" | "md" | "markdown" | "rst" | "json" | "toml" | "yaml" | "yml" | "py" | "log" | "ipynb" => {
            Served::Download("text/plain; charset=utf-8")
        }
        _ => Served::Download("application/octet-stream"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_by_extension_whatever_the_case() {
        assert_eq!(served_as("static/screenshot-1.png"), Served::Picture("image/png"));
        assert_eq!(served_as("docs/Flow.JPG"), Served::Picture("image/jpeg"));
        assert_eq!(served_as("diagram.svg"), Served::Picture("image/svg+xml"));
    }

    #[test]
    fn pages_and_scripts_are_downloads() {
        for name in ["index.html", "docs/page.htm", "app.js", "evil.xhtml", "a.svgz"] {
            assert_eq!(served_as(name), Served::Download("application/octet-stream"), "{name}");
        }
        assert_eq!(served_as("guide.pdf"), Served::Download("application/pdf"));
        assert_eq!(served_as("app.py").media_type(), "text/plain; charset=utf-8");
    }

    #[test]
    fn names_without_an_extension_are_downloads() {
        for name in ["LICENSE", ".png", "static/.png", "Makefile"] {
            assert_eq!(served_as(name), Served::Download("application/octet-stream"), "{name}");
        }
    }
}
