//! Sign-in end to end: the CLI's `login` driven by a test "browser", tokens
//! in the real Secret Service (a private D-Bus session and gnome-keyring,
//! started by scripts/test.sh), refresh and rotation, logout, several
//! accounts; and the loopback listener's edge cases.

use std::io::{BufRead, BufReader, Read};
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::json;
use x_uploader::core::auth::loopback::{self, SignInError};
use x_uploader::core::auth::oauth::TokenSet;
use x_uploader::core::auth::{Auth, SecretStore};
use x_uploader::core::config::{Config, FileConfig, Paths};
use x_uploader::core::practice::{PracticeOptions, PracticeServer};
use x_uploader::core::secret::Secret;
use x_uploader::core::xclient::{ErrorKind, RetryConfig, XClient};

use crate::cli::{Home, Run, run};
use crate::support::*;

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Fail loudly (not skip) when there is no Secret Service.
fn keychain(service: &str) -> SecretStore {
    let store = SecretStore::keychain(service);
    if let Err(e) = store.check() {
        panic!("keychain tests need a Secret Service (run scripts/test.sh): {e}");
    }
    store
}

/// A practice server with `redirect` registered, and a home for the app.
struct World {
    server: PracticeServer,
    api: Api,
    home: Home,
    redirect: String,
    client_id: String,
    secret: Option<String>,
}

impl World {
    fn new(opts: PracticeOptions) -> World {
        let redirect = format!("http://127.0.0.1:{}/callback", free_port());
        let server = server(PracticeOptions {
            extra_redirect_uris: vec![redirect.clone()],
            processing_secs: 0.3,
            ..opts
        });
        World {
            api: Api::new(&server),
            server,
            home: Home::new(),
            redirect,
            client_id: "practice-public".into(),
            secret: None,
        }
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.home.command(self.server.base_url());
        c.env("X_UPLOADER_CLIENT_ID", &self.client_id)
            .env("X_UPLOADER_REDIRECT_URI", &self.redirect)
            .args(args);
        if let Some(s) = &self.secret {
            c.env("X_UPLOADER_CLIENT_SECRET", s);
        }
        c
    }

    fn run(&self, args: &[&str]) -> Run {
        run(self.cmd(args))
    }

    fn store(&self) -> SecretStore {
        keychain(&self.home.service)
    }

    /// `x-uploader login --no-browser`, with the test browser choosing
    /// `account` on the consent page.
    fn login(&self, account: &str) -> Run {
        let (mut child, url, mut stderr) = self.start_login();
        let callback = self.api.consent(&url, account, true);
        assert!(callback.starts_with(&self.redirect), "{callback}");
        let page = self.api.http.get(&callback).send().unwrap();
        assert_eq!(page.status(), 200);
        assert!(
            page.text()
                .unwrap()
                .contains("Signed in — you can close this tab and return to X Uploader")
        );
        finish(&mut child, &mut stderr)
    }

    fn start_login(&self) -> (Child, String, String) {
        let mut child = self
            .cmd(&["login", "--no-browser"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut reader = BufReader::new(child.stderr.take().unwrap());
        let mut seen = String::new();
        let url = loop {
            let mut line = String::new();
            assert!(
                reader.read_line(&mut line).unwrap() > 0,
                "login ended early: {seen}"
            );
            seen.push_str(&line);
            if line.starts_with("http") {
                break line.trim().to_string();
            }
        };
        let mut waiting = String::new();
        reader.read_line(&mut waiting).unwrap();
        assert_eq!(waiting.trim(), "Waiting for your browser…");
        seen.push_str(&waiting);
        // The rest of stderr is read when the child ends.
        child.stderr = Some(reader.into_inner());
        (child, url, seen)
    }
}

fn finish(child: &mut Child, seen: &mut String) -> Run {
    let status = child.wait().unwrap();
    let mut stdout = String::new();
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut stdout)
        .unwrap();
    child.stderr.take().unwrap().read_to_string(seen).unwrap();
    Run {
        code: status.code().unwrap_or(-1),
        stdout,
        stderr: seen.clone(),
    }
}

/// The command ended well and printed `handle`.
fn answered(r: &Run, handle: &str) {
    assert_eq!((r.code, r.stdout.trim()), (0, handle), "{}", r.stderr);
}

fn tokens_of(store: &SecretStore, id: &str) -> TokenSet {
    store
        .load_tokens(id)
        .unwrap()
        .expect("tokens in the keychain")
}

#[test]
fn login_whoami_refresh_and_logout_through_the_keychain() {
    let w = World::new(PracticeOptions::default());
    let r = w.login(BRAND);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert_eq!(r.stdout.trim(), "Signed in as @practice_brand");
    assert!(
        r.stderr.contains("/i/oauth2/authorize?"),
        "the link was shown: {}",
        r.stderr
    );

    let store = w.store();
    let first = tokens_of(&store, BRAND);
    assert!(first.refresh.is_some());
    let r = w.run(&["whoami"]);
    answered(&r, "@practice_brand");

    // Two hours pass: the next use refreshes, and the rotated pair is stored.
    w.api.control("expire-tokens", json!({}));
    let r = w.run(&["whoami"]);
    answered(&r, "@practice_brand");
    let second = tokens_of(&store, BRAND);
    assert_ne!(second.access, first.access);
    assert_ne!(second.refresh, first.refresh);

    let r = w.run(&["logout"]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "Signed out @practice_brand"),
        "{}",
        r.stderr
    );
    assert!(
        store.load_tokens(BRAND).unwrap().is_none(),
        "the keychain entry is gone"
    );
    // X refuses the old tokens.
    expect_error(
        w.api.get(second.access.expose(), "/2/users/me"),
        401,
        "Unauthorized",
    );
    expect_error(
        w.api.refresh(
            "practice-public",
            None,
            second.refresh.as_ref().unwrap().expose(),
        ),
        400,
        "token was invalid",
    );
    let r = w.run(&["whoami"]);
    assert_eq!(r.code, 1);
    assert!(r.stderr.contains("Not signed in"), "{}", r.stderr);
}

/// X kills the whole sign-in when a rotated refresh token is used twice:
/// four commands meeting an expired token at once must renew it once, and
/// the sign-in lives on.
#[test]
fn processes_meeting_an_expired_token_at_once_renew_it_once() {
    let w = World::new(PracticeOptions::default());
    let r = w.login(BRAND);
    assert_eq!(r.code, 0, "{}", r.stderr);
    w.api.control("expire-tokens", json!({}));
    // The first renewal takes a while at X: every command has read the old
    // tokens by the time it is done.
    w.api.control(
        "fail-next",
        json!({ "endpoint": "token", "delay_secs": 1.5 }),
    );
    let children: Vec<_> = (0..4)
        .map(|_| {
            w.cmd(&["whoami"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stdout).trim()
            ),
            (Some(0), "@practice_brand"),
            "{stderr}"
        );
    }
    let tokens = w.api.inspect("requests?endpoint=token")["requests"]
        .as_array()
        .unwrap()
        .len();
    // The login's code exchange, then one refresh.
    assert_eq!(tokens, 2, "{}", w.api.inspect("requests?endpoint=token"));
    let r = w.run(&["whoami"]);
    answered(&r, "@practice_brand");
}

#[test]
fn confidential_app_signs_in_with_the_secret_from_env_or_keychain() {
    let mut w = World::new(PracticeOptions::default());
    w.client_id = "practice-conf".into();
    w.secret = Some("practice-secret".into());
    let r = w.login(EVENTS);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "Signed in as @practice_events"),
        "{}",
        r.stderr
    );

    // Without the env variable, the secret Settings stored in the keychain.
    w.secret = None;
    w.store()
        .save_client_secret(&Secret::new("practice-secret"))
        .unwrap();
    w.api.control("expire-tokens", json!({}));
    let r = w.run(&["whoami"]);
    answered(&r, "@practice_events");
    w.store().delete_client_secret().unwrap();
    w.api.control("expire-tokens", json!({}));
    let r = w.run(&["whoami"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains("credentials"),
        "a missing secret is named: {}",
        r.stderr
    );
}

#[test]
fn two_accounts_and_switch_changes_who_posts() {
    let w = World::new(PracticeOptions::default());
    assert_eq!(w.login(NEWS).code, 0);
    assert_eq!(w.login(BRAND).code, 0);
    let r = w.run(&["accounts"]);
    assert_eq!(r.stdout, "@practice_news\n* @practice_brand\n");
    let r = w.run(&["post", "--text", "from the brand"]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("x.com/practice_brand/status/"));
    let r = w.run(&["switch", "@practice_news"]);
    assert_eq!(
        (r.code, r.stdout.trim()),
        (0, "Now posting as @practice_news")
    );
    let r = w.run(&["post", "--text", "from the newsroom"]);
    assert!(
        r.stdout.contains("x.com/practice_news/status/"),
        "{}",
        r.stderr
    );
    let posts = w.api.inspect("posts")["posts"].as_array().unwrap().clone();
    assert_eq!(posts[0]["author_id"], BRAND);
    assert_eq!(posts[1]["author_id"], NEWS);
    let r = w.run(&["switch", "@nobody"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("Signed in: @practice_news, @practice_brand"),
        "{}",
        r.stderr
    );
    let r = w.run(&["logout", "@practice_news"]);
    assert_eq!(r.code, 0);
    assert_eq!(w.run(&["accounts"]).stdout, "* @practice_brand\n");
}

#[test]
fn sign_in_ended_elsewhere_says_so_plainly() {
    let w = World::new(PracticeOptions {
        single_grant: true,
        ..PracticeOptions::default()
    });
    assert_eq!(w.login(NEWS).code, 0);
    // The same account signs in to the app on another computer.
    w.api.login_as("practice-public", None, NEWS, SCOPES);
    let r = w.run(&["whoami"]);
    assert_eq!(r.code, 1);
    assert!(
        r.stderr.contains(
            "Your X sign-in for @practice_news has ended — it expired, or the account was signed in to X Uploader on another computer. Sign in again."
        ),
        "{}",
        r.stderr
    );
}

#[test]
fn no_token_is_written_to_any_file_or_output() {
    let w = World::new(PracticeOptions::default());
    let mut outputs = Vec::new();
    let r = w.login(NEWS);
    assert_eq!(r.code, 0);
    outputs.push(r);
    let store = w.store();
    let mut secrets = vec![tokens_of(&store, NEWS)];
    let files = Files::new();
    let photo = files.jpeg("p.jpg", None);
    w.api.control("expire-tokens", json!({}));
    for args in [
        vec!["-vv", "upload", photo.to_str().unwrap()],
        vec!["-v", "post", "--text", "no leaks"],
    ] {
        let r = w.run(&args);
        assert_eq!(r.code, 0, "{}", r.stderr);
        outputs.push(r);
        secrets.push(tokens_of(&store, NEWS));
    }
    outputs.push(w.run(&["logout"]));
    let mut values: Vec<String> = Vec::new();
    for t in &secrets {
        values.push(t.access.expose().to_string());
        values.extend(t.refresh.as_ref().map(|r| r.expose().to_string()));
    }
    assert!(values.len() >= 4);
    let mut searched = 0;
    for entry in walk(w.home.dir.path()) {
        let content = std::fs::read(&entry).unwrap();
        let text = String::from_utf8_lossy(&content);
        for v in &values {
            assert!(
                !text.contains(v.as_str()),
                "a token is in {}",
                entry.display()
            );
        }
        searched += 1;
    }
    assert!(searched >= 2, "config and log files were searched");
    for r in &outputs {
        for v in &values {
            assert!(
                !r.stdout.contains(v.as_str()) && !r.stderr.contains(v.as_str()),
                "a token in the output"
            );
        }
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                out.extend(walk(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

// ---- the loopback listener and the sign-in steps --------------------------

fn auth_for(server: &PracticeServer, redirect: &str, home: &Home) -> Auth {
    let paths = Paths {
        config_dir: home.dir.path().join("config"),
        data_dir: home.dir.path().join("data"),
        autostart_dir: None,
    };
    let base = server.base_url().to_string();
    let redirect = redirect.to_string();
    let config = Config::from_parts(paths, FileConfig::default(), &move |k| match k {
        "X_UPLOADER_API_BASE" => Some(base.clone()),
        "X_UPLOADER_CLIENT_ID" => Some("practice-public".into()),
        "X_UPLOADER_REDIRECT_URI" => Some(redirect.clone()),
        _ => None,
    });
    Auth::new(config, SecretStore::memory())
}

/// Wait for the browser in the background, as the app does.
fn finish_later(
    rt: &tokio::runtime::Runtime,
    auth: &Auth,
    pending: x_uploader::core::auth::PendingSignIn,
    cancel: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<
    Result<x_uploader::core::auth::Account, x_uploader::core::xclient::XError>,
> {
    let auth = auth.clone();
    rt.spawn(async move { auth.finish(pending, Duration::from_secs(60), cancel).await })
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn wrong_state_is_ignored_then_the_real_callback_signs_in() {
    let w = World::new(PracticeOptions::default());
    let auth = auth_for(&w.server, &w.redirect, &w.home);
    let pending = auth.begin().unwrap();
    let url = pending.url.clone();
    let rt = rt();
    let task = finish_later(&rt, &auth, pending, Arc::new(AtomicBool::new(false)));
    let callback = w.api.consent(&url, NEWS, true);
    // A forged callback (wrong state), then one with no state: error pages.
    let code = query_param(&callback, "code").unwrap();
    for forged in [
        format!("{}?state=forged&code={code}", w.redirect),
        format!("{}?code={code}", w.redirect),
    ] {
        let r = w.api.http.get(&forged).send().unwrap();
        assert_eq!(r.status(), 400);
        assert!(
            r.text()
                .unwrap()
                .contains("not the one X Uploader is waiting for")
        );
    }
    assert_eq!(w.api.http.get(&callback).send().unwrap().status(), 200);
    let account = rt.block_on(task).unwrap().unwrap();
    assert_eq!(account.username, "practice_news");
    assert!(auth.store.load_tokens(NEWS).unwrap().is_some());
}

#[test]
fn cancel_in_the_browser_ends_the_attempt_plainly() {
    let w = World::new(PracticeOptions::default());
    let auth = auth_for(&w.server, &w.redirect, &w.home);
    let rt = rt();

    let pending = auth.begin().unwrap();
    let url = pending.url.clone();
    let task = finish_later(&rt, &auth, pending, Arc::new(AtomicBool::new(false)));
    let callback = w.api.consent(&url, NEWS, false);
    assert_eq!(
        query_param(&callback, "error").as_deref(),
        Some("access_denied")
    );
    w.api.http.get(&callback).send().unwrap();
    let err = rt.block_on(task).unwrap().unwrap_err();
    assert_eq!(err.kind, ErrorKind::Cancelled);
    assert_eq!(err.message, "You cancelled sign-in in the browser.");
}

#[test]
fn reused_code_is_refused_by_the_exchange() {
    let w = World::new(PracticeOptions::default());
    let auth = auth_for(&w.server, &w.redirect, &w.home);
    let rt = rt();
    let pending = auth.begin().unwrap();
    let url = pending.url.clone();
    let verifier_owner = pending;
    // Sign in once normally...
    let task = finish_later(&rt, &auth, verifier_owner, Arc::new(AtomicBool::new(false)));
    let callback = w.api.consent(&url, NEWS, true);
    w.api.http.get(&callback).send().unwrap();
    rt.block_on(task).unwrap().unwrap();
    // ...then deliver the same callback to a new attempt (a replayed code).
    let pending = auth.begin().unwrap();
    let state = query_param(&pending.url, "state").unwrap();
    let code = query_param(&callback, "code").unwrap();
    let task = finish_later(&rt, &auth, pending, Arc::new(AtomicBool::new(false)));
    let replay = format!("{}?state={state}&code={code}", w.redirect);
    assert_eq!(w.api.http.get(&replay).send().unwrap().status(), 200);
    let err = rt.block_on(task).unwrap().unwrap_err();
    assert!(
        err.message.contains("X refused the sign-in"),
        "{}",
        err.message
    );
}

#[test]
fn unregistered_callback_shows_xs_error_page_and_the_app_can_cancel() {
    let w = World::new(PracticeOptions::default());
    let unregistered = format!("http://127.0.0.1:{}/callback", free_port());
    let auth = auth_for(&w.server, &unregistered, &w.home);
    let pending = auth.begin().unwrap();
    let page = w.api.http.get(&pending.url).send().unwrap();
    assert_eq!(page.status(), 400);
    assert!(page.text().unwrap().contains("is not registered"));
    let cancel = Arc::new(AtomicBool::new(false));
    let rt = rt();
    let task = finish_later(&rt, &auth, pending, cancel.clone());
    std::thread::sleep(Duration::from_millis(300));
    cancel.store(true, std::sync::atomic::Ordering::SeqCst);
    let err = rt.block_on(task).unwrap().unwrap_err();
    assert_eq!(err.message, "Sign-in was cancelled.");
}

#[test]
fn listener_times_out_has_no_code_case_and_reports_busy_ports() {
    let port = free_port();
    let uri = format!("http://127.0.0.1:{port}/callback");
    let l = loopback::bind(std::slice::from_ref(&uri)).unwrap();
    assert_eq!(
        l.local_addr().unwrap().ip().to_string(),
        "127.0.0.1",
        "loopback only"
    );
    // Nothing on other addresses of this machine answers.
    if let Some(ip) = local_non_loopback_ip() {
        assert!(
            std::net::TcpStream::connect_timeout(&(ip, port).into(), Duration::from_millis(500))
                .is_err()
        );
    }
    // While bound, the port is busy for a second listener.
    let second = loopback::bind(std::slice::from_ref(&uri)).unwrap_err();
    assert_eq!(second, SignInError::PortsBusy(port.to_string()));
    assert!(
        second
            .to_string()
            .contains(&format!("ports {port} are all in use"))
    );
    let err = l
        .wait(
            &Secret::new("s"),
            Duration::from_millis(300),
            Arc::new(AtomicBool::new(false)),
        )
        .unwrap_err();
    assert!(matches!(err, SignInError::TimedOut(_)));
    assert!(err.to_string().starts_with("Sign-in timed out"));

    let l = loopback::bind(std::slice::from_ref(&uri)).unwrap();
    let waiter = std::thread::spawn(move || {
        l.wait(
            &Secret::new("s"),
            Duration::from_secs(10),
            Arc::new(AtomicBool::new(false)),
        )
    });
    std::thread::sleep(Duration::from_millis(100));
    x_uploader::core::xclient::install_tls();
    let client = reqwest::blocking::Client::new();
    assert_eq!(
        client
            .get(format!("http://127.0.0.1:{port}/favicon.ico"))
            .send()
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        client
            .get(format!("{uri}?state=s"))
            .send()
            .unwrap()
            .status(),
        400
    );
    assert_eq!(waiter.join().unwrap().unwrap_err(), SignInError::NoCode);
}

#[test]
fn all_configured_ports_busy_names_them() {
    let a = TcpListener::bind("127.0.0.1:0").unwrap();
    let b = TcpListener::bind("127.0.0.1:0").unwrap();
    let (pa, pb) = (
        a.local_addr().unwrap().port(),
        b.local_addr().unwrap().port(),
    );
    let uris = vec![
        format!("http://127.0.0.1:{pa}/callback"),
        format!("http://127.0.0.1:{pb}/callback"),
    ];
    let err = loopback::bind(&uris).unwrap_err();
    assert_eq!(err, SignInError::PortsBusy(format!("{pa}, {pb}")));
    // The first free one is used.
    drop(b);
    let l = loopback::bind(&uris).unwrap();
    assert_eq!(l.redirect_uri(), uris[1]);
}

fn local_non_loopback_ip() -> Option<std::net::IpAddr> {
    let s = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    s.connect("10.255.255.255:1").ok()?;
    let ip = s.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[test]
fn two_concurrent_401s_share_one_refresh() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let tokens = refreshing(&api, &t, Box::new(|_| Ok(())));
    api.control("expire-tokens", json!({}));
    let client =
        Arc::new(XClient::new(server.base_url(), tokens.clone(), RetryConfig::default()).unwrap());
    rt().block_on(async {
        let (a, b) = tokio::join!(client.me(&|_| {}), client.me(&|_| {}));
        assert_eq!(a.unwrap().username, "practice_news");
        assert_eq!(b.unwrap().username, "practice_news");
    });
    assert_eq!(tokens.refresh_count(), 1);
}
