//! What the native runner and the browser driver (`bench/web/run.mjs`) write, and the report reads:
//! one JSON shape for both.

use serde::{Deserialize, Serialize};

/// The generated data, as `wavehub-bench generate` leaves it in `data.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DataSet {
    /// Changes whenever the generator's output changes, so old data is regenerated.
    pub generator: String,
    pub app: AppFolder,
    pub bundles: Vec<BundleFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppFolder {
    /// Relative to the data folder.
    pub dir: String,
    pub bytes: u64,
    pub text_bytes: u64,
    /// Sorted by path.
    pub files: Vec<AppFile>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AppFile {
    pub path: String,
    pub size: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BundleFile {
    /// "10 MB", "100 MB", "1 GB".
    pub label: String,
    /// Relative to the data folder.
    pub file: String,
    pub bytes: u64,
    pub files: u64,
    /// Bytes of the files packaged into it.
    pub input_bytes: u64,
}

/// One thing timed, one or more times.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Measurement {
    /// "native" or "browser".
    pub env: String,
    /// "package", "structural" or "integrity".
    pub task: String,
    /// The bundle's label for validation; the app for packaging.
    pub subject: String,
    /// What ran, e.g. "ours (plan + Packager, from disk)" or "zip -6 -r -q -X".
    pub tool: String,
    pub ours: bool,
    /// Seconds, one per run.
    pub runs: Vec<f64>,
    /// The bytes a throughput is over: the files' bytes for packaging, the bundle's for validation.
    pub bytes: u64,
    /// The packaged bundle's size, for packaging.
    #[serde(default)]
    pub output_bytes: Option<u64>,
    /// A remark for the table (reads made by the structural pass, what a peer skips...).
    #[serde(default)]
    pub note: Option<String>,
    /// Set when the tool failed or the result was wrong; the row shows it instead of a number.
    #[serde(default)]
    pub error: Option<String>,
    /// Browser packaging: the page's tasks over 50 ms while it ran (the worst run's).
    #[serde(default)]
    pub long_tasks: Option<LongTasks>,
    /// SHA-256 of the bundle made, when the row checks it.
    #[serde(default)]
    pub sha256: Option<String>,
}

/// Main-thread tasks over 50 ms (PerformanceObserver `longtask`) during one run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
pub struct LongTasks {
    pub count: u32,
    pub max_ms: f64,
}

impl Measurement {
    /// The fastest run, in seconds.
    pub fn best(&self) -> Option<f64> {
        if self.error.is_some() {
            return None;
        }
        self.runs.iter().copied().filter(|s| s.is_finite() && *s > 0.0).reduce(f64::min)
    }

    /// MB/s (1 MB = 10^6 bytes) of the fastest run.
    pub fn mb_per_s(&self) -> Option<f64> {
        self.best().map(|secs| self.bytes as f64 / 1e6 / secs)
    }
}

/// What the browser driver writes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BrowserRun {
    #[serde(default)]
    pub browser: String,
    #[serde(default)]
    pub node: String,
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// Whether the bundle our wasm packager made in the page is byte for byte the native one.
    #[serde(default)]
    pub identical_to_native: Option<bool>,
    /// SHA-256 of the app folder as `wavehub bundle` packaged it.
    #[serde(default)]
    pub cli_sha256: Option<String>,
    /// Whether every worker-pool run made exactly those bytes.
    #[serde(default)]
    pub pool_identical_to_cli: Option<bool>,
    /// How many workers the pool ran (navigator.hardwareConcurrency).
    #[serde(default)]
    pub workers: Option<u32>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// What the native runner writes.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct NativeRun {
    pub measurements: Vec<Measurement>,
    /// CRC-32 and length of the bundle ours made in memory, to compare with the browser's.
    pub bundle_crc32: u32,
    pub bundle_len: u64,
    #[serde(default)]
    pub zip_version: String,
    /// /proc/loadavg when the native run started and ended: other work on the machine skews the numbers.
    #[serde(default)]
    pub load_average: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}
