//! The manifest's key names, and matching them as the platform does.
//!
//! The App Store is written in Go, whose TOML decoders look a key up exactly and then, failing that,
//! ignoring case (spec §3.1). Real manifests rely on it (`name = ...`, `[[ENV]]`), so a key that
//! matches only ignoring case is accepted with a warning naming the canonical spelling. When a table
//! holds two spellings of one key, the exact one wins (as in Go) and the other is an error, since
//! one of the two values is silently dropped. Keys the platform does not know are ignored by it, so
//! they are warnings.

use toml::de::{DeString, DeTable, DeValue};
use toml::Spanned;

use super::codes;
use super::read::Reader;

pub(super) const TOP_LEVEL: &[&str] = &["App", "Runtime", "Env", "File", "Link"];
pub(super) const APP: &[&str] = &[
    "Name",
    "Version",
    "Title",
    "Description",
    "LongDescription",
    "Tags",
    "InstanceLifecycle",
    "InstanceTimeout",
    "Category",
    "Keywords",
    "SetupGuide",
];
pub(super) const RUNTIME: &[&str] = &[
    "Module",
    "RuntimeVersion",
    "VolumeMount",
    "VolumeSize",
    "ResourceVolumeSize",
    "MemoryLimit",
    "MemoryReservation",
    "CPULimit",
    "CPUReservation",
    "GPUCount",
    "GPUType",
    "EnableOIDC",
    "EnableSHM",
    "RoutingMode",
    "AppMode",
    "Port",
    "CustomImage",
    "AppArgs",
    "AppEntryPoint",
];
pub(super) const ENV: &[&str] = &["Name", "Value", "Secret", "SecretKey", "Optional"];
pub(super) const FILE: &[&str] = &["Path", "Value", "Secret", "SecretKey", "Optional"];
pub(super) const LINK: &[&str] = &["Address"];

/// Each table with its keys, to tell an author which table a misplaced key belongs in.
const TABLES: &[(&str, &[&str])] = &[("App", APP), ("Runtime", RUNTIME), ("[Env]", ENV), ("[File]", FILE), ("Link", LINK)];

type Key<'a, 'i> = &'a Spanned<DeString<'i>>;
type Value<'a, 'i> = &'a Spanned<DeValue<'i>>;

/// A table's known keys, each resolved to the value of its chosen spelling.
pub(super) struct Matched<'a, 'i> {
    found: Vec<(&'static str, Value<'a, 'i>)>,
    /// How many keys the table has, known or not.
    pub total: usize,
}

impl<'a, 'i> Matched<'a, 'i> {
    pub(super) fn get(&self, key: &str) -> Option<Value<'a, 'i>> {
        self.found.iter().find(|(name, _)| *name == key).map(|(_, value)| *value)
    }

    pub(super) fn keys(&self) -> Vec<&'static str> {
        self.found.iter().map(|(name, _)| *name).collect()
    }
}

/// Matches the keys of `table` (at TOML path `path`, empty for the top level) to the canonical
/// names in `known`, reporting case mismatches, duplicate spellings and unknown keys, and
/// remembering where each known value is.
pub(super) fn resolve<'a, 'i>(reader: &mut Reader<'_>, table: &'a DeTable<'i>, known: &[&'static str], path: &str) -> Matched<'a, 'i> {
    // The table is sorted by key; walk it in source order so findings read top to bottom.
    let mut entries: Vec<(Key<'a, 'i>, Value<'a, 'i>)> = table.iter().collect();
    entries.sort_by_key(|(key, _)| key.span().start);

    let mut found = Vec::new();
    for &canonical in known {
        let spellings: Vec<_> = entries.iter().filter(|(key, _)| key.get_ref().eq_ignore_ascii_case(canonical)).collect();
        let Some(&&(chosen, value)) = spellings.iter().find(|(key, _)| key.get_ref() == canonical).or(spellings.first()) else {
            continue;
        };
        let canonical_path = join(path, canonical);
        if chosen.get_ref() != canonical {
            let message = format!("write `{canonical}`: the platform accepts `{}` only because it ignores case", chosen.get_ref());
            reader.warning(codes::KEY_CASE, &canonical_path, Some(&chosen.span()), message);
        }
        for (other, _) in spellings.iter().filter(|(key, _)| key.span() != chosen.span()) {
            let message = format!(
                "`{}` and `{}` are the same key, since keys match ignoring case; the platform keeps only `{}` and ignores `{}`: remove one",
                other.get_ref(),
                chosen.get_ref(),
                chosen.get_ref(),
                other.get_ref()
            );
            // The platform accepts it (and drops one), so Wavehub warns rather than refuses.
            reader.warning(codes::KEY_DUPLICATE, &canonical_path, Some(&other.span()), message);
        }
        reader.remember(&canonical_path, &value.span());
        found.push((canonical, value));
    }

    for (key, value) in &entries {
        let name = key.get_ref();
        if known.iter().any(|k| k.eq_ignore_ascii_case(name)) {
            continue;
        }
        let is_table = matches!(value.get_ref(), DeValue::Table(_) | DeValue::Array(_)) && path.is_empty();
        let (code, what) = if is_table { (codes::TABLE_UNKNOWN, "table") } else { (codes::KEY_UNKNOWN, "key") };
        let place = if path.is_empty() { "at the top level".to_owned() } else { format!("in [{path}]") };
        let advice = match home_of(name, path) {
            Some(home) => format!("it belongs in [{home}]; move it there"),
            None => "remove it or fix its spelling".to_owned(),
        };
        let message = format!("unknown {what} `{name}` {place} is ignored by the platform; {advice}");
        reader.warning(code, &join(path, name), Some(&key.span()), message);
    }

    Matched { found, total: entries.len() }
}

/// The table another than the one at `path` that has key `name`, if any.
fn home_of(name: &str, path: &str) -> Option<&'static str> {
    let here = path.split('[').next().unwrap_or_default();
    TABLES
        .iter()
        .find(|(table, keys)| table.trim_matches(['[', ']']) != here && keys.iter().any(|k| k.eq_ignore_ascii_case(name)))
        .map(|(table, _)| *table)
}

/// The TOML path of `key` in the table at `path` (`App.Name`; just `key` at the top level).
pub(super) fn join(path: &str, key: &str) -> String {
    if path.is_empty() {
        key.to_owned()
    } else {
        format!("{path}.{key}")
    }
}
