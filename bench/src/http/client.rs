//! Loopback HTTP calls for sign-in, tokens, setup and the probe requests: ureq (blocking, no
//! compression, so answers are the bytes wrk gets), JSON through serde_json.

use serde_json::Value;
use std::io::Read;
use std::time::Duration;

/// How long sign-in and the setup's requests may take.
pub const SETUP_TIMEOUT: Duration = Duration::from_secs(120);
/// The error text of a request that got no answer in time.
pub const TIMED_OUT: &str = "no answer within";

/// An HTTP answer.
#[derive(Debug, PartialEq, Eq)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_slice(&self.body).map_err(|e| format!("the answer is not JSON ({e}): {}", self.text()))
    }
}

/// A whole number under `key` of a JSON object (`total`, `id`).
pub fn json_u64(value: &Value, key: &str) -> Option<u64> {
    value.get(key)?.as_u64()
}

/// How many items a page answer (`{"items": [...], ...}`) holds.
pub fn items(value: &Value) -> usize {
    value.get("items").and_then(Value::as_array).map_or(0, Vec::len)
}

/// A client for one server: `http://ADDR` plus a path; one request at a time, each with `timeout`.
pub struct Api {
    pub addr: String,
    pub timeout: Duration,
    agent: ureq::Agent,
}

impl Api {
    pub fn new(addr: &str, timeout: Duration) -> Api {
        let agent = ureq::AgentBuilder::new().timeout(timeout).redirects(0).build();
        Api { addr: addr.to_owned(), timeout, agent }
    }

    /// `method path` with a bearer `token`, a `cookie` and a JSON body as given. Every status is an
    /// answer; a request with no answer within the timeout fails with [`TIMED_OUT`] in its text.
    pub fn call(&self, method: &str, path: &str, token: Option<&str>, cookie: Option<&str>, json: Option<&Value>) -> Result<HttpResponse, String> {
        let mut request = self.agent.request(method, &format!("http://{}{path}", self.addr));
        if let Some(token) = token {
            request = request.set("Authorization", &format!("Bearer {token}"));
        }
        if let Some(cookie) = cookie {
            request = request.set("Cookie", cookie);
        }
        let sent = match json {
            Some(body) => request.send_json(body),
            None => request.call(),
        };
        let timed_out = || format!("{method} {path}: {TIMED_OUT} {} s", self.timeout.as_secs());
        let response = match sent {
            Ok(response) | Err(ureq::Error::Status(_, response)) => response,
            Err(ureq::Error::Transport(error)) if is_timeout(&error) => return Err(timed_out()),
            Err(ureq::Error::Transport(error)) => return Err(format!("{method} {path}: {error}")),
        };
        let status = response.status();
        let headers = response
            .headers_names()
            .into_iter()
            .flat_map(|name| response.all(&name).into_iter().map(|value| (name.clone(), value.to_owned())).collect::<Vec<_>>())
            .collect();
        let mut body = Vec::new();
        if let Err(error) = response.into_reader().read_to_end(&mut body) {
            return Err(match error.kind() {
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut => timed_out(),
                _ => format!("{method} {path}: {error}"),
            });
        }
        Ok(HttpResponse { status, headers, body })
    }

    /// `GET path` (with `token` unless empty), which must answer 200.
    pub fn get_ok(&self, path: &str, token: &str) -> Result<HttpResponse, String> {
        let token = (!token.is_empty()).then_some(token);
        let answer = self.call("GET", path, token, None, None)?;
        if answer.status != 200 {
            return Err(format!("GET {path} answered {}: {}", answer.status, answer.text()));
        }
        Ok(answer)
    }

    /// Signs in and makes an API token named `<label> <date>`: `POST /auth/login`, then
    /// `POST /tokens` with the session.
    pub fn token(&self, username: &str, password: &str, label: &str) -> Result<String, String> {
        let credentials = serde_json::json!({ "username": username, "password": password });
        let login = self.call("POST", "/api/v1/auth/login", None, None, Some(&credentials))?;
        if login.status != 200 {
            return Err(format!("signing in as {username} answered {}: {}", login.status, login.text()));
        }
        let cookie = login
            .header("set-cookie")
            .and_then(|value| value.split(';').next())
            .ok_or_else(|| format!("signing in as {username} set no cookie"))?
            .to_owned();
        let name = serde_json::json!({ "name": format!("{label} {}", crate::host::now_utc()) });
        let created = self.call("POST", "/api/v1/tokens", None, Some(&cookie), Some(&name))?;
        if created.status != 201 {
            return Err(format!("POST /api/v1/tokens as {username} answered {}: {}", created.status, created.text()));
        }
        let token = created.json()?.get("token").and_then(Value::as_str).map(str::to_owned);
        token.ok_or_else(|| format!("no token in {}", created.text()))
    }
}

/// Whether ureq gave up waiting (its timeout shows as an I/O error that timed out).
fn is_timeout(error: &ureq::Transport) -> bool {
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return matches!(io.kind(), std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut);
        }
        source = cause.source();
    }
    error.to_string().contains("timed out")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Write};
    use std::net::TcpListener;

    /// A one-connection-per-answer server on a free loopback port that answers `answers` in turn
    /// (each request's head and body are sent back through `requests`); `None` answers nothing.
    fn serve(answers: Vec<Option<&'static [u8]>>) -> (String, std::sync::mpsc::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap().to_string();
        let (sender, requests) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for answer in answers {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let (mut head, mut length) = (String::new(), 0);
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = value.trim().parse().unwrap();
                    }
                    head.push_str(&line);
                    if line == "\r\n" {
                        break;
                    }
                }
                let mut body = vec![0; length];
                reader.read_exact(&mut body).unwrap();
                let _ = sender.send(format!("{head}{}", String::from_utf8_lossy(&body)));
                match answer {
                    Some(bytes) => (&stream).write_all(bytes).unwrap(),
                    None => std::thread::sleep(Duration::from_secs(3)),
                }
            }
        });
        (addr, requests)
    }

    #[test]
    fn signs_in_and_makes_a_token_with_the_session_cookie() {
        let (addr, requests) = serve(vec![
            Some(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nset-cookie: wavehub_session=s1; Path=/; HttpOnly\r\nConnection: close\r\n\r\n{}"),
            // Chunked, as axum sends a body of unknown length.
            Some(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n9\r\n{\"token\":\r\n8;x=y\r\n\"wh_abc\"\r\n1\r\n}\r\n0\r\n\r\n"),
        ]);
        let api = Api::new(&addr, Duration::from_secs(5));
        assert_eq!(api.token("admin", "pass\"word", "bench").unwrap(), "wh_abc");
        let login = requests.recv().unwrap();
        assert!(login.starts_with("POST /api/v1/auth/login HTTP/1.1\r\n"), "{login}");
        let body: Value = serde_json::from_str(&login[login.find("\r\n\r\n").unwrap() + 4..]).unwrap();
        assert_eq!(body, serde_json::json!({ "username": "admin", "password": "pass\"word" }), "{login}");
        let tokens = requests.recv().unwrap();
        assert!(tokens.to_ascii_lowercase().contains("\r\ncookie: wavehub_session=s1\r\n"), "{tokens}");
        assert!(tokens.contains(r#"{"name":"bench "#), "{tokens}");
    }

    #[test]
    fn every_status_is_an_answer_and_silence_times_out() {
        let (addr, requests) = serve(vec![
            Some(b"HTTP/1.1 404 Not Found\r\nContent-Length: 13\r\nConnection: close\r\n\r\n{\"status\":404"),
            Some(b"HTTP/1.1 200 OK\r\nContent-Length: 30\r\nConnection: close\r\n\r\n{\"items\":[{},{}],\"total\":7}   "),
            None,
        ]);
        let api = Api::new(&addr, Duration::from_secs(1));
        let missing = api.call("GET", "/nope", Some("wh_t"), None, None).unwrap();
        assert_eq!((missing.status, missing.text().as_str()), (404, "{\"status\":404"));
        assert!(requests.recv().unwrap().to_ascii_lowercase().contains("\r\nauthorization: bearer wh_t\r\n"));
        let page = api.get_ok("/page", "").unwrap().json().unwrap();
        assert_eq!((json_u64(&page, "total"), items(&page), json_u64(&page, "missing")), (Some(7), 2, None));
        let silent = api.call("GET", "/slow", None, None, None).unwrap_err();
        assert!(silent.contains(TIMED_OUT), "{silent}");
    }
}
