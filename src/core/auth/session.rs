//! Sign-in as the command line and the window use it: start a sign-in in
//! the browser, finish it when the callback comes, keep the tokens in the
//! keychain, hand out refreshing token sources, and sign out.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use super::loopback::{self, Listener, SignInError};
use super::oauth::{self, Authorization, OAuthApp};
use super::store::{Account, Accounts, SecretStore};
use crate::core::config::Config;
use crate::core::secret::Secret;
use crate::core::xclient::{
    ErrorKind, RefreshingTokens, RetryConfig, SharedTokens, StaticToken, XClient, XError,
};

impl From<SignInError> for XError {
    fn from(e: SignInError) -> Self {
        let kind = match e {
            SignInError::DeniedInBrowser | SignInError::Cancelled => ErrorKind::Cancelled,
            SignInError::Refused(_) => ErrorKind::Refused,
            _ => ErrorKind::Other,
        };
        XError::new(kind, e.to_string())
    }
}

impl From<super::store::KeychainError> for XError {
    fn from(e: super::store::KeychainError) -> Self {
        XError::new(ErrorKind::Other, e.to_string())
    }
}

fn other(message: String) -> XError {
    XError::new(ErrorKind::Other, message)
}

/// A sign-in waiting for the browser.
pub struct PendingSignIn {
    /// Open this in the browser (or show it to copy).
    pub url: String,
    listener: Listener,
    authorization: Authorization,
}

impl std::fmt::Debug for PendingSignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingSignIn")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

impl PendingSignIn {
    pub fn redirect_uri(&self) -> &str {
        self.listener.redirect_uri()
    }
}

/// Settings plus where secrets go.
#[derive(Clone)]
pub struct Auth {
    pub config: Config,
    pub store: SecretStore,
    http: Result<reqwest::Client, XError>,
}

impl Auth {
    pub fn new(config: Config, store: SecretStore) -> Auth {
        Auth {
            config,
            store,
            http: crate::core::xclient::http_client(),
        }
    }

    /// The keychain named by the config (`X_UPLOADER_KEYRING_SERVICE`).
    pub fn with_keychain(config: Config) -> Auth {
        let store = SecretStore::keychain(config.keyring_service.clone());
        Auth::new(config, store)
    }

    fn http(&self) -> Result<&reqwest::Client, XError> {
        self.http.as_ref().map_err(Clone::clone)
    }

    fn service(&self) -> String {
        match &self.store {
            SecretStore::Keychain { service } => service.clone(),
            SecretStore::Memory(_) => format!("{}-memory", self.config.keyring_service),
        }
    }

    pub fn accounts(&self) -> Result<Accounts, XError> {
        Accounts::load(Accounts::path_for(
            &self.config.paths.config_dir,
            &self.service(),
        ))
        .map_err(other)
    }

    /// The confidential app's secret: env first, then the keychain.
    pub fn client_secret(&self) -> Option<Secret> {
        self.config
            .client_secret
            .clone()
            .or_else(|| match self.store.load_client_secret() {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!("client secret not read from the keychain: {e}");
                    None
                }
            })
    }

    pub fn app(&self) -> Result<OAuthApp, XError> {
        OAuthApp::from_config(&self.config, self.client_secret()).ok_or_else(|| {
            XError::new(
                ErrorKind::NotSignedIn,
                "This copy of X Uploader isn't connected to an X app yet: an administrator sets the app's client id in Settings (or X_UPLOADER_CLIENT_ID).",
            )
        })
    }

    /// Bind the callback listener and build the authorize URL.
    pub fn begin(&self) -> Result<PendingSignIn, XError> {
        let app = self.app()?;
        let listener = loopback::bind(&self.config.redirect_uris)?;
        let authorization = oauth::authorize(&app, listener.redirect_uri())?;
        Ok(PendingSignIn {
            url: authorization.url.clone(),
            listener,
            authorization,
        })
    }

    /// Wait for the browser, exchange the code, learn who signed in, store
    /// the tokens and make that account the active one.
    pub async fn finish(
        &self,
        pending: PendingSignIn,
        timeout: Duration,
        cancel: Arc<AtomicBool>,
    ) -> Result<Account, XError> {
        let app = self.app()?;
        let PendingSignIn {
            listener,
            authorization,
            ..
        } = pending;
        let state = authorization.state.clone();
        let redirect_uri = authorization.redirect_uri.clone();
        let code = tokio::task::spawn_blocking(move || listener.wait(&state, timeout, cancel))
            .await
            .map_err(|e| other(format!("Sign-in stopped unexpectedly ({e}).")))??;
        let tokens = oauth::exchange_code(
            self.http()?,
            &app,
            &redirect_uri,
            &code,
            authorization.verifier,
        )
        .await?;
        let client = XClient::new(
            &self.config.api_base,
            Arc::new(StaticToken(tokens.access.clone())),
            RetryConfig::default(),
        )?;
        let user = client
            .me(&|_| {})
            .await
            .map_err(|e| e.context("Checking who signed in"))?;
        let account = Account {
            id: user.id,
            username: user.username,
            name: user.name,
            subscription_type: user.subscription_type,
        };
        let (store, id, t) = (self.store.clone(), account.id.clone(), tokens.clone());
        tokio::task::spawn_blocking(move || store.save_tokens(&id, &t))
            .await
            .map_err(|e| other(e.to_string()))??;
        let mut accounts = self.accounts()?;
        accounts.add_and_activate(account.clone());
        accounts.save().map_err(other)?;
        tracing::info!("signed in as @{}", account.username);
        Ok(account)
    }

    /// A token source for `account` that refreshes and stores rotated tokens.
    pub fn tokens_for(&self, account: &Account) -> Result<Arc<RefreshingTokens>, XError> {
        let tokens = self.store.load_tokens(&account.id)?.ok_or_else(|| {
            XError::new(
                ErrorKind::NotSignedIn,
                format!(
                    "The sign-in for {} is missing from the keychain. Sign in again.",
                    account.handle()
                ),
            )
        })?;
        let store = self.store.clone();
        let id = account.id.clone();
        let (loader, load_id) = (self.store.clone(), account.id.clone());
        // Another process (the window, `post --at`, `resume`) may refresh
        // the same account: one lock file per keychain service and account.
        let shared = (!self.store.is_memory()).then(|| SharedTokens {
            lock_file: self.config.paths.data_dir.join("locks").join(format!(
                "refresh-{}-{}.lock",
                self.service(),
                account.id
            )),
            load: Box::new(move || off_the_runtime(|| loader.load_tokens(&load_id).ok().flatten())),
        });
        Ok(RefreshingTokens::new_shared(
            self.http()?.clone(),
            self.app()?,
            account.handle(),
            tokens,
            // The rotated token is stored before use; the keychain call
            // moves the runtime's other work off this thread meanwhile.
            Box::new(move |t| {
                off_the_runtime(|| store.save_tokens(&id, t).map_err(|e| e.to_string()))
            }),
            shared,
        ))
    }

    /// The active account and its token source.
    pub fn active(&self) -> Result<(Account, Arc<RefreshingTokens>), XError> {
        let accounts = self.accounts()?;
        let account = accounts.active().cloned().ok_or_else(|| {
            XError::new(
                ErrorKind::NotSignedIn,
                "Not signed in. Run `x-uploader login` first (or set X_UPLOADER_ACCESS_TOKEN).",
            )
        })?;
        let tokens = self.tokens_for(&account)?;
        Ok((account, tokens))
    }

    /// Revoke the account's sign-in at X and forget it here. If X can't be
    /// reached, it is forgotten here anyway and the warning says so.
    pub async fn sign_out(&self, account: &Account) -> Result<Option<String>, XError> {
        let mut warning = None;
        // Keychain calls block: they run off the runtime's workers.
        let (me, id) = (self.clone(), account.id.clone());
        let (tokens, app) = tokio::task::spawn_blocking(move || {
            Ok::<_, XError>((me.store.load_tokens(&id)?, me.app()?))
        })
        .await
        .map_err(|e| other(e.to_string()))??;
        if let Some(tokens) = tokens
            && let Err(e) = oauth::revoke(self.http()?, &app, &tokens).await
        {
            tracing::warn!("revoking at X failed: {}", e.message);
            warning = Some(format!(
                "Signed out on this computer, but X could not be told ({}). The old sign-in ends by itself when it expires.",
                e.message
            ));
        }
        let (me, id) = (self.clone(), account.id.clone());
        tokio::task::spawn_blocking(move || {
            me.store.delete_tokens(&id)?;
            let mut accounts = me.accounts()?;
            accounts.remove(&id);
            accounts.save().map_err(other)
        })
        .await
        .map_err(|e| other(e.to_string()))??;
        Ok(warning)
    }
}

pub use loopback::SIGN_IN_TIMEOUT;

/// Run blocking work (a keychain call) from async code without holding up
/// the runtime's other tasks: on a multi-threaded runtime its worker hands
/// them on first.
fn off_the_runtime<T>(f: impl FnOnce() -> T) -> T {
    match tokio::runtime::Handle::try_current() {
        Ok(h) if h.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread => {
            tokio::task::block_in_place(f)
        }
        _ => f(),
    }
}
