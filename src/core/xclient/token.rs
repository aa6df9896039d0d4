//! Where the client gets its access token, and how it gets a fresh one when
//! X says 401. Refreshes are single-flight: two uploads that hit 401 at once
//! share one refresh, and the rotated refresh token is stored before use.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use super::oauth::{self, OAuthApp, TokenSet};
use crate::core::secret::Secret;

use super::error::{ErrorKind, XError};

pub type BoxFut<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait TokenSource: Send + Sync {
    /// The token to use now (refreshed first if it is about to expire).
    fn token(&self) -> BoxFut<'_, Result<Secret, XError>>;
    /// X refused `rejected`: a fresh token, or an error saying sign-in ended.
    fn refresh(&self, rejected: Secret) -> BoxFut<'_, Result<Secret, XError>>;
}

/// A token given as is (env `X_UPLOADER_ACCESS_TOKEN`): never refreshed.
pub struct StaticToken(pub Secret);

impl TokenSource for StaticToken {
    fn token(&self) -> BoxFut<'_, Result<Secret, XError>> {
        let t = self.0.clone();
        Box::pin(async move { Ok(t) })
    }

    fn refresh(&self, _rejected: Secret) -> BoxFut<'_, Result<Secret, XError>> {
        Box::pin(async {
            Err(XError::new(
                ErrorKind::Unauthorized,
                "X refused the access token given in X_UPLOADER_ACCESS_TOKEN (expired or revoked). Set a fresh one, or unset it to use the signed-in account.",
            ))
        })
    }
}

/// Called with every new token set before it is used (to store it).
pub type OnRotate = Box<dyn Fn(&TokenSet) -> Result<(), String> + Send + Sync>;

/// OAuth tokens of one account, refreshed against the token endpoint.
pub struct RefreshingTokens {
    http: reqwest::Client,
    app: OAuthApp,
    /// "@handle" for messages.
    who: String,
    state: tokio::sync::Mutex<TokenSet>,
    on_rotate: OnRotate,
    refreshes: AtomicU32,
    /// Seconds an access token lasts, learnt at the first refresh.
    lifetime: AtomicU64,
}

impl RefreshingTokens {
    pub fn new(
        http: reqwest::Client,
        app: OAuthApp,
        who: impl Into<String>,
        tokens: TokenSet,
        on_rotate: OnRotate,
    ) -> Arc<Self> {
        Arc::new(RefreshingTokens {
            http,
            app,
            who: who.into(),
            state: tokio::sync::Mutex::new(tokens),
            on_rotate,
            refreshes: AtomicU32::new(0),
            lifetime: AtomicU64::new(u64::MAX),
        })
    }

    /// How many refreshes happened (tests check single-flight).
    pub fn refresh_count(&self) -> u32 {
        self.refreshes.load(Ordering::SeqCst)
    }

    pub async fn current(&self) -> TokenSet {
        self.state.lock().await.clone()
    }

    async fn do_refresh(&self, state: &mut TokenSet) -> Result<Secret, XError> {
        let Some(refresh) = state.refresh.clone() else {
            return Err(self.ended());
        };
        let fresh = match oauth::refresh(&self.http, &self.app, &refresh).await {
            Ok(t) => t,
            Err(e) if e.kind == ErrorKind::SignInEnded => {
                tracing::warn!("refresh refused for {}: {}", self.who, e.message);
                return Err(self.ended());
            }
            Err(e) => return Err(e),
        };
        self.refreshes.fetch_add(1, Ordering::SeqCst);
        self.lifetime.store(
            fresh.expires_at.saturating_sub(oauth::now_secs()),
            Ordering::SeqCst,
        );
        // Store the rotated refresh token before anything uses it: the old
        // one is already dead at X.
        if let Err(e) = (self.on_rotate)(&fresh) {
            tracing::error!(
                "could not store the refreshed sign-in for {}: {e}",
                self.who
            );
        }
        *state = fresh;
        Ok(state.access.clone())
    }

    fn ended(&self) -> XError {
        XError::new(
            ErrorKind::SignInEnded,
            format!(
                "Your X sign-in for {} has ended — it expired, or the account was signed in to X Uploader on another computer. Sign in again.",
                self.who
            ),
        )
    }
}

impl TokenSource for RefreshingTokens {
    fn token(&self) -> BoxFut<'_, Result<Secret, XError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            // Refresh a little before expiry (a minute, or half the
            // token's life when that is shorter) rather than meet a 401.
            let margin = (self.lifetime.load(Ordering::SeqCst) / 2).min(60);
            if state.expires_within(margin) && state.refresh.is_some() {
                return self.do_refresh(&mut state).await;
            }
            Ok(state.access.clone())
        })
    }

    fn refresh(&self, rejected: Secret) -> BoxFut<'_, Result<Secret, XError>> {
        Box::pin(async move {
            let mut state = self.state.lock().await;
            if state.access != rejected {
                // Someone else refreshed while we waited for the lock.
                return Ok(state.access.clone());
            }
            self.do_refresh(&mut state).await
        })
    }
}
