//! Times as people read them: when, as `2026-11-22 10:00 UTC` ([`Timestamp`]), or how long ago
//! ([`age`]). The server sends RFC 3339 times in UTC.

use leptos::prelude::*;

/// A time in a list or a page's facts: `2026-11-22 10:00 UTC`, with how long ago on hover and the
/// exact time in `datetime` for machines.
#[component]
pub fn Timestamp(#[prop(into)] time: String) -> impl IntoView {
    view! { <time datetime=time.clone() title=age(&time, now_ms())>{timestamp(&time)}</time> }
}

/// `2026-11-22T10:00:01.123Z` as `2026-11-22 10:00 UTC`: minutes are what people compare. A text
/// that is not such a time is shown as it is.
pub fn timestamp(rfc3339: &str) -> String {
    let Some((date, time)) = rfc3339.split_once('T') else { return rfc3339.to_owned() };
    match time.get(..5) {
        Some(minutes) if date.len() == 10 => format!("{date} {minutes} UTC"),
        _ => rfc3339.to_owned(),
    }
}

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

#[cfg(test)]
mod tests {
    #[test]
    fn times_read_to_the_minute_in_utc() {
        assert_eq!(super::timestamp("2026-11-22T10:00:01.123Z"), "2026-11-22 10:00 UTC");
        assert_eq!(super::timestamp("2026-12-01T09:05:00Z"), "2026-12-01 09:05 UTC");
        assert_eq!(super::timestamp("soon"), "soon");
    }
}
