//! OAuth 2.0 as X does it: authorize page with PKCE, code exchange, refresh
//! with rotation, revocation, and bearer-token checks for the API.

use std::collections::HashMap;

use base64::Engine;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::reply::Reply;
use super::router::Call;
use super::state::{
    ACCOUNTS, AccessToken, Account, AuthCode, Grant, RefreshToken, account, token_hash,
};
use super::{
    CONFIDENTIAL_CLIENT_ID, CONFIDENTIAL_CLIENT_SECRET, PUBLIC_CLIENT_ID, Server, form, lock, now,
    pages, random_token,
};

/// A code lives 30 seconds (X: "must be exchanged within 30 s").
const CODE_LIFETIME_SECS: f64 = 30.0;

const KNOWN_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.read",
    "follows.read",
    "follows.write",
    "offline.access",
    "space.read",
    "mute.read",
    "mute.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "block.read",
    "block.write",
    "bookmark.read",
    "bookmark.write",
    "media.write",
    "dm.read",
    "dm.write",
];

/// An authorize request waiting for the user's choice on the consent page.
#[derive(Debug, Clone)]
pub(crate) struct PendingAuthorization {
    client_id: String,
    redirect_uri: String,
    state: String,
    scopes: Vec<String>,
    challenge: String,
    method: String,
}

fn is_client(id: &str) -> bool {
    id == PUBLIC_CLIENT_ID || id == CONFIDENTIAL_CLIENT_ID
}

/// `GET /i/oauth2/authorize`
pub(crate) fn authorize(server: &Server, call: &mut Call) -> Reply {
    let q = &call.query;
    let get = |k: &str| q.get(k).cloned().unwrap_or_default();
    let (client_id, redirect_uri) = (get("client_id"), get("redirect_uri"));
    // Like X, problems with the app or its callback get a page, not a
    // redirect: an unregistered URI must never receive anything.
    if !is_client(&client_id) {
        return pages::oauth_error(&format!(
            "There is no app with client id “{client_id}”. The practice apps are {PUBLIC_CLIENT_ID} (public) and {CONFIDENTIAL_CLIENT_ID} (confidential)."
        ));
    }
    if !server.redirect_uris.contains(&redirect_uri) {
        return pages::oauth_error(&format!(
            "The callback URL “{redirect_uri}” is not registered for this app. Registered: {}.",
            server.redirect_uris.join(", ")
        ));
    }
    let state = get("state");
    let fail = |error: &str, description: &str| {
        Reply::redirect(&with_query(
            &redirect_uri,
            &[
                ("error", error),
                ("error_description", description),
                ("state", &state),
            ],
        ))
    };
    if get("response_type") != "code" {
        return fail("unsupported_response_type", "response_type must be code");
    }
    if state.is_empty() || state.len() > 500 {
        return fail(
            "invalid_request",
            "state is required (at most 500 characters)",
        );
    }
    let challenge = get("code_challenge");
    let method = get("code_challenge_method");
    if challenge.is_empty() {
        return fail("invalid_request", "code_challenge is required (PKCE)");
    }
    if method != "S256" && method != "plain" {
        return fail(
            "invalid_request",
            "code_challenge_method must be S256 or plain",
        );
    }
    let scopes: Vec<String> = get("scope").split_whitespace().map(String::from).collect();
    if scopes.is_empty() || scopes.iter().any(|s| !KNOWN_SCOPES.contains(&s.as_str())) {
        return fail("invalid_scope", "One or more scopes are not valid");
    }
    let pending = PendingAuthorization {
        client_id,
        redirect_uri,
        state,
        scopes,
        challenge,
        method,
    };
    if lock(&server.tuning).auto_approve {
        return approve(server, &pending, &ACCOUNTS[0]);
    }
    let request_id = random_token();
    lock(&server.pending).insert(request_id.clone(), pending.clone());
    Reply::html(
        200,
        pages::consent(&request_id, &pending.client_id, &pending.scopes),
    )
}

/// `POST /i/oauth2/authorize`: the consent page's Authorize or Cancel.
pub(crate) fn decide(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = form::parse_urlencoded(&body);
    let request_id = fields.get("request_id").cloned().unwrap_or_default();
    let Some(pending) = lock(&server.pending).remove(&request_id) else {
        return pages::oauth_error(
            "This sign-in page has expired or was already used. Start the sign-in again from the app.",
        );
    };
    if fields.get("decision").map(String::as_str) != Some("authorize") {
        return Reply::redirect(&with_query(
            &pending.redirect_uri,
            &[("error", "access_denied"), ("state", &pending.state)],
        ));
    }
    let account = fields
        .get("account")
        .and_then(|id| account(id))
        .unwrap_or(&ACCOUNTS[0]);
    approve(server, &pending, account)
}

fn approve(server: &Server, pending: &PendingAuthorization, user: &Account) -> Reply {
    let code = random_token();
    {
        let mut store = lock(&server.store);
        store.state.codes.insert(
            token_hash(&code),
            AuthCode {
                client_id: pending.client_id.clone(),
                redirect_uri: pending.redirect_uri.clone(),
                challenge: pending.challenge.clone(),
                method: pending.method.clone(),
                user_id: user.id.to_string(),
                scopes: pending.scopes.clone(),
                expires_at: now() + CODE_LIFETIME_SECS,
                used: false,
                grant_id: None,
            },
        );
        store.save();
    }
    Reply::redirect(&with_query(
        &pending.redirect_uri,
        &[("state", &pending.state), ("code", &code)],
    ))
}

fn with_query(base: &str, pairs: &[(&str, &str)]) -> String {
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}{query}")
}

/// Who is calling the token endpoint: HTTP Basic for the confidential app,
/// `client_id` in the form for the public one.
fn client_auth(call: &Call, fields: &HashMap<String, String>) -> Result<String, Reply> {
    let missing = || {
        Reply::oauth_error(
            401,
            "unauthorized_client",
            "Missing valid authorization header",
        )
    };
    if let Some(basic) =
        form::header(call.req, "Authorization").and_then(|h| h.strip_prefix("Basic "))
    {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(basic.trim())
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(missing)?;
        let (id, secret) = decoded.split_once(':').ok_or_else(missing)?;
        let id = url_decode(id);
        let secret = url_decode(secret);
        if id == CONFIDENTIAL_CLIENT_ID
            && bool::from(
                secret
                    .as_bytes()
                    .ct_eq(CONFIDENTIAL_CLIENT_SECRET.as_bytes()),
            )
        {
            return Ok(id);
        }
        if id == PUBLIC_CLIENT_ID {
            return Ok(id);
        }
        return Err(missing());
    }
    match fields.get("client_id").map(String::as_str) {
        Some(PUBLIC_CLIENT_ID) => Ok(PUBLIC_CLIENT_ID.to_string()),
        // A confidential app must authenticate (X: client_secret_post refused).
        Some(CONFIDENTIAL_CLIENT_ID) => Err(missing()),
        Some(_) | None => Err(missing()),
    }
}

fn url_decode(s: &str) -> String {
    url::form_urlencoded::parse(format!("x={s}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// `POST /2/oauth2/token`
pub(crate) fn token(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = form::parse_urlencoded(&body);
    let client_id = match client_auth(call, &fields) {
        Ok(id) => id,
        Err(r) => return r,
    };
    match fields.get("grant_type").map(String::as_str) {
        Some("authorization_code") => exchange_code(server, &client_id, &fields),
        Some("refresh_token") => refresh(server, &client_id, &fields),
        _ => Reply::oauth_error(
            400,
            "invalid_request",
            "Missing required parameter [grant_type].",
        ),
    }
}

fn invalid_code() -> Reply {
    Reply::oauth_error(
        400,
        "invalid_request",
        "Value passed for the authorization code was invalid.",
    )
}

fn exchange_code(server: &Server, client_id: &str, fields: &HashMap<String, String>) -> Reply {
    let get = |k: &str| fields.get(k).cloned().unwrap_or_default();
    let hash = token_hash(&get("code"));
    let mut store = lock(&server.store);
    let Some(code) = store.state.codes.get(&hash).cloned() else {
        return invalid_code();
    };
    if code.used {
        // A replayed code revokes what it was exchanged for (RFC 6749 §4.1.2).
        if let Some(grant) = code.grant_id.and_then(|g| store.state.grants.get_mut(&g)) {
            grant.revoked = true;
        }
        store.save();
        return invalid_code();
    }
    if code.expires_at < now() || code.client_id != client_id {
        return invalid_code();
    }
    if code.redirect_uri != get("redirect_uri") {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "Value passed for the redirect uri did not match the uri of the authorization code.",
        );
    }
    let verifier = get("code_verifier");
    let computed = match code.method.as_str() {
        "S256" => base64::engine::general_purpose::URL_SAFE_NO_PAD
            .encode(Sha256::digest(verifier.as_bytes())),
        _ => verifier.clone(),
    };
    if verifier.is_empty() || !bool::from(computed.as_bytes().ct_eq(code.challenge.as_bytes())) {
        return Reply::oauth_error(
            400,
            "invalid_request",
            "Value passed for the code verifier did not match the code challenge.",
        );
    }
    let single_grant = lock(&server.tuning).single_grant;
    if single_grant {
        // X: one live grant per app and user.
        for grant in store.state.grants.values_mut() {
            if grant.client_id == client_id && grant.user_id == code.user_id {
                grant.revoked = true;
            }
        }
    }
    let grant_id = random_token();
    store.state.grants.insert(
        grant_id.clone(),
        Grant {
            client_id: client_id.to_string(),
            user_id: code.user_id.clone(),
            scopes: code.scopes.clone(),
            created_at: now(),
            revoked: false,
        },
    );
    if let Some(c) = store.state.codes.get_mut(&hash) {
        c.used = true;
        c.grant_id = Some(grant_id.clone());
    }
    let reply = issue_tokens(server, &mut store.state, &grant_id, &code.scopes);
    store.save();
    reply
}

fn issue_tokens(
    server: &Server,
    state: &mut super::state::State,
    grant_id: &str,
    scopes: &[String],
) -> Reply {
    let lifetime = lock(&server.tuning).token_lifetime_secs;
    let access = random_token();
    state.access_tokens.insert(
        token_hash(&access),
        AccessToken {
            grant_id: grant_id.to_string(),
            expires_at: now() + lifetime as f64,
            revoked: false,
        },
    );
    let mut body = serde_json::json!({
        "token_type": "bearer",
        "expires_in": lifetime,
        "access_token": access,
        "scope": scopes.join(" "),
    });
    // Refresh tokens only with offline.access.
    if scopes.iter().any(|s| s == "offline.access") {
        let refresh = random_token();
        state.refresh_tokens.insert(
            token_hash(&refresh),
            RefreshToken {
                grant_id: grant_id.to_string(),
                used: false,
            },
        );
        body["refresh_token"] = refresh.into();
    }
    Reply::ok(body)
}

fn invalid_token() -> Reply {
    Reply::oauth_error(
        400,
        "invalid_request",
        "Value passed for the token was invalid.",
    )
}

fn refresh(server: &Server, client_id: &str, fields: &HashMap<String, String>) -> Reply {
    let hash = token_hash(
        fields
            .get("refresh_token")
            .map(String::as_str)
            .unwrap_or(""),
    );
    let mut store = lock(&server.store);
    let Some(old) = store.state.refresh_tokens.get(&hash).cloned() else {
        return invalid_token();
    };
    let Some(grant) = store.state.grants.get(&old.grant_id).cloned() else {
        return invalid_token();
    };
    if grant.client_id != client_id {
        return invalid_token();
    }
    if old.used {
        // Reusing a rotated refresh token kills the whole grant.
        if let Some(g) = store.state.grants.get_mut(&old.grant_id) {
            g.revoked = true;
        }
        store.save();
        return invalid_token();
    }
    if grant.revoked {
        return invalid_token();
    }
    if let Some(r) = store.state.refresh_tokens.get_mut(&hash) {
        r.used = true;
    }
    let reply = issue_tokens(server, &mut store.state, &old.grant_id, &grant.scopes);
    store.save();
    reply
}

/// `POST /2/oauth2/revoke`: always 200, like X.
pub(crate) fn revoke(server: &Server, call: &mut Call) -> Reply {
    let body = match form::read_small(call.req) {
        Ok(b) => b,
        Err(r) => return r,
    };
    let fields = form::parse_urlencoded(&body);
    if let Err(r) = client_auth(call, &fields) {
        return r;
    }
    let hash = token_hash(fields.get("token").map(String::as_str).unwrap_or(""));
    let mut store = lock(&server.store);
    let state = &mut store.state;
    if let Some(refresh) = state.refresh_tokens.get(&hash).cloned() {
        // Revoking a refresh token ends the grant and all its tokens.
        if let Some(g) = state.grants.get_mut(&refresh.grant_id) {
            g.revoked = true;
        }
    } else if let Some(access) = state.access_tokens.get_mut(&hash) {
        access.revoked = true;
    }
    store.save();
    Reply::ok(serde_json::json!({ "revoked": true }))
}

/// The account and scopes behind `Authorization: Bearer …`, or X's 401.
pub(crate) fn authenticate(
    server: &Server,
    req: &tiny_http::Request,
) -> Result<(&'static Account, Vec<String>), Reply> {
    let token = form::header(req, "Authorization")
        .and_then(|h| h.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(Reply::unauthorized)?;
    let store = lock(&server.store);
    let access = store
        .state
        .access_tokens
        .get(&token_hash(token))
        .ok_or_else(Reply::unauthorized)?;
    let grant = store
        .state
        .grants
        .get(&access.grant_id)
        .ok_or_else(Reply::unauthorized)?;
    if access.revoked || grant.revoked || access.expires_at <= now() {
        return Err(Reply::unauthorized());
    }
    let user = account(&grant.user_id).ok_or_else(Reply::unauthorized)?;
    Ok((user, grant.scopes.clone()))
}
