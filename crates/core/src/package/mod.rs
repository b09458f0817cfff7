//! Packaging files into deterministic `.wave` bytes.
