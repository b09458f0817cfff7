//! Slows down password guessing without letting a guesser lock a real user out.
//!
//! Failed sign-ins are counted three ways, each count forgotten after an hour without failures:
//!
//! - **per client address** (IPv6 by its /64): after [`ADDRESS_FREE`] failures, each further
//!   attempt from the address must wait 1 s, 2 s, 4 s … up to [`MAX_WAIT`] after the one before,
//!   whatever username it names. One password tried across many usernames is slowed like many
//!   passwords tried on one.
//! - **per account**: after [`ACCOUNT_FREE`] failures (from anywhere), attempts on the account wait
//!   the same way, but only attempts from a *failing* client, one whose address has failures of
//!   its own. A client that has not failed is not refused because someone else guessed at its
//!   account. Only when the failures come from [`SIEGE_ADDRESSES`] different addresses (a
//!   distributed attack, where every bot is "new") does the account wait apply to every address
//!   that has not signed in to the account before.
//! - **per known address**: an address that signed in to an account in the last [`KNOWN_FOR`] is
//!   known for it. Attempts from there skip both counts above and have only their own:
//!   [`KNOWN_FREE`] failures, then the same waits. A user keeps signing in from where they signed
//!   in before, whatever happens elsewhere.
//!
//! So the right password from a client that is not failing is never refused (the one exception:
//! a new address, during an attack on that account from many addresses). The price is paid by
//! addresses that fail: a guesser at one address gets a few tries, then about one a minute.
//!
//! An attempt is counted as a failure when it is let through, before the password is checked, and
//! taken back when it succeeds: many guesses sent at once cannot all slip in before the first
//! failure is recorded. Every wait is answered with 429 and `Retry-After`, without checking the
//! password, so a guesser learns nothing from a held attempt.
//!
//! The clock is [`LoginThrottle::now`]: the real one, which tests move forward with
//! [`LoginThrottle::skip_ahead`] instead of sleeping.

use crate::http::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Failures from one address before its attempts wait.
pub const ADDRESS_FREE: u32 = 3;
/// Failures on one account before attempts on it from failing clients wait.
pub const ACCOUNT_FREE: u32 = 5;
/// Failures from a known address on its account before its attempts wait.
pub const KNOWN_FREE: u32 = 5;
/// Different failing addresses on one account that make its wait apply to all unknown addresses.
pub const SIEGE_ADDRESSES: usize = 10;
/// The longest wait between attempts.
pub const MAX_WAIT: Duration = Duration::from_secs(60);
/// A count untouched this long is forgotten.
pub const FORGET_AFTER: Duration = Duration::from_secs(3600);
/// How long a successful sign-in makes its address known for the account.
pub const KNOWN_FOR: Duration = Duration::from_secs(30 * 24 * 3600);
/// Entries kept at most per table; unknown usernames and addresses must not grow memory without bound.
const MAX_ENTRIES: usize = 10_000;

/// The environment variable naming reverse proxies (comma-separated IP addresses) whose
/// `X-Forwarded-For` is believed: behind such a proxy every client would otherwise share its address.
pub const TRUSTED_PROXIES_ENV: &str = "WAVEHUB_TRUSTED_PROXIES";

/// A client address as the throttle counts it: an IPv4 address, or an IPv6 /64 (one machine
/// usually holds a whole /64, so counting single IPv6 addresses would count nothing).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ClientKey(IpAddr);

impl ClientKey {
    pub fn of(ip: IpAddr) -> Self {
        match ip {
            IpAddr::V4(v4) => ClientKey(IpAddr::V4(v4)),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => ClientKey(IpAddr::V4(v4)),
                None => ClientKey(IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX)))),
            },
        }
    }
}

impl std::fmt::Display for ClientKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            IpAddr::V4(v4) => write!(f, "{v4}"),
            IpAddr::V6(v6) => write!(f, "{v6}/64"),
        }
    }
}

/// Failures in a row and when the last one was.
#[derive(Debug, Clone, Copy)]
struct Count {
    failures: u32,
    last: Instant,
}

impl Count {
    fn new(now: Instant) -> Self {
        Count { failures: 0, last: now }
    }

    /// The failures that still count at `now`.
    fn current(&self, now: Instant) -> u32 {
        if now.saturating_duration_since(self.last) >= FORGET_AFTER {
            0
        } else {
            self.failures
        }
    }

    /// How long an attempt at `now` must still wait, when `free` failures pass without waiting.
    fn held(&self, free: u32, now: Instant) -> Option<Duration> {
        let ready_at = self.last + wait_after(self.current(now), free);
        (now < ready_at).then(|| ready_at - now)
    }

    fn add(&mut self, now: Instant) {
        self.failures = self.current(now).saturating_add(1);
        self.last = self.last.max(now);
    }

    /// Takes back the failure added at `at`; `before` is when the one before it was.
    fn take_back(&mut self, at: Instant, before: Instant) {
        self.failures = self.failures.saturating_sub(1);
        if self.last == at {
            self.last = before;
        }
    }
}

#[derive(Debug)]
struct Account {
    count: Count,
    /// Different addresses (not known for the account) that failed on it, up to [`SIEGE_ADDRESSES`].
    addresses: Vec<ClientKey>,
}

#[derive(Debug)]
struct Known {
    /// The last successful sign-in from the address.
    since: Instant,
    count: Count,
}

#[derive(Debug, Default)]
struct Tables {
    addresses: HashMap<ClientKey, Count>,
    accounts: HashMap<String, Account>,
    known: HashMap<(ClientKey, String), Known>,
}

/// Which count holds an attempt back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeldBy {
    /// The client's address failed too often (on any accounts).
    Address,
    /// The account had too many failures, and this client is failing too (or the account is
    /// under attack from many addresses and this address has never signed in to it).
    Account,
    /// The client's address is known for the account, but failed on it too often itself.
    KnownAddress,
}

/// An attempt held back: by what, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Held {
    pub by: HeldBy,
    pub wait: Duration,
}

impl Held {
    /// Why, in words for the person signing in.
    pub fn detail(&self, username: &str) -> String {
        let wait = whole_seconds(self.wait);
        let wait = if wait == 1 { "1 second".to_owned() } else { format!("{wait} seconds") };
        match self.by {
            HeldBy::Address => format!("Too many failed sign-ins from your address; try again in {wait}."),
            HeldBy::Account => format!("Too many failed sign-ins for `{username}`; try again in {wait}."),
            HeldBy::KnownAddress => {
                format!("Too many failed sign-ins for `{username}` from your address; try again in {wait}.")
            }
        }
    }

    pub fn reason(&self) -> &'static str {
        match self.by {
            HeldBy::Address => "address",
            HeldBy::Account => "account",
            HeldBy::KnownAddress => "known address",
        }
    }
}

/// An attempt that was let through. It counts as a failure unless [`LoginThrottle::succeeded`]
/// takes it back; [`LoginThrottle::failed`] restarts its waits when the answer is known.
#[derive(Debug)]
pub struct Attempt {
    client: Option<ClientKey>,
    account: String,
    known: bool,
    /// When it was let through, and the counts' last failures before it (address, account).
    at: Instant,
    before: (Instant, Instant),
}

#[derive(Debug, Default)]
pub struct LoginThrottle {
    tables: Mutex<Tables>,
    /// How far tests moved the clock ahead, in nanoseconds.
    skipped: AtomicU64,
}

impl LoginThrottle {
    /// The throttle's clock.
    pub fn now(&self) -> Instant {
        Instant::now() + Duration::from_nanos(self.skipped.load(Ordering::Relaxed))
    }

    /// Moves the throttle's clock ahead (for tests: waits pass without sleeping).
    pub fn skip_ahead(&self, by: Duration) {
        let nanos = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.skipped.fetch_add(nanos, Ordering::Relaxed);
    }

    /// Lets a sign-in as `username` from `client` through (counted as a failure until it
    /// succeeds), or says how long it must wait. `client` is `None` when the address is unknown
    /// (a request that did not come over TCP): such an attempt is never known and always failing.
    pub fn attempt(&self, client: Option<IpAddr>, username: &str, now: Instant) -> Result<Attempt, Held> {
        let client = client.map(ClientKey::of);
        let account = account_key(username);
        let mut tables = self.tables.lock().expect("throttle lock");
        let known = decide(&tables, client, &account, now)?;
        let mut before = (now, now);
        if let Some(client) = client {
            make_room(&mut tables.addresses, &client, |count| count.last, FORGET_AFTER, now);
            let count = tables.addresses.entry(client).or_insert_with(|| Count::new(now));
            before.0 = count.last;
            count.add(now);
        }
        make_room(&mut tables.accounts, &account, |entry| entry.count.last, FORGET_AFTER, now);
        let entry = tables
            .accounts
            .entry(account.clone())
            .or_insert_with(|| Account { count: Count::new(now), addresses: Vec::new() });
        if entry.count.current(now) == 0 {
            entry.addresses.clear();
        }
        before.1 = entry.count.last;
        entry.count.add(now);
        if let Some(client) = client.filter(|_| !known) {
            if entry.addresses.len() < SIEGE_ADDRESSES && !entry.addresses.contains(&client) {
                entry.addresses.push(client);
            }
        }
        if let (true, Some(client)) = (known, client) {
            if let Some(entry) = tables.known.get_mut(&(client, account.clone())) {
                entry.count.add(now);
            }
        }
        Ok(Attempt { client, account, known, at: now, before })
    }

    /// The attempt's password was right: takes back the failure it was counted as (a count left
    /// at nothing is dropped), and makes its address known for the account.
    pub fn succeeded(&self, attempt: Attempt, now: Instant) {
        let mut tables = self.tables.lock().expect("throttle lock");
        if let Some(entry) = tables.accounts.get_mut(&attempt.account) {
            entry.count.take_back(attempt.at, attempt.before.1);
            if let (false, Some(client)) = (attempt.known, attempt.client) {
                entry.addresses.retain(|address| *address != client);
            }
            if entry.count.failures == 0 {
                tables.accounts.remove(&attempt.account);
            }
        }
        let Some(client) = attempt.client else { return };
        if let Some(count) = tables.addresses.get_mut(&client) {
            count.take_back(attempt.at, attempt.before.0);
            if count.failures == 0 {
                tables.addresses.remove(&client);
            }
        }
        let key = (client, attempt.account);
        make_room(&mut tables.known, &key, |entry| entry.since, KNOWN_FOR, now);
        tables.known.insert(key, Known { since: now, count: Count::new(now) });
    }

    /// The attempt's password was wrong: it stays counted, and waits run from now (checking a
    /// password takes a while). Returns what the client's next attempt on the account would meet.
    pub fn failed(&self, attempt: Attempt, now: Instant) -> Option<Held> {
        let mut tables = self.tables.lock().expect("throttle lock");
        if let Some(entry) = tables.accounts.get_mut(&attempt.account) {
            entry.count.last = entry.count.last.max(now);
        }
        if let Some(client) = attempt.client {
            if let Some(count) = tables.addresses.get_mut(&client) {
                count.last = count.last.max(now);
            }
            if let Some(entry) = tables.known.get_mut(&(client, attempt.account.clone())).filter(|_| attempt.known) {
                entry.count.last = entry.count.last.max(now);
            }
        }
        decide(&tables, attempt.client, &attempt.account, now).err()
    }
}

/// `Ok(known)` when an attempt may go ahead, else what holds it back.
fn decide(tables: &Tables, client: Option<ClientKey>, account: &str, now: Instant) -> Result<bool, Held> {
    if let Some(client) = client {
        if let Some(known) = tables.known.get(&(client, account.to_owned())) {
            if now.saturating_duration_since(known.since) < KNOWN_FOR {
                return match known.count.held(KNOWN_FREE, now) {
                    Some(wait) => Err(Held { by: HeldBy::KnownAddress, wait }),
                    None => Ok(true),
                };
            }
        }
    }
    let client_failing = match client {
        None => true,
        Some(client) => match tables.addresses.get(&client) {
            Some(count) => {
                if let Some(wait) = count.held(ADDRESS_FREE, now) {
                    return Err(Held { by: HeldBy::Address, wait });
                }
                count.current(now) > 0
            }
            None => false,
        },
    };
    if let Some(entry) = tables.accounts.get(account) {
        let siege = entry.addresses.len() >= SIEGE_ADDRESSES && entry.count.current(now) > 0;
        if client_failing || siege {
            if let Some(wait) = entry.count.held(ACCOUNT_FREE, now) {
                return Err(Held { by: HeldBy::Account, wait });
            }
        }
    }
    Ok(false)
}

/// The account a username counts against: no username is longer than the longest valid one, so
/// a megabyte of "username" costs no more memory than a real one.
fn account_key(username: &str) -> String {
    username.chars().take(wavehub_core::accounts::USERNAME_MAX_LEN).collect()
}

/// Before `key` goes into a full table: drops entries untouched for `keep_for`, then, if it is
/// still full, the least recently touched one.
fn make_room<K: Eq + Hash + Clone, V>(
    table: &mut HashMap<K, V>,
    key: &K,
    last: impl Fn(&V) -> Instant,
    keep_for: Duration,
    now: Instant,
) {
    if table.len() < MAX_ENTRIES || table.contains_key(key) {
        return;
    }
    table.retain(|_, value| now.saturating_duration_since(last(value)) < keep_for);
    if table.len() >= MAX_ENTRIES {
        if let Some(oldest) = table.iter().min_by_key(|(_, value)| last(value)).map(|(key, _)| key.clone()) {
            table.remove(&oldest);
        }
    }
}

/// A wait in whole seconds, rounded up (at least 1), so a client that waits this long is never early.
pub fn whole_seconds(wait: Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// How long to wait after `count` failures in a row when `free` pass without waiting: nothing
/// for the free ones, then 1 s, 2 s, 4 s … up to [`MAX_WAIT`].
fn wait_after(count: u32, free: u32) -> Duration {
    match count.checked_sub(free) {
        None => Duration::ZERO,
        Some(extra) => Duration::from_secs(1u64 << extra.min(16)).min(MAX_WAIT),
    }
}

/// The address of the client making a request: the TCP peer, or, when the peer is a trusted
/// reverse proxy ([`TRUSTED_PROXIES_ENV`]), the address that proxy saw (the rightmost entry of
/// `X-Forwarded-For` that is not itself a trusted proxy). `None` when the request did not come
/// over TCP (tests calling the router directly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddress(pub Option<IpAddr>);

impl std::fmt::Display for ClientAddress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("unknown"),
        }
    }
}

impl ClientAddress {
    pub fn of(parts: &Parts) -> Self {
        let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|ConnectInfo(address)| address.ip());
        let forwarded = parts.headers.get_all("x-forwarded-for").iter().filter_map(|value| value.to_str().ok());
        ClientAddress(client_ip(peer, forwarded, trusted_proxies()))
    }
}

impl FromRequestParts<AppState> for ClientAddress {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &AppState) -> Result<Self, Self::Rejection> {
        Ok(ClientAddress::of(parts))
    }
}

/// See [`ClientAddress`]. `forwarded` are the `X-Forwarded-For` header values in order.
pub fn client_ip<'a>(peer: Option<IpAddr>, forwarded: impl Iterator<Item = &'a str>, trusted: &[IpAddr]) -> Option<IpAddr> {
    let peer = peer.map(canonical)?;
    if !trusted.contains(&peer) {
        return Some(peer);
    }
    let hops: Vec<&str> = forwarded.flat_map(|value| value.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop that does not parse is not believed, and nothing to its left is either.
        let Ok(ip) = hop.parse::<IpAddr>().map(canonical) else { break };
        client = ip;
        if !trusted.contains(&ip) {
            break;
        }
    }
    Some(client)
}

/// IPv4-mapped IPv6 addresses as plain IPv4.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// The trusted proxies from [`TRUSTED_PROXIES_ENV`], read once.
fn trusted_proxies() -> &'static [IpAddr] {
    static TRUSTED: OnceLock<Vec<IpAddr>> = OnceLock::new();
    TRUSTED.get_or_init(|| {
        let value = std::env::var(TRUSTED_PROXIES_ENV).unwrap_or_default();
        parse_trusted_proxies(&value)
    })
}

fn parse_trusted_proxies(value: &str) -> Vec<IpAddr> {
    value
        .split(',')
        .map(str::trim)
        .filter(|entry| !entry.is_empty())
        .filter_map(|entry| match entry.parse::<IpAddr>() {
            Ok(ip) => Some(canonical(ip)),
            Err(_) => {
                tracing::warn!(entry, "{TRUSTED_PROXIES_ENV}: not an IP address; ignored");
                None
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn fail(throttle: &LoginThrottle, client: Option<IpAddr>, username: &str, now: Instant) -> Result<(), Held> {
        let attempt = throttle.attempt(client, username, now)?;
        throttle.failed(attempt, now);
        Ok(())
    }

    fn succeed(throttle: &LoginThrottle, client: Option<IpAddr>, username: &str, now: Instant) -> Result<(), Held> {
        let attempt = throttle.attempt(client, username, now)?;
        throttle.succeeded(attempt, now);
        Ok(())
    }

    #[test]
    fn whole_seconds_round_up() {
        assert_eq!(whole_seconds(Duration::from_millis(1)), 1);
        assert_eq!(whole_seconds(Duration::from_millis(1500)), 2);
        assert_eq!(whole_seconds(Duration::from_secs(3)), 3);
        assert_eq!(whole_seconds(Duration::ZERO), 1);
    }

    #[test]
    fn waits_grow_after_the_free_attempts_and_cap() {
        assert_eq!(wait_after(0, 5), Duration::ZERO);
        assert_eq!(wait_after(4, 5), Duration::ZERO);
        assert_eq!(wait_after(5, 5), Duration::from_secs(1));
        assert_eq!(wait_after(6, 5), Duration::from_secs(2));
        assert_eq!(wait_after(10, 5), Duration::from_secs(32));
        assert_eq!(wait_after(11, 5), MAX_WAIT);
        assert_eq!(wait_after(u32::MAX, 5), MAX_WAIT);
        assert_eq!(wait_after(3, 3), Duration::from_secs(1));
    }

    #[test]
    fn an_address_is_held_back_whatever_username_it_names() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let attacker = ip("203.0.113.9");
        for n in 0..ADDRESS_FREE {
            assert!(fail(&throttle, attacker, &format!("user{n}"), now).is_ok());
        }
        let held = fail(&throttle, attacker, "someone-else", now).unwrap_err();
        assert_eq!(held, Held { by: HeldBy::Address, wait: Duration::from_secs(1) });
        assert!(succeed(&throttle, ip("198.51.100.1"), "someone-else", now).is_ok(), "other addresses are not held");
        // Delays double: the next failure after the wait makes the following wait 2 s.
        let later = now + Duration::from_secs(1);
        assert!(fail(&throttle, attacker, "x", later).is_ok());
        assert_eq!(fail(&throttle, attacker, "x", later).unwrap_err().wait, Duration::from_secs(2));
        // Forgotten after an hour.
        assert!(fail(&throttle, attacker, "x", later + FORGET_AFTER).is_ok());
    }

    #[test]
    fn one_attackers_failures_on_an_account_do_not_hold_its_owner_back() {
        let throttle = LoginThrottle::default();
        let mut now = Instant::now();
        let attacker = ip("203.0.113.9");
        for _ in 0..30 {
            now += MAX_WAIT;
            fail(&throttle, attacker, "alice", now).unwrap();
        }
        // A fresh address with the right password goes through; the attacker's does not.
        assert!(succeed(&throttle, ip("198.51.100.7"), "alice", now).is_ok());
        assert!(fail(&throttle, attacker, "alice", now).is_err());
        // The IPv6 /64 is one address, and a mapped IPv4 address is the IPv4 address.
        assert_eq!(ClientKey::of("2001:db8::1".parse().unwrap()), ClientKey::of("2001:db8::ffff:2".parse().unwrap()));
        assert_eq!(ClientKey::of("::ffff:203.0.113.9".parse().unwrap()), ClientKey::of(attacker.unwrap()));
    }

    #[test]
    fn an_account_under_attack_holds_back_failing_clients() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        // Five bots, one failure each: the account has 5 failures.
        for bot in 1..=5 {
            fail(&throttle, ip(&format!("203.0.113.{bot}")), "alice", now).unwrap();
        }
        // A bot that failed (once, below its address's own limit) is held by the account's count…
        assert_eq!(fail(&throttle, ip("203.0.113.1"), "alice", now).unwrap_err().by, HeldBy::Account);
        // …a client that has not failed is not.
        assert!(succeed(&throttle, ip("198.51.100.7"), "alice", now).is_ok());
    }

    #[test]
    fn a_siege_from_many_addresses_holds_back_new_addresses_but_not_known_ones() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let home = ip("198.51.100.7");
        succeed(&throttle, home, "alice", now).unwrap();
        for bot in 1..=SIEGE_ADDRESSES {
            fail(&throttle, ip(&format!("203.0.113.{bot}")), "alice", now).unwrap();
        }
        assert_eq!(succeed(&throttle, ip("192.0.2.1"), "alice", now).unwrap_err().by, HeldBy::Account);
        assert!(succeed(&throttle, home, "alice", now).is_ok(), "a known address signs in");
        assert!(succeed(&throttle, ip("192.0.2.1"), "bob", now).is_ok(), "other accounts are not affected");
    }

    #[test]
    fn a_known_address_has_its_own_count() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        let home = ip("198.51.100.7");
        succeed(&throttle, home, "alice", now).unwrap();
        for _ in 0..KNOWN_FREE {
            fail(&throttle, home, "alice", now).unwrap();
        }
        assert_eq!(fail(&throttle, home, "alice", now).unwrap_err().by, HeldBy::KnownAddress);
        succeed(&throttle, home, "alice", now + Duration::from_secs(1)).unwrap();
        assert!(succeed(&throttle, home, "alice", now + Duration::from_secs(1)).is_ok(), "success clears it");
    }

    #[test]
    fn success_takes_back_the_attempt_and_unknown_clients_are_counted_per_account() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for _ in 0..20 {
            succeed(&throttle, None, "ada", now).unwrap();
        }
        for _ in 0..ACCOUNT_FREE {
            fail(&throttle, None, "ada", now).unwrap();
        }
        assert_eq!(fail(&throttle, None, "ada", now).unwrap_err(), Held { by: HeldBy::Account, wait: Duration::from_secs(1) });
        assert!(succeed(&throttle, None, "bob", now).is_ok(), "other users are not affected");
        assert!(succeed(&throttle, None, "ada", now + Duration::from_secs(1)).is_ok());
    }

    #[test]
    fn memory_stays_bounded_under_many_usernames_and_addresses() {
        let throttle = LoginThrottle::default();
        let now = Instant::now();
        for i in 0..(MAX_ENTRIES + 10) {
            let client = IpAddr::V4(std::net::Ipv4Addr::from(0x0a00_0000 + i as u32));
            let _ = throttle.attempt(Some(client), &format!("user{i}{}", "x".repeat(1000)), now);
        }
        let tables = throttle.tables.lock().unwrap();
        assert!(tables.addresses.len() <= MAX_ENTRIES);
        assert!(tables.accounts.len() <= MAX_ENTRIES);
        assert!(tables.accounts.keys().all(|key| key.len() <= wavehub_core::accounts::USERNAME_MAX_LEN));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        let trusted = [proxy];
        let client = |peer: &str, forwarded: &[&str], trusted: &[IpAddr]| client_ip(ip(peer), forwarded.iter().copied(), trusted);
        assert_eq!(client("198.51.100.7", &["203.0.113.1"], &trusted), ip("198.51.100.7"), "not from the proxy: the peer");
        assert_eq!(client("127.0.0.1", &["203.0.113.1"], &[]), ip("127.0.0.1"), "no proxy trusted: the peer");
        assert_eq!(client("127.0.0.1", &["203.0.113.1"], &trusted), ip("203.0.113.1"));
        // A client's own X-Forwarded-For is on the left; the proxy appends the address it saw.
        assert_eq!(client("127.0.0.1", &["6.6.6.6, 203.0.113.1"], &trusted), ip("203.0.113.1"));
        assert_eq!(client("127.0.0.1", &["6.6.6.6", "203.0.113.1"], &trusted), ip("203.0.113.1"));
        assert_eq!(client("127.0.0.1", &["203.0.113.1, 127.0.0.1"], &trusted), ip("203.0.113.1"), "proxies are skipped");
        assert_eq!(client("127.0.0.1", &["6.6.6.6, junk"], &trusted), ip("127.0.0.1"), "junk stops the walk");
        assert_eq!(client("::ffff:127.0.0.1", &[], &trusted), ip("127.0.0.1"));
        assert_eq!(client_ip(None, std::iter::empty(), &trusted), None);
        assert_eq!(parse_trusted_proxies(" 127.0.0.1, ::1,nope,"), vec![proxy, "::1".parse().unwrap()]);
    }
}
