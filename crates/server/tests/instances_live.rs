//! Instances as a person gets them: the real `wavehub serve` binary started in a fresh folder with
//! the documented default data dir (`wavehub-data`, relative), apps imported with `wavehub import`,
//! launched through the API, run by the real local runner in its real sandbox (bubblewrap), with
//! requirements installed from the package index (h2o-wave from PyPI).

use serde_json::{json, Value};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BINARY: &str = env!("CARGO_BIN_EXE_wavehub");
const ADMIN_PASSWORD: &str = "sandbox-test-admin";

/// A running `wavehub serve`, its folder, and an admin token.
struct Served {
    child: Child,
    /// Shared by the servers of a test that run on one data dir.
    folder: std::sync::Arc<tempfile::TempDir>,
    console: String,
    token: String,
    /// What it printed before it listened.
    announced: Vec<String>,
}

impl Served {
    /// Starts the server in a fresh folder as a user does: `wavehub serve` with no --data-dir.
    fn start() -> Served {
        Self::start_in_folder_of_mode(0o755)
    }

    fn start_in_folder_of_mode(mode: u32) -> Served {
        let folder = tempfile::tempdir().unwrap();
        // Others may pass through, as through /srv or /work: instances run as users of their own
        // (the test below checks what a private folder gives).
        std::fs::set_permissions(folder.path(), std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        Self::start_in(std::sync::Arc::new(folder), &[])
    }

    /// A second server on this one's database and secret key, with a data dir (and so instance
    /// logs) of its own.
    fn start_on_database_of(&self, flags: &[&str]) -> Served {
        let database = format!("--database-url={}", self.data_dir().join("wavehub.db").display());
        let key = format!("--secret-key-file={}", self.data_dir().join("secret.key").display());
        let flags: Vec<&str> = flags.iter().copied().chain([database.as_str(), key.as_str()]).collect();
        Self::start_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), &flags)
    }

    /// `wavehub serve` with `flags`, in `folder`, with no --data-dir.
    fn start_in(folder: std::sync::Arc<tempfile::TempDir>, flags: &[&str]) -> Served {
        let mut child = Command::new(BINARY)
            .args(["serve", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist"])
            .args(flags)
            .current_dir(folder.path())
            .env("WAVEHUB_LOG", "warn")
            .env("WAVEHUB_ADMIN_PASSWORD", ADMIN_PASSWORD)
            .env_remove("WAVEHUB_DATA_DIR")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut announced = Vec::new();
        let console = loop {
            let mut line = String::new();
            assert!(stdout.read_line(&mut line).unwrap() > 0, "the server exited early");
            if let Some(url) = line.trim().strip_prefix("Wavehub is listening on ") {
                break url.to_owned();
            }
            announced.push(line.trim().to_owned());
        };
        // Keep reading stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in stdout.lines() {});
        let token = new_token(&console, &console_cookie(&console, "admin", ADMIN_PASSWORD));
        Served { child, folder, console, token, announced }
    }

    /// The data dir the server resolved from its relative default.
    fn data_dir(&self) -> PathBuf {
        self.folder.path().join("wavehub-data").canonicalize().unwrap()
    }

    fn api(&self, method: &str, path: &str) -> ureq::Request {
        ureq::request(method, &format!("{}/api/v1{path}", self.console)).set("Authorization", &format!("Bearer {}", self.token))
    }

    /// Imports an app folder with the CLI and returns the new app's id.
    fn import(&self, app: &Path) -> i64 {
        let output = Command::new(BINARY)
            .args(["import"])
            .arg(app)
            .args(["--server", &self.console, "-v", "ALL_USERS"])
            .env("WAVEHUB_TOKEN", &self.token)
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "import failed: {stdout}{}", String::from_utf8_lossy(&output.stderr));
        let id = stdout.split(" as app ").nth(1).and_then(|rest| rest.split_whitespace().next()).unwrap();
        id.parse().unwrap()
    }

    /// A new plain user's API token.
    fn user_token(&self, username: &str) -> String {
        let password = "a long enough password";
        self.api("POST", "/users").send_json(json!({"username": username, "password": password, "roles": ["user"]})).unwrap();
        new_token(&self.console, &console_cookie(&self.console, username, password))
    }

    fn launch(&self, app_id: i64) -> i64 {
        let instance: Value = self.api("POST", &format!("/apps/{app_id}/instances")).send_json(json!({})).unwrap().into_json().unwrap();
        instance["id"].as_i64().unwrap()
    }

    fn instance(&self, id: i64) -> Value {
        self.api("GET", &format!("/instances/{id}")).call().unwrap().into_json().unwrap()
    }

    /// Waits until the instance has left `starting`, and returns it.
    fn settled(&self, id: i64, within: Duration) -> Value {
        let deadline = Instant::now() + within;
        loop {
            let instance = self.instance(id);
            if instance["status"] != "starting" {
                return instance;
            }
            assert!(Instant::now() < deadline, "instance {id} still starting after {within:?}: {instance}\n{}", self.log(id));
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self, id: i64) -> String {
        self.api("GET", &format!("/instances/{id}/logs")).call().unwrap().into_string().unwrap()
    }

    /// Waits until the log holds `text`.
    fn log_with(&self, id: i64, text: &str, within: Duration) -> String {
        let deadline = Instant::now() + within;
        loop {
            let log = self.log(id);
            if log.contains(text) {
                return log;
            }
            assert!(Instant::now() < deadline, "no `{text}` in the log of instance {id}:\n{log}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// A console session cookie (`name=value`), signed in with the sign-in form's request.
fn console_cookie(console: &str, username: &str, password: &str) -> String {
    let login = ureq::post(&format!("{console}/api/v1/auth/login")).send_json(json!({"username": username, "password": password})).unwrap();
    login.header("set-cookie").unwrap().split(';').next().unwrap().to_owned()
}

/// A new API token of the session `cookie` signs in.
fn new_token(console: &str, cookie: &str) -> String {
    let created: Value = ureq::post(&format!("{console}/api/v1/tokens"))
        .set("Cookie", cookie)
        .set("Origin", console)
        .send_json(json!({"name": "test"}))
        .unwrap()
        .into_json()
        .unwrap();
    created["token"].as_str().unwrap().to_owned()
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status();
        let _ = self.child.wait();
    }
}

fn write_app(folder: &Path, files: &[(&str, &str)]) {
    for (name, content) in files {
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, content).unwrap();
    }
}

/// An app that tries, as soon as it starts, every way out of its sandbox, prints one line per
/// attempt, and then serves on $PORT. The paths it attacks reach it as [[Env]] values.
const HOSTILE_APP: &str = include_str!("fixtures/hostile_app.py");

#[test]
fn a_hostile_app_reaches_nothing_of_the_servers() {
    let served = Served::start();
    let data = served.data_dir();
    // A bystander: another author's app with a running instance, whose files must stay out of reach.
    let bystander = served.folder.path().join("bystander");
    write_app(
        &bystander,
        &[
            ("app.toml", "[App]\nName = \"ai.test.bystander\"\nVersion = \"1.0.0\"\nTitle = \"Bystander\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"server\"\n"),
            ("server.py", "import http.server, os\nopen('bystander-secret.txt', 'w').write('bystander data')\nhttp.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), http.server.SimpleHTTPRequestHandler).serve_forever()\n"),
        ],
    );
    let bystander_id = served.launch(served.import(&bystander));
    assert_eq!(served.settled(bystander_id, Duration::from_secs(60))["status"], "running", "{}", served.log(bystander_id));

    let hostile = served.folder.path().join("hostile");
    let app_toml = format!(
        "[App]\nName = \"ai.test.hostile\"\nVersion = \"1.0.0\"\nTitle = \"Hostile\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"hostile_app\"\nVolumeMount = \"/data\"\nVolumeSize = \"1Gi\"\n\n\
         [[Env]]\nName = \"PROBE_DATA_DIR\"\nValue = \"{}\"\n\n[[Env]]\nName = \"PROBE_SERVER_PID\"\nValue = \"{}\"\n\n\
         [[Env]]\nName = \"PROBE_BYSTANDER\"\nValue = \"{}\"\n\n[[Env]]\nName = \"PROBE_SERVER_FOLDER\"\nValue = \"{}\"\n",
        data.display(),
        served.child.id(),
        data.join(format!("instances/{bystander_id}/sandbox/app/bystander-secret.txt")).display(),
        served.folder.path().canonicalize().unwrap().display(),
    );
    write_app(&hostile, &[("app.toml", &app_toml), ("hostile_app.py", HOSTILE_APP)]);
    let hostile_id = served.launch(served.import(&hostile));
    let log = served.log_with(hostile_id, "PROBES DONE", Duration::from_secs(60));

    let probes: Vec<&str> = log.lines().filter(|l| l.starts_with("PROBE ")).collect();
    let leaked: Vec<&&str> = probes.iter().filter(|l| !l.contains(": BLOCKED") && !l.contains(": ALLOWED")).collect();
    assert!(leaked.is_empty(), "the sandbox let these through:\n{}\n\nwhole log:\n{log}", leaked.iter().map(|l| l.to_string()).collect::<Vec<_>>().join("\n"));
    // Every attempt ran (a probe that crashed or was skipped would hide a leak).
    let expected = log.lines().find_map(|l| l.strip_prefix("PROBES DONE ")).unwrap().trim().parse::<usize>().unwrap();
    assert_eq!(probes.len(), expected, "{log}");
    assert!(expected >= 15, "{log}");
    // The controls: what an app may do, it can (so BLOCKED above is the sandbox, not a broken probe).
    for allowed in ["write_own_folder", "read_own_bundle", "env_from_manifest", "write_volume"] {
        assert!(probes.iter().any(|l| l.starts_with(&format!("PROBE {allowed}: ALLOWED"))), "{allowed} should work:\n{log}");
    }
    // Writes the sandbox kept in a private copy (its own /tmp) never reached the host.
    let host_checks: Vec<&str> = log.lines().filter_map(|l| l.strip_prefix("CHECK-HOST ")).collect();
    for path in &host_checks {
        assert!(!Path::new(path).exists(), "the app wrote {path} on the host");
    }
    assert!(!data.join("evil").exists() && !served.folder.path().join("evil").exists());
    assert_eq!(served.settled(hostile_id, Duration::from_secs(30))["status"], "running", "{log}");
}

/// A visitor's path through the proxy as a browser takes it: the console's `open` (a ticket for
/// the apps origin), then the apps origin's cookie. Returns that cookie.
fn open_as(served: &Served, instance: i64, console_cookie: Option<&str>) -> (String, String) {
    let agent = ureq::AgentBuilder::new().redirects(0).build();
    let mut request = agent.get(&format!("{}/api/v1/instances/{instance}/open", served.console));
    request = match console_cookie {
        Some(cookie) => request.set("Cookie", cookie),
        None => request.set("Authorization", &format!("Bearer {}", served.token)),
    };
    let ticket = request.call().unwrap();
    assert_eq!(ticket.status(), 303);
    let auth = ticket.header("location").unwrap().to_owned();
    let apps_origin = auth.split("/_wavehub/").next().unwrap().to_owned();
    let signed_in = agent.get(&auth).call().unwrap();
    assert_eq!(signed_in.status(), 303);
    let cookie = signed_in.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    (apps_origin, cookie)
}

/// Asks `origin` for a websocket at `path` with the apps cookie, as the Wave page does, and
/// returns the answer's head.
fn websocket_handshake(origin: &str, path: &str, cookie: &str) -> String {
    use std::io::{Read, Write};
    let authority = origin.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(authority).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nOrigin: {origin}\r\nCookie: {cookie}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
    )
    .unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).unwrap_or(0) == 1 {
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

const WAVE_APP: &str = r#"
import os
from h2o_wave import main, app, Q, ui

print("APP ENV", os.environ.get("GREETING"), os.environ.get("H2O_CLOUD_ENVIRONMENT"), os.environ.get("H2O_WAVE_BASE_URL"), flush=True)

@app('/')
async def serve(q: Q):
    q.page['header'] = ui.header_card(box='1 1 4 1', title=os.environ.get("GREETING", "?"), subtitle='live')
    await q.page.save()
"#;

#[test]
fn a_real_wave_app_runs_behind_waved_opens_through_the_proxy_and_relaunches_warm() {
    let served = Served::start();
    let folder = served.folder.path().join("wave-app");
    write_app(
        &folder,
        &[
            ("app.toml", "[App]\nName = \"ai.test.wave\"\nVersion = \"1.0.0\"\nTitle = \"Wave\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"app\"\nMemoryLimit = \"512Mi\"\n\n[[Env]]\nName = \"GREETING\"\nValue = \"Hello from app.toml\"\n"),
            ("app.py", WAVE_APP),
            ("requirements.txt", "h2o-wave>=1.0,<2\n"),
        ],
    );
    let app_id = served.import(&folder);
    let first = served.launch(app_id);
    let instance = served.settled(first, Duration::from_secs(240));
    let log = served.log(first);
    assert_eq!(instance["status"], "running", "{instance}\n{log}");
    // Running means registered with waved, with the variables both processes need.
    assert!(log.contains("\"t\":\"app_add\""), "{log}");
    assert!(log.contains(&format!("APP ENV Hello from app.toml {} /instances/{first}/", served.console)), "{log}");
    let url = instance["url"].as_str().unwrap();
    assert!(url.ends_with(&format!("/instances/{first}/")) && !url.starts_with(&served.console), "{url}");

    // Through the proxy: waved's page for this base URL.
    let (apps_origin, cookie) = open_as(&served, first, None);
    let page = ureq::get(url).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    assert!(page.contains(&format!("data-base-url=\"/instances/{first}/\"")), "{page}");
    assert!(url.starts_with(&apps_origin));

    // The same requirements again: the environment is reused, nothing is installed.
    let second = served.launch(app_id);
    assert_eq!(served.settled(second, Duration::from_secs(60))["status"], "running", "{}", served.log(second));
    let log = served.log(second);
    assert!(log.contains("reusing the Python environment") && !log.contains("Successfully installed"), "{log}");

    // Terminated: its address is gone (410) and its files with it; the log stays.
    served.api("POST", &format!("/instances/{first}/terminate")).call().unwrap();
    let gone = ureq::get(url).set("Cookie", &cookie).call();
    assert!(matches!(gone, Err(ureq::Error::Status(410 | 404, _))), "{gone:?}");
    assert!(!served.data_dir().join(format!("instances/{first}/sandbox")).exists());
    assert!(served.log(first).contains("[wavehub] stopped"));
    // An instance that never existed.
    let missing = ureq::get(&format!("{apps_origin}/instances/9999/")).set("Cookie", &cookie).call();
    assert!(matches!(missing, Err(ureq::Error::Status(404, _))), "{missing:?}");
}

/// Two servers on one database and data dir (issue 17): an instance runs on the server that
/// launched it, and a visitor who reaches the other one is served through it, the app's websocket
/// included. Starting the other server leaves the first one's instance running; a terminate
/// through the other server stops its process.
#[test]
fn a_wave_app_run_by_one_server_opens_through_another() {
    let (port_one, port_two) = (wavehub_testkit::free_port().unwrap(), wavehub_testkit::free_port().unwrap());
    let flags = |port: u16| [format!("--apps-listen=127.0.0.1:{port}"), format!("--internal-url=http://127.0.0.1:{port}")];
    let one = Served::start_in(std::sync::Arc::new(tempfile::tempdir().unwrap()), &flags(port_one).each_ref().map(String::as_str));
    let folder = one.folder.path().join("wave-app");
    write_app(
        &folder,
        &[
            ("app.toml", "[App]\nName = \"ai.test.peer\"\nVersion = \"1.0.0\"\nTitle = \"Wave\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"app\"\nMemoryLimit = \"512Mi\"\n"),
            ("app.py", WAVE_APP),
            ("requirements.txt", "h2o-wave>=1.0,<2\n"),
        ],
    );
    let id = one.launch(one.import(&folder));
    assert_eq!(one.settled(id, Duration::from_secs(240))["status"], "running", "{}", one.log(id));

    let two = one.start_on_database_of(&flags(port_two).each_ref().map(String::as_str));
    assert_eq!(two.instance(id)["status"], "running", "a second server's start leaves the first one's instances alone");
    let (apps_two, cookie) = open_as(&two, id, None);
    assert!(apps_two.ends_with(&format!(":{port_two}")), "{apps_two}");
    let page = ureq::get(&format!("{apps_two}/instances/{id}/")).set("Cookie", &cookie).call().unwrap().into_string().unwrap();
    assert!(page.contains(&format!("data-base-url=\"/instances/{id}/\"")), "waved's page, through the other server: {page}");
    let handshake = websocket_handshake(&apps_two, &format!("/instances/{id}/_s/"), &cookie);
    assert!(handshake.starts_with("HTTP/1.1 101"), "the app's websocket, through the other server: {handshake}");
    let unsigned = websocket_handshake(&apps_two, &format!("/instances/{id}/_s/"), "wavehub_apps=forged");
    assert!(!unsigned.starts_with("HTTP/1.1 101"), "{unsigned}");

    // The log is on the server that runs it; the other one hands the request on, for its caller.
    let ready = "[wavehub] the Wave server";
    assert!(two.log(id).contains(ready), "the log, read through the other server:\n{}", two.log(id));
    let admin_cookie = console_cookie(&two.console, "admin", ADMIN_PASSWORD);
    let in_browser = ureq::get(&format!("{}/api/v1/instances/{id}/logs", two.console)).set("Cookie", &admin_cookie).call().unwrap();
    assert!(in_browser.into_string().unwrap().contains(ready), "the web app's way: a session cookie");
    let followed = two.api("GET", &format!("/instances/{id}/logs?follow=true")).call().unwrap();
    assert_eq!(followed.content_type(), "text/event-stream");
    let mut events = BufReader::new(followed.into_reader());
    let mut first = String::new();
    events.read_line(&mut first).unwrap();
    assert!(first.starts_with("data: [wavehub]"), "the followed log, through the other server: {first}");
    drop(events);
    let stranger = two.user_token("stranger");
    let refused = ureq::get(&format!("{}/api/v1/instances/{id}/logs", two.console)).set("Authorization", &format!("Bearer {stranger}")).call();
    assert!(matches!(refused, Err(ureq::Error::Status(403 | 404, _))), "another user reads the log: {refused:?}");
    // Straight to the apps listener, as an app's own script could, with the browser's cookies (the
    // console's too: cookies do not tell ports apart) or a made-up claim: refused.
    let peer_route = format!("http://127.0.0.1:{port_one}/_wavehub/logs/{id}");
    let sneaked = ureq::get(&peer_route).set("Cookie", &format!("{cookie}; {admin_cookie}")).set("Authorization", &format!("Bearer {}", one.token)).call();
    assert!(matches!(sneaked, Err(ureq::Error::Status(401, _))), "{sneaked:?}");
    let forged = ureq::get(&peer_route).set("x-wavehub-log-claim", &"ab".repeat(40)).call();
    assert!(matches!(forged, Err(ureq::Error::Status(401, _))), "{forged:?}");

    // Terminated through the server that does not run it: the one that does stops the process.
    two.api("POST", &format!("/instances/{id}/terminate")).call().unwrap();
    let gone = ureq::get(&format!("{apps_two}/instances/{id}/")).set("Cookie", &cookie).call();
    assert!(matches!(gone, Err(ureq::Error::Status(410 | 404, _))), "{gone:?}");
    let deadline = std::time::Instant::now() + Duration::from_secs(15);
    while !two.log(id).contains("[wavehub] stopped") {
        assert!(std::time::Instant::now() < deadline, "the server that runs it never stopped it:\n{}", two.log(id));
        std::thread::sleep(Duration::from_millis(200));
    }

    // With the server that ran it gone, its log is too: a 502 that names that server.
    drop(one);
    let away = ureq::get(&format!("{}/api/v1/instances/{id}/logs", two.console)).set("Authorization", &format!("Bearer {}", two.token)).call();
    match away {
        Err(ureq::Error::Status(502, reply)) => {
            let text = reply.into_string().unwrap();
            assert!(text.contains(&format!("http://127.0.0.1:{port_one}")), "{text}");
        }
        other => panic!("expected 502 once the server that ran it is gone: {other:?}"),
    }
}

#[test]
fn a_failed_launch_says_why_and_keeps_the_traceback() {
    let served = Served::start();
    let folder = served.folder.path().join("broken");
    write_app(
        &folder,
        &[
            ("app.toml", "[App]\nName = \"ai.test.broken\"\nVersion = \"1.0.0\"\nTitle = \"Broken\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"broken\"\n"),
            ("broken.py", "import os\nraise RuntimeError('model file missing')\n"),
        ],
    );
    let id = served.launch(served.import(&folder));
    let instance = served.settled(id, Duration::from_secs(60));
    assert_eq!(instance["status"], "failed");
    let reason = instance["status_reason"].as_str().unwrap();
    assert!(reason.contains("exited") && reason.contains("log"), "{reason}");
    let log = served.log(id);
    assert!(log.contains("Traceback") && log.contains("RuntimeError: model file missing"), "{log}");
}

#[test]
fn the_proxy_hands_an_app_no_wavehub_credentials() {
    let served = Served::start();
    let folder = served.folder.path().join("echo");
    let echo = "import http.server, json, os\n\
        class Echo(http.server.BaseHTTPRequestHandler):\n\
        \x20   def do_GET(self):\n\
        \x20       body = json.dumps({'path': self.path, 'headers': dict(self.headers.items())}).encode()\n\
        \x20       self.send_response(200)\n\
        \x20       self.send_header('Content-Type', 'application/json')\n\
        \x20       self.send_header('Set-Cookie', 'wavehub_session=planted; Path=/')\n\
        \x20       self.end_headers()\n\
        \x20       self.wfile.write(body)\n\
        http.server.ThreadingHTTPServer(('127.0.0.1', int(os.environ['PORT'])), Echo).serve_forever()\n";
    write_app(
        &folder,
        &[
            ("app.toml", "[App]\nName = \"ai.test.echo\"\nVersion = \"1.0.0\"\nTitle = \"Echo\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"echo\"\n"),
            ("echo.py", echo),
        ],
    );
    let id = served.launch(served.import(&folder));
    let instance = served.settled(id, Duration::from_secs(60));
    assert_eq!(instance["status"], "running", "{}", served.log(id));
    let admin_cookie = console_cookie(&served.console, "admin", ADMIN_PASSWORD);
    let (_, apps_cookie) = open_as(&served, id, Some(&admin_cookie));
    // A browser on the same host sends every cookie of the host, the console's among them.
    let all_cookies = format!("{admin_cookie}; {apps_cookie}; theme=dark");
    let reply = ureq::get(&format!("{}echo?x=1", instance["url"].as_str().unwrap()))
        .set("Cookie", &all_cookies)
        .set("Authorization", &format!("Bearer {}", served.token))
        .call()
        .unwrap();
    assert!(reply.all("set-cookie").iter().all(|c| !c.starts_with("wavehub_session")), "the app planted the console's cookie");
    let echoed: Value = reply.into_json().unwrap();
    let headers = echoed["headers"].as_object().unwrap();
    let cookie = headers.iter().find(|(k, _)| k.eq_ignore_ascii_case("cookie")).map(|(_, v)| v.as_str().unwrap()).unwrap_or("");
    assert_eq!(cookie, "theme=dark", "{echoed}");
    assert!(!headers.keys().any(|k| k.eq_ignore_ascii_case("authorization")), "{echoed}");
    assert!(headers.keys().any(|k| k.eq_ignore_ascii_case("x-forwarded-for")), "{echoed}");
    // A plain web app serves from `/`: the prefix is the proxy's.
    assert_eq!(echoed["path"], "/echo?x=1");
}

#[test]
fn a_data_dir_no_instance_user_can_reach_is_named_at_start_and_at_launch() {
    if runs_as_root() {
        // Under a private folder (like /root, 0700) the instances' own users cannot reach their files.
        let served = Served::start_in_folder_of_mode(0o700);
        let folder = served.folder.path().display().to_string();
        assert!(served.announced.iter().any(|l| l.starts_with("Warning:") && l.contains(&folder) && l.contains("--data-dir")), "{:?}", served.announced);
        let app = served.folder.path().join("plain");
        write_app(&app, &[("app.toml", "[App]\nName = \"ai.test.plain\"\nVersion = \"1.0.0\"\nTitle = \"P\"\nDescription = \"d\"\n\n[Runtime]\nModule = \"p\"\n"), ("p.py", "")]);
        let instance = served.settled(served.launch(served.import(&app)), Duration::from_secs(30));
        assert_eq!(instance["status"], "failed");
        assert!(instance["status_reason"].as_str().unwrap().contains(&format!("chmod o+x {folder}")), "{instance}");
    }
}

/// Whether the tests run as root (then instances run as users of their own).
fn runs_as_root() -> bool {
    std::fs::metadata("/proc/self").map(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0).unwrap_or(false)
}
