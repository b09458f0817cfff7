//! Slows down password guessing. After a few failed sign-ins for one username, each further
//! attempt must wait, doubling up to a minute; a successful sign-in clears the count. The wait
//! is short enough that an attacker cannot lock a real user out for long, and long enough to
//! turn thousands of guesses an hour into about sixty.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Failures allowed before any waiting starts.
const FREE_ATTEMPTS: u32 = 5;
/// The longest wait between attempts.
const MAX_WAIT: Duration = Duration::from_secs(60);
/// Entries kept at most; unknown usernames must not grow memory without bound.
const MAX_ENTRIES: usize = 10_000;
/// Entries untouched this long are forgotten.
const FORGET_AFTER: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    last: Instant,
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl LoginThrottle {
    /// `Err(wait)` when `username` must wait before trying again.
    pub fn check(&self, username: &str, now: Instant) -> Result<(), Duration> {
        let failures = self.failures.lock().expect("throttle lock");
        match failures.get(username) {
            Some(entry) => {
                let ready_at = entry.last + wait_after(entry.count);
                if now < ready_at {
                    Err(ready_at - now)
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    pub fn record_failure(&self, username: &str, now: Instant) {
        let mut failures = self.failures.lock().expect("throttle lock");
        if failures.len() >= MAX_ENTRIES && !failures.contains_key(username) {
            failures.retain(|_, entry| now.duration_since(entry.last) < FORGET_AFTER);
            if failures.len() >= MAX_ENTRIES {
                failures.clear();
            }
        }
        let entry = failures.entry(username.to_owned()).or_insert(Failures { count: 0, last: now });
        entry.count += 1;
        entry.last = now;
    }

    pub fn record_success(&self, username: &str) {
        self.failures.lock().expect("throttle lock").remove(username);
    }
}

/// A wait in whole seconds, rounded up (at least 1), so a client that waits this long is never early.
pub fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// How long to wait after `count` failures in a row: nothing for the first few, then 1 s, 2 s,
/// 4 s … up to [`MAX_WAIT`].
fn wait_after(count: u32) -> Duration {
    match count.checked_sub(FREE_ATTEMPTS) {
        None => Duration::ZERO,
        Some(extra) => Duration::from_secs(1u64 << extra.min(16)).min(MAX_WAIT),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn waits_grow_after_the_free_attempts_and_cap() {
        assert_eq!(wait_after(0), Duration::ZERO);
        assert_eq!(wait_after(4), Duration::ZERO);
        assert_eq!(wait_after(5), Duration::from_secs(1));
        assert_eq!(wait_after(6), Duration::from_secs(2));
        assert_eq!(wait_after(10), Duration::from_secs(32));
        assert_eq!(wait_after(11), MAX_WAIT);
        assert_eq!(wait_after(u32::MAX), MAX_WAIT);
    }

    #[test]
    fn a_username_is_held_back_then_released_and_success_clears_it() {
        let throttle = LoginThrottle::default();
        let start = Instant::now();
        for _ in 0..FREE_ATTEMPTS {
            assert!(throttle.check("ada", start).is_ok());
            throttle.record_failure("ada", start);
        }
        assert_eq!(throttle.check("ada", start), Err(Duration::from_secs(1)));
        assert!(throttle.check("bob", start).is_ok(), "other users are not affected");
        assert!(throttle.check("ada", start + Duration::from_secs(1)).is_ok());
        throttle.record_success("ada");
        assert!(throttle.check("ada", start).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_many_usernames() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES + 10) {
            throttle.record_failure(&format!("user{i}"), now);
        }
        assert!(throttle.failures.lock().unwrap().len() <= MAX_ENTRIES);
    }
}
