//! An instance's log, whole or followed live as server-sent events. The log file is on the server
//! that runs (or ran) the instance; any other server checks the caller, then forwards the request
//! there (its `--internal-url`, [`PEER_LOGS_PATH`] on its apps listener) with a [`CLAIM_HEADER`],
//! and that one checks the user's rights again.

use crate::accounts::auth::{self, Caller};
use crate::http::error::{ApiError, ApiResult};
use crate::http::state::AppState;
use crate::instances;
use crate::store::sealing::SecretBox;
use axum::body::Body;
use axum::http::header::{self, HeaderName};
use axum::http::{Request, StatusCode};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{self, Stream};
use std::convert::Infallible;
use std::io::{Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::Duration;
use wavehub_core::api::PROBLEM_CONTENT_TYPE;

/// The most of a log one plain GET returns: its last 1 MiB.
const LOG_TAIL: u64 = 1 << 20;
/// How often a followed log is checked for new lines.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);
/// Where a server's apps listener serves the logs of the instances it runs to the other servers.
pub const PEER_LOGS_PATH: &str = "/_wavehub/logs/{id}";
/// A forwarded log request's claim: "user U may read instance I's log until T", sealed with the
/// secret key every server shares (`WAVEHUB_SECRET_KEY`), so only a Wavehub server can make one and
/// it says nothing of the user's own credential, which never leaves the server it was sent to.
/// The apps listener reads it from this header only: an app's scripts, which run on that origin,
/// cannot make one.
pub const CLAIM_HEADER: HeaderName = HeaderName::from_static("x-wavehub-log-claim");
/// What a claim is sealed as (a secret name no real secret can have: `:` is not allowed in them).
const CLAIM_SEAL: &str = "wavehub:instance-log";
/// How long a claim is good for: long enough to cross to the other server.
const CLAIM_LIFETIME_SECS: i64 = 60;
/// How long the server that runs an instance may take to start answering a forwarded request.
const PEER_ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// `GET /instances/{id}/logs`: from this server's file, or from the server that ran the instance.
pub async fn respond(state: AppState, caller: Caller, id: i64, follow: bool) -> ApiResult<Response> {
    instances::get_managed(&state, &caller, id).await?;
    match instances::run_by_other_server(&state, id, false).await? {
        // Unless the file is here after all: servers on one data dir, or this server's own old address.
        Some(server_url) if !state.runner.log_path(id).exists() => from_server(&state, &server_url, caller.user_id, id, follow).await,
        _ => Ok(local(state, caller, id, follow)),
    }
}

/// A request another server forwarded with a [`CLAIM_HEADER`]: answered from this server's file,
/// never forwarded again.
pub async fn respond_to_peer(state: AppState, claim: &str, id: i64, follow: bool) -> ApiResult<Response> {
    let user_id = open_claim(&state, claim, id).ok_or_else(|| ApiError::Unauthorized("This request needs a valid claim from another Wavehub server.".into()))?;
    let caller = auth::caller_vouched_for(&state.db, user_id).await?;
    instances::get_managed(&state, &caller, id).await?;
    Ok(local(state, caller, id, follow))
}

/// A claim that `user_id` may read instance `id`'s log, good for [`CLAIM_LIFETIME_SECS`].
fn seal_claim(state: &AppState, user_id: i64, id: i64) -> String {
    sealed_claim(&state.sealer, user_id, id, chrono::Utc::now().timestamp() + CLAIM_LIFETIME_SECS)
}

fn sealed_claim(sealer: &SecretBox, user_id: i64, id: i64, until: i64) -> String {
    hex::encode(sealer.seal(CLAIM_SEAL, &id.to_string(), &format!("{user_id} {until}")))
}

/// The user a claim for instance `id` names, when it opens with this server's key and is still good.
fn open_claim(state: &AppState, claim: &str, id: i64) -> Option<i64> {
    claim_user(&state.sealer, claim, id, chrono::Utc::now().timestamp())
}

fn claim_user(sealer: &SecretBox, claim: &str, id: i64, now: i64) -> Option<i64> {
    let opened = sealer.open(CLAIM_SEAL, &id.to_string(), &hex::decode(claim).ok()?).ok()?;
    let (user_id, until) = opened.split_once(' ')?;
    (until.parse::<i64>().ok()? >= now).then_some(user_id.parse().ok()?)
}

fn local(state: AppState, caller: Caller, id: i64, follow: bool) -> Response {
    let path = state.runner.log_path(id);
    if !follow {
        let (text, _) = read_from(&path, tail_start(&path)).unwrap_or_default();
        return ([(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response();
    }
    Sse::new(follow_file(state, caller, id, path)).keep_alive(KeepAlive::default()).into_response()
}

/// The answer of the server at `server_url` (its `--internal-url`), streamed as it arrives.
async fn from_server(state: &AppState, server_url: &str, user_id: i64, id: i64, follow: bool) -> ApiResult<Response> {
    let unreachable = |why: &dyn std::fmt::Display| {
        tracing::warn!(instance = id, %server_url, %why, "the server that runs the instance does not answer");
        ApiError::BadGateway(format!(
            "Instance {id}'s log is on the Wavehub server at {server_url}, which does not answer; try again once it is back."
        ))
    };
    let uri = format!("{server_url}{}?follow={follow}", PEER_LOGS_PATH.replace("{id}", &id.to_string()));
    let request = Request::get(uri).header(CLAIM_HEADER, seal_claim(state, user_id, id)).body(Body::empty()).map_err(|error| unreachable(&error))?;
    let response = tokio::time::timeout(PEER_ANSWER_TIMEOUT, instances::proxy::peer_client().request(request))
        .await
        .map_err(|_| unreachable(&"no answer in 10 s"))?
        .map_err(|error| unreachable(&error))?;
    let (mut parts, body) = response.into_parts();
    if parts.status == StatusCode::UNAUTHORIZED {
        // The caller is signed in here: it is this server's claim that was refused.
        tracing::warn!(instance = id, %server_url, "the server that runs the instance refused this server's claim");
        return Err(ApiError::BadGateway(format!(
            "The Wavehub server at {server_url}, which has instance {id}'s log, does not accept this server's requests: \
             every server must have the same secret key (WAVEHUB_SECRET_KEY or --secret-key-file)."
        )));
    }
    // The other server's refusal for the user's rights is passed on; anything else that is not an
    // answer (a server of another version, a proxy's page) is the other server failing.
    let problem = parts.headers.get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(PROBLEM_CONTENT_TYPE.as_bytes()));
    if !parts.status.is_success() && !problem {
        return Err(unreachable(&format!("it answered {}", parts.status)));
    }
    instances::proxy::remove_hop_by_hop(&mut parts.headers);
    Ok(Response::from_parts(parts, Body::new(body)))
}

fn tail_start(path: &PathBuf) -> u64 {
    std::fs::metadata(path).map(|m| m.len().saturating_sub(LOG_TAIL)).unwrap_or(0)
}

/// The text from `offset` to the end, up to the last complete line, and the offset after it.
fn read_from(path: &PathBuf, offset: u64) -> std::io::Result<(String, u64)> {
    let mut file = std::fs::File::open(path)?;
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    let complete = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    bytes.truncate(complete);
    Ok((String::from_utf8_lossy(&bytes).into_owned(), offset + complete as u64))
}

struct Following {
    state: AppState,
    caller: Caller,
    id: i64,
    path: PathBuf,
    offset: u64,
    pending: std::collections::VecDeque<Event>,
    ended: bool,
}

/// Every line as a `message` event, then new ones as they come, ending with an `end` event once
/// the instance has ended.
fn follow_file(state: AppState, caller: Caller, id: i64, path: PathBuf) -> impl Stream<Item = Result<Event, Infallible>> {
    let offset = tail_start(&path);
    let start = Following { state, caller, id, path, offset, pending: Default::default(), ended: false };
    stream::unfold(start, |mut f| async move {
        loop {
            if let Some(event) = f.pending.pop_front() {
                return Some((Ok(event), f));
            }
            if f.ended {
                return None;
            }
            // Read the status before the file: lines written before the instance ended are then
            // always sent before `end`.
            // Until the runner has finished with it too: its last lines ("stopped") come after the
            // status changes.
            let live = instances::get(&f.state, &f.caller, f.id).await.map(|i| i.status.is_live()).unwrap_or(false)
                || f.state.runner.is_active(f.id);
            if let Ok((text, next)) = read_from(&f.path, f.offset) {
                f.offset = next;
                f.pending.extend(text.lines().map(|line| Event::default().data(line)));
            }
            if !live {
                f.pending.push_back(Event::default().event("end").data("the instance has ended"));
                f.ended = true;
                continue;
            }
            if f.pending.is_empty() {
                tokio::time::sleep(FOLLOW_EVERY).await;
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_claim_names_its_user_for_its_instance_until_it_expires_and_only_under_its_key() {
        let sealer = SecretBox::from_key(&[7; 32]);
        let claim = sealed_claim(&sealer, 42, 9, 1_000);
        assert_eq!(claim_user(&sealer, &claim, 9, 1_000), Some(42));
        assert_eq!(claim_user(&sealer, &claim, 9, 1_001), None, "expired");
        assert_eq!(claim_user(&sealer, &claim, 10, 900), None, "another instance");
        assert_eq!(claim_user(&SecretBox::from_key(&[8; 32]), &claim, 9, 900), None, "another key");
        assert_eq!(claim_user(&sealer, "not hex", 9, 900), None);
        // A secret value sealed for a secret and key of the same text is not a claim.
        let secret = hex::encode(sealer.seal("wavehub", "instance-log:9", "42 1000"));
        assert_eq!(claim_user(&sealer, &secret, 9, 900), None);
    }
}
