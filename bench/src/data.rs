//! The benchmark's data: a Wave app folder generated from a seed and a size, the same bytes on every
//! machine. About 60% of the bytes are text that deflates 3–5× (Python, CSV, JSON, Markdown made
//! from a word list and code templates), 40% is already compressed (wheels, PNG and JPEG images: a
//! real header, then bytes deflate cannot shrink). The app is valid: `app.toml` names `app.py` and a
//! LongDescription, `requirements.txt` names the wheels, `static/` has an icon (a real PNG) and
//! screenshots.
//!
//! Bigger apps get bigger files rather than more of them, so the 1 GB bundle stays well under the
//! 10,000-file limit.

use crate::rng::Rng;
use std::fmt::Write as _;
use std::sync::OnceLock;

pub const MB: u64 = 1_000_000;

/// What a file holds, and how to make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Content {
    /// Bytes decided when the layout is made (app.toml, requirements.txt, the icon).
    Fixed(Vec<u8>),
    Generated {
        kind: Kind,
        seed: u64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Python,
    Csv,
    Json,
    Markdown,
    Wheel,
    Png,
    Jpeg,
}

impl Kind {
    /// Text (deflated by every packager) or already compressed.
    pub fn is_text(self) -> bool {
        matches!(self, Kind::Python | Kind::Csv | Kind::Json | Kind::Markdown)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileSpec {
    /// Relative, `/`-separated.
    pub path: String,
    pub size: u64,
    pub content: Content,
}

impl FileSpec {
    /// The file's bytes: exactly `size` of them.
    pub fn bytes(&self) -> Vec<u8> {
        match &self.content {
            Content::Fixed(bytes) => bytes.clone(),
            Content::Generated { kind, seed } => generate(*kind, *seed, self.size as usize),
        }
    }

    pub fn is_text(&self) -> bool {
        match &self.content {
            Content::Fixed(_) => !self.path.ends_with(".png"),
            Content::Generated { kind, .. } => kind.is_text(),
        }
    }
}

/// The files of an app of about `total` bytes, sorted by path (byte order).
pub fn layout(name: &str, total: u64, seed: u64) -> Vec<FileSpec> {
    let mut rng = Rng::new(seed);
    let mut files: Vec<FileSpec> = Vec::new();
    let generated = |files: &mut Vec<FileSpec>, rng: &mut Rng, path: String, size: u64, kind: Kind| {
        files.push(FileSpec { path, size: size.max(1), content: Content::Generated { kind, seed: rng.fork() } });
    };

    // The files every app has.
    generated(&mut files, &mut rng, "app.py".into(), 12_000, Kind::Python);
    generated(&mut files, &mut rng, "README.md".into(), 24_000, Kind::Markdown);
    let icon = icon_png();
    files.push(FileSpec { path: "static/icon.png".into(), size: icon.len() as u64, content: Content::Fixed(icon) });
    const SCREENSHOTS: u64 = 3;
    const SCREENSHOT_BYTES: u64 = 1_200_000;
    for i in 1..=SCREENSHOTS {
        generated(&mut files, &mut rng, format!("static/screenshot-{i}.png"), SCREENSHOT_BYTES, Kind::Png);
    }

    let text = total * 6 / 10;
    let compressed = (total * 4 / 10).saturating_sub(SCREENSHOTS * SCREENSHOT_BYTES);
    let words = words();

    // Python modules in packages of about a dozen files.
    for (i, size) in split(&mut rng, text * 25 / 100, 24_000, 4, 600).into_iter().enumerate() {
        let package = i / 12;
        let path = format!("src/{}_{package}/{}_{i}.py", words.plain(package * 7 + 3), words.plain(i * 13 + 5));
        generated(&mut files, &mut rng, path, size, Kind::Python);
    }
    for (i, size) in split(&mut rng, text * 35 / 100, 1_000_000, 1, 40).into_iter().enumerate() {
        generated(&mut files, &mut rng, format!("data/{}_{i}.csv", words.plain(i * 11 + 2)), size, Kind::Csv);
    }
    for (i, size) in split(&mut rng, text * 15 / 100, 150_000, 1, 150).into_iter().enumerate() {
        generated(&mut files, &mut rng, format!("data/json/{}_{i}.json", words.plain(i * 17 + 1)), size, Kind::Json);
    }
    for (i, size) in split(&mut rng, text * 25 / 100, 30_000, 2, 300).into_iter().enumerate() {
        let topic = i / 20;
        let path = format!("docs/{}_{topic}/{}_{i}.md", words.plain(topic * 5 + 9), words.plain(i * 19 + 4));
        generated(&mut files, &mut rng, path, size, Kind::Markdown);
    }
    let mut wheels = Vec::new();
    for (i, size) in split(&mut rng, compressed * 70 / 100, 2_000_000, 1, 60).into_iter().enumerate() {
        let version = format!("{}.{}.{}", rng.range(0, 4), rng.range(0, 30), rng.range(0, 10));
        let path = format!("wheels/{}_{i}-{version}-py3-none-any.whl", words.plain(i * 23 + 6));
        wheels.push(path.clone());
        generated(&mut files, &mut rng, path, size, Kind::Wheel);
    }
    for (i, size) in split(&mut rng, compressed * 30 / 100, 250_000, 1, 200).into_iter().enumerate() {
        let (extension, kind) = if i % 3 == 2 { ("jpg", Kind::Jpeg) } else { ("png", Kind::Png) };
        let path = format!("static/img/{}_{i}.{extension}", words.plain(i * 29 + 8));
        generated(&mut files, &mut rng, path, size, kind);
    }

    let manifest = manifest(name);
    files.push(FileSpec { path: "app.toml".into(), size: manifest.len() as u64, content: Content::Fixed(manifest) });
    let requirements = requirements(&wheels);
    files.push(FileSpec {
        path: "requirements.txt".into(),
        size: requirements.len() as u64,
        content: Content::Fixed(requirements),
    });
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// Splits `budget` bytes into files of about `average` bytes (between `min` and `max` files).
fn split(rng: &mut Rng, budget: u64, average: u64, min: u64, max: u64) -> Vec<u64> {
    if budget == 0 {
        return Vec::new();
    }
    let count = (budget / average.max(1)).clamp(min, max) as usize;
    let weights: Vec<f64> = (0..count).map(|_| 0.25 + 1.5 * rng.f64()).collect();
    let sum: f64 = weights.iter().sum();
    let mut sizes: Vec<u64> = weights.iter().map(|w| (budget as f64 * w / sum) as u64).collect();
    let assigned: u64 = sizes.iter().sum();
    sizes[0] += budget.saturating_sub(assigned);
    sizes
}

fn manifest(name: &str) -> Vec<u8> {
    format!(
        r#"[App]
Name = "ai.h2o.wave.bench-{name}"
Version = "1.0.0"
Title = "Sensor dashboard ({name})"
Description = "A generated app for Wavehub's bundle benchmark"
LongDescription = "README.md"
Tags = ["DATA_SCIENCE"]

[Runtime]
Module = "app"
MemoryLimit = "2Gi"
"#
    )
    .into_bytes()
}

fn requirements(wheels: &[String]) -> Vec<u8> {
    let mut text = String::from("# generated for the benchmark\nh2o-wave==1.5.1\npandas==2.2.2\nnumpy>=1.26\n");
    for wheel in wheels {
        let _ = writeln!(text, "./{wheel}");
    }
    text.into_bytes()
}

/// `len` bytes of `kind`, from `seed`.
pub fn generate(kind: Kind, seed: u64, len: usize) -> Vec<u8> {
    let mut rng = Rng::new(seed);
    let mut out = match kind {
        Kind::Python => text_until(len, |s| python_chunk(&mut rng, s)),
        Kind::Csv => csv(&mut rng, len),
        Kind::Json => text_until(len, |s| json_chunk(&mut rng, s)),
        Kind::Markdown => text_until(len, |s| markdown_chunk(&mut rng, s)),
        Kind::Wheel => {
            // A zip's local header signature, then what a wheel's deflated contents look like.
            let mut bytes = b"PK\x03\x04".to_vec();
            bytes.extend(rng.bytes(len.saturating_sub(4)));
            bytes
        }
        Kind::Png => fake_png(&mut rng, len),
        Kind::Jpeg => {
            let mut bytes = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00".to_vec();
            bytes.extend(rng.bytes(len.saturating_sub(bytes.len() + 2)));
            bytes.extend_from_slice(b"\xFF\xD9");
            bytes
        }
    };
    out.truncate(len);
    out.resize(len, b'\n');
    out
}

fn text_until(len: usize, mut chunk: impl FnMut(&mut String)) -> Vec<u8> {
    let mut text = String::with_capacity(len + 4096);
    while text.len() < len {
        chunk(&mut text);
    }
    text.into_bytes()
}

/// The vocabulary: common words first (the most frequent), then made-up ones, drawn with a Zipf
/// distribution like words of real text.
pub struct Words {
    list: Vec<String>,
    /// Cumulative weights, the last one 1.0.
    cdf: Vec<f64>,
}

pub fn words() -> &'static Words {
    static WORDS: OnceLock<Words> = OnceLock::new();
    WORDS.get_or_init(|| {
        const COMMON: &str = "the of and to in a is that for it as with was on be by this are from or at \
            data model value user app table column row train test score result file path name time date \
            sensor site status temperature pressure humidity report chart plot card page form button \
            input output request response session server client query index frame series array list \
            dict config option setting default metric loss accuracy feature label sample batch epoch \
            layer weight bias mean median count total error warning message event handler route state \
            update create delete select filter group sort merge join split load save read write open \
            close start stop run check parse format build deploy image icon theme color width height";
        const SYLLABLES: &[&str] = &[
            "ka", "lo", "ri", "ten", "mar", "pol", "sen", "dat", "ra", "vi", "no", "te", "qua", "bel", "dor", "fin",
            "gra", "hex", "ion", "jun", "kel", "lum", "mi", "nex", "or", "pra", "sol", "tri", "ul", "ver", "wa", "zen",
        ];
        let mut list: Vec<String> = COMMON.split_whitespace().map(str::to_owned).collect();
        let mut rng = Rng::new(0x005E_ED0F_3A2D);
        while list.len() < 3000 {
            let syllables = rng.range(2, 5);
            let word: String = (0..syllables).map(|_| *rng.pick(SYLLABLES)).collect();
            list.push(word);
        }
        let weights: Vec<f64> = (0..list.len()).map(|rank| 1.0 / (rank as f64 + 2.0).powf(1.05)).collect();
        let sum: f64 = weights.iter().sum();
        let mut acc = 0.0;
        let mut cdf: Vec<f64> = weights
            .iter()
            .map(|w| {
                acc += w / sum;
                acc
            })
            .collect();
        *cdf.last_mut().expect("words") = 1.0;
        Words { list, cdf }
    })
}

impl Words {
    /// A word, Zipf-distributed.
    pub fn draw(&self, rng: &mut Rng) -> &str {
        let u = rng.f64();
        let at = self.cdf.partition_point(|&c| c < u).min(self.list.len() - 1);
        &self.list[at]
    }

    /// The `i`-th word (for names), letters only.
    pub fn plain(&self, i: usize) -> &str {
        &self.list[i % self.list.len()]
    }

    fn sentence(&self, rng: &mut Rng, out: &mut String) {
        let count = rng.range(6, 20);
        for i in 0..count {
            let word = self.draw(rng);
            if i == 0 {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.push(first.to_ascii_uppercase());
                    out.push_str(chars.as_str());
                }
            } else {
                out.push(' ');
                out.push_str(word);
                if rng.range(0, 12) == 0 {
                    out.push(',');
                }
            }
        }
        out.push('.');
    }

    fn identifier(&self, rng: &mut Rng) -> String {
        if rng.range(0, 3) == 0 {
            format!("{}_{}", self.draw(rng), self.draw(rng))
        } else {
            self.draw(rng).to_owned()
        }
    }
}

fn python_chunk(rng: &mut Rng, out: &mut String) {
    let w = words();
    if out.is_empty() {
        out.push_str(
            "from h2o_wave import main, app, Q, ui, on, handle_on, data\nimport pandas as pd\nimport numpy as np\n",
        );
        let _ = writeln!(out, "from .{} import {}, {}\n", w.identifier(rng), w.identifier(rng), w.identifier(rng));
    }
    match rng.range(0, 4) {
        0 => {
            let (name, a, b, x, i) =
                (w.identifier(rng), w.identifier(rng), w.identifier(rng), w.identifier(rng), w.draw(rng));
            let _ = write!(out, "\ndef {name}({a}, {b}={}):\n    \"\"\"", rng.range(0, 100));
            w.sentence(rng, out);
            let _ = write!(
                out,
                "\"\"\"\n    {x} = {a}.{}({b})\n    if {x} > {}:\n        return {x} * {:.3}\n    for {i} in range(len({a})):\n        {x} += {a}[{i}] / {}\n    return {x}\n",
                w.draw(rng),
                rng.range(0, 1000),
                rng.f64() * 10.0,
                rng.range(1, 50)
            );
        }
        1 => {
            let (route, card, title) = (w.draw(rng), w.identifier(rng), w.draw(rng));
            let (column, field, label, value) = (rng.range(1, 12), w.identifier(rng), w.draw(rng), w.draw(rng));
            let (button, caption) = (w.identifier(rng), w.draw(rng));
            let _ = write!(
                out,
                "\n@app('/{route}')\nasync def serve_{card}(q: Q):\n    q.page['{card}'] = ui.form_card(box='{column}', items=[\n        ui.text_xl('{title}'),\n        ui.textbox(name='{field}', label='{label}', value='{value}'),\n        ui.button(name='{button}', label='{caption}', primary=True),\n    ])\n    await q.page.save()\n",
            );
        }
        2 => {
            let class = w.draw(rng);
            let _ = write!(out, "\nclass {}{}:\n    # ", class.to_ascii_uppercase(), rng.range(0, 100));
            w.sentence(rng, out);
            let _ = write!(
                out,
                "\n    def __init__(self, {a}, {b}):\n        self.{a} = {a}\n        self.{b} = {b}\n        self.{c} = pd.DataFrame(columns=['{d}', '{e}'])\n",
                a = w.identifier(rng),
                b = w.identifier(rng),
                c = w.identifier(rng),
                d = w.draw(rng),
                e = w.draw(rng)
            );
        }
        _ => {
            let _ = writeln!(out, "\n# {} {} {}", w.draw(rng), w.draw(rng), w.draw(rng));
            let _ = writeln!(
                out,
                "{} = np.array([{}, {}, {}], dtype=np.float32)",
                w.identifier(rng),
                rng.range(0, 999),
                rng.range(0, 999),
                rng.range(0, 999)
            );
        }
    }
}

/// Sensor readings: timestamps a minute apart, values that drift.
fn csv(rng: &mut Rng, len: usize) -> Vec<u8> {
    let w = words();
    let sites: Vec<&str> = (0..12).map(|i| w.plain(i * 31 + 7)).collect();
    let mut out = String::with_capacity(len + 256);
    out.push_str("timestamp,sensor_id,site,temperature,humidity,pressure,status,score\n");
    let (mut temperature, mut humidity, mut pressure) = (20.0_f64, 45.0_f64, 1013.0_f64);
    let mut minute: u64 = rng.range(0, 100_000);
    while out.len() < len {
        minute += 1;
        temperature += (rng.f64() - 0.5) * 0.4;
        humidity = (humidity + (rng.f64() - 0.5) * 0.8).clamp(5.0, 95.0);
        pressure += (rng.f64() - 0.5) * 0.6;
        let status = match rng.range(0, 50) {
            0 => "FAIL",
            1..=3 => "WARN",
            _ => "OK",
        };
        let _ = writeln!(
            out,
            "2024-{:02}-{:02}T{:02}:{:02}:00Z,{},{},{temperature:.2},{humidity:.1},{pressure:.1},{status},{:.3}",
            (minute / 43_200) % 12 + 1,
            (minute / 1440) % 28 + 1,
            (minute / 60) % 24,
            minute % 60,
            1000 + rng.range(0, 40),
            rng.pick(&sites),
            rng.f64()
        );
    }
    out.into_bytes()
}

fn json_chunk(rng: &mut Rng, out: &mut String) {
    let w = words();
    if out.is_empty() {
        out.push_str("[\n");
    }
    let (id, name, kind, enabled, score) = (rng.range(0, 1_000_000), w.identifier(rng), w.draw(rng), rng.range(0, 2) == 0, rng.f64());
    let (tag, other_tag) = (w.draw(rng), w.draw(rng));
    let _ = write!(
        out,
        "  {{\n    \"id\": {id},\n    \"name\": \"{name}\",\n    \"kind\": \"{kind}\",\n    \"enabled\": {enabled},\n    \"score\": {score:.4},\n    \"tags\": [\"{tag}\", \"{other_tag}\"],\n    \"description\": \"",
    );
    w.sentence(rng, out);
    out.push_str("\"\n  },\n");
}

fn markdown_chunk(rng: &mut Rng, out: &mut String) {
    let w = words();
    match rng.range(0, 6) {
        0 => {
            let _ = writeln!(out, "\n## {} {}\n", w.draw(rng), w.draw(rng));
        }
        1 => {
            for _ in 0..rng.range(2, 6) {
                out.push_str("- ");
                w.sentence(rng, out);
                out.push('\n');
            }
            out.push('\n');
        }
        2 => {
            let _ = write!(
                out,
                "```python\nfrom h2o_wave import ui\nq.page['{}'] = ui.markdown_card(box='{}', title='{}', content='{}')\n```\n\n",
                w.draw(rng),
                rng.range(1, 12),
                w.draw(rng),
                w.draw(rng)
            );
        }
        _ => {
            for _ in 0..rng.range(2, 6) {
                w.sentence(rng, out);
                out.push(' ');
            }
            out.push_str("\n\n");
        }
    }
}

/// A PNG's signature and IHDR (1280×800, RGB), then an IDAT of bytes deflate cannot shrink, then
/// IEND: what the structural pass sniffs is real, the rest is as incompressible as real pixels.
/// A real PNG of exactly `len` bytes whose pixels are random, so it does not compress, like a real
/// screenshot: 1280 pixels wide, random rows in stored (uncompressed) deflate blocks, and a private
/// ancillary chunk (which decoders skip) filling the rest. Checks decode screenshots, so its data
/// must be a real image, not random bytes.
fn fake_png(rng: &mut Rng, len: usize) -> Vec<u8> {
    const WIDTH: usize = 1280;
    const ROW: usize = 1 + WIDTH * 3;
    // Signature, IHDR, IDAT's and IEND's chunk framing, zlib's header and checksum, padding chunk.
    const FIXED: usize = 8 + 25 + 12 + 12 + 6 + 12;
    let mut height = len.saturating_sub(FIXED) / (ROW + 1).max(1);
    loop {
        let raw_len = height * ROW;
        let idat_len = 2 + raw_len + 5 * raw_len.div_ceil(65_535).max(1) + 4;
        let without_padding = 8 + 25 + 12 + idat_len + 12;
        if height <= 1 || without_padding + 12 <= len {
            let mut raw = Vec::with_capacity(raw_len);
            for _ in 0..height {
                raw.push(0); // filter: none
                raw.extend(rng.bytes(WIDTH * 3));
            }
            let mut out = Vec::with_capacity(len);
            out.extend_from_slice(b"\x89PNG\r\n\x1a\n");
            png_chunk(&mut out, b"IHDR", &ihdr(WIDTH as u32, height.max(1) as u32));
            png_chunk(&mut out, b"IDAT", &stored_zlib(&raw));
            let padding = len.saturating_sub(out.len() + 12 + 12);
            png_chunk(&mut out, b"waVe", &vec![0; padding]);
            png_chunk(&mut out, b"IEND", &[]);
            return out;
        }
        height -= 1;
    }
}

/// `data` as a zlib stream of stored deflate blocks: valid, and exactly as large as the data.
fn stored_zlib(data: &[u8]) -> Vec<u8> {
    let mut out = vec![0x78, 0x01];
    let mut blocks = data.chunks(65_535).peekable();
    if blocks.peek().is_none() {
        out.extend_from_slice(&[1, 0, 0, 0xFF, 0xFF]);
    }
    while let Some(block) = blocks.next() {
        out.push(u8::from(blocks.peek().is_none()));
        let size = block.len() as u16;
        out.extend_from_slice(&size.to_le_bytes());
        out.extend_from_slice(&(!size).to_le_bytes());
        out.extend_from_slice(block);
    }
    out.extend_from_slice(&adler2::adler32_slice(data).to_be_bytes());
    out
}

fn ihdr(width: u32, height: u32) -> Vec<u8> {
    let mut data = Vec::with_capacity(13);
    data.extend_from_slice(&width.to_be_bytes());
    data.extend_from_slice(&height.to_be_bytes());
    data.extend_from_slice(&[8, 2, 0, 0, 0]); // 8-bit RGB, deflate, adaptive filters, no interlace
    data
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// A real 512×512 PNG icon (a gradient with a disc), small enough for the catalog's guideline.
pub fn icon_png() -> Vec<u8> {
    const SIZE: usize = 512;
    let mut raw = Vec::with_capacity(SIZE * (SIZE * 3 + 1));
    for y in 0..SIZE {
        raw.push(0); // filter: none
        for x in 0..SIZE {
            let (dx, dy) = (x as i64 - 256, y as i64 - 256);
            let inside = dx * dx + dy * dy < 160 * 160;
            let pixel = if inside { [250, 200, 40] } else { [(x / 2) as u8, (y / 2) as u8, 160] };
            raw.extend_from_slice(&pixel);
        }
    }
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    png_chunk(&mut out, b"IHDR", &ihdr(SIZE as u32, SIZE as u32));
    png_chunk(&mut out, b"IDAT", &miniz_oxide::deflate::compress_to_vec_zlib(&raw, 9));
    png_chunk(&mut out, b"IEND", &[]);
    out
}

/// Total bytes, and the share that is text.
pub fn totals(files: &[FileSpec]) -> (u64, u64) {
    let total = files.iter().map(|f| f.size).sum();
    let text = files.iter().filter(|f| f.is_text()).map(|f| f.size).sum();
    (total, text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use wavehub_core::bundle::{check_bundle_bytes, BundleOptions};
    use wavehub_core::package::package_files;

    #[test]
    fn the_same_seed_gives_the_same_app() {
        let a = layout("t", 2 * MB, 7);
        let b = layout("t", 2 * MB, 7);
        assert_eq!(a, b);
        for (x, y) in a.iter().zip(&b).take(20) {
            assert_eq!(x.bytes(), y.bytes());
        }
        assert_ne!(layout("t", 2 * MB, 8), a);
    }

    #[test]
    fn files_have_their_announced_size_and_the_mix_is_mostly_text() {
        let files = layout("t", 20 * MB, 1);
        let mut paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        paths.dedup();
        assert_eq!(paths.len(), files.len(), "paths are unique");
        for file in &files {
            assert_eq!(file.bytes().len() as u64, file.size, "{}", file.path);
        }
        let (total, text) = totals(&files);
        assert!((18 * MB..22 * MB).contains(&total), "{total}");
        let share = text as f64 / total as f64;
        assert!((0.55..0.65).contains(&share), "text share {share}");
    }

    #[test]
    fn text_deflates_three_to_five_times() {
        for kind in [Kind::Python, Kind::Csv, Kind::Json, Kind::Markdown] {
            let bytes = generate(kind, 3, 400_000);
            let deflated = miniz_oxide::deflate::compress_to_vec(&bytes, 6);
            let ratio = bytes.len() as f64 / deflated.len() as f64;
            assert!((2.5..7.0).contains(&ratio), "{kind:?} deflates {ratio:.2}×");
        }
    }

    #[test]
    fn a_generated_app_is_a_valid_bundle() {
        let files: Vec<(String, Vec<u8>)> =
            layout("t", 8 * MB, 5).iter().map(|f| (f.path.clone(), f.bytes())).collect();
        let bundle = package_files(&files).expect("packages");
        let report = check_bundle_bytes(&bundle, &BundleOptions::default());
        assert!(report.valid, "{:?}", report.errors);
        assert_eq!(report.icon.as_deref(), Some("static/icon.png"));
        assert_eq!(report.screenshots.len(), 3);
    }
}
