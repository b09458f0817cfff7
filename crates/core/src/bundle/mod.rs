//! Bundle rules: what a `.wave` must hold, checked over the archive and the manifest together.
