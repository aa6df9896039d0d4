//! `x-uploader doctor` against the practice server: all ✓ when the setup
//! is right, and the right ✗ line and exit 1 for each thing set up wrong;
//! and X's problem types in plain words, one test per row of the table.

use std::net::TcpListener;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use x_uploader::core::auth::oauth::TokenSet;
use x_uploader::core::auth::{Account, Accounts, SecretStore};
use x_uploader::core::practice::PracticeServer;
use x_uploader::core::secret::Secret;
use x_uploader::core::xclient::problems::ROWS;

use crate::cli::{Home, Run, run};
use crate::support::*;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A home set up as an administrator would: client id, a callback URL on a
/// free port; optionally an account signed in through the keychain.
struct Setup {
    home: Home,
    base: String,
    redirect: String,
    client_id: Option<String>,
    token: Option<String>,
}

impl Setup {
    fn new(server: &PracticeServer) -> Setup {
        Setup {
            home: Home::new(),
            base: server.base_url().to_string(),
            redirect: format!("http://127.0.0.1:{}/callback", free_port()),
            client_id: Some("practice-public".into()),
            token: None,
        }
    }

    /// Sign `account` in with `scopes` and keep the tokens in the keychain,
    /// as `x-uploader login` does.
    fn signed_in(self, api: &Api, scopes: &str) -> (Setup, Tokens) {
        let t = api.login_as("practice-public", None, NEWS, scopes);
        let store = SecretStore::keychain(&self.home.service);
        store
            .check()
            .expect("doctor tests need a Secret Service (run scripts/test.sh)");
        let set = TokenSet {
            access: Secret::new(t.access.clone()),
            refresh: t.refresh.clone().map(Secret::new),
            expires_at: x_uploader::core::auth::oauth::now_secs() + 7000,
            scopes: t.body["scope"]
                .as_str()
                .unwrap()
                .split_whitespace()
                .map(String::from)
                .collect(),
        };
        store.save_tokens(NEWS, &set).unwrap();
        let config_dir = self.home.dir.path().join("config").join("x-uploader");
        let mut accounts =
            Accounts::load(Accounts::path_for(&config_dir, &self.home.service)).unwrap();
        accounts.add_and_activate(Account {
            id: NEWS.into(),
            username: "practice_news".into(),
            name: "Practice News".into(),
            subscription_type: None,
        });
        accounts.save().unwrap();
        (self, t)
    }

    fn cmd(&self, args: &[&str]) -> Command {
        let mut c = self.home.command(&self.base);
        c.env("X_UPLOADER_REDIRECT_URI", &self.redirect).args(args);
        if let Some(id) = &self.client_id {
            c.env("X_UPLOADER_CLIENT_ID", id);
        }
        if let Some(t) = &self.token {
            c.env("X_UPLOADER_ACCESS_TOKEN", t);
        }
        c
    }

    fn doctor(&self) -> Run {
        run(self.cmd(&["doctor"]))
    }
}

/// The line of check `name`, which must be the only ✗ line... or one of them.
fn line<'a>(r: &'a Run, name: &str) -> &'a str {
    r.stdout
        .lines()
        .find(|l| l[l.char_indices().nth(2).map(|(i, _)| i).unwrap_or(0)..].starts_with(name))
        .unwrap_or_else(|| panic!("no {name:?} line in:\n{}", r.stdout))
}

/// Exit 1, and the line of `name` is a ✗ containing each of `words`.
fn fails(r: &Run, name: &str, words: &[&str]) {
    assert_eq!(r.code, 1, "exit 1 expected:\n{}{}", r.stdout, r.stderr);
    let l = line(r, name);
    assert!(l.starts_with("✗ "), "{l}");
    for w in words {
        assert!(l.contains(w), "{w:?} not in {l:?}");
    }
}

#[test]
fn doctor_passes_against_the_practice_server_and_shows_limits_seen() {
    let server = quick_server();
    let api = Api::new(&server);
    let (setup, _) = Setup::new(&server).signed_in(&api, SCOPES);
    let r = setup.doctor();
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert_eq!(lines.len(), 9, "{}", r.stdout);
    assert!(lines.iter().all(|l| l.starts_with("✓ ")), "{}", r.stdout);
    assert!(
        line(&r, "Client id").contains("practice-public (from X_UPLOADER_CLIENT_ID)"),
        "{}",
        r.stdout
    );
    assert!(line(&r, "Sign-in").contains("@practice_news is signed in"));
    assert!(line(&r, "Limits left").contains("account lookups: 74 of 75 left"));
    // No check uploads or posts.
    let counts = &api.inspect("requests")["counts"];
    assert_eq!(counts["users_me"], 1, "{counts}");
    assert!(counts.get("initialize").is_none() && counts.get("create_tweet").is_none());

    // After an upload, the upload limit last seen is shown.
    let files = Files::new();
    let photo = files.jpeg("a.jpg", None);
    let up = run(setup.cmd(&["upload", photo.to_str().unwrap()]));
    assert_eq!(up.code, 0, "{}", up.stderr);
    let r = run(setup.cmd(&["doctor", "--json"]));
    assert_eq!(r.code, 0, "{}", r.stderr);
    let report: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(report["ok"], true);
    assert_eq!(report["checks"].as_array().unwrap().len(), 9);
    let limits = &report["checks"][8];
    assert_eq!(limits["id"], "limits");
    assert_eq!(limits["state"], "pass");
    assert!(
        limits["said"]
            .as_str()
            .unwrap()
            .contains("uploads: 1874 of 1875 left"),
        "{limits}"
    );
}

#[test]
fn doctor_names_each_fault_and_who_can_fix_it() {
    let server = quick_server();
    let api = Api::new(&server);

    // No client id: an administrator's job.
    let mut s = Setup::new(&server);
    s.client_id = None;
    fails(
        &s.doctor(),
        "Client id",
        &["none is set", "(your administrator)"],
    );

    // The callback port is taken by another program.
    let s = Setup::new(&server);
    let port: u16 = s
        .redirect
        .rsplit(':')
        .next()
        .unwrap()
        .trim_end_matches("/callback")
        .parse()
        .unwrap();
    let busy = TcpListener::bind(("127.0.0.1", port)).unwrap();
    fails(
        &s.doctor(),
        "Callback port",
        &[&format!("port {port} is in use"), "(you)"],
    );
    drop(busy);

    // X can't be reached: the checks that need it are not made.
    let mut s = Setup::new(&server);
    s.base = format!("http://127.0.0.1:{}", free_port());
    s.token = Some("t".into());
    let r = s.doctor();
    fails(&r, "X reachable", &["Can't reach 127.0.0.1"]);
    assert!(line(&r, "Sign-in").starts_with("– "), "{}", r.stdout);

    // X's clock differs by 10 minutes.
    let (s, t) = Setup::new(&server).signed_in(&api, SCOPES);
    api.control("settings", json!({ "clock_skew_secs": 600 }));
    fails(
        &s.doctor(),
        "Clock",
        &["10 minutes behind X's", "Set time automatically"],
    );
    api.control("settings", json!({ "clock_skew_secs": 0 }));
    assert_eq!(s.doctor().code, 0);

    // A scope was not granted at sign-in.
    let (narrow, _) = Setup::new(&server).signed_in(&api, "tweet.read users.read offline.access");
    fails(
        &narrow.doctor(),
        "Sign-in",
        &[
            "lacks permission to post and upload media",
            "tweet.write, media.write",
            "sign in again",
        ],
    );

    // The sign-in was revoked at X (refresh token and all).
    let r = api
        .http
        .post(api.url("/2/oauth2/revoke"))
        .form(&[
            ("token", t.refresh.as_deref().unwrap()),
            ("client_id", "practice-public"),
        ])
        .send()
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = s.doctor();
    fails(&r, "Sign-in", &["has ended", "Sign in again"]);
    assert!(line(&r, "What the X app may do").starts_with("– "));
}

#[test]
fn doctor_says_the_x_app_is_not_enrolled_or_capped() {
    let server = quick_server();
    let api = Api::new(&server);
    let (s, _) = Setup::new(&server).signed_in(&api, SCOPES);
    api.control(
        "fail-next",
        json!({ "endpoint": "users_me", "status": 403, "body": CLIENT_NOT_ENROLLED }),
    );
    fails(
        &s.doctor(),
        "What the X app may do",
        &[
            "client-not-enrolled",
            "(your administrator)",
            "https://developer.twitter.com/en/docs/projects/overview",
        ],
    );
    api.control(
        "fail-next",
        json!({ "endpoint": "users_me", "status": 429, "body": USAGE_CAPPED }),
    );
    let r = s.doctor();
    fails(
        &r,
        "What the X app may do",
        &["monthly allowance", "waiting won't help"],
    );
    // Sign-in itself is fine.
    assert!(line(&r, "Sign-in").starts_with("✓ "), "{}", r.stdout);
}

#[test]
fn no_keychain_in_a_session_without_one() {
    let server = quick_server();
    let dir = temp_dir();
    let conf = dir.path().join("session.conf");
    std::fs::write(
        &conf,
        r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#,
    )
    .unwrap();
    // Its own session bus with no service to start: no Secret Service.
    let s = Setup::new(&server);
    let inner = s.cmd(&["doctor"]);
    let mut c = Command::new("dbus-run-session");
    c.arg(format!("--config-file={}", conf.display()))
        .arg("--")
        .arg(inner.get_program())
        .args(inner.get_args())
        .env_clear()
        .envs(
            inner
                .get_envs()
                .filter_map(|(k, v)| v.map(|v| (k.to_owned(), v.to_owned()))),
        )
        .env_remove("DBUS_SESSION_BUS_ADDRESS");
    let r = run(c);
    fails(
        &r,
        "Keychain",
        &["none is reachable", "(your administrator)", "gnome-keyring"],
    );
}

const CLIENT_NOT_ENROLLED: &str = r#"{"client_id":"31415926","detail":"When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.","registration_url":"https://developer.twitter.com/en/docs/projects/overview","title":"Client Forbidden","required_enrollment":"Appropriate Level of API Access","reason":"client-not-enrolled","type":"https://api.twitter.com/2/problems/client-forbidden"}"#;
const USAGE_CAPPED: &str = r#"{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"https://api.twitter.com/2/problems/usage-capped","period":"Monthly","scope":"Product","status":429}"#;

/// Each row of the problem table: X answers with it, and the command line
/// shows the row's words (`doctor` makes one request, so every row shows
/// there; the duplicate post shows on `post`).
#[test]
fn each_problem_type_reads_in_plain_words() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let mut s = Setup::new(&server);
    s.token = Some(t.access.clone());
    let rows: [(&str, u16, String, &[&str]); 11] = [
        ("client-forbidden/client-not-enrolled", 403, CLIENT_NOT_ENROLLED.into(), &["isn't enrolled", "To fix (your administrator): attach the X app to a Project"]),
        ("client-forbidden/official-client-forbidden", 403,
            json!({"title":"Client Forbidden","type":"https://api.twitter.com/2/problems/client-forbidden","reason":"official-client-forbidden","detail":"This request must be made using an approved client."}).to_string(),
            &["only in its own apps", "(your administrator)"]),
        ("client-forbidden", 403,
            json!({"title":"Client Forbidden","type":"https://api.twitter.com/2/problems/client-forbidden","detail":"The client is suspended."}).to_string(),
            &["doesn't allow this app", "The client is suspended.", "check the X app's access level"]),
        ("usage-capped", 429, USAGE_CAPPED.into(), &["monthly allowance", "not a 15-minute limit", "raise the plan"]),
        ("not-authorized-for-resource", 403,
            json!({"errors":[{"value":"17","detail":"Sorry, you are not authorized to see the media with id: [17].","title":"Authorization Error","resource_type":"media","parameter":"id","resource_id":"17","type":"https://api.twitter.com/2/problems/not-authorized-for-resource"}],"title":"Authorization Error","detail":"Sorry, you are not authorized to see the media with id: [17].","type":"https://api.twitter.com/2/problems/not-authorized-for-resource"}).to_string(),
            &["may not use this media", "(you can fix this)"]),
        ("unsupported-authentication", 403,
            json!({"title":"Unsupported Authentication","detail":"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.","type":"https://api.twitter.com/2/problems/unsupported-authentication","status":403}).to_string(),
            &["doesn't accept the way this app signs in", "turn on OAuth 2.0"]),
        ("invalid-request", 400,
            json!({"errors":[{"parameters":{"user.fields":["bogus"]},"message":"The `user.fields` query parameter value [bogus] is not one of [id, name]"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}).to_string(),
            &["X refused the request: The `user.fields` query parameter value [bogus]"]),
        ("resource-not-found", 404,
            json!({"errors":[{"value":"practice_gone","detail":"Could not find user with username: [practice_gone].","title":"Not Found Error","resource_type":"user","parameter":"username","resource_id":"practice_gone","type":"https://api.twitter.com/2/problems/resource-not-found"}],"title":"Not Found Error","detail":"Could not find user with username: [practice_gone].","type":"https://api.twitter.com/2/problems/resource-not-found"}).to_string(),
            &["X couldn't find it: Could not find user with username: [practice_gone]."]),
        ("client-disconnected", 409,
            json!({"title":"ClientDisconnected","detail":"Your client has gone away.","type":"https://api.twitter.com/2/problems/client-disconnected"}).to_string(),
            &["connection went away", "Try again"]),
        ("missing-scope", 403,
            json!({"title":"Forbidden","type":"about:blank","status":403,"detail":"Missing required OAuth2 scopes: users.read. Sign in again granting them."}).to_string(),
            &["The sign-in doesn't allow this", "Read and write"]),
        ("duplicate-post", 403, String::new(), &[]),
    ];
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>().len(),
        ROWS.len()
    );
    for row in ROWS {
        assert!(rows.iter().any(|r| r.0 == row), "no test for row {row}");
    }
    for (row, status, body, words) in &rows {
        if *row == "duplicate-post" {
            continue;
        }
        api.control(
            "fail-next",
            json!({ "endpoint": "users_me", "status": status, "body": body }),
        );
        let r = s.doctor();
        let l = line(&r, "What the X app may do");
        assert!(l.starts_with("✗ "), "{row}: {l}");
        for w in *words {
            assert!(l.contains(w), "{row}: {w:?} not in {l:?}");
        }
    }

    // A usage cap is not waited on: `whoami` says so at once.
    api.control(
        "fail-next",
        json!({ "endpoint": "users_me", "status": 429, "body": USAGE_CAPPED }),
    );
    let asked = || {
        api.inspect("requests")["counts"]["users_me"]
            .as_u64()
            .unwrap()
    };
    let before = asked();
    let started = Instant::now();
    let r = run(s.cmd(&["whoami"]));
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stderr.contains("waiting won't help until next month"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains("For your administrator:"), "{}", r.stderr);
    assert!(started.elapsed() < Duration::from_secs(5), "it waited");
    assert_eq!(asked(), before + 1, "asked X once, not again");

    // X's plain 403 for a repeated post.
    let post = |text: &str| run(s.cmd(&["post", "--text", text]));
    assert_eq!(post("Once only").code, 0);
    let r = post("Once only");
    assert_eq!(r.code, 1);
    assert!(
        r.stderr
            .contains("repeats one posted recently (duplicate content). Change the text"),
        "{}",
        r.stderr
    );
}

#[test]
fn a_mistyped_command_says_so_and_suggests_the_closest() {
    let home = Home::new();
    let r = run({
        let mut c = home.command("http://127.0.0.1:1");
        c.current_dir(home.dir.path()).arg("doctr");
        c
    });
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: no such command “doctr”; did you mean `x-uploader doctor`?"),
        "{}",
        r.stderr
    );
}
