//! `.appignore`: which files stay out of a bundle, with the platform's semantics.
//!
//! The H2O CLI reads `.appignore` with monochromegane/go-gitignore, whose rules differ from git's
//! (spec §2.4). What this module copies:
//! - Lines are trimmed of spaces and tabs; empty lines and lines starting with `#` are skipped.
//! - `!pattern` accepts. Accept patterns are checked first and win whatever their line order
//!   (git: the last matching line wins). So `!important.log` above `*.log` keeps `important.log`.
//! - A leading `/` anchors the pattern to the app folder. go-gitignore compares an anchored pattern
//!   with the path's first components too, so `/build` also matches `build/x.py` (and `!/static`
//!   accepts everything under `static/`).
//! - A pattern without a leading `/` matches the path's LAST N components, N being the pattern's
//!   number of parts: `foo` matches `foo` at any depth, and `a/b` matches `x/a/b` (git would anchor
//!   `a/b` to the root).
//! - A trailing `/` restricts the pattern to directories.
//! - `*`, `?` and `[...]` match within one component; `\` escapes. A pattern with none of `*?[` is
//!   compared literally. `**` as a whole component matches any number of components (newer
//!   go-gitignore revisions support it through doublestar; older ones do not, so this is a superset).
//! - The CLI walks the folder and skips ignored directories, so nothing under an ignored directory
//!   is bundled, and a `!` pattern for a file inside it cannot bring it back (`build/` with
//!   `!build/keep.txt` leaves `keep.txt` out, as git does too). [`plan`] applies this through each
//!   file's ancestors.
//!
//! Choices where go-gitignore's revisions differ or its behaviour is an accident:
//! - `dir/` matches a directory named `dir` at any depth (one revision counted the trailing `/` as
//!   a part and never matched). H2O's own files rely on `venv/` working.
//! - A leading `./` anchors like `/` (go-gitignore never matches it; authors mean the root).
//! - A pattern that is not a valid glob (an unclosed `[`) never matches, as in Go, and is reported
//!   by [`AppIgnore::problems`].
//!
//! On top of `.appignore`, Wavehub always leaves out [`DEFAULT_IGNORES`] and virtual environments
//! (any directory holding `pyvenv.cfg`). `!` cannot bring these back: they are never needed at run
//! time (the platform installs `requirements.txt` itself), are often huge, and VCS and editor folders
//! can hold credentials. `.appignore` itself is bundled, as the platform does, unless it lists itself.
//! Files that usually hold credentials ([`SECRET_FILES`], `.env` first) are left out too, but there
//! a `!` line of `.appignore` keeps one.

use crate::api::Finding;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::sync::OnceLock;

/// The ignore file's name at the app folder's root.
pub const APPIGNORE_FILE: &str = ".appignore";

/// The file Python's `venv` (and virtualenv ≥ 20) writes at a virtual environment's root.
pub const VENV_MARKER: &str = "pyvenv.cfg";

/// What Wavehub leaves out of every bundle whatever `.appignore` says: (pattern in `.appignore`
/// syntax, what a person calls it).
pub const DEFAULT_IGNORES: &[(&str, &str)] = &[
    (".git/", "Git metadata"),
    (".hg/", "Mercurial metadata"),
    (".svn/", "Subversion metadata"),
    ("__pycache__/", "Python bytecode cache"),
    ("*.pyc", "Python bytecode"),
    (".ipynb_checkpoints/", "Jupyter checkpoints"),
    (".idea/", "editor settings (JetBrains)"),
    (".vscode/", "editor settings (VS Code)"),
    ("venv/", "virtual environment"),
    (".venv/", "virtual environment"),
    (".DS_Store", "macOS folder metadata"),
    ("Thumbs.db", "Windows thumbnail cache"),
    ("*~", "editor backup"),
    ("*.swp", "Vim swap file"),
    ("*.swo", "Vim swap file"),
    (".#*", "Emacs lock file"),
    ("#*#", "Emacs auto-save file"),
    // `h2o bundle` writes its output into the app folder, so rebundling would pack the previous
    // bundle inside the new one. A `.wave` that is meant to ship can live in a subfolder.
    ("/*.wave", "a bundle built earlier (a .wave at the top of the folder)"),
];

/// Files that usually hold credentials (pattern, what a person calls it). They are left out by
/// default, unlike the platform's `h2o bundle`: whoever may see a version may download its bundle
/// and open its files. A `!` line in `.appignore` keeps one that is meant to ship
/// (`!.env.example`).
pub const SECRET_FILES: &[(&str, &str)] = &[
    (".env", "an environment file, which often holds credentials"),
    (".env.*", "an environment file, which often holds credentials"),
    ("*.pem", "a private key or certificate"),
    ("*.key", "a private key"),
    ("*.p12", "a certificate bundle with its private key"),
    ("*.pfx", "a certificate bundle with its private key"),
    ("id_rsa", "an SSH private key"),
    ("id_ecdsa", "an SSH private key"),
    ("id_ed25519", "an SSH private key"),
    (".netrc", "login credentials"),
    (".pypirc", "package index credentials"),
    (".aws/", "AWS credentials"),
    (".ssh/", "SSH keys"),
];

/// Why an entry stays out of the bundle. `Display` gives the sentence to show a person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IgnoreReason {
    /// A line of `.appignore` matched (1-based line, the pattern as written).
    AppIgnore { line: u32, pattern: String },
    /// One of [`DEFAULT_IGNORES`] matched.
    Default { pattern: &'static str, what: &'static str },
    /// A directory holding `pyvenv.cfg`.
    VirtualEnv,
    /// One of [`SECRET_FILES`] matched, and no `!` line of `.appignore` keeps it.
    Secret { pattern: &'static str, what: &'static str },
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::AppIgnore { line, pattern } => write!(f, "ignored by .appignore line {line}: `{pattern}`"),
            IgnoreReason::Default { pattern, what } => write!(f, "{what}, always left out (`{pattern}`)"),
            IgnoreReason::VirtualEnv => write!(f, "virtual environment (contains {VENV_MARKER}), always left out"),
            IgnoreReason::Secret { pattern, what } => write!(
                f,
                "{what} (`{pattern}`), left out because anyone who may see the app could download it; to ship it, add a `!` line for it to .appignore"
            ),
        }
    }
}

/// A parsed `.appignore`.
#[derive(Debug, Clone, Default)]
pub struct AppIgnore {
    accept: Vec<Rule>,
    ignore: Vec<Rule>,
    problems: Vec<Finding>,
}

#[derive(Debug, Clone)]
struct Rule {
    line: u32,
    /// The line as written (trimmed), for the reason shown to a person.
    text: String,
    pattern: Pattern,
}

impl AppIgnore {
    /// Parses `.appignore` text. Never fails: a line that cannot match anything is skipped and
    /// reported in [`AppIgnore::problems`].
    pub fn parse(text: &str) -> AppIgnore {
        let mut appignore = AppIgnore::default();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (index, raw_line) in text.lines().enumerate() {
            let line = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let trimmed = raw_line.trim_matches([' ', '\t']);
            if trimmed.is_empty() || trimmed.starts_with('#') {
                continue;
            }
            let (is_accept, body) = match trimmed.strip_prefix('!') {
                Some(body) => (true, body),
                None => (false, trimmed),
            };
            match Pattern::compile(body) {
                Ok(pattern) => {
                    let rule = Rule { line, text: trimmed.to_owned(), pattern };
                    if is_accept { &mut appignore.accept } else { &mut appignore.ignore }.push(rule);
                }
                Err(problem) => appignore.problems.push(
                    Finding::warning(
                        "appignore.pattern_unusable",
                        APPIGNORE_FILE,
                        format!("`{trimmed}` never matches anything: {problem}"),
                    )
                    .in_file(APPIGNORE_FILE)
                    .at(crate::text::Position { line, column: 1 }),
                ),
            }
        }
        appignore
    }

    /// Whether a `!` line keeps this one entry.
    pub fn keeps(&self, path: &str, is_dir: bool) -> bool {
        let components = components(path);
        self.accept.iter().any(|rule| rule.pattern.matches(&components, is_dir))
    }

    /// Why `.appignore` leaves out this one entry (`/`-separated path relative to the app folder),
    /// or `None` when it does not. Only the entry itself is judged, as go-gitignore's `Match` does;
    /// [`plan`] also applies the verdicts of the entry's directories.
    pub fn matches(&self, path: &str, is_dir: bool) -> Option<IgnoreReason> {
        let components = components(path);
        if components.is_empty() || self.accept.iter().any(|rule| rule.pattern.matches(&components, is_dir)) {
            return None;
        }
        let rule = self.ignore.iter().find(|rule| rule.pattern.matches(&components, is_dir))?;
        Some(IgnoreReason::AppIgnore { line: rule.line, pattern: rule.text.clone() })
    }

    /// Warnings about lines that can never match (for example an unclosed `[`).
    pub fn problems(&self) -> &[Finding] {
        &self.problems
    }
}

/// Why [`DEFAULT_IGNORES`] leaves out this one entry, or `None`. Virtual environments found by
/// their `pyvenv.cfg` need the file list; [`plan`] handles those.
pub fn default_ignore(path: &str, is_dir: bool) -> Option<IgnoreReason> {
    let components = components(path);
    default_rules()
        .iter()
        .find(|rule| rule.pattern.matches(&components, is_dir))
        .map(|rule| IgnoreReason::Default { pattern: rule.text, what: rule.what })
}

/// Why [`SECRET_FILES`] would leave out this one entry, or `None`.
pub fn secret_file(path: &str, is_dir: bool) -> Option<IgnoreReason> {
    let components = components(path);
    secret_rules()
        .iter()
        .find(|rule| rule.pattern.matches(&components, is_dir))
        .map(|rule| IgnoreReason::Secret { pattern: rule.text, what: rule.what })
}

struct DefaultRule {
    text: &'static str,
    what: &'static str,
    pattern: Pattern,
}

fn default_rules() -> &'static [DefaultRule] {
    static RULES: OnceLock<Vec<DefaultRule>> = OnceLock::new();
    RULES.get_or_init(|| compile_rules(DEFAULT_IGNORES))
}

fn secret_rules() -> &'static [DefaultRule] {
    static RULES: OnceLock<Vec<DefaultRule>> = OnceLock::new();
    RULES.get_or_init(|| compile_rules(SECRET_FILES))
}

fn compile_rules(list: &'static [(&'static str, &'static str)]) -> Vec<DefaultRule> {
    list.iter()
        .filter_map(|&(text, what)| Some(DefaultRule { text, what, pattern: Pattern::compile(text).ok()? }))
        .collect()
}

/// A path's non-empty `/`-separated components.
fn components(path: &str) -> Vec<&str> {
    path.split('/').filter(|component| !component.is_empty()).collect()
}

// ---------------------------------------------------------------------------------------------
// Patterns

/// One compiled pattern (without its `!`).
#[derive(Debug, Clone)]
struct Pattern {
    /// One part per path component.
    parts: Vec<Part>,
    /// Which components the parts are compared with.
    scope: Scope,
    dir_only: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scope {
    /// A leading `/`: the path's first components.
    Root,
    /// No leading `/`: the path's last `parts.len()` components, as go-gitignore compares them.
    LastComponents,
    /// No leading `/` but a `**`: any run of components ending at the path's end (the parts start
    /// with a [`Part::AnyDepth`] for it).
    AnySuffix,
}

#[derive(Debug, Clone)]
enum Part {
    /// Compared as written (the pattern has none of `*?[`, as go-gitignore's `simpleMatcher`).
    Literal(String),
    /// A glob within one component.
    Glob(Vec<Token>),
    /// `**`: any number of components, including none.
    AnyDepth,
}

#[derive(Debug, Clone)]
enum Token {
    Char(char),
    /// `?`
    AnyChar,
    /// `*`
    AnyRun,
    /// `[...]`
    Class {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

impl Pattern {
    /// Compiles a pattern as written after an optional `!`.
    fn compile(text: &str) -> Result<Pattern, &'static str> {
        let (anchored, rest) = if let Some(rest) = text.strip_prefix('/') {
            (true, rest)
        } else if let Some(rest) = text.strip_prefix("./") {
            (true, rest)
        } else {
            (false, text)
        };
        let dir_only = rest.ends_with('/');
        let body = rest.trim_matches('/');
        if body.is_empty() {
            return Err("the pattern names no file or folder");
        }
        let is_glob = body.contains(['*', '?', '[']);
        let mut parts = Vec::new();
        for component in body.split('/').filter(|component| !component.is_empty()) {
            parts.push(if !is_glob {
                Part::Literal(component.to_owned())
            } else if component == "**" {
                Part::AnyDepth
            } else {
                Part::Glob(parse_glob(component).ok_or("it is not a valid pattern (check `[`, `]` and `\\`)")?)
            });
        }
        let scope = if anchored {
            Scope::Root
        } else if parts.iter().any(|part| matches!(part, Part::AnyDepth)) {
            parts.insert(0, Part::AnyDepth);
            Scope::AnySuffix
        } else {
            Scope::LastComponents
        };
        Ok(Pattern { parts, scope, dir_only })
    }

    fn matches(&self, components: &[&str], is_dir: bool) -> bool {
        if self.dir_only && !is_dir {
            return false;
        }
        match self.scope {
            Scope::LastComponents => components
                .len()
                .checked_sub(self.parts.len())
                .is_some_and(|start| match_components(&self.parts, &components[start..])),
            Scope::AnySuffix => match_components(&self.parts, components),
            // go-gitignore also tries an anchored pattern on the path's leading components (its
            // ancestors, which it passes as "not a directory", so `/dir/` does not match this way).
            Scope::Root => {
                match_components(&self.parts, components)
                    || (!self.dir_only
                        && (1..components.len()).any(|len| match_components(&self.parts, &components[..len])))
            }
        }
    }
}

impl Part {
    fn matches(&self, component: &str) -> bool {
        match self {
            Part::Literal(literal) => literal == component,
            Part::Glob(tokens) => match_glob(tokens, component),
            Part::AnyDepth => true,
        }
    }
}

/// Whether `parts` match all of `components`; [`Part::AnyDepth`] matches any run of components.
/// The same backtracking as [`match_glob`], one level up, so it stays O(parts × components).
fn match_components(parts: &[Part], components: &[&str]) -> bool {
    let (mut part, mut component) = (0, 0);
    // The last `**` seen and the component it was tried against, to resume from on a mismatch.
    let mut resume: Option<(usize, usize)> = None;
    while component < components.len() {
        match parts.get(part) {
            Some(Part::AnyDepth) => {
                resume = Some((part, component));
                part += 1;
                continue;
            }
            Some(single) if single.matches(components[component]) => {
                part += 1;
                component += 1;
                continue;
            }
            _ => {}
        }
        let Some((any_depth, start)) = resume else { return false };
        part = any_depth + 1;
        component = start + 1;
        resume = Some((any_depth, start + 1));
    }
    parts[part.min(parts.len())..].iter().all(|part| matches!(part, Part::AnyDepth))
}

/// Parses one component of a glob; `None` when it is malformed (Go's `ErrBadPattern`).
fn parse_glob(text: &str) -> Option<Vec<Token>> {
    let mut tokens = Vec::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => Token::AnyRun,
            '?' => Token::AnyChar,
            '\\' => Token::Char(chars.next()?),
            '[' => parse_class(&mut chars)?,
            other => Token::Char(other),
        });
    }
    Some(tokens)
}

/// Parses a `[...]` class after its `[`: `!` or `^` negates, `a-z` is a range, `\` escapes.
fn parse_class(chars: &mut std::str::Chars<'_>) -> Option<Token> {
    let mut negated = false;
    let mut ranges = Vec::new();
    let mut first = true;
    loop {
        let c = chars.next()?;
        match c {
            '!' | '^' if first && !negated => {
                negated = true;
                continue;
            }
            ']' if !ranges.is_empty() => return Some(Token::Class { negated, ranges }),
            ']' => return None,
            _ => {}
        }
        first = false;
        let low = if c == '\\' { chars.next()? } else { c };
        // Look ahead for `-x` without consuming a closing `]`.
        let mut ahead = chars.clone();
        let high = match (ahead.next(), ahead.next()) {
            (Some('-'), Some(end)) if end != ']' => {
                chars.next();
                chars.next();
                if end == '\\' {
                    chars.next()?
                } else {
                    end
                }
            }
            _ => low,
        };
        ranges.push((low, high));
    }
}

/// Whether `tokens` match all of `name`. `*` backtracks to the last star only, which is enough
/// because a later star can absorb anything an earlier one would have.
fn match_glob(tokens: &[Token], name: &str) -> bool {
    // Positions are byte offsets into `name`, always at character boundaries.
    let (mut token, mut at) = (0, 0);
    let mut resume: Option<(usize, usize)> = None;
    while let Some(c) = name[at..].chars().next() {
        match tokens.get(token) {
            Some(Token::AnyRun) => {
                resume = Some((token, at));
                token += 1;
                continue;
            }
            Some(single) if single.matches_char(c) => {
                token += 1;
                at += c.len_utf8();
                continue;
            }
            _ => {}
        }
        let Some((star, start)) = resume else { return false };
        // Let the star take one more character and go on from there.
        let next = start + name[start..].chars().next().map_or(1, char::len_utf8);
        token = star + 1;
        at = next;
        resume = Some((star, next));
    }
    tokens[token.min(tokens.len())..].iter().all(|token| matches!(token, Token::AnyRun))
}

impl Token {
    fn matches_char(&self, c: char) -> bool {
        match self {
            Token::Char(expected) => *expected == c,
            Token::AnyChar => true,
            Token::AnyRun => true,
            Token::Class { negated, ranges } => ranges.iter().any(|&(low, high)| low <= c && c <= high) != *negated,
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The plan: which files of a folder go into the bundle

/// A file of the app folder: its `/`-separated path relative to the folder, and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileMeta {
    pub path: String,
    pub size: u64,
}

/// What stays out of the bundle: a file, or a whole directory (its path ends with `/`) when the
/// directory itself is ignored, since the walker never looks inside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Excluded {
    pub path: String,
    /// The sentence to show a person, e.g. "ignored by .appignore line 3: `*.log`".
    pub reason: String,
    /// How many files and bytes this entry keeps out (1 and the file's size for a file).
    pub files: u64,
    pub bytes: u64,
}

/// Which files go into the bundle, in the order the packager takes them, and which stay out.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Plan {
    /// Sorted by the bytes of the path.
    pub included: Vec<FileMeta>,
    /// Sorted by path.
    pub excluded: Vec<Excluded>,
    /// The sum of the included files' sizes.
    pub total_bytes: u64,
}

impl Plan {
    /// Records a folder the walker did not enter because it is always left out (`.git/`, `venv/`:
    /// `default_ignore` says so before anything inside is listed). The CLI and the browser both
    /// call it, so the two list and count what was left out the same way. Its files are unknown
    /// (never read), so it counts as one entry with 0 files and 0 bytes.
    pub fn add_unwalked_folder(&mut self, folder: &str, reason: String) {
        let path = format!("{}/", folder.trim_end_matches('/'));
        if let Err(at) = self.excluded.binary_search_by(|entry| entry.path.cmp(&path)) {
            self.excluded.insert(at, Excluded { path, reason, files: 0, bytes: 0 });
        }
    }
}

/// Applies the default ignores, virtual-environment detection and `.appignore` (its text, when the
/// folder has one) to the folder's files. Directories are derived from the paths; a file is left
/// out when it or any of its directories is, and the topmost left-out directory is reported once.
pub fn plan(files: &[FileMeta], appignore: Option<&str>) -> Plan {
    let judge = Judge::new(files, appignore);
    let mut sorted: Vec<&FileMeta> = files.iter().collect();
    sorted.sort_by(|a, b| a.path.cmp(&b.path));

    let mut plan = Plan::default();
    let mut excluded: BTreeMap<String, Excluded> = BTreeMap::new();
    let mut directory_verdicts: HashMap<&str, Option<IgnoreReason>> = HashMap::new();
    for file in sorted {
        let excluded_directory = directory_ancestors(&file.path).find_map(|directory| {
            let verdict = directory_verdicts.entry(directory).or_insert_with(|| judge.verdict(directory, true));
            verdict.as_ref().map(|reason| (format!("{directory}/"), reason.to_string()))
        });
        let (path, reason) = match excluded_directory {
            Some(found) => found,
            None => match judge.verdict(&file.path, false) {
                Some(reason) => (file.path.clone(), reason.to_string()),
                None => {
                    plan.total_bytes = plan.total_bytes.saturating_add(file.size);
                    plan.included.push(file.clone());
                    continue;
                }
            },
        };
        let entry = excluded.entry(path.clone()).or_insert(Excluded { path, reason, files: 0, bytes: 0 });
        entry.files += 1;
        entry.bytes = entry.bytes.saturating_add(file.size);
    }
    plan.excluded = excluded.into_values().collect();
    plan
}

/// The directories above `path`, outermost first: `a/b/c.py` gives `a`, `a/b`.
fn directory_ancestors(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices('/').map(move |(slash, _)| &path[..slash]).filter(|directory| !directory.is_empty())
}

/// Every reason an entry can be left out, in the order they are reported.
struct Judge<'a> {
    appignore: AppIgnore,
    /// Directories that hold a `pyvenv.cfg`.
    virtual_envs: HashSet<&'a str>,
}

impl<'a> Judge<'a> {
    fn new(files: &'a [FileMeta], appignore: Option<&str>) -> Self {
        let virtual_envs = files
            .iter()
            .filter_map(|file| file.path.strip_suffix(VENV_MARKER)?.strip_suffix('/'))
            // A `pyvenv.cfg` at the top means the app folder is itself an environment; the folder
            // is never left out as a whole.
            .filter(|directory| !directory.is_empty())
            .collect();
        Judge { appignore: appignore.map(AppIgnore::parse).unwrap_or_default(), virtual_envs }
    }

    fn verdict(&self, path: &str, is_dir: bool) -> Option<IgnoreReason> {
        if is_dir && self.virtual_envs.contains(path) {
            return Some(IgnoreReason::VirtualEnv);
        }
        default_ignore(path, is_dir)
            .or_else(|| secret_file(path, is_dir).filter(|_| !self.appignore.keeps(path, is_dir)))
            .or_else(|| self.appignore.matches(path, is_dir))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_files_stay_out_unless_appignore_keeps_them() {
        let files: Vec<FileMeta> = [".env", ".env.example", "config/prod.env", "certs/server.pem", "app.py", ".ssh/id_rsa"]
            .iter()
            .map(|path| FileMeta { path: (*path).to_owned(), size: 10 })
            .collect();
        let plan = plan(&files, None);
        let kept: Vec<&str> = plan.included.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(kept, ["app.py", "config/prod.env"]);
        let left_out: Vec<&str> = plan.excluded.iter().map(|entry| entry.path.as_str()).collect();
        assert_eq!(left_out, [".env", ".env.example", ".ssh/", "certs/server.pem"]);
        assert!(plan.excluded[0].reason.contains("an environment file, which often holds credentials"), "{}", plan.excluded[0].reason);
        assert!(plan.excluded[0].reason.contains("add a `!` line for it to .appignore"), "{}", plan.excluded[0].reason);

        let plan = super::plan(&files, Some("!.env.example\n!*.pem\n"));
        let kept: Vec<&str> = plan.included.iter().map(|file| file.path.as_str()).collect();
        assert_eq!(kept, [".env.example", "app.py", "certs/server.pem", "config/prod.env"]);
    }

    fn ignored(appignore: &str, path: &str, is_dir: bool) -> bool {
        AppIgnore::parse(appignore).matches(path, is_dir).is_some()
    }

    fn files(paths: &[&str]) -> Vec<FileMeta> {
        paths.iter().map(|path| FileMeta { path: (*path).to_owned(), size: 10 }).collect()
    }

    fn included(appignore: Option<&str>, paths: &[&str]) -> Vec<String> {
        plan(&files(paths), appignore).included.into_iter().map(|file| file.path).collect()
    }

    fn excluded(appignore: Option<&str>, paths: &[&str]) -> Vec<(String, String)> {
        plan(&files(paths), appignore).excluded.into_iter().map(|entry| (entry.path, entry.reason)).collect()
    }

    // --- Lines ---------------------------------------------------------------------------------

    #[test]
    fn blank_lines_and_comments_are_skipped_and_lines_are_trimmed() {
        let appignore = AppIgnore::parse("# logs\n\n   \n  *.log  \n\t#not a pattern\n");
        assert_eq!(
            appignore.matches("debug.log", false),
            Some(IgnoreReason::AppIgnore { line: 4, pattern: "*.log".into() })
        );
        assert_eq!(appignore.matches("# logs", false), None);
        assert_eq!(appignore.matches("#not a pattern", false), None);
        assert!(appignore.problems().is_empty());
    }

    #[test]
    fn crlf_line_ends_and_a_byte_order_mark_do_not_stick_to_patterns() {
        let appignore = AppIgnore::parse("\u{feff}venv/\r\n*.log\r\n");
        assert!(appignore.matches("venv", true).is_some());
        assert!(appignore.matches("a.log", false).is_some());
        assert!(appignore.matches("a.log\r", false).is_none());
    }

    #[test]
    fn lines_that_name_nothing_or_are_bad_globs_are_reported_and_never_match() {
        let appignore = AppIgnore::parse("!\n/\n*.py[co\nok\\\n*.log\n");
        let lines: Vec<Option<u32>> = appignore.problems().iter().map(|finding| finding.line).collect();
        assert_eq!(lines, [Some(1), Some(2), Some(3)]);
        assert!(appignore.problems().iter().all(|finding| !finding.is_error()));
        assert!(appignore.matches("x.py[co", false).is_none());
        // No glob character: compared literally, backslash included (go-gitignore's simpleMatcher).
        assert!(appignore.matches("ok\\", false).is_some());
        assert!(appignore.matches("a.log", false).is_some());
    }

    // --- Accept patterns -----------------------------------------------------------------------

    #[test]
    fn accept_patterns_win_whatever_their_line_order() {
        for text in ["!important.log\n*.log", "*.log\n!important.log"] {
            assert!(!ignored(text, "important.log", false), "{text}");
            assert!(ignored(text, "other.log", false), "{text}");
        }
    }

    #[test]
    fn an_early_accept_beats_a_later_ignore_unlike_git() {
        // git: the last matching line (`important.log`) wins, so the file would be ignored.
        assert!(!ignored("!*.log\nimportant.log", "important.log", false));
    }

    #[test]
    fn accepting_needs_a_match_of_its_own() {
        assert!(ignored("!keep.txt\n*.txt", "drop.txt", false));
        assert!(!ignored("!keep.txt", "keep.txt", false), "an accept alone ignores nothing");
    }

    // --- Relative patterns: the last N components ---------------------------------------------

    #[test]
    fn a_one_part_pattern_matches_that_name_at_any_depth() {
        assert!(ignored("foo", "foo", false));
        assert!(ignored("foo", "a/b/foo", true));
        assert!(!ignored("foo", "foo.py", false));
        assert!(!ignored("foo", "foo/bar.py", false), "only the last component is compared");
    }

    #[test]
    fn a_pattern_with_a_slash_matches_the_last_components_unlike_git() {
        assert!(ignored("a/b", "a/b", false));
        assert!(ignored("a/b", "x/y/a/b", false), "git would anchor `a/b` to the root");
        assert!(!ignored("a/b", "b", false));
        assert!(!ignored("a/b", "a/b/c", false));
        assert!(!ignored("a/b", "x/b", false));
    }

    #[test]
    fn a_literal_dot_name_is_not_an_extension() {
        assert!(ignored(".log", ".log", false));
        assert!(ignored(".log", "logs/.log", false));
        assert!(!ignored(".log", "server.log", false));
    }

    // --- Anchored patterns -----------------------------------------------------------------------

    #[test]
    fn a_leading_slash_anchors_to_the_app_folder() {
        assert!(ignored("/a.txt", "a.txt", false));
        assert!(!ignored("/a.txt", "dir/a.txt", false));
        assert!(ignored("/dir/a.txt", "dir/a.txt", false));
        assert!(!ignored("/dir1/a.txt", "dir/dir1/a.txt", false));
        assert!(ignored("dir/*.txt\n!/b.txt", "dir/b.txt", false), "`/b.txt` is not `dir/b.txt`");
    }

    #[test]
    fn an_anchored_pattern_also_matches_what_lies_under_it() {
        assert!(ignored("/build", "build/x.py", false));
        assert!(!ignored("/build/", "build/x.py", false), "a directory pattern judges the directory only");
        assert!(!ignored("!/static\n*.png", "static/icon.png", false));
        assert!(ignored("!static\n*.png", "static/icon.png", false), "a relative accept does not");
    }

    #[test]
    fn a_leading_dot_slash_anchors_like_a_slash() {
        assert!(ignored("./Dockerfile-bundle", "Dockerfile-bundle", false));
        assert!(!ignored("./Dockerfile-bundle", "examples/Dockerfile-bundle", false));
    }

    // --- Directory patterns ----------------------------------------------------------------------

    #[test]
    fn a_trailing_slash_matches_directories_only() {
        assert!(ignored("dir/", "dir", true));
        assert!(!ignored("dir/", "dir", false));
        assert!(ignored("venv/", "venv", true), "H2O's own files rely on `venv/`");
        assert!(ignored("venv/", "app/venv", true));
        assert!(ignored("/datasets/", "datasets", true));
        assert!(!ignored("/datasets/", "src/datasets", true));
        assert!(ignored("examples/sleep_eda/", "ui/examples/sleep_eda", true));
    }

    #[test]
    fn a_star_slash_directory_pattern_needs_a_parent() {
        assert!(ignored("*/__pycache__/", "src/__pycache__", true));
        assert!(ignored("*/__pycache__/", "a/b/__pycache__", true));
        assert!(!ignored("*/__pycache__/", "__pycache__", true), "two components are compared");
        assert!(!ignored("*/__pycache__/", "src/__pycache__", false));
    }

    #[test]
    fn a_directory_star_pattern_matches_the_entries_inside() {
        assert!(ignored("sdk/*", "sdk/tool.whl", false));
        assert!(ignored("sdk/*", "sdk/docs", true));
        assert!(!ignored("sdk/*", "sdk", true));
        assert!(!ignored("sdk/*", "sdk/docs/readme.md", false), "`*` does not cross `/`");
    }

    // --- Globs -----------------------------------------------------------------------------------

    #[test]
    fn star_and_question_mark_match_within_one_component() {
        assert!(ignored("*.log", "a/b/c.log", false));
        assert!(ignored("*.log", ".log", false));
        assert!(!ignored("*.log", "c.log.txt", false));
        assert!(ignored("conda*", "conda-env.yml", false));
        assert!(ignored("file?.txt", "file1.txt", false));
        assert!(!ignored("file?.txt", "file10.txt", false));
        assert!(ignored("a*b*c", "aXXbYYbZc", false));
        assert!(!ignored("a*b*c", "aXXbYYbZ", false));
        assert!(ignored("*~", "notes.md~", false));
    }

    #[test]
    fn character_classes() {
        for name in ["x.pyc", "x.pyo", "x.pyd"] {
            assert!(ignored("*.py[cod]", name, false), "{name}");
        }
        assert!(!ignored("*.py[cod]", "x.py", false));
        assert!(ignored("log[0-9]", "log7", false));
        assert!(!ignored("log[0-9]", "logx", false));
        assert!(ignored("log[!0-9]", "logx", false));
        assert!(ignored("log[^0-9]", "logx", false));
        assert!(!ignored("log[!0-9]", "log7", false));
        assert!(ignored("x[-a]", "x-", false), "a `-` at the edge is literal");
        assert!(ignored("x[\\]]", "x]", false));
    }

    #[test]
    fn glob_special_characters_can_be_escaped_and_dollar_is_literal() {
        assert!(ignored("*$py.class", "mod$py.class", false));
        assert!(!ignored("*$py.class", "modpy.class", false));
        assert!(ignored("\\*.txt", "*.txt", false));
        assert!(!ignored("\\*.txt", "a.txt", false));
    }

    #[test]
    fn double_star_crosses_directories() {
        assert!(ignored("**/foo", "foo", false));
        assert!(ignored("**/foo", "a/b/foo", false));
        assert!(ignored("a/**/b", "a/b", false));
        assert!(ignored("a/**/b", "a/x/y/b", false));
        assert!(ignored("a/**/b", "z/a/x/b", false), "relative: floats like any relative pattern");
        assert!(!ignored("/a/**/b", "z/a/x/b", false));
        assert!(ignored("/a/**", "a/x/y", false));
        assert!(!ignored("/a/**", "b/a/x", false));
        assert!(ignored("data/**/*.csv", "data/2024/01/x.csv", false));
        assert!(!ignored("data/**/*.csv", "data/2024/01/x.json", false));
    }

    #[test]
    fn matching_is_case_sensitive_as_on_linux() {
        assert!(!ignored("readme.md", "README.md", false));
        assert!(ignored("README.md", "docs/README.md", false));
    }

    // --- Default ignores ------------------------------------------------------------------------

    #[test]
    fn every_default_ignore_leaves_out_what_it_names() {
        let directories =
            [".git", ".hg", ".svn", "__pycache__", ".ipynb_checkpoints", ".idea", ".vscode", "venv", ".venv"];
        for directory in directories {
            assert!(default_ignore(directory, true).is_some(), "{directory}");
            assert!(default_ignore(&format!("src/{directory}"), true).is_some(), "{directory} nested");
            assert!(default_ignore(directory, false).is_none(), "a file named {directory} stays");
        }
        let files = [
            "x.pyc",
            "src/x.pyc",
            ".DS_Store",
            "a/.DS_Store",
            "Thumbs.db",
            "app.py~",
            "a/.app.py.swp",
            ".app.py.swo",
            ".#app.py",
            "#app.py#",
            "old.wave",
        ];
        for file in files {
            assert!(default_ignore(file, false).is_some(), "{file}");
        }
        let kept = ["app.py", "x.py", "venv.py", "environment/x.py", "wheels/lib.wave", "src/gitignore", "notes#1.md"];
        for file in kept {
            assert!(default_ignore(file, false).is_none(), "{file}");
        }
        assert!(default_rules().len() == DEFAULT_IGNORES.len(), "every default compiles");
    }

    #[test]
    fn default_ignores_cannot_be_accepted_back() {
        let appignore = "!.git/\n!venv/\n!*.pyc\n!/old.wave";
        let paths = [".git/HEAD", "venv/bin/python", "app.pyc", "old.wave", "app.py"];
        assert_eq!(included(Some(appignore), &paths), ["app.py"]);
    }

    #[test]
    fn a_directory_holding_pyvenv_cfg_is_a_virtual_environment() {
        let paths = ["env/pyvenv.cfg", "env/bin/python", "env/lib/site.py", "environment/x.py", "app.py"];
        assert_eq!(included(None, &paths), ["app.py", "environment/x.py"]);
        let excluded = plan(&files(&paths), None).excluded;
        assert_eq!(excluded.len(), 1);
        assert_eq!(excluded[0].path, "env/");
        assert_eq!(excluded[0].reason, "virtual environment (contains pyvenv.cfg), always left out");
        assert_eq!((excluded[0].files, excluded[0].bytes), (3, 30));
    }

    #[test]
    fn a_pyvenv_cfg_at_the_top_does_not_exclude_the_app_folder() {
        assert_eq!(included(None, &["pyvenv.cfg", "app.py"]), ["app.py", "pyvenv.cfg"]);
    }

    #[test]
    fn a_wave_file_is_left_out_at_the_top_only() {
        assert_eq!(included(None, &["app.ai.0.1.0.wave", "bundles/other.wave"]), ["bundles/other.wave"]);
    }

    // --- The plan ---------------------------------------------------------------------------------

    #[test]
    fn reasons_read_as_sentences() {
        let reasons = excluded(Some("# comment\n*.log\n"), &["debug.log", "src/__pycache__/a.pyc", "x.pyc"]);
        assert_eq!(
            reasons,
            [
                ("debug.log".to_owned(), "ignored by .appignore line 2: `*.log`".to_owned()),
                ("src/__pycache__/".to_owned(), "Python bytecode cache, always left out (`__pycache__/`)".to_owned()),
                ("x.pyc".to_owned(), "Python bytecode, always left out (`*.pyc`)".to_owned()),
            ]
        );
    }

    #[test]
    fn an_ignored_directory_is_reported_once_with_its_totals() {
        let plan = plan(&files(&["build/a.o", "build/sub/b.o", "main.py"]), Some("build"));
        assert_eq!(plan.included.len(), 1);
        assert_eq!(
            plan.excluded,
            [Excluded {
                path: "build/".into(),
                reason: "ignored by .appignore line 1: `build`".into(),
                files: 2,
                bytes: 20
            }]
        );
        assert_eq!(plan.total_bytes, 10);
    }

    #[test]
    fn nothing_inside_an_ignored_directory_can_be_accepted_back() {
        let paths = ["build/keep.txt", "build/drop.txt", "app.py"];
        assert_eq!(included(Some("build/\n!build/keep.txt"), &paths), ["app.py"]);
        // Accepting the directory itself does bring it back.
        assert_eq!(included(Some("build/\n!build/"), &paths), ["app.py", "build/drop.txt", "build/keep.txt"]);
    }

    #[test]
    fn included_files_are_sorted_by_the_bytes_of_their_paths() {
        let paths = ["a/b.py", "a.py", "B.py", "a-b/x.py", "é.py"];
        assert_eq!(included(None, &paths), ["B.py", "a-b/x.py", "a.py", "a/b.py", "é.py"]);
    }

    #[test]
    fn appignore_is_bundled_unless_it_lists_itself() {
        assert_eq!(included(Some("*.log"), &[".appignore", "app.py"]), [".appignore", "app.py"]);
        assert_eq!(included(Some(".appignore"), &[".appignore", "app.py"]), ["app.py"]);
    }

    #[test]
    fn odd_paths_do_not_panic() {
        let paths = ["", "/", "//a", "a//b", "/abs.py", "trailing/", "..", "a/../b", "\u{0}"];
        let plan = plan(&files(&paths), Some("a\n/\n**\n[\n!**/\n*"));
        assert_eq!(plan.included.len() + plan.excluded.iter().map(|e| e.files as usize).sum::<usize>(), paths.len());
    }

    proptest::proptest! {
        #[test]
        fn any_appignore_and_any_path_are_judged_without_panicking(text in "\\PC{0,80}", path in "[a-z/.*?\\[\\]!\\\\ ]{0,30}", is_dir: bool) {
            let _ = AppIgnore::parse(&text).matches(&path, is_dir);
            let _ = AppIgnore::parse(&path).matches(&text, is_dir);
        }

        #[test]
        fn a_plain_name_matches_exactly_the_paths_ending_in_it(name in "[a-z._-]{1,8}", parents in proptest::collection::vec("[a-z]{1,4}", 0..4), last in "[a-z._-]{1,8}") {
            let mut path = parents.join("/");
            if !path.is_empty() { path.push('/'); }
            path.push_str(&last);
            proptest::prop_assert_eq!(ignored(&name, &path, false), name == last);
        }
    }

    /// The obvious exponential matcher, to check the backtracking one against.
    fn naive_glob(tokens: &[Token], name: &[char]) -> bool {
        match tokens.split_first() {
            None => name.is_empty(),
            Some((Token::AnyRun, rest)) => (0..=name.len()).any(|taken| naive_glob(rest, &name[taken..])),
            Some((single, rest)) => {
                name.first().is_some_and(|&c| single.matches_char(c)) && naive_glob(rest, &name[1..])
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn the_glob_matcher_agrees_with_the_naive_one(pattern in "[ab*?é]{0,8}|[ab*]{0,3}\\[!a\\][ab*]{0,3}", name in "[abé]{0,10}") {
            let tokens = parse_glob(&pattern).expect("the generated patterns are valid");
            let chars: Vec<char> = name.chars().collect();
            proptest::prop_assert_eq!(match_glob(&tokens, &name), naive_glob(&tokens, &chars));
        }
    }

    // --- Real .appignore files ------------------------------------------------------------------

    macro_rules! corpus {
        ($name:literal) => {
            include_str!(concat!("../tests/corpus/appignore/", $name, ".appignore"))
        };
    }

    const CORPUS: &[&str] = &[
        corpus!("WildMeOrg__sage-identification-pipeline"),
        corpus!("h2oai__challenge-wildfires__wave-app"),
        corpus!("h2oai__sql-sidekick"),
        corpus!("h2oai__wave-apps__churn-risk"),
        corpus!("h2oai__wave-apps__guess-the-number"),
        corpus!("h2oai__wave-h2o-automl"),
        corpus!("h2oai__wave-ml__h2o_wave_ml_app"),
        corpus!("h2oai__wave__py__apps__tour"),
        corpus!("h2oai__wave__studio"),
        corpus!("h2oai__wave__university"),
        corpus!("mtanco__wave-template"),
        corpus!("sulhicader__test_wave_template"),
    ];

    #[test]
    fn every_corpus_file_parses_without_problems() {
        for text in CORPUS {
            assert!(AppIgnore::parse(text).problems().is_empty(), "{text}");
        }
    }

    #[test]
    fn corpus_python_gitignore_with_app_specific_lines() {
        let paths = [
            ".appignore",
            ".env",
            ".gitignore",
            ".ignoreme",
            "Makefile",
            "app.toml",
            "app/__init__.py",
            "app/__pycache__/main.cpython-311.pyc",
            "app/ext.so",
            "app/lib/util.py",
            "app/main.py",
            "build/lib/x.py",
            "data/model.tar.gz",
            "debug.log",
            "docs/site/index.md",
            "h2o_wave.state",
            "lib/helpers.py",
            "mymodule.egg-info/PKG-INFO",
            "notebooks/explore.ipynb",
            "poetry.lock",
            "pyproject.toml",
            "requirements.txt",
            "site/index.html",
            "static/icon.png",
        ];
        assert_eq!(
            included(Some(corpus!("WildMeOrg__sage-identification-pipeline")), &paths),
            [
                ".appignore",
                "app.toml",
                "app/__init__.py",
                "app/main.py",
                "docs/site/index.md",
                "requirements.txt",
                "static/icon.png",
            ],
            "`lib/` drops every lib folder; `/site` only the top one"
        );
    }

    #[test]
    fn corpus_directory_star_patterns() {
        let text = corpus!("h2oai__challenge-wildfires__wave-app");
        let paths = [
            "app.toml",
            "h2o_wildfire_cli_config.toml",
            "requirements.txt",
            "sdk/docs/readme.md",
            "sdk/h2o_wildfire-0.1-py3-none-any.whl",
            "src/app.py",
            "src/h2o_wildfire_cli_config.toml",
            "venv/bin/python",
        ];
        assert_eq!(included(Some(text), &paths), ["app.toml", "requirements.txt", "src/app.py"]);
        let left_out: Vec<String> = plan(&files(&paths), Some(text)).excluded.into_iter().map(|e| e.path).collect();
        assert_eq!(
            left_out,
            [
                "h2o_wildfire_cli_config.toml",
                "sdk/docs/",
                "sdk/h2o_wildfire-0.1-py3-none-any.whl",
                "src/h2o_wildfire_cli_config.toml",
                "venv/",
            ]
        );
    }

    #[test]
    fn corpus_literal_dot_names_and_two_part_directories() {
        let paths = [
            ".log",
            ".sh",
            ".sidekickvenv/lib/site.py",
            ".sidekickvenv/pyvenv.cfg",
            "app.toml",
            "examples/demo/data.csv",
            "examples/sleep_eda/data.csv",
            "examples/telemetry/t.csv",
            "run.sh",
            "scripts/setup.sh",
            "server.log",
            "sidekick/__pycache__/app.cpython-310.pyc",
            "sidekick/app.py",
            "sidekick/tests/test_x.py",
            "tests/test_app.py",
            "ui/examples/sleep_eda/x.csv",
        ];
        assert_eq!(
            included(Some(corpus!("h2oai__sql-sidekick")), &paths),
            ["app.toml", "examples/demo/data.csv", "run.sh", "server.log", "sidekick/app.py"],
            "`.log` and `.sh` are literal names, not extensions"
        );
    }

    #[test]
    fn corpus_prefix_globs_and_directory_globs() {
        let paths = [
            "app-data/churn.csv",
            "app.toml",
            "conda-env.yml",
            "conda/x.txt",
            "flyway-7.0/conf/flyway.conf",
            "flyway-notes.txt",
            "reports/q1.html",
            "requirements.txt",
            "src/app.py",
            "src/reports/r.py",
            "tests/test_app.py",
        ];
        assert_eq!(
            included(Some(corpus!("h2oai__wave-apps__churn-risk")), &paths),
            ["app.toml", "flyway-notes.txt", "requirements.txt", "src/app.py"]
        );
    }

    #[test]
    fn corpus_an_appignore_that_lists_itself() {
        let paths = [
            ".appignore",
            ".gitignore",
            "app-data/scores.db",
            "app.toml",
            "guess/__init__.py",
            "guess/app.py",
            "notebooks/x.ipynb",
            "poetry.lock",
            "pyproject.toml",
            "requirements.txt",
            "static/icon.png",
        ];
        assert_eq!(
            included(Some(corpus!("h2oai__wave-apps__guess-the-number")), &paths),
            ["app.toml", "guess/__init__.py", "guess/app.py", "requirements.txt", "static/icon.png"]
        );
    }

    #[test]
    fn corpus_bare_names_match_files_and_directories() {
        let paths = ["app.toml", "src/app.py", "src/tmp", "temp/x.csv", "tmp/upload.csv", "venv/lib/x.py"];
        assert_eq!(included(Some(corpus!("h2oai__wave-h2o-automl")), &paths), ["app.toml", "src/app.py", "temp/x.csv"]);
    }

    #[test]
    fn corpus_wave_files_at_any_depth() {
        let paths = ["app.toml", "dist/ai.h2o.wave-ml.0.1.0.wave", "h2o_wave_ml_app/app.py", "old.wave"];
        let text = corpus!("h2oai__wave-ml__h2o_wave_ml_app");
        assert_eq!(included(Some(text), &paths), ["app.toml", "h2o_wave_ml_app/app.py"]);
        let reasons = excluded(Some(text), &paths);
        assert_eq!(reasons[0].1, "ignored by .appignore line 3: `*.wave`");
        assert!(reasons[1].1.starts_with("a bundle built earlier"), "defaults are reported first");
    }

    #[test]
    fn corpus_dot_slash_names_the_top_folder() {
        let paths = [
            "Dockerfile",
            "Dockerfile-bundle",
            "Dockerfile-runtime",
            "app.toml",
            "examples/Dockerfile-bundle",
            "tour.py",
        ];
        assert_eq!(
            included(Some(corpus!("h2oai__wave__py__apps__tour")), &paths),
            ["Dockerfile", "app.toml", "examples/Dockerfile-bundle", "tour.py"]
        );
    }

    #[test]
    fn corpus_short_files_from_h2o() {
        let paths = ["app.toml", "project/a.json", "studio/__pycache__/x.pyc", "studio/project.py", "venv/bin/python"];
        assert_eq!(included(Some(corpus!("h2oai__wave__studio")), &paths), ["app.toml", "studio/project.py"]);
        let paths = ["app.toml", "src/__pycache__/a.pyc", "src/app.py", "venv/lib/x.py", "venv.md"];
        for text in [corpus!("h2oai__wave__university"), corpus!("mtanco__wave-template")] {
            assert_eq!(included(Some(text), &paths), ["app.toml", "src/app.py", "venv.md"]);
        }
    }

    #[test]
    fn corpus_template_with_anchored_and_star_directory_patterns() {
        let paths = [
            ".neptune/run1/meta.json",
            ".vscode/settings.json",
            "README.md",
            "app.toml",
            "build.sh",
            "ci/pipeline.yml",
            "data/x.csv",
            "datasets/train.csv",
            "docker-compose.yml",
            "docs/README.md",
            "native/ext.c",
            "requirements.txt",
            "src/app.py",
            "src/datasets/loader.py",
            "static/icon.png",
        ];
        assert_eq!(
            included(Some(corpus!("sulhicader__test_wave_template")), &paths),
            ["app.toml", "requirements.txt", "src/app.py", "src/datasets/loader.py", "static/icon.png"]
        );
    }
}
