//! Practice server: sign-in (authorize, consent, token, refresh, revoke) and
//! bearer checks, against a plain HTTP client.

use serde_json::json;
use x_uploader::core::practice::PracticeOptions;

use crate::support::*;

#[test]
fn consent_page_signs_in_the_chosen_account_and_refresh_rotates() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login_as("practice-public", None, BRAND, SCOPES);
    assert_eq!(t.body["token_type"], "bearer");
    assert_eq!(t.body["expires_in"], 7200);
    assert_eq!(t.body["scope"], SCOPES);

    let me = json_of(api.get(&t.access, "/2/users/me?user.fields=subscription_type"));
    assert_eq!(me["data"]["username"], "practice_brand");
    assert_eq!(me["data"]["subscription_type"], "Premium");
    let plain = json_of(api.get(&t.access, "/2/users/me"));
    assert!(plain["data"].get("subscription_type").is_none());

    // Refresh: a new pair; the old refresh token is dead.
    let old = t
        .refresh
        .clone()
        .expect("refresh token with offline.access");
    let fresh = tokens(api.refresh("practice-public", None, &old));
    assert_ne!(fresh.access, t.access);
    let rotated = fresh.refresh.clone().expect("rotated refresh token");
    assert_ne!(rotated, old);
    expect_error(
        api.refresh("practice-public", None, &old),
        400,
        "Value passed for the token was invalid",
    );
    // Reusing the dead one killed the whole grant, the rotated token too.
    expect_error(
        api.refresh("practice-public", None, &rotated),
        400,
        "token was invalid",
    );
    expect_error(api.get(&fresh.access, "/2/users/me"), 401, "Unauthorized");
}

#[test]
fn confidential_client_uses_http_basic() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login_as("practice-conf", Some("practice-secret"), EVENTS, SCOPES);
    let me = json_of(api.get(&t.access, "/2/users/me?user.fields=subscription_type"));
    assert_eq!(me["data"]["username"], "practice_events");
    assert_eq!(me["data"]["subscription_type"], "PremiumPlus");
    let refreshed = api.refresh(
        "practice-conf",
        Some("practice-secret"),
        t.refresh.as_deref().unwrap(),
    );
    assert_eq!(refreshed.status(), 200);
}

#[test]
fn confidential_client_without_or_with_wrong_secret_is_refused() {
    let server = quick_server();
    let api = Api::new(&server);
    let (verifier, challenge) = pkce();
    let loc = api.consent(
        &api.authorize_url("practice-conf", SCOPES, "s", &challenge),
        NEWS,
        true,
    );
    let code = query_param(&loc, "code").unwrap();
    // client_id in the form, no Basic: X says "Missing valid authorization header".
    let body = expect_error(
        api.exchange("practice-conf", None, &code, &verifier),
        401,
        "Missing valid authorization header",
    );
    assert_eq!(body["error"], "unauthorized_client");
    expect_error(
        api.exchange("practice-conf", Some("wrong"), &code, &verifier),
        401,
        "Missing valid authorization header",
    );
}

#[test]
fn cancel_on_consent_page_redirects_with_access_denied() {
    let server = quick_server();
    let api = Api::new(&server);
    let (_, challenge) = pkce();
    let loc = api.consent(
        &api.authorize_url("practice-public", SCOPES, "abc", &challenge),
        NEWS,
        false,
    );
    assert!(loc.starts_with(REDIRECT), "{loc}");
    assert_eq!(query_param(&loc, "error").as_deref(), Some("access_denied"));
    assert_eq!(query_param(&loc, "state").as_deref(), Some("abc"));
    assert_eq!(query_param(&loc, "code"), None);
}

#[test]
fn unregistered_redirect_uri_and_unknown_client_get_an_error_page_not_a_redirect() {
    let server = quick_server();
    let api = Api::new(&server);
    let (_, challenge) = pkce();
    let url = api
        .authorize_url("practice-public", SCOPES, "s", &challenge)
        .replace("8765%2Fcallback", "9999%2Fcallback");
    let r = api.http.get(&url).send().unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.headers().get("location").is_none());
    let html = r.text().unwrap();
    assert!(html.contains("Something went wrong"));
    assert!(html.contains("is not registered"), "{html}");

    let url = api
        .authorize_url("practice-public", SCOPES, "s", &challenge)
        .replace("client_id=practice-public", "client_id=nobody");
    let r = api.http.get(&url).send().unwrap();
    assert_eq!(r.status(), 400);
    assert!(r.text().unwrap().contains("There is no app with client id"));
}

#[test]
fn extra_redirect_uri_can_be_registered() {
    let server = server(PracticeOptions {
        extra_redirect_uris: vec!["http://127.0.0.1:7000/cb".into()],
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let (_, challenge) = pkce();
    let url = api
        .authorize_url("practice-public", SCOPES, "s", &challenge)
        .replace("8765%2Fcallback", "7000%2Fcb");
    let r = api.http.get(&url).send().unwrap();
    assert_eq!(r.status(), 200);
}

#[test]
fn authorize_without_pkce_or_with_bad_scope_redirects_with_an_error() {
    let server = quick_server();
    let api = Api::new(&server);
    let url = api
        .authorize_url("practice-public", SCOPES, "s", "x")
        .replace("&code_challenge=x", "");
    let r = api.http.get(&url).send().unwrap();
    assert_eq!(r.status(), 302);
    let loc = location(&r);
    assert_eq!(
        query_param(&loc, "error").as_deref(),
        Some("invalid_request")
    );
    assert!(
        query_param(&loc, "error_description")
            .unwrap()
            .contains("code_challenge")
    );

    let r = api
        .http
        .get(api.authorize_url("practice-public", "tweet.read nonsense.scope", "s", "x"))
        .send()
        .unwrap();
    assert_eq!(
        query_param(&location(&r), "error").as_deref(),
        Some("invalid_scope")
    );
}

#[test]
fn reused_code_is_refused_and_revokes_its_tokens() {
    let server = quick_server();
    let api = Api::new(&server);
    let (verifier, challenge) = pkce();
    let loc = api.consent(
        &api.authorize_url("practice-public", SCOPES, "s", &challenge),
        NEWS,
        true,
    );
    let code = query_param(&loc, "code").unwrap();
    let first = tokens(api.exchange("practice-public", None, &code, &verifier));
    expect_error(
        api.exchange("practice-public", None, &code, &verifier),
        400,
        "authorization code was invalid",
    );
    expect_error(api.get(&first.access, "/2/users/me"), 401, "Unauthorized");
}

#[test]
fn wrong_verifier_is_refused() {
    let server = quick_server();
    let api = Api::new(&server);
    let (_, challenge) = pkce();
    let (other_verifier, _) = pkce();
    let loc = api.consent(
        &api.authorize_url("practice-public", SCOPES, "s", &challenge),
        NEWS,
        true,
    );
    let code = query_param(&loc, "code").unwrap();
    expect_error(
        api.exchange("practice-public", None, &code, &other_verifier),
        400,
        "code verifier did not match",
    );
}

#[test]
fn code_is_bound_to_its_redirect_uri() {
    let server = quick_server();
    let api = Api::new(&server);
    let (verifier, challenge) = pkce();
    let loc = api.consent(
        &api.authorize_url("practice-public", SCOPES, "s", &challenge),
        NEWS,
        true,
    );
    let code = query_param(&loc, "code").unwrap();
    let r = api
        .http
        .post(api.url("/2/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &code),
            ("redirect_uri", "http://127.0.0.1:8766/callback"),
            ("code_verifier", &verifier),
            ("client_id", "practice-public"),
        ])
        .send()
        .unwrap();
    expect_error(r, 400, "redirect uri did not match");
}

#[test]
fn no_refresh_token_without_offline_access() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login_as(
        "practice-public",
        None,
        NEWS,
        "tweet.read users.read media.write",
    );
    assert!(t.refresh.is_none(), "{}", t.body);
}

#[test]
fn single_grant_revokes_the_earlier_sign_in() {
    let server = server(PracticeOptions {
        single_grant: true,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let first = api.login();
    let second = api.login();
    expect_error(api.get(&first.access, "/2/users/me"), 401, "Unauthorized");
    expect_error(
        api.refresh("practice-public", None, first.refresh.as_deref().unwrap()),
        400,
        "token was invalid",
    );
    assert_eq!(api.get(&second.access, "/2/users/me").status(), 200);
}

#[test]
fn revoking_tokens_ends_them() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login();
    let revoke = |token: &str| {
        api.http
            .post(api.url("/2/oauth2/revoke"))
            .form(&[("token", token), ("client_id", "practice-public")])
            .send()
            .unwrap()
    };
    let r = revoke(&t.access);
    assert_eq!(r.status(), 200);
    assert_eq!(json_of(r)["revoked"], true);
    expect_error(api.get(&t.access, "/2/users/me"), 401, "Unauthorized");

    let t2 = api.login();
    revoke(t2.refresh.as_deref().unwrap());
    expect_error(api.get(&t2.access, "/2/users/me"), 401, "Unauthorized");
    expect_error(
        api.refresh("practice-public", None, t2.refresh.as_deref().unwrap()),
        400,
        "token was invalid",
    );
}

#[test]
fn missing_and_expired_tokens_get_401() {
    let server = quick_server();
    let api = Api::new(&server);
    let r = api.http.get(api.url("/2/users/me")).send().unwrap();
    let body = expect_error(r, 401, "Unauthorized");
    assert_eq!(body["title"], "Unauthorized");
    let t = api.login();
    api.control("expire-tokens", json!({ "username": "practice_news" }));
    expect_error(api.get(&t.access, "/2/users/me"), 401, "Unauthorized");
    // The refresh token still works after the access token expired.
    let fresh = tokens(api.refresh("practice-public", None, t.refresh.as_deref().unwrap()));
    assert_eq!(api.get(&fresh.access, "/2/users/me").status(), 200);
}

#[test]
fn token_lifetime_is_configurable() {
    let server = server(PracticeOptions {
        token_lifetime_secs: 1,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let t = api.login();
    assert_eq!(t.body["expires_in"], 1);
    std::thread::sleep(std::time::Duration::from_millis(1200));
    expect_error(api.get(&t.access, "/2/users/me"), 401, "Unauthorized");
}

#[test]
fn scopes_are_enforced_per_endpoint() {
    let server = quick_server();
    let api = Api::new(&server);
    let t = api.login_as(
        "practice-public",
        None,
        NEWS,
        "tweet.read tweet.write users.read",
    );
    expect_error(
        api.init(&t.access, "image/jpeg", 100, "tweet_image"),
        403,
        "Missing required OAuth2 scopes: media.write",
    );
    let t = api.login_as(
        "practice-public",
        None,
        NEWS,
        "tweet.read users.read media.write",
    );
    expect_error(api.tweet(&t.access, "hello", &[]), 403, "tweet.write");
}

#[test]
fn auto_approve_redirects_at_once_for_the_first_account() {
    let server = server(PracticeOptions {
        auto_approve: true,
        ..PracticeOptions::default()
    });
    let api = Api::new(&server);
    let (verifier, challenge) = pkce();
    let r = api
        .http
        .get(api.authorize_url("practice-public", SCOPES, "s", &challenge))
        .send()
        .unwrap();
    assert_eq!(r.status(), 302);
    let code = query_param(&location(&r), "code").unwrap();
    let t = tokens(api.exchange("practice-public", None, &code, &verifier));
    let me = json_of(api.get(&t.access, "/2/users/me"));
    assert_eq!(me["data"]["username"], "practice_news");
}
