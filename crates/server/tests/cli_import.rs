//! `wavehub serve --demo` and `wavehub import` as a person runs them: the real binary, a real
//! port, the repository's demo app folders, and an API token.

use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

#[path = "common/listening.rs"]
mod listening;

const BINARY: &str = env!("CARGO_BIN_EXE_wavehub");
const DEMO_APPS: usize = 6;

/// Starts `wavehub serve --demo`; returns it, its stdout lines up to "listening", and its URL.
fn start_demo(data_dir: &Path) -> (Child, Vec<String>, String) {
    let mut child = Command::new(BINARY)
        .args(["serve", "--demo", "--listen", "127.0.0.1:0", "--static-dir", "no-such-dist", "--data-dir"])
        .arg(data_dir)
        .env("WAVEHUB_LOG", "warn")
        .env("WAVEHUB_ADMIN_PASSWORD", "admin-password")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let (lines, url) = listening::until_listening(child.stdout.take().unwrap());
    (child, lines, url)
}

fn stop(mut child: Child) {
    Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(child.wait().unwrap().success());
}

/// Signs in and creates an API token.
fn token(url: &str, username: &str, password: &str) -> String {
    let login = ureq::post(&format!("{url}/api/v1/auth/login"))
        .send_json(serde_json::json!({"username": username, "password": password}))
        .unwrap();
    let cookie = login.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let reply: serde_json::Value = ureq::post(&format!("{url}/api/v1/tokens"))
        .set("Cookie", &cookie)
        .send_json(serde_json::json!({"name": "cli test"}))
        .unwrap()
        .into_json()
        .unwrap();
    reply["token"].as_str().unwrap().to_owned()
}

fn apps(url: &str, token: &str, query: &str) -> serde_json::Value {
    ureq::get(&format!("{url}/api/v1/apps?{query}"))
        .set("Authorization", &format!("Bearer {token}"))
        .call()
        .unwrap()
        .into_json()
        .unwrap()
}

fn import(url: &str, token: Option<&str>, path: &Path) -> Output {
    let mut command = Command::new(BINARY);
    command.arg("import").arg(path).args(["--server", url]).env_remove("WAVEHUB_TOKEN");
    if let Some(token) = token {
        command.env("WAVEHUB_TOKEN", token);
    }
    command.output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn demo_data_loads_once_and_the_cli_imports_checked_bundles() {
    let dir = tempfile::tempdir().unwrap();
    let (server, lines, url) = start_demo(dir.path());
    assert!(lines.iter().any(|l| l == &format!("Demo data: {DEMO_APPS} of {DEMO_APPS} demo apps imported now (the rest were there already).")), "{lines:?}");
    assert!(lines.iter().any(|l| l.contains("`alice` (author) and `bob` (user)")), "{lines:?}");

    // bob sees the shared demo apps, each name once at its newest version; alice also her private one.
    let bob = token(&url, "bob", "wavehub-demo");
    let shared = apps(&url, &bob, "latest=true");
    assert_eq!(shared["total"], DEMO_APPS - 2, "two versions of sales-forecast, one private app: {shared}");
    let forecast = shared["items"].as_array().unwrap().iter().find(|a| a["name"] == "ai.wavehub.demo.sales-forecast").unwrap();
    assert_eq!(forecast["version"], "2.0.0");
    assert!(shared["items"].as_array().unwrap().iter().all(|a| a["has_icon"] == true));
    let alice = token(&url, "alice", "wavehub-demo");
    assert_eq!(apps(&url, &alice, "owner=me")["total"], DEMO_APPS);

    // The CLI packages a folder, checks it, and uploads it with the token.
    let app = tempfile::tempdir().unwrap();
    std::fs::write(app.path().join("app.toml"), "[App]\nName = \"ai.wavehub.cli-import\"\nVersion = \"0.1.0\"\nTitle = \"CLI import\"\n\n[Runtime]\nModule = \"app\"\n").unwrap();
    std::fs::write(app.path().join("app.py"), "print('hi')\n").unwrap();
    let first = import(&url, Some(&alice), app.path());
    assert!(first.status.success(), "{}{}", text(&first.stdout), text(&first.stderr));
    assert!(text(&first.stdout).contains("imported ai.wavehub.cli-import 0.1.0 as app"), "{}", text(&first.stdout));
    assert!(text(&first.stdout).contains("(PRIVATE)"));

    let again = import(&url, Some(&alice), app.path());
    assert_eq!(again.status.code(), Some(1));
    assert!(text(&again.stderr).contains("import refused (409)"), "{}", text(&again.stderr));

    // bob is a plain user: the server refuses him.
    std::fs::write(app.path().join("app.toml"), "[App]\nName = \"ai.wavehub.bobs\"\nVersion = \"0.1.0\"\n\n[Runtime]\nModule = \"app\"\n").unwrap();
    let refused = import(&url, Some(&bob), app.path());
    assert_eq!(refused.status.code(), Some(1));
    assert!(text(&refused.stderr).contains("(403)"), "{}", text(&refused.stderr));

    // An invalid bundle is never sent.
    std::fs::write(app.path().join("app.toml"), "[App]\nName = \"ai.wavehub.cli-import\"\nVersion = \"v1.0\"\n\n[Runtime]\nModule = \"app\"\n").unwrap();
    let invalid = import(&url, Some(&alice), app.path());
    assert_eq!(invalid.status.code(), Some(1));
    assert!(text(&invalid.stdout).contains("app.toml:3:"), "{}", text(&invalid.stdout));
    assert!(text(&invalid.stdout).contains("nothing was uploaded"));
    assert_eq!(apps(&url, &alice, "owner=me")["total"], DEMO_APPS + 1);

    let no_token = import(&url, None, app.path());
    assert_eq!(no_token.status.code(), Some(2));
    assert!(text(&no_token.stderr).contains("WAVEHUB_TOKEN"));

    // Making a shared version PRIVATE from the terminal takes a reason, as in the browser.
    let id = forecast["id"].to_string();
    let unexplained = wavehub(&url, &alice, &["apps", "update", &id, "-v", "PRIVATE"]);
    assert_eq!(unexplained.status.code(), Some(1));
    assert!(text(&unexplained.stderr).contains("Say why you make this version PRIVATE"), "{}", text(&unexplained.stderr));
    let retired = wavehub(&url, &alice, &["apps", "update", &id, "-v", "PRIVATE", "--reason", "moved to 3.0"]);
    assert!(retired.status.success(), "{}", text(&retired.stderr));
    stop(server);

    // A second start finds the demo data there and adds nothing.
    let (server, lines, _) = start_demo(dir.path());
    assert!(lines.iter().any(|l| l.starts_with(&format!("Demo data: 0 of {DEMO_APPS}"))), "{lines:?}");
    stop(server);
}

fn wavehub(url: &str, token: &str, args: &[&str]) -> Output {
    Command::new(BINARY).args(args).args(["--server", url]).env("WAVEHUB_TOKEN", token).output().unwrap()
}

#[test]
fn the_cli_lists_runs_and_follows_an_instance() {
    let dir = tempfile::tempdir().unwrap();
    let (server, _, url) = start_demo(dir.path());
    let bob = token(&url, "bob", "wavehub-demo");
    let list = wavehub(&url, &bob, &["apps", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let listing = text(&list.stdout);
    let hello = listing.lines().find(|l| l.contains("ai.wavehub.demo.hello-wave")).expect("hello-wave is listed");
    let id = hello.split_whitespace().next().unwrap();
    // Run: waits until it answers and prints the address.
    let run = wavehub(&url, &bob, &["apps", "run", id]);
    let said = text(&run.stdout);
    assert!(run.status.success(), "{said}{}", text(&run.stderr));
    let address = said.lines().last().unwrap().rsplit(' ').next().unwrap().to_owned();
    let instance = said.lines().next().unwrap().split_whitespace().nth(1).unwrap().to_owned();
    // The address is Wavehub's proxy on the apps origin, not the app's own port.
    assert!(address.ends_with(&format!("/instances/{instance}/")) && !address.starts_with(&url), "{said}");
    // A visitor gets there through the console: a ticket for the apps origin, then its cookie.
    let open = ureq::AgentBuilder::new().redirects(0).build();
    let ticket = open
        .get(&format!("{url}/api/v1/instances/{instance}/open"))
        .set("Authorization", &format!("Bearer {bob}"))
        .call()
        .unwrap();
    assert_eq!(ticket.status(), 303);
    let signed_in = open.get(ticket.header("location").unwrap()).call().unwrap();
    assert_eq!(signed_in.status(), 303);
    assert_eq!(signed_in.header("location").unwrap(), format!("/instances/{instance}/"));
    let cookie = signed_in.header("set-cookie").unwrap().split(';').next().unwrap().to_owned();
    let page = open.get(&address).set("Cookie", &cookie).call().unwrap();
    // waved's page, told its base URL: the Wave app behind it has registered.
    let page = page.into_string().unwrap();
    assert!(page.contains(&format!("data-base-url=\"/instances/{instance}/\"")), "{page}");
    let logs = wavehub(&url, &bob, &["instances", "logs", &instance]);
    let logs = text(&logs.stdout);
    assert!(logs.contains("\"t\":\"app_add\"") && logs.contains("[wavehub] running at"), "{logs}");
    // bob may not change alice's app; the refusal exits 1 with the server's words.
    let update = wavehub(&url, &bob, &["apps", "update", id, "-v", "PRIVATE"]);
    assert_eq!(update.status.code(), Some(1));
    assert!(text(&update.stderr).contains("refused (403)"), "{}", text(&update.stderr));
    // Following a log ends when the instance ends.
    let follower = Command::new(BINARY)
        .args(["instances", "logs", &instance, "-f", "--server", &url])
        .env("WAVEHUB_TOKEN", &bob)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(500));
    ureq::post(&format!("{url}/api/v1/instances/{instance}/terminate")).set("Authorization", &format!("Bearer {bob}")).call().unwrap();
    let followed = follower.wait_with_output().unwrap();
    assert!(followed.status.success());
    assert!(text(&followed.stdout).ends_with("[wavehub] stopped\n"), "{}", text(&followed.stdout));
    assert!(wavehub(&url, "", &["instances", "list"]).status.code() == Some(2));
    stop(server);
}
