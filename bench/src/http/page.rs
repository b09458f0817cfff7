//! The browser half: a page script (`bench/<scenario>/run.mjs`) times the page in headless Chromium
//! and prints its runs, which are parsed here.

use super::Tools;
use std::path::Path;
use std::process::Stdio;

/// Page loads measured in Chromium (after one warm-up load).
pub const PAGE_LOADS: u32 = 10;
/// The browser half's results.
#[derive(Debug, Clone, Default)]
pub struct PageTiming {
    /// `(user, measure, milliseconds of each run)`.
    pub results: Vec<(String, String, Vec<f64>)>,
    pub info: Vec<(String, String)>,
}

/// Parses a page script's stdout: `result\tUSER\tMEASURE\tms,ms,...` and `info\tKEY\tVALUE` lines.
pub fn parse_page_output(output: &str) -> Result<PageTiming, String> {
    let mut timing = PageTiming::default();
    for line in output.lines() {
        let fields: Vec<&str> = line.split('\t').collect();
        match fields.as_slice() {
            ["result", user, measure, values] => {
                let values = values
                    .split(',')
                    .map(|v| v.trim().parse::<f64>().map_err(|_| format!("bad number `{v}` in `{line}`")))
                    .collect::<Result<Vec<f64>, String>>()?;
                timing.results.push(((*user).to_owned(), (*measure).to_owned(), values));
            }
            ["info", key, value] => timing.info.push(((*key).to_owned(), (*value).to_owned())),
            _ => {}
        }
    }
    if timing.results.is_empty() {
        return Err("the page timing printed no results".into());
    }
    Ok(timing)
}

/// Runs `node run.mjs --url URL --loads N --warmup 1 ARGS...` in `folder` (a bench page script)
/// and parses what it prints.
pub fn page_timing(tools: &Tools, root: &Path, folder: &str, url: &str, args: &[String]) -> Result<PageTiming, String> {
    let output = tools
        .command(root.join(folder), "node")
        .arg("run.mjs")
        .args(["--url", url, "--loads", &PAGE_LOADS.to_string()])
        .args(["--warmup", "1"])
        .args(args)
        .env("CHROMIUM_PATH", &tools.chromium)
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| format!("cannot start node: {e}"))?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!("{folder}/run.mjs failed ({})", output.status));
    }
    parse_page_output(&text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_page_scripts_lines() {
        let timing = parse_page_output("info\tchromium\t156.0\nnoise\nresult\tbench-user\tfirst-card\t10.5,12.0,11.0\n").unwrap();
        assert_eq!(timing.info, [("chromium".to_owned(), "156.0".to_owned())]);
        assert_eq!(timing.results, [("bench-user".to_owned(), "first-card".to_owned(), vec![10.5, 12.0, 11.0])]);
        assert!(parse_page_output("result\tu\tm\t1,x\n").is_err());
        assert!(parse_page_output("info\ta\tb\n").is_err());
    }
}
