//! Helpers shared by the integration tests: a plain HTTP view of the
//! practice server (no project client code), PKCE, and assertions on X's
//! error shapes.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine;
use reqwest::blocking::{Client, Response, multipart};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use x_uploader::core::practice::{PracticeOptions, PracticeServer};

pub const SCOPES: &str = "tweet.read tweet.write users.read media.write offline.access";
pub const REDIRECT: &str = "http://127.0.0.1:8765/callback";
pub const NEWS: &str = "1700000000000000001";
pub const BRAND: &str = "1700000000000000002";
pub const EVENTS: &str = "1700000000000000003";

pub fn server(opts: PracticeOptions) -> PracticeServer {
    PracticeServer::start(opts).expect("practice server starts")
}

/// A fast server for tests: short processing.
pub fn quick_server() -> PracticeServer {
    server(PracticeOptions {
        processing_secs: 0.6,
        ..PracticeOptions::default()
    })
}

pub fn pkce() -> (String, String) {
    let verifier =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(Sha256::digest(verifier.as_bytes()));
    (verifier, challenge)
}

pub fn temp_dir() -> tempfile::TempDir {
    tempfile::tempdir().expect("temp dir")
}

#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    pub refresh: Option<String>,
    pub body: Value,
}

/// A plain HTTP client for the practice server.
pub struct Api {
    pub base: String,
    pub http: Client,
}

impl Api {
    pub fn new(server: &PracticeServer) -> Api {
        x_uploader::core::xclient::install_tls();
        Api {
            base: server.base_url().to_string(),
            http: Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub fn authorize_url(
        &self,
        client_id: &str,
        scopes: &str,
        state: &str,
        challenge: &str,
    ) -> String {
        let query: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", REDIRECT)
            .append_pair("scope", scopes)
            .append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256")
            .finish();
        self.url(&format!("/i/oauth2/authorize?{query}"))
    }

    /// Load the consent page, pick `account`, press Authorize or Cancel;
    /// returns the redirect's Location.
    pub fn consent(&self, authorize_url: &str, account: &str, authorize: bool) -> String {
        let page = self.http.get(authorize_url).send().expect("consent page");
        assert_eq!(page.status(), 200);
        let html = page.text().expect("html");
        assert!(html.contains("Authorize X Uploader (practice)?"), "{html}");
        let request_id = between(&html, "name=\"request_id\" value=\"", "\"");
        let decision = if authorize { "authorize" } else { "cancel" };
        let answer = self
            .http
            .post(self.url("/i/oauth2/authorize"))
            .form(&[
                ("request_id", request_id.as_str()),
                ("account", account),
                ("decision", decision),
            ])
            .send()
            .expect("decision");
        assert_eq!(answer.status(), 302);
        location(&answer)
    }

    pub fn exchange(
        &self,
        client_id: &str,
        secret: Option<&str>,
        code: &str,
        verifier: &str,
    ) -> Response {
        let mut form = vec![
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("code_verifier", verifier),
        ];
        let mut req = self.http.post(self.url("/2/oauth2/token"));
        match secret {
            Some(secret) => req = req.basic_auth(client_id, Some(secret)),
            None => form.push(("client_id", client_id)),
        }
        req.form(&form).send().expect("token request")
    }

    pub fn refresh(&self, client_id: &str, secret: Option<&str>, refresh: &str) -> Response {
        let mut form = vec![("grant_type", "refresh_token"), ("refresh_token", refresh)];
        let mut req = self.http.post(self.url("/2/oauth2/token"));
        match secret {
            Some(secret) => req = req.basic_auth(client_id, Some(secret)),
            None => form.push(("client_id", client_id)),
        }
        req.form(&form).send().expect("refresh request")
    }

    /// The whole sign-in as a browser and app would do it.
    pub fn login_as(
        &self,
        client_id: &str,
        secret: Option<&str>,
        account: &str,
        scopes: &str,
    ) -> Tokens {
        let (verifier, challenge) = pkce();
        let location = self.consent(
            &self.authorize_url(client_id, scopes, "st4te", &challenge),
            account,
            true,
        );
        let code = query_param(&location, "code").expect("code in redirect");
        assert_eq!(query_param(&location, "state").as_deref(), Some("st4te"));
        tokens(self.exchange(client_id, secret, &code, &verifier))
    }

    pub fn login(&self) -> Tokens {
        self.login_as("practice-public", None, NEWS, SCOPES)
    }

    pub fn get(&self, token: &str, path: &str) -> Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .expect("GET")
    }

    pub fn post_json(&self, token: &str, path: &str, body: Value) -> Response {
        self.http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .expect("POST")
    }

    pub fn init(&self, token: &str, media_type: &str, total: u64, category: &str) -> Response {
        self.post_json(
            token,
            "/2/media/upload/initialize",
            json!({ "media_type": media_type, "total_bytes": total, "media_category": category }),
        )
    }

    pub fn init_id(&self, token: &str, media_type: &str, total: u64, category: &str) -> String {
        let r = self.init(token, media_type, total, category);
        assert_eq!(r.status(), 200);
        json_of(r)["data"]["id"].as_str().expect("id").to_string()
    }

    pub fn append(&self, token: &str, id: &str, index: &str, bytes: Vec<u8>) -> Response {
        let form = multipart::Form::new()
            .text("segment_index", index.to_string())
            .part("media", multipart::Part::bytes(bytes).file_name("blob"));
        self.http
            .post(self.url(&format!("/2/media/upload/{id}/append")))
            .bearer_auth(token)
            .multipart(form)
            .send()
            .expect("APPEND")
    }

    pub fn finalize(&self, token: &str, id: &str) -> Response {
        self.http
            .post(self.url(&format!("/2/media/upload/{id}/finalize")))
            .bearer_auth(token)
            .send()
            .expect("FINALIZE")
    }

    pub fn status(&self, token: &str, id: &str) -> Response {
        self.get(
            token,
            &format!("/2/media/upload?command=STATUS&media_id={id}"),
        )
    }

    /// Upload a file in 4 MiB segments; returns the media id (finalized,
    /// not waited for).
    pub fn upload_file(
        &self,
        token: &str,
        path: &Path,
        media_type: &str,
        category: &str,
    ) -> String {
        let data = std::fs::read(path).expect("read test file");
        let id = self.init_id(token, media_type, data.len() as u64, category);
        for (i, chunk) in data.chunks(4 << 20).enumerate() {
            let r = self.append(token, &id, &i.to_string(), chunk.to_vec());
            assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
        }
        let r = self.finalize(token, &id);
        assert_eq!(r.status(), 200, "{}", r.text().unwrap_or_default());
        id
    }

    /// Poll STATUS (honouring check_after_secs) until processing ends.
    pub fn wait_processed(&self, token: &str, id: &str) -> Value {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let body = json_of(self.status(token, id));
            let info = &body["data"]["processing_info"];
            match info["state"].as_str() {
                None | Some("succeeded") | Some("failed") => return body,
                _ => {
                    assert!(Instant::now() < deadline, "processing never ended");
                    let wait = info["check_after_secs"].as_u64().unwrap_or(1);
                    std::thread::sleep(Duration::from_secs(wait));
                }
            }
        }
    }

    pub fn ready_media(
        &self,
        token: &str,
        path: &Path,
        media_type: &str,
        category: &str,
    ) -> String {
        let id = self.upload_file(token, path, media_type, category);
        let body = self.wait_processed(token, &id);
        let state = body["data"]["processing_info"]["state"]
            .as_str()
            .unwrap_or("succeeded");
        assert_eq!(state, "succeeded", "{body}");
        id
    }

    pub fn tweet(&self, token: &str, text: &str, media: &[&str]) -> Response {
        let mut body = json!({ "text": text });
        if !media.is_empty() {
            body["media"] = json!({ "media_ids": media });
        }
        self.post_json(token, "/2/tweets", body)
    }

    pub fn control(&self, path: &str, body: Value) {
        let r = self
            .http
            .post(self.url(&format!("/_practice/{path}")))
            .json(&body)
            .send()
            .expect("control");
        assert_eq!(
            r.status(),
            200,
            "control {path}: {}",
            r.text().unwrap_or_default()
        );
    }

    pub fn inspect(&self, path: &str) -> Value {
        json_of(
            self.http
                .get(self.url(&format!("/_practice/{path}")))
                .send()
                .expect("inspect"),
        )
    }
}

pub fn tokens(r: Response) -> Tokens {
    assert_eq!(r.status(), 200);
    let body = json_of(r);
    Tokens {
        access: body["access_token"]
            .as_str()
            .expect("access token")
            .to_string(),
        refresh: body["refresh_token"].as_str().map(String::from),
        body,
    }
}

pub fn json_of(r: Response) -> Value {
    let text = r.text().expect("body");
    serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location header")
        .to_string()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1;
    url::form_urlencoded::parse(query.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn between(text: &str, start: &str, end: &str) -> String {
    let from = text.find(start).expect("start marker") + start.len();
    let len = text[from..].find(end).expect("end marker");
    text[from..from + len].to_string()
}

/// Assert an error answer: its status, and that X's message (in `errors[]`,
/// `detail` or `error_description`) contains `needle`. Returns the body.
pub fn expect_error(r: Response, status: u16, needle: &str) -> Value {
    let got = r.status().as_u16();
    let text = r.text().unwrap_or_default();
    assert_eq!(got, status, "expected {status}, got {got}: {text}");
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    let messages = [
        body["errors"][0]["message"].as_str(),
        body["errors"][0]["detail"].as_str(),
        body["detail"].as_str(),
        body["error_description"].as_str(),
    ];
    assert!(
        messages.iter().flatten().any(|m| m.contains(needle)),
        "no message containing {needle:?} in {text}"
    );
    if status == 400 && body.get("errors").is_some() {
        assert_eq!(
            body["type"], "https://api.twitter.com/2/problems/invalid-request",
            "{text}"
        );
        assert!(body["errors"][0]["parameters"].is_object(), "{text}");
    }
    body
}

pub fn sha256_of(path: &Path) -> String {
    x_uploader::core::media::sha256_file(path).expect("hash")
}

/// Test files, generated (never committed).
pub struct Files {
    pub dir: tempfile::TempDir,
}

impl Files {
    pub fn new() -> Files {
        Files { dir: temp_dir() }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn jpeg(&self, name: &str, pad_to: Option<u64>) -> PathBuf {
        let p = self.path(name);
        x_uploader::core::media::testdata::write_jpeg(&p, 64, 48, pad_to).expect("jpeg");
        p
    }

    pub fn png(&self, name: &str) -> PathBuf {
        let p = self.path(name);
        x_uploader::core::media::testdata::write_png(&p, 40, 30, None).expect("png");
        p
    }

    pub fn video(&self, name: &str, secs: f64, bytes: u64) -> PathBuf {
        let p = self.path(name);
        x_uploader::core::media::testdata::write_video(
            &p,
            secs,
            bytes,
            x_uploader::core::media::testdata::Container::Mp4,
        )
        .expect("mp4");
        p
    }

    pub fn gif(&self, name: &str, w: u16, h: u16, frames: u32) -> PathBuf {
        let p = self.path(name);
        x_uploader::core::media::testdata::write_gif(&p, w, h, frames).expect("gif");
        p
    }

    pub fn text(&self, name: &str, content: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, content).expect("write");
        p
    }
}

/// A refreshing token source for `tokens`, as the app builds one from the
/// keychain (the access token's expiry set far away, so only X's 401 makes
/// it refresh). `on_rotate` hears each new pair.
pub fn refreshing(
    api: &Api,
    tokens: &Tokens,
    on_rotate: x_uploader::core::xclient::token::OnRotate,
) -> std::sync::Arc<x_uploader::core::xclient::RefreshingTokens> {
    use x_uploader::core::auth::oauth::{OAuthApp, TokenSet};
    use x_uploader::core::secret::Secret;
    let app = OAuthApp {
        client_id: "practice-public".into(),
        client_secret: None,
        authorize_url: api.url("/i/oauth2/authorize"),
        token_url: api.url("/2/oauth2/token"),
        revoke_url: api.url("/2/oauth2/revoke"),
    };
    x_uploader::core::xclient::RefreshingTokens::new(
        x_uploader::core::xclient::http_client().expect("an HTTP client"),
        app,
        "@practice_news",
        TokenSet {
            access: Secret::new(tokens.access.clone()),
            refresh: tokens.refresh.clone().map(Secret::new),
            expires_at: u64::MAX / 2,
            scopes: vec![],
        },
        on_rotate,
    )
}
