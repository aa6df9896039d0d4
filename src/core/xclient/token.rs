//! Where the client gets its access token, and how it gets a fresh one when
//! X says 401. Refreshes are single-flight: two uploads that hit 401 at once
//! share one refresh, and the rotated refresh token is stored before use.
//! Across processes (the window, `post --at`, `resume`), a lock file per
//! account is held while refreshing, and what another process stored meanwhile
//! is used instead of refreshing again: X kills the whole sign-in when a
//! rotated refresh token is used twice.

use std::future::Future;
use std::path::PathBuf;
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

/// How processes share one account's tokens.
pub struct SharedTokens {
    /// Held (an OS file lock, released however the process ends) while
    /// refreshing.
    pub lock_file: PathBuf,
    /// The token set stored now (another process may have rotated it);
    /// like [`OnRotate`], called from async code and keeps blocking work off
    /// the runtime itself.
    pub load: Box<dyn Fn() -> Option<TokenSet> + Send + Sync>,
}

/// The longest a refresh waits for another process's refresh to end (it
/// is one HTTP exchange with timeouts of its own).
const SHARED_LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_secs(120);

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
    shared: Option<SharedTokens>,
}

impl RefreshingTokens {
    pub fn new(
        http: reqwest::Client,
        app: OAuthApp,
        who: impl Into<String>,
        tokens: TokenSet,
        on_rotate: OnRotate,
    ) -> Arc<Self> {
        Self::new_shared(http, app, who, tokens, on_rotate, None)
    }

    /// The same, for tokens other processes may refresh too.
    pub fn new_shared(
        http: reqwest::Client,
        app: OAuthApp,
        who: impl Into<String>,
        tokens: TokenSet,
        on_rotate: OnRotate,
        shared: Option<SharedTokens>,
    ) -> Arc<Self> {
        Arc::new(RefreshingTokens {
            http,
            app,
            who: who.into(),
            state: tokio::sync::Mutex::new(tokens),
            on_rotate,
            refreshes: AtomicU32::new(0),
            lifetime: AtomicU64::new(u64::MAX),
            shared,
        })
    }

    /// How many refreshes happened (tests check single-flight).
    pub fn refresh_count(&self) -> u32 {
        self.refreshes.load(Ordering::SeqCst)
    }

    pub async fn current(&self) -> TokenSet {
        self.state.lock().await.clone()
    }

    /// Refresh, holding the account's lock file when tokens are shared; if
    /// another process rotated them meanwhile, take its tokens instead.
    async fn do_refresh(&self, state: &mut TokenSet) -> Result<Secret, XError> {
        let Some(shared) = &self.shared else {
            return self.refresh_now(state).await;
        };
        let _held = self.lock_shared(shared).await?;
        if let Some(stored) = (shared.load)()
            && stored.refresh != state.refresh
        {
            tracing::info!("{}: another process renewed the sign-in", self.who);
            *state = stored;
            let margin = (self.lifetime.load(Ordering::SeqCst) / 2).min(60);
            if !state.expires_within(margin) {
                return Ok(state.access.clone());
            }
        }
        self.refresh_now(state).await
    }

    async fn lock_shared(&self, shared: &SharedTokens) -> Result<std::fs::File, XError> {
        let path = shared.lock_file.clone();
        let file = tokio::task::spawn_blocking(move || {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .truncate(false)
                .write(true)
                .open(&path)
        })
        .await
        .map_err(|e| std::io::Error::other(e.to_string()))
        .and_then(|r| r)
        .map_err(|e| {
            XError::new(
                ErrorKind::Other,
                format!(
                    "X Uploader could not open {} to renew the sign-in for {} ({e}). Check that the folder is writable.",
                    shared.lock_file.display(),
                    self.who
                ),
            )
        })?;
        let started = std::time::Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(std::fs::TryLockError::WouldBlock)
                    if started.elapsed() < SHARED_LOCK_PATIENCE =>
                {
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await
                }
                Err(e) => {
                    return Err(XError::new(
                        ErrorKind::Other,
                        format!(
                            "Another X Uploader has been renewing the sign-in for {} for over {} seconds ({e}). Try again in a moment.",
                            self.who,
                            SHARED_LOCK_PATIENCE.as_secs()
                        ),
                    ));
                }
            }
        }
    }

    async fn refresh_now(&self, state: &mut TokenSet) -> Result<Secret, XError> {
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
