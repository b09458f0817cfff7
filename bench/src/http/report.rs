//! The HTTP benchmarks' report: a header (date, machine, tools, load, data, commit), the load table
//! with ratios to the static peer, the page table with ratios to the raw fetch, and notes.

use super::load::{LoadRow, WRK_ARGS};
use super::page::{PageTiming, PAGE_LOADS};
use super::Tools;
use crate::table::Table;
use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

/// The median (the mean of the middle two for an even count).
pub fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    match sorted.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => sorted[n / 2],
        n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0,
    }
}

/// A number with `decimals` decimals, or `-` when there is none.
pub fn number(value: f64, decimals: usize) -> String {
    if value.is_finite() {
        format!("{value:.decimals$}")
    } else {
        "-".into()
    }
}

/// `ours / peer` with two decimals, or empty when there is nothing to compare with.
pub fn ratio(ours: f64, peer: f64) -> String {
    if peer > 0.0 && ours.is_finite() && peer.is_finite() {
        format!("{:.2}", ours / peer)
    } else {
        String::new()
    }
}


/// What one benchmark's report says besides its numbers.
pub struct ReportKind {
    /// The first line, e.g. `Wavehub catalog benchmark`.
    pub title: &'static str,
    /// The Markdown file's heading, e.g. `Catalog benchmark`.
    pub doc_title: &'static str,
    pub command: &'static str,
    /// What is load-tested, e.g. `Catalog API`.
    pub api: &'static str,
    /// What is timed in the browser, e.g. `Catalog page`.
    pub page: &'static str,
    /// Which page, as whom, e.g. `` `/` signed in as the plain user ``.
    pub page_scope: &'static str,
    /// The page measures `(key, label)` in the table's order; `raw-fetch` is the peer.
    pub page_measures: &'static [(&'static str, &'static str)],
    /// The measures given a ratio to the raw fetch.
    pub page_compared: &'static [&'static str],
    /// Usernames shown under another name in the page table's `as` column.
    pub callers: &'static [(&'static str, &'static str)],
    /// Notes after the run's own facts; [`SHARED_NOTES`] follow them.
    pub notes: &'static [&'static str],
}

/// The notes every HTTP benchmark's report ends with: how wrk, the static peer and the machine
/// bend the numbers.
const SHARED_NOTES: &[&str] = &[
    "wrk sends no Accept-Encoding, so answers are not compressed; the browser's are (gzip)",
    "the static file is served by tower-http's ServeDir, which opens and reads it on tokio's blocking thread pool for every request: small API answers can be faster than it",
    "the machine is shared: other builds and tests ran at the same time, so the numbers are noisy; compare rows of one run, not runs",
];

/// Everything the report shows.
pub struct Report {
    pub kind: &'static ReportKind,
    pub date: String,
    pub machine: String,
    pub tools: String,
    pub load: String,
    pub data: String,
    /// The commit measured, and whether the server or web app had uncommitted changes.
    pub code: String,
    pub elapsed_secs: f64,
    pub rows: Vec<LoadRow>,
    pub page: Option<PageTiming>,
    pub facts: Vec<String>,
}

impl Report {
    pub fn render(&self) -> String {
        let kind = self.kind;
        let mut out = String::new();
        let _ = writeln!(out, "{}", kind.title);
        let _ = writeln!(out, "date:    {}", self.date);
        let _ = writeln!(out, "machine: {}", self.machine);
        let _ = writeln!(out, "tools:   {}", self.tools);
        let _ = writeln!(out, "load:    {}", self.load);
        let _ = writeln!(out, "data:    {}", self.data);
        let _ = writeln!(out, "code:    {}", self.code);
        let _ = writeln!(out, "command: {} (took {:.0} s up to this report, builds and seeding included)", kind.command, self.elapsed_secs);
        let _ = writeln!(out);

        let _ = writeln!(
            out,
            "{} under load: wrk {} on loopback, one URL at a time; API rows authenticate with `Authorization: Bearer <API token>`",
            kind.api,
            WRK_ARGS.join(" ")
        );
        let mut table = Table::new(&[
            ("what", false),
            ("as", false),
            ("bytes", true),
            ("first ms", true),
            ("requests", true),
            ("req/s", true),
            ("p50 ms", true),
            ("p99 ms", true),
            ("req/s ÷ static", true),
            ("p50 ÷ static", true),
            ("note", false),
        ]);
        let peer = self.rows.first().and_then(|row| row.result.clone());
        for (i, row) in self.rows.iter().enumerate() {
            let mut notes = Vec::new();
            if !row.note.is_empty() {
                notes.push(row.note.clone());
            }
            let bytes = if row.bytes == 0 { "-".to_owned() } else { row.bytes.to_string() };
            let mut cells = vec![row.what.clone(), row.caller.clone(), bytes, number(row.first_ms, 1)];
            match &row.result {
                None => cells.extend(std::iter::repeat_n("-".to_owned(), 6)),
                Some(r) => {
                    if r.non_2xx > 0 {
                        notes.push(format!("{} non-2xx answers", r.non_2xx));
                    }
                    if r.errors > 0 {
                        notes.push(format!("{} socket errors/timeouts", r.errors));
                    }
                    if r.requests == 0 {
                        notes.push("no request finished during the run".into());
                    }
                    let (req_ratio, p50_ratio) = match &peer {
                        Some(peer) if i > 0 => (ratio(r.requests_per_sec, peer.requests_per_sec), ratio(r.p50_ms, peer.p50_ms)),
                        _ => (String::new(), String::new()),
                    };
                    cells.extend([
                        r.requests.to_string(),
                        number(r.requests_per_sec, 1),
                        number(r.p50_ms, 2),
                        number(r.p99_ms, 2),
                        req_ratio,
                        p50_ratio,
                    ]);
                }
            }
            cells.push(notes.join("; "));
            table.rows.push(cells);
        }
        table.render(&mut out);
        let _ = writeln!(
            out,
            "(each URL on a freshly started server: \"first ms\" is its first request alone, then wrk; ratios against the first row, the same bytes as the default page served as a file: req/s below 1 and p50 above 1 mean slower than the file)"
        );
        let _ = writeln!(out);

        match &self.page {
            None => {
                let _ = writeln!(out, "{} in headless Chromium: not measured in this run", kind.page);
            }
            Some(page) => self.render_page(page, &mut out),
        }
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes");
        for fact in &self.facts {
            let _ = writeln!(out, "- {fact}");
        }
        for note in kind.notes.iter().chain(SHARED_NOTES) {
            let _ = writeln!(out, "- {note}");
        }
        out
    }

    fn render_page(&self, page: &PageTiming, out: &mut String) {
        let kind = self.kind;
        let _ = writeln!(
            out,
            "{} in headless Chromium: {}, warm HTTP cache (one load first) except first visits, {PAGE_LOADS} loads each; ms unless a row says KB",
            kind.page, kind.page_scope
        );
        let mut table = Table::new(&[
            ("measure", false),
            ("as", false),
            ("runs", true),
            ("median", true),
            ("min", true),
            ("max", true),
            ("÷ raw fetch", true),
        ]);
        let mut users: Vec<&str> = Vec::new();
        for (user, _, _) in &page.results {
            if !users.contains(&user.as_str()) {
                users.push(user);
            }
        }
        for user in users {
            let values = |measure: &str| page.results.iter().find(|(u, m, _)| u == user && m == measure).map(|(_, _, v)| v.as_slice());
            let peer = values("raw-fetch").map(median);
            let shown_user = kind.callers.iter().find(|(name, _)| *name == user).map_or(user, |(_, label)| *label);
            for (measure, label) in kind.page_measures {
                let Some(values) = values(measure) else { continue };
                let med = median(values);
                let shown_ratio = match peer {
                    Some(peer) if kind.page_compared.contains(measure) => ratio(med, peer),
                    _ => String::new(),
                };
                let min = values.iter().copied().fold(f64::INFINITY, f64::min);
                let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                table.rows.push(vec![
                    (*label).to_owned(),
                    shown_user.to_owned(),
                    values.len().to_string(),
                    format!("{med:.1}"),
                    format!("{min:.1}"),
                    format!("{max:.1}"),
                    shown_ratio,
                ]);
            }
        }
        table.render(out);
        if let Some((_, url)) = page.info.iter().find(|(k, _)| k == "api-url") {
            let _ = writeln!(out, "(the page's query: {url}; the ratio is median ÷ the raw fetch's median)");
        }
    }

    pub fn markdown(&self, text: &str) -> String {
        format!(
            "# {}\n\nMeasured by `{}` on {} ({}). The command overwrites this file with the numbers \
             of its run; nothing here is typed by hand.\n\n```text\n{text}```\n",
            self.kind.doc_title, self.kind.command, self.date, self.machine
        )
    }

    /// Prints the report, writes it to `doc` (relative to the root), and fails when requests failed.
    pub fn finish(&self, root: &Path, doc: &str, started: Instant) -> Result<(), String> {
        let text = self.render();
        println!();
        print!("{text}");
        println!();
        let path = root.join(doc);
        std::fs::write(&path, self.markdown(&text)).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
        println!("xtask: wrote {doc}; the benchmark took {:.0} s", started.elapsed().as_secs_f64());
        if self.rows.iter().filter_map(|row| row.result.as_ref()).any(|r| r.errors > 0 || r.non_2xx > 0) {
            return Err("some requests failed (see the table's notes)".into());
        }
        Ok(())
    }
}

/// `wrk debian/4.1.0-3+b2 [epoll], Chromium 156.0, Node v20`: wrk's version, and the browser's and
/// Node's when the page half ran.
pub fn tools_line(tools: &Tools, root: &Path, page: Option<&PageTiming>) -> String {
    let mut parts = vec![first_line(tools.command(root, "wrk").arg("-v")).unwrap_or_else(|| "wrk".into())];
    if let Some(page) = page {
        parts.extend(page.info.iter().filter(|(k, _)| k == "chromium" || k == "node").map(|(k, v)| match k.as_str() {
            "chromium" => format!("Chromium {v}"),
            _ => format!("Node {v}"),
        }));
    }
    parts.iter().map(|p| p.split(" Copyright").next().unwrap_or(p).trim().to_owned()).collect::<Vec<_>>().join(", ")
}

/// The report's `load:` line from the load averages before and after the load runs.
pub fn load_line(before: Option<String>, after: Option<String>) -> String {
    format!(
        "1-minute load average {} and {} at the start and end of the load runs (other work on the machine skews the numbers)",
        before.unwrap_or_else(|| "?".into()),
        after.unwrap_or_else(|| "?".into())
    )
}

/// The first line a command prints on stdout or stderr, whatever its exit status (`wrk -v` exits 1).
fn first_line(command: &mut std::process::Command) -> Option<String> {
    let output = command.output().ok()?;
    let text = if output.stdout.is_empty() { output.stderr } else { output.stdout };
    String::from_utf8_lossy(&text).lines().next().map(str::to_owned)
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use super::super::load::WrkResult;

    #[test]
    fn medians_and_ratios() {
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[4.0, 1.0, 2.0, 3.0]), 2.5);
        assert!(median(&[]).is_nan());
        assert_eq!(ratio(50.0, 200.0), "0.25");
        assert_eq!(ratio(1.0, 0.0), "");
        assert_eq!(ratio(f64::NAN, 1.0), "");
    }

    /// A load row with these numbers (for the benches' report tests).
    pub(crate) fn row(what: &str, caller: &str, rps: f64, p50: f64) -> LoadRow {
        LoadRow {
            what: what.into(),
            caller: caller.into(),
            bytes: 100,
            first_ms: p50,
            note: String::new(),
            result: Some(WrkResult { requests: 10, requests_per_sec: rps, p50_ms: p50, p99_ms: p50 * 2.0, non_2xx: 0, errors: 0 }),
        }
    }

    #[test]
    fn load_lines() {
        assert!(load_line(Some("1.5".into()), None).starts_with("1-minute load average 1.5 and ? at the start"));
    }
}
