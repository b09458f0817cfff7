//! The load runs: each URL on a freshly started server, one timed request alone, then wrk.

use super::client::{Api, HttpResponse, TIMED_OUT};
use super::report::load_line;
use crate::host::load_average;
use super::server::ServerSpec;
use super::Tools;
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// wrk's settings: 2 threads (the machine has 2 cores), 32 connections, 10 s. The timeout is
/// raised from wrk's 2 s so slow answers count in the latencies instead of as errors.
pub const WRK_ARGS: &[&str] = &["-t2", "-c32", "-d10s", "--latency", "--timeout", "30s"];
/// How long the first request of a load run may take; a URL slower than this is not load-tested
/// (its server is killed instead, since SQLite cannot stop a running query).
pub const PROBE_TIMEOUT: Duration = Duration::from_secs(30);
/// One URL the load runs hit.
pub struct Target {
    pub what: String,
    pub caller: &'static str,
    pub path: String,
    pub token: Option<String>,
    /// On how many fresh servers the first request is timed: one sample says little about a bar on
    /// the first answer, so such rows take several and report the worst.
    pub first_samples: usize,
}

impl Target {
    pub fn new(what: &str, caller: &'static str, path: &str, token: Option<&String>) -> Target {
        Target { what: what.to_owned(), caller, path: path.to_owned(), token: token.cloned(), first_samples: 1 }
    }

    /// The first request timed on `samples` fresh servers (the row's first is the worst of them).
    pub fn first_on_fresh_servers(self, samples: usize) -> Target {
        Target { first_samples: samples.max(1), ..self }
    }
}

/// What one wrk run reports.
#[derive(Debug, Clone, PartialEq)]
pub struct WrkResult {
    pub requests: u64,
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    /// Answers outside 2xx/3xx.
    pub non_2xx: u64,
    /// Socket errors: connect, read, write and timeouts together.
    pub errors: u64,
}

/// One row of the load table.
#[derive(Debug, Clone)]
pub struct LoadRow {
    pub what: String,
    pub caller: String,
    /// The size of one answer.
    pub bytes: usize,
    /// The first request on the fresh server, alone; NaN when it got no answer in time.
    pub first_ms: f64,
    pub note: String,
    /// `None` when the URL was too slow to load-test.
    pub result: Option<WrkResult>,
}

/// Every target in turn, each on a fresh server (see [`load_run`]), with the 1-minute load average
/// before and after.
pub fn load_runs(
    tools: &Tools,
    root: &Path,
    server: &ServerSpec,
    targets: &[Target],
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
) -> Result<(Vec<LoadRow>, String), String> {
    let before = load_average();
    let mut rows = Vec::new();
    for target in targets {
        rows.push(load_run(tools, root, server, target, check)?);
    }
    let after = load_average();
    Ok((rows, load_line(before, after)))
}

/// One URL on a fresh server: one timed request (its answer is checked by `check`, which returns
/// the row's note), then wrk unless that request took longer than [`PROBE_TIMEOUT`]. The server is
/// killed afterwards, so requests still running when wrk stops cannot slow the next run.
pub fn load_run(
    tools: &Tools,
    root: &Path,
    spec: &ServerSpec,
    target: &Target,
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
) -> Result<LoadRow, String> {
    load_run_during(tools, root, spec, target, check, None)
}

/// Other work on the server while wrk runs: called with the server's address and a flag that is
/// set when wrk is done; its text joins the row's note.
pub type Background<'a> = dyn Fn(&str, &AtomicBool) -> Result<String, String> + Sync + 'a;

/// [`load_run`], with `background` running beside wrk (e.g. writes, to measure reads under them).
pub fn load_run_during(
    tools: &Tools,
    root: &Path,
    spec: &ServerSpec,
    target: &Target,
    check: &dyn Fn(&Target, &HttpResponse) -> Result<String, String>,
    background: Option<&Background<'_>>,
) -> Result<LoadRow, String> {
    let server = spec.start()?;
    let api = Api::new(&server.addr, PROBE_TIMEOUT);
    let mut row = LoadRow {
        what: target.what.clone(),
        caller: target.caller.to_owned(),
        bytes: 0,
        first_ms: f64::NAN,
        note: String::new(),
        result: None,
    };
    let probe_started = Instant::now();
    let answer = match api.call("GET", &target.path, target.token.as_deref(), None, None) {
        Ok(answer) => answer,
        Err(message) if message.contains(TIMED_OUT) => {
            row.note = format!("no answer within {} s: not load-tested", PROBE_TIMEOUT.as_secs());
            println!("  {:<58} {:<5} {}", target.what, target.caller, row.note);
            server.kill();
            return Ok(row);
        }
        Err(message) => return Err(message),
    };
    row.first_ms = probe_started.elapsed().as_secs_f64() * 1000.0;
    if answer.status != 200 {
        return Err(format!("GET {} as {} answered {}: {}", target.path, target.caller, answer.status, answer.text()));
    }
    row.bytes = answer.body.len();
    row.note = check(target, &answer)?;
    if target.first_samples > 1 {
        let mut samples = vec![row.first_ms];
        for _ in 1..target.first_samples {
            samples.push(first_request_ms(spec, target)?);
        }
        samples.sort_by(f64::total_cmp);
        row.first_ms = samples[samples.len() - 1];
        let shown: Vec<String> = samples.iter().map(|ms| format!("{ms:.1}")).collect();
        let first = format!("first answer on {} fresh servers: {} ms (the worst is the row's)", samples.len(), shown.join(", "));
        row.note = if row.note.is_empty() { first } else { format!("{}; {first}", row.note) };
    }

    let url = format!("http://{}{}", server.addr, target.path);
    let mut wrk = tools.command(root, "wrk");
    wrk.args(WRK_ARGS);
    if let Some(token) = &target.token {
        wrk.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    wrk.arg(&url);
    let stop = AtomicBool::new(false);
    let (output, during) = std::thread::scope(|scope| {
        let during = background.map(|work| scope.spawn(|| work(&server.addr, &stop)));
        let output = wrk.stderr(Stdio::inherit()).output();
        stop.store(true, Ordering::SeqCst);
        (output, during.map(|handle| handle.join().unwrap_or_else(|_| Err("the background work panicked".into()))))
    });
    let output = output.map_err(|e| format!("cannot start wrk: {e}"))?;
    server.kill();
    if let Some(during) = during {
        let during = during?;
        row.note = if row.note.is_empty() { during } else { format!("{}; {during}", row.note) };
    }
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("wrk {url} failed ({}):\n{text}", output.status));
    }
    let result = parse_wrk(&text).map_err(|e| format!("wrk {url}: {e}\n{text}"))?;
    println!(
        "  {:<58} {:<5} first {:>8.1} ms, {:>9.1} req/s, p50 {:>8.2} ms, p99 {:>8.2} ms ({} requests)",
        target.what, target.caller, row.first_ms, result.requests_per_sec, result.p50_ms, result.p99_ms, result.requests
    );
    row.result = Some(result);
    Ok(row)
}

/// The first request for `target` on one more fresh server, in ms.
fn first_request_ms(spec: &ServerSpec, target: &Target) -> Result<f64, String> {
    let server = spec.start()?;
    let started = Instant::now();
    let answer = Api::new(&server.addr, PROBE_TIMEOUT).call("GET", &target.path, target.token.as_deref(), None, None);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    server.kill();
    match answer? {
        answer if answer.status == 200 => Ok(ms),
        answer => Err(format!("GET {} as {} answered {}: {}", target.path, target.caller, answer.status, answer.text())),
    }
}

/// Parses wrk's output (with `--latency`).
pub fn parse_wrk(output: &str) -> Result<WrkResult, String> {
    let mut result = WrkResult { requests: 0, requests_per_sec: f64::NAN, p50_ms: f64::NAN, p99_ms: f64::NAN, non_2xx: 0, errors: 0 };
    for line in output.lines().map(str::trim) {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["50%", value] => result.p50_ms = parse_duration_ms(value)?,
            ["99%", value] => result.p99_ms = parse_duration_ms(value)?,
            ["Requests/sec:", value] => {
                result.requests_per_sec = value.parse().map_err(|_| format!("bad Requests/sec `{value}`"))?
            }
            [count, "requests", "in", ..] => result.requests = count.parse().map_err(|_| format!("bad request count `{count}`"))?,
            ["Non-2xx", "or", "3xx", "responses:", count] => result.non_2xx = count.parse().unwrap_or(0),
            ["Socket", "errors:", rest @ ..] => {
                // "connect 0, read 0, write 0, timeout 12"
                result.errors = rest.iter().filter_map(|w| w.trim_end_matches(',').parse::<u64>().ok()).sum();
            }
            _ => {}
        }
    }
    if result.requests_per_sec.is_nan() || result.p50_ms.is_nan() || result.p99_ms.is_nan() {
        return Err("no Requests/sec or latency distribution in wrk's output (was --latency given?)".into());
    }
    if result.requests == 0 {
        // wrk prints zeros for a run in which no request finished.
        (result.p50_ms, result.p99_ms) = (f64::NAN, f64::NAN);
    }
    Ok(result)
}

/// wrk's durations: `812.00us`, `1.23ms`, `2.01s`, `1.50m`.
pub fn parse_duration_ms(text: &str) -> Result<f64, String> {
    let split = text.find(|c: char| c.is_ascii_alphabetic()).ok_or_else(|| format!("no unit in `{text}`"))?;
    let (number, unit) = text.split_at(split);
    let number: f64 = number.parse().map_err(|_| format!("bad number in `{text}`"))?;
    let factor = match unit {
        "us" => 0.001,
        "ms" => 1.0,
        "s" => 1000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        _ => return Err(format!("unknown unit in `{text}`")),
    };
    Ok(number * factor)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WRK_OUTPUT: &str = "Running 10s test @ http://127.0.0.1:40123/api/v1/apps?latest=true
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency    52.31ms   10.20ms 180.00ms   80.00%
    Req/Sec   305.12     40.00   400.00     70.00%
  Latency Distribution
     50%   50.12ms
     75%   58.00ms
     90%   66.00ms
     99%    1.20s
  6100 requests in 10.01s, 120.00MB read
  Socket errors: connect 0, read 1, write 0, timeout 2
  Non-2xx or 3xx responses: 4
Requests/sec:    609.39
Transfer/sec:     11.99MB
";

    #[test]
    fn parses_wrk_output() {
        let result = parse_wrk(WRK_OUTPUT).unwrap();
        assert_eq!(
            result,
            WrkResult { requests: 6100, requests_per_sec: 609.39, p50_ms: 50.12, p99_ms: 1200.0, non_2xx: 4, errors: 3 }
        );
        assert!(parse_wrk("Running 10s test @ x\n  Requests/sec: 12\n").unwrap_err().contains("--latency"));
        let none_finished = "  Latency Distribution\n     50%    0.00us\n     99%    0.00us\n  0 requests in 10.00s, 0.00B read\nRequests/sec:      0.00\n";
        let result = parse_wrk(none_finished).unwrap();
        assert_eq!(result.requests, 0);
        assert!(result.p50_ms.is_nan() && result.p99_ms.is_nan(), "no latency without a finished request");
    }

    #[test]
    fn parses_wrk_durations() {
        for (text, ms) in [("812.00us", 0.812), ("1.23ms", 1.23), ("2.01s", 2010.0), ("1.50m", 90_000.0)] {
            let parsed = parse_duration_ms(text).unwrap();
            assert!((parsed - ms).abs() < 1e-9, "{text}: {parsed}");
        }
        assert!(parse_duration_ms("12").is_err());
        assert!(parse_duration_ms("3.0d").is_err());
    }
}
