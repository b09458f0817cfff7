//! The reader the rules work through: it collects findings with their positions, remembers where
//! each value is, and reads TOML values as the types the manifest expects, reporting type mistakes
//! with the exact fix (`GPUCount = 1`, not `"1"`).

use std::collections::BTreeMap;
use std::ops::Range;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use super::keys::{self, Matched};
use super::{codes, MANIFEST_FILE};
use crate::api::Finding;
use crate::text::{position_of, Position};

/// A byte range in the manifest text.
pub(super) type Span = Range<usize>;

/// Findings and positions collected while checking one manifest.
pub(super) struct Reader<'t> {
    text: &'t str,
    /// Byte offset where each line starts, so a position costs one line's scan, not the whole
    /// text's: a large manifest has a position for every value.
    line_starts: Vec<usize>,
    findings: Vec<Finding>,
    positions: BTreeMap<String, Position>,
}

impl<'t> Reader<'t> {
    pub(super) fn new(text: &'t str) -> Self {
        let line_starts = std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect();
        Reader { text, line_starts, findings: Vec::new(), positions: BTreeMap::new() }
    }

    /// The line and column where `span` starts (as [`position_of`] counts them).
    pub(super) fn position(&self, span: &Span) -> Position {
        let offset = span.start.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset).saturating_sub(1);
        let line_start = self.line_starts.get(line).copied().unwrap_or(0);
        let within = position_of(self.text.get(line_start..).unwrap_or_default(), offset - line_start);
        Position { line: u32::try_from(line + 1).unwrap_or(u32::MAX), column: within.column }
    }

    /// The text of `span` as written (for hints that quote the author's value).
    pub(super) fn source(&self, span: &Span) -> &'t str {
        self.text.get(span.clone()).unwrap_or_default()
    }

    pub(super) fn error(&mut self, code: &str, path: &str, at: Option<&Span>, message: impl Into<String>) {
        self.push(Finding::error(code, path, message), at);
    }

    pub(super) fn warning(&mut self, code: &str, path: &str, at: Option<&Span>, message: impl Into<String>) {
        self.push(Finding::warning(code, path, message), at);
    }

    fn push(&mut self, finding: Finding, at: Option<&Span>) {
        let finding = finding.in_file(MANIFEST_FILE);
        let finding = match at {
            Some(span) => finding.at(self.position(span)),
            None => finding,
        };
        self.findings.push(finding);
    }

    /// Remembers where the value at `path` is, for [`super::Manifest::position_of`].
    pub(super) fn remember(&mut self, path: &str, span: &Span) {
        let position = self.position(span);
        self.positions.insert(path.to_owned(), position);
    }

    /// The findings in reading order (by position; findings without one last) and the positions.
    pub(super) fn finish(mut self) -> (Vec<Finding>, BTreeMap<String, Position>) {
        self.findings.sort_by_key(|f| (f.line.unwrap_or(u32::MAX), f.column.unwrap_or(u32::MAX)));
        (self.findings, self.positions)
    }

    /// Matches `table`'s keys to the canonical names in `known` and wraps them as a section at `path`.
    pub(super) fn section<'a, 'i>(&mut self, table: &'a DeTable<'i>, span: Span, known: &[&'static str], path: &str) -> Section<'a, 'i> {
        if !path.is_empty() {
            self.remember(path, &span);
        }
        let matched = keys::resolve(self, table, known, path);
        Section { path: path.to_owned(), span, matched }
    }

    /// `field` as a table (`[App]`), or `None` after reporting a type mistake.
    pub(super) fn table<'a, 'i>(&mut self, field: &Field<'a, 'i>) -> Option<&'a DeTable<'i>> {
        match field.value.get_ref() {
            DeValue::Table(table) => Some(table),
            _ => {
                let hint = format!("write it as a table: a `[{}]` line followed by its keys", field.key);
                self.type_mistake(field, "a table", hint);
                None
            }
        }
    }

    /// `field` as an array of tables (`[[Env]]`), or an empty list after reporting a type mistake.
    pub(super) fn tables<'a, 'i>(&mut self, field: &Field<'a, 'i>) -> Vec<(Span, &'a DeTable<'i>)> {
        let key = field.key;
        match field.value.get_ref() {
            DeValue::Array(items) => {
                let mut tables = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::Table(table) => tables.push((item.span(), table)),
                        other => self.error(
                            codes::VALUE_TYPE,
                            &format!("{key}[{}]", i + 1),
                            Some(&item.span()),
                            format!("each {key} entry must be a table, not {}; write `[[{key}]]` followed by its keys", type_name(other)),
                        ),
                    }
                }
                tables
            }
            _ => {
                let hint = format!("write `[[{key}]]` (double brackets) before each entry");
                self.type_mistake(field, "an array of tables", hint);
                Vec::new()
            }
        }
    }

    /// `field` as a string.
    pub(super) fn string(&mut self, field: &Field<'_, '_>) -> Option<String> {
        match field.value.get_ref() {
            DeValue::String(text) => Some(text.to_string()),
            DeValue::Integer(_) | DeValue::Float(_) | DeValue::Boolean(_) | DeValue::Datetime(_) => {
                let hint = format!("put it in quotes: `{} = \"{}\"`", field.key, self.source(&field.value.span()));
                self.type_mistake(field, "a string", hint);
                None
            }
            _ => {
                self.type_mistake(field, "a string", format!("write `{} = \"...\"`", field.key));
                None
            }
        }
    }

    pub(super) fn bool(&mut self, field: &Field<'_, '_>) -> Option<bool> {
        match field.value.get_ref() {
            DeValue::Boolean(value) => Some(*value),
            DeValue::String(text) if text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false") => {
                let hint = format!("drop the quotes: `{} = {}`", field.key, text.to_ascii_lowercase());
                self.type_mistake(field, "true or false", hint);
                None
            }
            _ => {
                self.type_mistake(field, "true or false", format!("write `{} = true` or `{} = false`", field.key, field.key));
                None
            }
        }
    }

    pub(super) fn integer(&mut self, field: &Field<'_, '_>) -> Option<i64> {
        match field.value.get_ref() {
            DeValue::Integer(number) => match i64::from_str_radix(number.as_str(), number.radix()) {
                Ok(value) => Some(value),
                Err(_) => {
                    self.type_mistake(field, "a whole number that fits in 64 bits", "write a smaller number");
                    None
                }
            },
            DeValue::String(text) if text.trim().parse::<i64>().is_ok() => {
                let hint = format!("drop the quotes: `{} = {}`", field.key, text.trim());
                self.type_mistake(field, "a number", hint);
                None
            }
            _ => {
                self.type_mistake(field, "a whole number", format!("write e.g. `{} = 1`", field.key));
                None
            }
        }
    }

    /// `field` as a list of strings; each element that is not a string is reported at its position.
    pub(super) fn string_list(&mut self, field: &Field<'_, '_>) -> Option<Vec<String>> {
        match field.value.get_ref() {
            DeValue::Array(items) => {
                let mut list = Vec::new();
                for (i, item) in items.iter().enumerate() {
                    match item.get_ref() {
                        DeValue::String(text) => list.push(text.to_string()),
                        other => {
                            let path = format!("{}[{}]", field.path, i + 1);
                            let message =
                                format!("each element of {} must be a string, not {}; put it in quotes", field.key, type_name(other));
                            self.error(codes::VALUE_TYPE, &path, Some(&item.span()), message);
                        }
                    }
                }
                Some(list)
            }
            DeValue::String(text) => {
                let hint = format!("write a list: `{} = [\"{}\"]`", field.key, text);
                self.type_mistake(field, "a list of strings", hint);
                None
            }
            _ => {
                self.type_mistake(field, "a list of strings", format!("write e.g. `{} = [\"A\", \"B\"]`", field.key));
                None
            }
        }
    }

    /// `field` as one of `choices` (canonical spellings), matched ignoring case with a warning.
    /// `None` for an empty string (the default) and for an invalid value (after an error).
    pub(super) fn choice<T: Copy>(&mut self, field: &Field<'_, '_>, choices: &[(&'static str, T)]) -> Option<T> {
        let written = self.string(field)?;
        if written.is_empty() {
            return None;
        }
        if let Some((_, value)) = choices.iter().find(|(name, _)| *name == written) {
            return Some(*value);
        }
        let span = field.value.span();
        if let Some((name, value)) = choices.iter().find(|(name, _)| name.eq_ignore_ascii_case(&written)) {
            let message = format!("write `{} = \"{name}\"`: the platform accepts \"{written}\" only because it ignores case", field.key);
            self.warning(codes::ENUM_CASE, &field.path, Some(&span), message);
            return Some(*value);
        }
        let allowed: Vec<String> = choices.iter().map(|(name, _)| format!("\"{name}\"")).collect();
        let message = format!("{} cannot be \"{written}\"; use one of {}", field.key, allowed.join(", "));
        self.error(codes::ENUM_INVALID, &field.path, Some(&span), message);
        None
    }

    fn type_mistake(&mut self, field: &Field<'_, '_>, expected: &str, hint: impl AsRef<str>) {
        let found = type_name(field.value.get_ref());
        let message = format!("{} must be {expected}, not {found}; {}", field.key, hint.as_ref());
        self.error(codes::VALUE_TYPE, &field.path, Some(&field.value.span()), message);
    }
}

/// A value's TOML type, as a person would name it.
fn type_name(value: &DeValue<'_>) -> &'static str {
    match value {
        DeValue::String(_) => "a string",
        DeValue::Integer(_) => "a number",
        DeValue::Float(_) => "a decimal number",
        DeValue::Boolean(_) => "true/false",
        DeValue::Datetime(_) => "a date",
        DeValue::Array(_) => "a list",
        DeValue::Table(_) => "a table",
    }
}

/// A table of the manifest (`[App]`, one `[[Env]]` entry) with its keys matched to canonical names.
pub(super) struct Section<'a, 'i> {
    /// The canonical TOML path: `App`, `Env[2]`.
    pub path: String,
    /// Where the table starts (its header).
    pub span: Span,
    matched: Matched<'a, 'i>,
}

impl<'a, 'i> Section<'a, 'i> {
    /// The value of canonical key `key`, when the table has it (in any spelling).
    pub(super) fn get(&self, key: &'static str) -> Option<Field<'a, 'i>> {
        self.matched.get(key).map(|value| Field { path: keys::join(&self.path, key), key, value })
    }

    /// Whether the table has no keys at all (known or not).
    pub(super) fn is_empty(&self) -> bool {
        self.matched.total == 0
    }

    /// The canonical names of the known keys it has, in source order.
    pub(super) fn keys(&self) -> Vec<&'static str> {
        self.matched.keys()
    }
}

/// One value of a section, with its canonical path (`Runtime.GPUCount`) and key (`GPUCount`).
pub(super) struct Field<'a, 'i> {
    pub path: String,
    pub key: &'static str,
    pub value: &'a Spanned<DeValue<'i>>,
}

impl Field<'_, '_> {
    pub(super) fn span(&self) -> Span {
        self.value.span()
    }

    /// The path and where the value is, for findings about it.
    pub(super) fn into_path_and_span(self) -> (String, Span) {
        let span = self.value.span();
        (self.path, span)
    }
}
