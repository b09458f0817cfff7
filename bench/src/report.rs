//! The plain-text report: what `cargo xtask bench bundle` prints and writes to `docs/bench-bundle.md`.
//! Every number comes from the measurements of the run.

use crate::model::{BrowserRun, DataSet, Measurement, NativeRun};
use crate::table::Table;
use std::fmt::Write as _;

pub struct Context<'a> {
    pub data: &'a DataSet,
    pub native: &'a NativeRun,
    pub browser: Option<&'a BrowserRun>,
    pub command: &'a str,
    pub date: String,
    pub machine: String,
    /// Seconds the command had run when the report was made, when the caller says.
    pub elapsed: Option<String>,
}

fn all<'a>(ctx: &'a Context) -> Vec<&'a Measurement> {
    let mut list: Vec<&Measurement> = ctx.native.measurements.iter().collect();
    if let Some(browser) = ctx.browser {
        list.extend(browser.measurements.iter());
    }
    list
}

fn mb(bytes: u64) -> String {
    format!("{:.1}", bytes as f64 / 1e6)
}

fn speed(m: &Measurement) -> String {
    m.mb_per_s().map_or_else(|| "—".into(), |v| format!("{v:.1}"))
}

fn seconds(m: &Measurement) -> String {
    match (&m.error, m.best()) {
        (Some(_), _) => "FAILED".into(),
        (None, Some(s)) => format!("{s:.3}"),
        (None, None) => "—".into(),
    }
}

fn millis(m: &Measurement) -> String {
    match (&m.error, m.best()) {
        (Some(_), _) => "FAILED".into(),
        (None, Some(s)) => format!("{:.2}", s * 1000.0),
        (None, None) => "—".into(),
    }
}

/// Ours ÷ peer in speed: above 1 means ours is faster.
fn ratio(ours: Option<&Measurement>, peer: &Measurement) -> String {
    if peer.ours {
        return String::new();
    }
    match (ours.and_then(|o| o.best()), peer.best()) {
        (Some(o), Some(p)) => format!("{:.2}", p / o),
        _ => "—".into(),
    }
}

/// Where the footnotes gather errors and notes.
fn remark(m: &Measurement) -> String {
    match (&m.error, &m.note) {
        (Some(e), _) => format!("error: {e}"),
        (None, Some(n)) => n.clone(),
        (None, None) => String::new(),
    }
}

pub fn render(ctx: &Context) -> String {
    let mut out = String::new();
    let list = all(ctx);
    let _ = writeln!(out, "Wavehub bundle engine benchmark");
    let _ = writeln!(out, "date:    {}", ctx.date);
    let _ = writeln!(out, "machine: {}", ctx.machine);
    let mut tools = vec![ctx.native.zip_version.clone()];
    if let Some(b) = ctx.browser {
        tools.push(b.browser.clone());
        tools.push(format!("Node {}", b.node));
    }
    tools.retain(|t| !t.is_empty());
    let _ = writeln!(out, "tools:   {}", tools.join(", "));
    if !ctx.native.load_average.is_empty() {
        let _ = writeln!(
            out,
            "load:    1-minute load average {} at the start and end of the native run (other work on the machine skews the numbers)",
            ctx.native.load_average.join(" and ")
        );
    }
    match &ctx.elapsed {
        Some(secs) => {
            let _ =
                writeln!(out, "command: {} (took {secs} s up to this report, builds and data included)", ctx.command);
        }
        None => {
            let _ = writeln!(out, "command: {}", ctx.command);
        }
    }
    let _ = writeln!(out, "MB = 10^6 bytes. Each time is the best of its runs. \"ours ÷ peer\" is the speed ratio: above 1, ours is faster.");

    // Packaging.
    let app = &ctx.data.app;
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Packaging the app folder: {} files, {} MB ({:.0}% text, {:.0}% already compressed: wheels, images)",
        app.files.len(),
        mb(app.bytes),
        app.text_bytes as f64 * 100.0 / app.bytes as f64,
        100.0 - app.text_bytes as f64 * 100.0 / app.bytes as f64
    );
    let mut table = Table::new(&[
        ("env", false),
        ("packager", false),
        ("runs", true),
        ("best s", true),
        ("MB/s", true),
        ("bundle MB", true),
        ("ours ÷ peer", true),
        ("long tasks", true),
        ("note", false),
    ]);
    for env in ["native", "browser"] {
        let rows: Vec<&&Measurement> = list.iter().filter(|m| m.env == env && m.task == "package").collect();
        let reference = rows.iter().find(|m| m.ours).map(|m| **m);
        for m in rows {
            table.rows.push(vec![
                env.into(),
                m.tool.clone(),
                m.runs.len().to_string(),
                seconds(m),
                speed(m),
                m.output_bytes.map(mb).unwrap_or_default(),
                ratio(reference, m),
                m.long_tasks.map(|t| format!("{} ≤ {:.0} ms", t.count, t.max_ms)).unwrap_or_default(),
                remark(m),
            ]);
        }
    }
    table.render(&mut out);
    let _ = writeln!(out, "(each ratio compares with the first \"ours\" row of the same env; \"long tasks\": the page's tasks over 50 ms during the worst run, how many and the longest)");

    // Structural pass.
    let _ = writeln!(out);
    let sizes: Vec<String> =
        ctx.data.bundles.iter().map(|b| format!("{} = {} MB, {} files", b.label, mb(b.bytes), b.files)).collect();
    let _ = writeln!(
        out,
        "Bundles: {} (each with app.toml, README.md, requirements.txt, an icon, 3 screenshots of 1.2 MB)",
        sizes.join("; ")
    );
    let _ = writeln!(out);
    let _ = writeln!(out, "Structural pass (end of file, central directory, then only the entries the rules read)");
    let mut table = Table::new(&[
        ("env", false),
        ("bundle", false),
        ("tool", false),
        ("runs", true),
        ("best ms", true),
        ("note", false),
    ]);
    for m in list.iter().filter(|m| m.task == "structural") {
        table.rows.push(vec![
            m.env.clone(),
            m.subject.clone(),
            m.tool.clone(),
            m.runs.len().to_string(),
            millis(m),
            remark(m),
        ]);
    }
    table.render(&mut out);

    // Integrity pass.
    let _ = writeln!(out);
    let _ = writeln!(out, "Integrity pass (every byte: inflate, sizes, CRC-32); MB/s of the bundle's bytes");
    let mut table = Table::new(&[
        ("env", false),
        ("bundle", false),
        ("tool", false),
        ("runs", true),
        ("best s", true),
        ("MB/s", true),
        ("ours ÷ peer", true),
        ("note", false),
    ]);
    for env in ["native", "browser"] {
        for bundle in &ctx.data.bundles {
            let rows: Vec<&&Measurement> =
                list.iter().filter(|m| m.env == env && m.task == "integrity" && m.subject == bundle.label).collect();
            let reference = rows.iter().find(|m| m.ours).map(|m| **m);
            for m in rows {
                table.rows.push(vec![
                    env.into(),
                    m.subject.clone(),
                    m.tool.clone(),
                    m.runs.len().to_string(),
                    seconds(m),
                    speed(m),
                    ratio(reference, m),
                    m.error.as_ref().map(|e| format!("error: {e}")).or_else(|| m.note.clone()).unwrap_or_default(),
                ]);
            }
        }
    }
    table.render(&mut out);
    let _ = writeln!(
        out,
        "(each ratio compares with the first \"ours\" row of the same env and bundle; in the browser that row reads the same in-memory bytes as the peers)"
    );

    // Targets.
    let _ = writeln!(out);
    let _ = writeln!(out, "Targets");
    for line in targets(ctx, &list) {
        let _ = writeln!(out, "- {line}");
    }
    let mut notes: Vec<String> = ctx.native.notes.clone();
    if let Some(b) = ctx.browser {
        notes.extend(b.notes.iter().cloned());
    }
    if !notes.is_empty() {
        let _ = writeln!(out);
        let _ = writeln!(out, "Notes");
        for note in notes {
            let _ = writeln!(out, "- {note}");
        }
    }
    out
}

fn find<'a>(
    list: &[&'a Measurement],
    env: &str,
    task: &str,
    subject: Option<&str>,
    tool_starts: &str,
) -> Option<&'a Measurement> {
    list.iter()
        .find(|m| {
            m.env == env && m.task == task && subject.is_none_or(|s| m.subject == s) && m.tool.starts_with(tool_starts)
        })
        .copied()
}

fn verdict(met: bool) -> &'static str {
    if met {
        "met"
    } else {
        "NOT met"
    }
}

fn targets(ctx: &Context, list: &[&Measurement]) -> Vec<String> {
    let mut lines = Vec::new();
    // The upload page's packaging: workers, at least twice fflate like for like, the page never
    // blocked, the CLI's bytes.
    let workers = ctx.browser.and_then(|b| b.workers).map_or_else(|| "?".to_owned(), |w| w.to_string());
    let pairs = [
        ("files in memory", "ours: upload page worker pool, files in memory", "fflate zipSync level 6, level 0"),
        ("reading Blobs", "ours: upload page worker pool, reading Blobs", "fflate zipSync as above, reading the Blobs"),
    ];
    for (what, ours, peer) in pairs {
        let pool = find(list, "browser", "package", None, ours);
        let fflate = find(list, "browser", "package", None, peer);
        match (pool.and_then(Measurement::mb_per_s), fflate.and_then(Measurement::mb_per_s)) {
            (Some(o), Some(f)) => lines.push(format!(
                "packaging in the upload page's workers at least 2× fflate zipSync like for like ({what}, the same files stored): ours {o:.1} MB/s with {workers} workers, fflate {f:.1} MB/s, {:.2}× — {}",
                o / f,
                verdict(o >= 2.0 * f)
            )),
            _ => lines.push(format!("packaging in the upload page's workers vs fflate ({what}): not measured (no browser run or a failure)")),
        }
        if let Some(tasks) = pool.and_then(|p| p.long_tasks) {
            lines.push(format!(
                "no main-thread task over 50 ms while the workers package ({what}): {} long tasks, the longest {:.0} ms — {}",
                tasks.count,
                tasks.max_ms,
                verdict(tasks.count == 0)
            ));
        }
    }
    if let Some(b) = ctx.browser {
        match (b.pool_identical_to_cli, &b.cli_sha256) {
            (Some(same), Some(sha)) => lines.push(format!(
                "the workers' bundle is byte for byte `wavehub bundle`'s (sha256 {sha}){}",
                if same { " — met" } else { ": it differs — NOT met" }
            )),
            _ => lines.push("the workers' bundle vs `wavehub bundle`: not compared".into()),
        }
    }
    // Packaging vs fflate, in the browser where both run: our packager on the page's thread.
    let ours = find(list, "browser", "package", None, "ours: wasm Packager");
    let fflate = find(list, "browser", "package", None, "fflate zipSync level 6");
    match (ours.and_then(Measurement::mb_per_s), fflate.and_then(Measurement::mb_per_s)) {
        (Some(o), Some(f)) => lines.push(format!(
            "packaging at least as fast as fflate (browser, zipSync level 6): ours {o:.1} MB/s, fflate {f:.1} MB/s, {:.2}× — {}",
            o / f,
            verdict(o >= f)
        )),
        _ => lines.push("packaging at least as fast as fflate: not measured (no browser run or a failure)".into()),
    }
    let stored = find(list, "browser", "package", None, "fflate zipSync level 6, level 0");
    if let (Some(o), Some(f)) = (ours.and_then(Measurement::mb_per_s), stored.and_then(Measurement::mb_per_s)) {
        lines.push(format!(
            "packaging like for like (fflate told to store what ours stores): ours {o:.1} MB/s, fflate {f:.1} MB/s, {:.2}× — {}",
            o / f,
            verdict(o >= f)
        ));
    }
    // Structural pass flat in size: the largest bundle within 2× of the smallest (plus 1 ms of slack).
    for env in ["native", "browser"] {
        let times: Vec<(String, f64)> = ctx
            .data
            .bundles
            .iter()
            .filter_map(|b| {
                find(list, env, "structural", Some(&b.label), "ours")
                    .and_then(Measurement::best)
                    .map(|s| (b.label.clone(), s))
            })
            .collect();
        if let (Some(first), Some(last)) = (times.first(), times.last()) {
            if times.len() > 1 {
                let shown: Vec<String> = times.iter().map(|(l, s)| format!("{l} {:.2} ms", s * 1000.0)).collect();
                let flat = last.1 <= 2.0 * first.1 + 0.001;
                lines.push(format!(
                    "structural pass flat in bundle size ({env}; met when the largest is within 2× of the smallest, +1 ms): {} — {}",
                    shown.join(", "),
                    verdict(flat)
                ));
            }
        }
    }
    // Integrity vs unzip -t, natively.
    let mut parts = Vec::new();
    let mut all_met = true;
    for b in &ctx.data.bundles {
        let ours = find(list, "native", "integrity", Some(&b.label), "ours").and_then(Measurement::mb_per_s);
        let unzip = find(list, "native", "integrity", Some(&b.label), "unzip -t").and_then(Measurement::mb_per_s);
        match (ours, unzip) {
            (Some(o), Some(u)) => {
                all_met &= o >= u;
                parts.push(format!("{} {o:.0} vs {u:.0} MB/s ({:.2}×)", b.label, o / u));
            }
            _ => {
                all_met = false;
                parts.push(format!("{} not measured", b.label));
            }
        }
    }
    lines.push(format!(
        "integrity pass at least as fast as unzip -t (native): {} — {}",
        parts.join(", "),
        verdict(all_met)
    ));
    if let Some(b) = ctx.browser {
        match b.identical_to_native {
            Some(true) => {
                lines.push("the bundle our wasm packager made in the browser is byte for byte the native one".into())
            }
            Some(false) => lines.push("WARNING: the bundle made in the browser differs from the native one".into()),
            None => {}
        }
    }
    lines
}

/// The report as Markdown: a title, how to run it again, and the same text in a code block.
pub fn markdown(ctx: &Context, text: &str) -> String {
    format!(
        "# Bundle engine benchmark\n\nMeasured by `{}` on {} ({}). The command overwrites this file \
         with the numbers of its run; nothing here is typed by hand.\n\n```text\n{}```\n",
        ctx.command, ctx.date, ctx.machine, text
    )
}
