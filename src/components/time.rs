//! Times as people read them.

/// How long ago an RFC 3339 time was, from `now_ms` (milliseconds since the epoch): "just now",
/// "5 min ago", "3 h ago", "2 days ago". The time itself when it cannot be read.
pub fn age(rfc3339: &str, now_ms: f64) -> String {
    let then = js_sys::Date::parse(rfc3339);
    if then.is_nan() {
        return rfc3339.to_owned();
    }
    age_of_seconds(((now_ms - then) / 1000.0).max(0.0) as u64)
}

/// [`age`] for a number of seconds.
pub fn age_of_seconds(seconds: u64) -> String {
    match seconds {
        0..=59 => "just now".to_owned(),
        60..=3599 => format!("{} min ago", seconds / 60),
        3600..=86_399 => format!("{} h ago", seconds / 3600),
        86_400..=172_799 => "1 day ago".to_owned(),
        _ => format!("{} days ago", seconds / 86_400),
    }
}

/// Now, for [`age`].
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
