//! The API from a terminal (shared/API.md, "CLI"): `wavehub apps list|run|update` and
//! `wavehub instances logs [-f]`, with the token from `WAVEHUB_TOKEN`. Exit codes as `import`:
//! 0 done, 1 refused by the server (4xx), 2 usage or network trouble.

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;
use wavehub_core::api::{Page, Problem, API_PREFIX};
use wavehub_core::apps::{AppListPage, AppPatch, Visibility};
use wavehub_core::instances::{Instance, NewInstance};

const REFUSED: u8 = 1;
const TROUBLE: u8 = 2;

/// Where and as whom to call.
pub struct Remote {
    pub server: String,
    pub token: Option<String>,
}

enum Failure {
    Refused(String),
    Trouble(String),
}

impl Failure {
    fn exit(self) -> ExitCode {
        match self {
            Failure::Refused(message) => {
                eprintln!("wavehub: {message}");
                ExitCode::from(REFUSED)
            }
            Failure::Trouble(message) => {
                eprintln!("wavehub: {message}");
                ExitCode::from(TROUBLE)
            }
        }
    }
}

impl Remote {
    fn request(&self, method: &str, path: &str) -> Result<ureq::Request, Failure> {
        let token = self.token.as_deref().map(str::trim).filter(|t| !t.is_empty()).ok_or_else(|| {
            Failure::Trouble("set WAVEHUB_TOKEN to an API token: create one in the console under your name → API tokens (/account/tokens)".into())
        })?;
        let url = format!("{}{API_PREFIX}{path}", self.server.trim_end_matches('/'));
        Ok(ureq::request(method, &url).set("Authorization", &format!("Bearer {token}")))
    }

    fn answer(&self, result: Result<ureq::Response, ureq::Error>) -> Result<ureq::Response, Failure> {
        match result {
            Ok(response) => Ok(response),
            Err(ureq::Error::Status(status, response)) => {
                let body = response.into_string().unwrap_or_default();
                let message = serde_json::from_str::<Problem>(&body)
                    .map(|p| p.message().to_owned())
                    .unwrap_or_else(|_| format!("the server answered {status}"));
                Err(if status < 500 { Failure::Refused(format!("refused ({status}): {message}")) } else { Failure::Trouble(message) })
            }
            Err(error) => Err(Failure::Trouble(format!("cannot reach {}: {error}", self.server))),
        }
    }

    fn json<T: serde::de::DeserializeOwned>(&self, response: ureq::Response) -> Result<T, Failure> {
        response.into_json().map_err(|e| Failure::Trouble(format!("the server's answer could not be read: {e}")))
    }
}

fn done(result: Result<(), Failure>) -> ExitCode {
    result.map_or_else(Failure::exit, |()| ExitCode::SUCCESS)
}

/// `wavehub apps list`: the catalog as the token's user sees it, one app version per line.
pub fn apps_list(remote: &Remote) -> ExitCode {
    done((|| {
        let response = remote.answer(remote.request("GET", "/apps?page_size=500")?.call())?;
        let page: AppListPage = remote.json(response)?;
        println!("{:<6} {:<40} {:<12} {:<10} TITLE", "ID", "NAME", "VERSION", "VISIBILITY");
        for app in &page.items {
            println!("{:<6} {:<40} {:<12} {:<10} {}", app.id, app.name, app.version, app.visibility.as_str(), app.title);
        }
        println!("{} of {} app versions", page.items.len(), page.total);
        Ok(())
    })())
}

/// `wavehub apps run ID [-v VISIBILITY]`: launches an instance and waits until it runs or fails.
pub fn apps_run(remote: &Remote, app_id: i64, visibility: &str) -> ExitCode {
    done((|| {
        let visibility: Visibility = visibility.parse().map_err(Failure::Trouble)?;
        let body = serde_json::to_value(NewInstance { visibility: Some(visibility) }).unwrap_or_default();
        let response = remote.answer(remote.request("POST", &format!("/apps/{app_id}/instances"))?.send_json(body))?;
        let mut instance: Instance = remote.json(response)?;
        println!("instance {} of {} {} is starting", instance.id, instance.app_name, instance.app_version);
        for _ in 0..600 {
            if !matches!(instance.status, wavehub_core::instances::InstanceStatus::Starting) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
            let response = remote.answer(remote.request("GET", &format!("/instances/{}", instance.id))?.call())?;
            instance = remote.json(response)?;
        }
        match (&instance.url, &instance.status_reason) {
            (Some(url), _) => println!("instance {} is {}: {url}", instance.id, instance.status),
            (None, reason) => {
                return Err(Failure::Refused(format!(
                    "instance {} is {}: {}",
                    instance.id,
                    instance.status,
                    reason.as_deref().unwrap_or("see `wavehub instances logs`")
                )))
            }
        }
        Ok(())
    })())
}

/// `wavehub apps update ID -v VISIBILITY [-r REASON]`.
pub fn apps_update(remote: &Remote, app_id: i64, visibility: &str, reason: Option<String>) -> ExitCode {
    done((|| {
        let visibility: Visibility = visibility.parse().map_err(Failure::Trouble)?;
        let body = serde_json::to_value(AppPatch { visibility, reason }).unwrap_or_default();
        remote.answer(remote.request("PATCH", &format!("/apps/{app_id}"))?.send_json(body))?;
        println!("app {app_id} is now {}", visibility.as_str());
        Ok(())
    })())
}

/// `wavehub instances list`: the token user's instances.
pub fn instances_list(remote: &Remote) -> ExitCode {
    done((|| {
        let response = remote.answer(remote.request("GET", "/instances?owner=me&page_size=500")?.call())?;
        let page: Page<Instance> = remote.json(response)?;
        println!("{:<6} {:<40} {:<12} {:<11} URL", "ID", "APP", "VERSION", "STATUS");
        for i in &page.items {
            println!("{:<6} {:<40} {:<12} {:<11} {}", i.id, i.app_name, i.app_version, i.status.as_str(), i.url.as_deref().unwrap_or("-"));
        }
        Ok(())
    })())
}

/// `wavehub instances logs ID [-f]`: the log; with `-f`, follows new lines until the instance ends.
pub fn instances_logs(remote: &Remote, id: i64, follow: bool) -> ExitCode {
    done((|| {
        let path = format!("/instances/{id}/logs{}", if follow { "?follow=true" } else { "" });
        let response = remote.answer(remote.request("GET", &path)?.call())?;
        let mut out = std::io::stdout().lock();
        if !follow {
            let text = response.into_string().map_err(|e| Failure::Trouble(e.to_string()))?;
            let _ = out.write_all(text.as_bytes());
            return Ok(());
        }
        // Server-sent events: `data:` lines are log lines; `event: end` closes the stream.
        let mut ending = false;
        for line in BufReader::new(response.into_reader()).lines() {
            let line = line.map_err(|e| Failure::Trouble(format!("the log stream broke: {e}")))?;
            if line == "event: end" {
                ending = true;
            } else if let Some(data) = line.strip_prefix("data:") {
                if ending {
                    break;
                }
                let _ = writeln!(out, "{}", data.strip_prefix(' ').unwrap_or(data));
                let _ = out.flush();
            }
        }
        Ok(())
    })())
}
