//! How the web app writes things for people, each in one place: times, as `2026-11-22 10:00 UTC`
//! ([`Timestamp`]) or how long ago ([`age`]) (the server sends RFC 3339 times in UTC); counts
//! ([`count`]: `1 image`, `3 images`); and a verb as a button's word ([`capitalized`]).

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

/// `1 image`, `3 images`.
pub fn count(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// `Deprecate` from `deprecate`: the first letter upper-cased, the rest as it is.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_and_verbs_read_well() {
        assert_eq!(super::count(1, "image", "images"), "1 image");
        assert_eq!(super::count(0, "image", "images"), "0 images");
        assert_eq!(super::capitalized("activate"), "Activate");
        assert_eq!(super::capitalized(""), "");
    }

    #[test]
    fn times_read_to_the_minute_in_utc() {
        assert_eq!(super::timestamp("2026-11-22T10:00:01.123Z"), "2026-11-22 10:00 UTC");
        assert_eq!(super::timestamp("2026-12-01T09:05:00Z"), "2026-12-01 09:05 UTC");
        assert_eq!(super::timestamp("soon"), "soon");
    }
}
