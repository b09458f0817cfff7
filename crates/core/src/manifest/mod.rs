//! `app.toml`: the typed manifest and its rules (see shared spec §3).
