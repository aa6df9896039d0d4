//! Sign-in that holds up: tokens refreshed before they expire, the callback
//! heard on both loopback addresses of `localhost`, and a hint when the
//! browser never comes back.

use std::time::Duration;

use x_uploader::core::auth::oauth::{OAuthApp, TokenSet, now_secs};
use x_uploader::core::practice::PracticeOptions;
use x_uploader::core::secret::Secret;
use x_uploader::core::xclient::{RefreshingTokens, RetryConfig, XClient, http_client};

use crate::support::*;

#[test]
fn tokens_are_refreshed_ahead_of_expiry_not_after_a_401() {
    let server = server(PracticeOptions {
        token_lifetime_secs: 6,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    let app = OAuthApp {
        client_id: "practice-public".into(),
        client_secret: None,
        authorize_url: api.url("/i/oauth2/authorize"),
        token_url: api.url("/2/oauth2/token"),
        revoke_url: api.url("/2/oauth2/revoke"),
    };
    let tokens = RefreshingTokens::new(
        http_client().expect("an HTTP client"),
        app,
        "@practice_news",
        TokenSet {
            access: Secret::new(t.access.clone()),
            refresh: t.refresh.clone().map(Secret::new),
            expires_at: now_secs() + 6,
            scopes: vec![],
        },
        Box::new(|_| Ok(())),
    );
    let client = XClient::new(server.base_url(), tokens.clone(), RetryConfig::default()).unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let me = || rt.block_on(client.me(&|_| {})).unwrap().username;
    // Under a minute left of a token whose lifetime is not known yet.
    assert_eq!(me(), "practice_news");
    assert_eq!(tokens.refresh_count(), 1);
    // A fresh 6-second token is good for now…
    assert_eq!(me(), "practice_news");
    assert_eq!(tokens.refresh_count(), 1);
    // …and refreshed once less than half its life is left.
    std::thread::sleep(Duration::from_millis(3500));
    assert_eq!(me(), "practice_news");
    assert_eq!(tokens.refresh_count(), 2);
    let requests = api.inspect("requests?endpoint=users_me")["requests"].clone();
    let statuses: Vec<u64> = requests
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_u64().unwrap())
        .collect();
    assert_eq!(statuses, vec![200, 200, 200], "X never had to say 401");
}

#[test]
fn a_localhost_callback_is_heard_on_both_loopback_addresses() {
    use std::sync::atomic::AtomicBool;
    use x_uploader::core::auth::loopback;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let has_ipv6 = std::net::TcpListener::bind(("::1", 0)).is_ok();
    for host in ["127.0.0.1", "[::1]"] {
        if host == "[::1]" && !has_ipv6 {
            continue;
        }
        let uri = format!("http://localhost:{port}/callback");
        let l = loopback::bind(std::slice::from_ref(&uri)).unwrap();
        let addrs: Vec<String> = l.local_addrs().iter().map(|a| a.ip().to_string()).collect();
        assert_eq!(addrs[0], "127.0.0.1");
        if has_ipv6 {
            assert_eq!(addrs, ["127.0.0.1", "::1"]);
        }
        let waiter = std::thread::spawn(move || {
            l.wait(
                &Secret::new("s"),
                Duration::from_secs(10),
                std::sync::Arc::new(AtomicBool::new(false)),
            )
        });
        let page =
            reqwest::blocking::get(format!("http://{host}:{port}/callback?state=s&code=c0de"))
                .unwrap();
        assert_eq!(page.status(), 200, "{host}");
        assert_eq!(waiter.join().unwrap().unwrap(), "c0de", "{host}");
    }
    // A 127.0.0.1 redirect listens there only.
    let uri = format!("http://127.0.0.1:{port}/callback");
    let l = loopback::bind(std::slice::from_ref(&uri)).unwrap();
    assert_eq!(l.local_addrs().len(), 1);
}

#[test]
fn cli_login_names_the_callback_url_when_the_browser_never_comes_back() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;
    let server = quick_server();
    let home = crate::cli::Home::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let redirect = format!("http://127.0.0.1:{port}/callback");
    let mut child = home
        .command(server.base_url())
        .env("X_UPLOADER_CLIENT_ID", "practice-public")
        .env("X_UPLOADER_REDIRECT_URI", &redirect)
        .env("X_UPLOADER_SIGN_IN_HINT_SECS", "0.5")
        .args(["login", "--no-browser"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    let hint = loop {
        let line = lines.next().expect("login still waiting").unwrap();
        if line.starts_with("Still waiting") {
            break line;
        }
        seen.push(line);
    };
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(
        seen.last().map(String::as_str),
        Some("Waiting for your browser…")
    );
    assert!(
        hint.contains(&format!(
            "your administrator must register {redirect} as a Callback URI"
        )),
        "{hint}"
    );
}
