//! The X client: reqwest (rustls, no redirects followed, timeouts), bearer
//! tokens with one refresh on 401, and retries per [`RetryConfig`].
//! Endpoints are in [`api`].

pub mod api;
pub mod error;
pub mod oauth;
pub mod problems;
pub mod retry;
pub mod seen;
pub mod token;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::Bytes;

pub use error::{ErrorKind, XError};
pub use retry::{RetryConfig, RetryNotice, RetryReason};
pub use token::{RefreshingTokens, SharedTokens, StaticToken, TokenSource};

use crate::core::secret::Secret;

pub use crate::core::config::X_API_BASE;

/// The HTTP client every part of the app uses: redirects off (a token must
/// never follow a redirect), bounded connects, a read timeout that tolerates
/// slow links. No fallback: a default client would follow redirects with
/// the credentials and wait for ever.
pub fn http_client() -> Result<reqwest::Client, XError> {
    install_tls();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .connect_timeout(Duration::from_secs(15))
        .read_timeout(Duration::from_secs(90))
        .tcp_keepalive(Duration::from_secs(30))
        .user_agent(concat!("x-uploader/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| {
            XError::new(
                ErrorKind::Other,
                format!("X Uploader could not set up its secure connections ({e})."),
            )
        })
}

/// Makes `ring` the process's TLS crypto (once; a later call, or a provider
/// installed first by someone else, is fine). Every HTTP client needs it
/// before it is built.
pub fn install_tls() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// When a rate limit lifts (unix s): X's `x-rate-limit-reset`, else a
/// standard `Retry-After` in seconds.
pub fn rate_limit_reset(headers: &reqwest::header::HeaderMap, now: u64) -> Option<u64> {
    let number = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
    };
    number("x-rate-limit-reset").or_else(|| number("retry-after").map(|secs| now + secs))
}

/// Builds one attempt of a request, given the client and the token.
pub type BuildRequest<'a> =
    &'a (dyn Fn(&reqwest::Client, &Secret) -> reqwest::RequestBuilder + Send + Sync);

/// Hears about each wait before a retry.
pub type Notify<'a> = &'a (dyn Fn(RetryNotice) + Send + Sync);

pub struct XClient {
    http: reqwest::Client,
    base: String,
    host: String,
    tokens: Arc<dyn TokenSource>,
    pub retry: RetryConfig,
    /// Has X answered anything in this run? (Decides how patient to be.)
    reached: AtomicBool,
}

impl XClient {
    pub fn new(
        base: &str,
        tokens: Arc<dyn TokenSource>,
        retry: RetryConfig,
    ) -> Result<Self, XError> {
        let parsed = url::Url::parse(base).map_err(|_| {
            XError::new(
                ErrorKind::Other,
                format!("The API address “{base}” is not a valid URL. Check X_UPLOADER_API_BASE or Settings."),
            )
        })?;
        let host = match parsed.port() {
            Some(p) => format!("{}:{p}", parsed.host_str().unwrap_or("X")),
            None => parsed.host_str().unwrap_or("X").to_string(),
        };
        Ok(XClient {
            http: http_client()?,
            base: base.trim_end_matches('/').to_string(),
            host,
            tokens,
            retry,
            reached: AtomicBool::new(false),
        })
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// One request: on 401, one refresh and one more try. `Ok` only for 2xx.
    pub async fn send(&self, build: BuildRequest<'_>) -> Result<Bytes, XError> {
        let token = self.tokens.token().await?;
        match self.attempt(build, &token).await {
            Err(e) if e.kind == ErrorKind::Unauthorized => {
                tracing::info!("X answered 401; refreshing the sign-in once");
                let fresh = self.tokens.refresh(token).await?;
                self.attempt(build, &fresh).await
            }
            other => other,
        }
    }

    async fn attempt(&self, build: BuildRequest<'_>, token: &Secret) -> Result<Bytes, XError> {
        let response = build(&self.http, token)
            .bearer_auth(token.expose())
            .send()
            .await
            .map_err(|e| XError::from_reqwest(&e, &self.host))?;
        self.reached.store(true, Ordering::Relaxed);
        seen::note(response.url(), response.headers());
        let status = response.status().as_u16();
        let reset_at = rate_limit_reset(response.headers(), crate::core::clock::now_secs());
        let body = response
            .bytes()
            .await
            .map_err(|e| XError::from_reqwest(&e, &self.host))?;
        if (200..300).contains(&status) {
            Ok(body)
        } else {
            let e = XError::from_answer(status, reset_at, &body);
            tracing::debug!(status, "X answered an error: {}", e.message);
            Err(e)
        }
    }

    /// A request tried again per the retry policy: network trouble and 5xx
    /// with jittered backoff, 429 until X's reset time; never a 4xx.
    pub async fn send_with_retry(
        &self,
        build: BuildRequest<'_>,
        notify: Notify<'_>,
    ) -> Result<Bytes, XError> {
        let mut attempt = 0u32;
        let mut network_since: Option<Instant> = None;
        loop {
            let error = match self.send(build).await {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            let Some(reason) = RetryReason::from_error(&error) else {
                return Err(error);
            };
            let wait = match &reason {
                RetryReason::RateLimited { until } => {
                    let wait = until
                        .duration_since(SystemTime::now())
                        .unwrap_or_default()
                        .max(Duration::from_secs(1));
                    if wait > self.retry.rate_limit_patience {
                        // Not a 15-minute window: a cap that lifts much later.
                        return Err(error);
                    }
                    wait
                }
                _ if error.is_network() => {
                    attempt += 1;
                    let since = *network_since.get_or_insert_with(Instant::now);
                    let patience = if self.reached.load(Ordering::Relaxed) {
                        self.retry.network_patience
                    } else {
                        self.retry.first_contact_patience
                    };
                    let wait = self.retry.backoff(attempt);
                    if since.elapsed() + wait > patience {
                        return Err(error);
                    }
                    wait
                }
                _ => {
                    attempt += 1;
                    if attempt > self.retry.max_retries {
                        return Err(error);
                    }
                    self.retry.backoff(attempt)
                }
            };
            if !error.is_network() {
                network_since = None;
            }
            tracing::info!("retrying in {wait:?}: {}", error.message);
            notify(RetryNotice {
                attempt,
                wait,
                reason,
            });
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::{HeaderMap, HeaderValue};

    #[test]
    fn rate_limit_reset_from_x_or_retry_after() {
        let mut h = HeaderMap::new();
        assert_eq!(rate_limit_reset(&h, 1000), None);
        h.insert("retry-after", HeaderValue::from_static("30"));
        assert_eq!(rate_limit_reset(&h, 1000), Some(1030));
        h.insert("x-rate-limit-reset", HeaderValue::from_static("1900"));
        assert_eq!(rate_limit_reset(&h, 1000), Some(1900));
    }
}
