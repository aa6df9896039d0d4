//! Checks that ask X: reachable (DNS, TLS), clock skew from X's `Date`
//! header, the sign-in and its scopes, what the X app may do (one
//! `GET /2/users/me`), and the limits left. Nothing is uploaded or posted.

use std::sync::Arc;

use reqwest::header::HeaderMap;

use super::{Check, Who};
use crate::core::auth::Auth;
use crate::core::auth::oauth::SCOPES;
use crate::core::config::Config;
use crate::core::xclient::problems;
use crate::core::xclient::seen::{self, Seen};
use crate::core::xclient::{ErrorKind, StaticToken, TokenSource, XError, http_client};

/// A clock further off than this is reported.
pub const MAX_SKEW_SECS: i64 = 5 * 60;

const REACH: &str = "X reachable";
const CLOCK: &str = "Clock";
const SIGN_IN: &str = "Sign-in";
const APP: &str = "What the X app may do";
const LIMITS: &str = "Limits left";

pub async fn checks(config: &Config) -> Vec<Check> {
    let host = url::Url::parse(&config.api_base)
        .ok()
        .and_then(|u| {
            u.host_str().map(|h| {
                format!(
                    "{h}{}",
                    u.port().map(|p| format!(":{p}")).unwrap_or_default()
                )
            })
        })
        .unwrap_or_else(|| config.api_base.clone());
    let me_url = format!("{}/2/users/me", config.api_base);
    // X's spec needs no sign-in; any answer at all means X is reachable.
    let probe = format!("{}/2/openapi.json", config.api_base);
    let http = match http_client() {
        Ok(h) => h,
        Err(e) => {
            let failed = Check::fail(
                "x_reachable",
                REACH,
                e.message,
                Who::You,
                "Restart X Uploader; if this stays, send the log to whoever supports it.",
            );
            return with_rest_skipped(failed, &host);
        }
    };
    let answer = match http.get(&probe).send().await {
        Ok(a) => a,
        Err(e) => return with_rest_skipped(unreachable(&e, &host), &host),
    };
    let mut out = vec![
        Check::pass("x_reachable", REACH, format!("{host} answers")),
        clock(
            header(answer.headers(), "date").as_deref(),
            chrono::Utc::now(),
        ),
    ];
    let (sign_in, app, headers) = account(config, &http, &me_url).await;
    out.push(sign_in);
    out.push(app);
    out.push(limits(
        &seen::origin_of(&config.api_base),
        headers.as_ref(),
        &seen::load(&config.paths.data_dir),
    ));
    out
}

fn header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(String::from)
}

/// X can't be reached: the first check says why, the ones after it aren't run.
fn with_rest_skipped(failed: Check, host: &str) -> Vec<Check> {
    let mut out = vec![failed];
    for (id, name) in [
        ("clock", CLOCK),
        ("sign_in", SIGN_IN),
        ("x_app", APP),
        ("limits", LIMITS),
    ] {
        out.push(Check::skipped(
            id,
            name,
            format!("not checked ({host} can't be reached)"),
        ));
    }
    out
}

fn unreachable(e: &reqwest::Error, host: &str) -> Check {
    let mut chain = String::new();
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(e);
    while let Some(c) = cause {
        chain.push_str(&c.to_string().to_lowercase());
        chain.push(' ');
        cause = c.source();
    }
    let it = "your administrator (or IT) can let it through";
    if chain.contains("dns") || chain.contains("lookup") || chain.contains("name or service") {
        Check::fail(
            "x_reachable",
            REACH,
            format!("the name {host} can't be looked up (DNS)."),
            Who::You,
            format!(
                "check the internet connection; if other sites open, this network's DNS blocks X and {it}."
            ),
        )
    } else if chain.contains("certificate") || chain.contains("tls") || chain.contains("handshake")
    {
        Check::fail(
            "x_reachable",
            REACH,
            format!(
                "a secure connection to {host} can't be made ({})",
                chain.trim()
            ),
            Who::Administrator,
            "a proxy or security software on this network intercepts connections to X (or the clock is far off); IT must let api.x.com through unchanged.",
        )
    } else {
        Check::fail(
            "x_reachable",
            REACH,
            XError::from_reqwest(e, host).message,
            Who::You,
            format!("if the internet works otherwise, a firewall blocks {host} and {it}."),
        )
    }
}

/// How far this computer's clock is from X's `Date` header.
pub fn clock(date: Option<&str>, now: chrono::DateTime<chrono::Utc>) -> Check {
    let Some(theirs) = date.and_then(|d| chrono::DateTime::parse_from_rfc2822(d).ok()) else {
        return Check::skipped("clock", CLOCK, "X sent no time to compare with");
    };
    let skew = now.signed_duration_since(theirs).num_seconds();
    if skew.abs() <= MAX_SKEW_SECS {
        return Check::pass("clock", CLOCK, format!("within {}s of X's", skew.abs()));
    }
    let off = skew.unsigned_abs();
    let amount = if off < 2 * 3600 {
        format!("{} minutes", (off + 30) / 60)
    } else if off < 2 * 86400 {
        format!("{} hours", off / 3600)
    } else {
        format!("{} days", off / 86400)
    };
    let side = if skew > 0 { "ahead of" } else { "behind" };
    Check::fail(
        "clock",
        CLOCK,
        format!("this computer's clock is {amount} {side} X's."),
        Who::You,
        "set the right time and turn on “Set time automatically” in the date and time settings (secure connections and sign-ins fail when the clock is off).",
    )
}

/// The sign-in (its scopes, and whether X takes it), and what the X app may
/// do, from one `GET /2/users/me` (refreshing once on 401).
async fn account(
    config: &Config,
    http: &reqwest::Client,
    me_url: &str,
) -> (Check, Check, Option<HeaderMap>) {
    let skip_app = || Check::skipped("x_app", APP, "not checked (needs a sign-in)");
    let sign_in_failed = |e: XError| {
        let fix = match e.kind {
            ErrorKind::NotSignedIn if config.client_id.is_none() => {
                "your administrator sets the client id first (see above), then sign in."
            }
            _ => "sign in (the window's Sign in button, or x-uploader login).",
        };
        Check::fail("sign_in", SIGN_IN, e.message, Who::You, fix)
    };
    let (who, tokens, missing): (String, Arc<dyn TokenSource>, Vec<&str>) =
        if let Some(token) = &config.access_token {
            (
                "the token in X_UPLOADER_ACCESS_TOKEN".into(),
                Arc::new(StaticToken(token.clone())),
                Vec::new(),
            )
        } else {
            let auth = Auth::with_keychain(config.clone());
            let active = tokio::task::spawn_blocking(move || auth.active()).await;
            match active {
                Ok(Ok((account, tokens))) => {
                    let have = tokens.current().await.scopes;
                    let missing = SCOPES
                        .into_iter()
                        .filter(|s| !have.iter().any(|h| h == s))
                        .collect();
                    (account.handle(), tokens as Arc<dyn TokenSource>, missing)
                }
                Ok(Err(e)) => return (sign_in_failed(e), skip_app(), None),
                Err(e) => {
                    return (
                        sign_in_failed(XError::new(ErrorKind::Other, e.to_string())),
                        skip_app(),
                        None,
                    );
                }
            }
        };
    let (status, headers, body) = match me(http, me_url, tokens.as_ref()).await {
        Ok(answer) => answer,
        Err(e) => return (sign_in_failed(e), skip_app(), None),
    };
    let sign_in = if !missing.is_empty() {
        Check::fail(
            "sign_in",
            SIGN_IN,
            format!(
                "the sign-in of {who} lacks permission to {} ({}).",
                missing_words(&missing),
                missing.join(", ")
            ),
            Who::You,
            "sign in again and allow everything X asks for; if X doesn't ask for it, your administrator must turn on Read and write permissions for the X app (User authentication settings).",
        )
    } else if status == 401 {
        return (
            sign_in_failed(XError::from_answer(status, None, &body)),
            skip_app(),
            Some(headers),
        );
    } else {
        Check::pass("sign_in", SIGN_IN, format!("{who} is signed in"))
    };
    let app = if (200..300).contains(&status) {
        let name = serde_json::from_slice::<serde_json::Value>(&body)
            .ok()
            .and_then(|v| v["data"]["username"].as_str().map(|u| format!("@{u}")))
            .unwrap_or_else(|| who.clone());
        Check::pass(
            "x_app",
            APP,
            format!("X answers its requests (GET /2/users/me: {name})"),
        )
    } else {
        app_refused(status, &body)
    };
    (sign_in, app, Some(headers))
}

fn missing_words(missing: &[&str]) -> String {
    let mut words: Vec<&str> = missing
        .iter()
        .map(|s| match *s {
            "media.write" => "upload media",
            "tweet.write" => "post",
            "tweet.read" => "read posts",
            "users.read" => "see who is signed in",
            "offline.access" => "stay signed in",
            other => other,
        })
        .collect();
    words.dedup();
    words.join(" and ")
}

/// X's refusal of `GET /2/users/me`, through the problem table.
fn app_refused(status: u16, body: &[u8]) -> Check {
    if let Some(p) = problems::explain(status, body) {
        return Check::fail("x_app", APP, p.staff, p.who, p.admin.unwrap_or_default());
    }
    let e = XError::from_answer(status, None, body);
    let (who, fix) = match status {
        403 => (
            Who::Administrator,
            "check the X app's access level in the X developer portal.",
        ),
        429 => (Who::You, "wait until the time it names, then check again."),
        _ => (Who::You, "check again in a few minutes."),
    };
    Check::fail("x_app", APP, e.message, who, fix)
}

/// `GET /2/users/me` with the token; on 401, one refresh and one more try.
async fn me(
    http: &reqwest::Client,
    url: &str,
    tokens: &dyn TokenSource,
) -> Result<(u16, HeaderMap, Vec<u8>), XError> {
    let host = "X";
    let once = |token: crate::core::secret::Secret| async move {
        let answer = http
            .get(url)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| XError::from_reqwest(&e, host))?;
        let status = answer.status().as_u16();
        let headers = answer.headers().clone();
        let body = answer
            .bytes()
            .await
            .map_err(|e| XError::from_reqwest(&e, host))?;
        Ok::<_, XError>((status, headers, body.to_vec()))
    };
    let token = tokens.token().await?;
    let first = once(token.clone()).await?;
    if first.0 != 401 {
        return Ok(first);
    }
    let fresh = tokens.refresh(token).await?;
    once(fresh).await
}

/// Upload and post limits left: from this check's answer and the
/// `x-rate-limit-*` headers last seen on uploads and posts.
fn limits(origin: &str, me: Option<&HeaderMap>, seen: &Seen) -> Check {
    let mut seen = seen.clone();
    if let Some(h) = me {
        seen.record(origin, "/2/users/me", h);
    }
    let now = crate::core::auth::oauth::now_secs();
    let mut parts = Vec::new();
    let mut spent = Vec::new();
    for (what, limit) in seen.current(origin, now) {
        parts.push(format!(
            "{what}: {} of {} left",
            limit.remaining, limit.limit
        ));
        if limit.remaining == 0 {
            let at = crate::core::xclient::error::local_hhmm(limit.reset)
                .unwrap_or_else(|| "later".into());
            spent.push(format!("{what} until {at}"));
        }
    }
    if !spent.is_empty() {
        return Check::fail(
            "limits",
            LIMITS,
            format!("X's limit is used up for {}.", spent.join(", ")),
            Who::You,
            "wait until then; X lifts these limits every 15 minutes.",
        );
    }
    if parts.is_empty() {
        return Check::pass("limits", LIMITS, "no uploads or posts seen yet");
    }
    Check::pass("limits", LIMITS, parts.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_skew_over_five_minutes_fails() {
        let now = chrono::DateTime::parse_from_rfc2822("Thu, 03 Dec 2026 08:00:00 GMT")
            .unwrap()
            .to_utc();
        let c = clock(Some("Thu, 03 Dec 2026 08:04:00 GMT"), now);
        assert_eq!(c.state, super::super::State::Pass);
        let c = clock(Some("Thu, 03 Dec 2026 08:10:00 GMT"), now);
        assert_eq!(c.said, "this computer's clock is 10 minutes behind X's.");
        let c = clock(Some("Tue, 01 Dec 2026 08:00:00 GMT"), now);
        assert_eq!(c.said, "this computer's clock is 2 days ahead of X's.");
        assert_eq!(clock(None, now).state, super::super::State::Skipped);
    }
}
