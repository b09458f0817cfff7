//! `wavehub-bench`: the native half of `cargo xtask bench bundle` (which runs these in order).
//!
//! - `wavehub-bench generate DATA_DIR`: make (or reuse) the app folder and the bundles;
//! - `wavehub-bench native DATA_DIR OUT.json`: time ours, `zip` and `unzip` natively;
//! - `wavehub-bench report DATA_DIR NATIVE.json BROWSER.json|- MARKDOWN_OUT COMMAND...`: print the
//!   table and write it as Markdown.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    match cli::run(std::env::args().skip(1).collect()) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("wavehub-bench: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use std::path::Path;
    use wavehub_bench::model::{BrowserRun, DataSet, NativeRun};
    use wavehub_bench::{native, report};

    const USAGE: &str = "usage: wavehub-bench generate DATA_DIR | native DATA_DIR OUT.json | \
                         report DATA_DIR NATIVE.json BROWSER.json|- MARKDOWN_OUT COMMAND...";

    fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", path.display()))
    }

    fn write(path: &Path, bytes: &[u8]) -> Result<(), String> {
        std::fs::write(path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    pub fn run(args: Vec<String>) -> Result<(), String> {
        let arg = |i: usize| args.get(i).map(Path::new).ok_or_else(|| USAGE.to_owned());
        match args.first().map(String::as_str) {
            Some("generate") => native::generate(arg(1)?).map(|_| ()),
            Some("native") => {
                let dir = arg(1)?;
                let set = native::generate(dir)?;
                let run = native::run(dir, &set);
                write(arg(2)?, &serde_json::to_vec_pretty(&run).expect("serializable"))
            }
            Some("report") => {
                let dir = arg(1)?;
                let data: DataSet = read_json(&dir.join("data.json"))?;
                let native_run: NativeRun = read_json(arg(2)?)?;
                let browser_path = arg(3)?;
                let browser: Option<BrowserRun> =
                    if browser_path == Path::new("-") { None } else { Some(read_json(browser_path)?) };
                let markdown_out = arg(4)?;
                let command = if args.len() > 5 { args[5..].join(" ") } else { "cargo xtask bench bundle".into() };
                let ctx = report::Context {
                    data: &data,
                    native: &native_run,
                    browser: browser.as_ref(),
                    command: &command,
                    date: wavehub_bench::host::now_utc(),
                    machine: wavehub_bench::host::machine(),
                    elapsed: std::env::var("WAVEHUB_BENCH_ELAPSED_SECS").ok(),
                };
                let text = report::render(&ctx);
                print!("{text}");
                write(markdown_out, report::markdown(&ctx, &text).as_bytes())
            }
            _ => Err(USAGE.into()),
        }
    }
}
