//! Accounts and sign-in: the browser sign-in with its keychain check, one
//! upload engine per signed-in account, switching, signing out, and a
//! sign-in that ended at X.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use tokio::sync::mpsc;

use super::AppEvent;
use super::worker::{Internal, Session, Worker};
use crate::core::auth::Account;
use crate::core::auth::session::SIGN_IN_TIMEOUT;
use crate::core::engine::{self, Engine};
use crate::core::xclient::{ErrorKind, RetryConfig, XClient, XError};

impl Worker {
    pub fn load_accounts(&mut self) {
        let accounts = match self.auth.accounts() {
            Ok(a) => a,
            Err(e) => {
                self.emit(AppEvent::Notice(e.message));
                return;
            }
        };
        let active = accounts.active().cloned();
        self.emit(AppEvent::Accounts {
            accounts: accounts.all().to_vec(),
            active: active.clone(),
        });
        let same = self.session.as_ref().map(|s| &s.account) == active.as_ref();
        if !same {
            match active {
                Some(account) => self.start_session(account),
                None => self.end_session(),
            }
        }
    }

    pub(super) fn start_session(&mut self, account: Account) {
        self.end_session();
        let tokens = match self.auth.tokens_for(&account) {
            Ok(t) => t,
            Err(e) => {
                self.emit(AppEvent::Notice(e.message));
                return;
            }
        };
        let retry = RetryConfig {
            // The window waits for the network as long as it takes.
            network_patience: Duration::from_secs(24 * 3600),
            ..RetryConfig::default()
        };
        let client = match XClient::new(&self.config.api_base, tokens, retry) {
            Ok(c) => Arc::new(c),
            Err(e) => {
                self.emit(AppEvent::Notice(e.message));
                return;
            }
        };
        let engine_config = self.config.engine_config(None, None).unwrap_or_else(|e| {
            self.emit(AppEvent::Notice(e));
            engine::EngineConfig::default()
        });
        let (tx, mut rx) = mpsc::unbounded_channel();
        self.sessions += 1;
        let session_id = self.sessions;
        let internal = self.internal.clone();
        tokio::spawn(async move {
            while let Some(event) = rx.recv().await {
                if internal.send(Internal::Engine(session_id, event)).is_err() {
                    break;
                }
            }
        });
        self.session = Some(Session {
            id: session_id,
            account,
            engine: Engine::new(client, engine_config, tx),
        });
        self.session_started();
    }

    pub(super) fn end_session(&mut self) {
        if let Some(s) = self.session.take() {
            s.engine.cancel_all();
        }
    }

    pub(super) fn sign_in(&mut self) {
        if self.sign_in_cancel.is_some() {
            return;
        }
        if self.auth.app().is_err() {
            self.emit(AppEvent::SignInFailed(
                "This copy of X Uploader isn't connected to an X app yet. Ask your administrator to fill in Settings, or try practice mode.".into(),
            ));
            return;
        }
        let store = self.auth.store.clone();
        let internal = self.internal.clone();
        tokio::task::spawn_blocking(move || {
            let _ = internal.send(Internal::KeychainChecked(
                store.check().map_err(|e| e.to_string()),
            ));
        });
    }

    pub(super) fn begin_sign_in(&mut self) {
        let pending = match self.auth.begin() {
            Ok(p) => p,
            Err(e) => {
                self.emit(AppEvent::SignInFailed(e.message));
                return;
            }
        };
        let url = pending.url.clone();
        let browser_opened = self.options.open_browser && open::that_detached(&url).is_ok();
        self.emit(AppEvent::SignInWaiting {
            url,
            browser_opened,
        });
        let cancel = Arc::new(AtomicBool::new(false));
        self.sign_in_cancel = Some(cancel.clone());
        let auth = self.auth.clone();
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let result = auth.finish(pending, SIGN_IN_TIMEOUT, cancel).await;
            let _ = internal.send(Internal::SignedIn(result));
        });
    }

    pub(super) fn signed_in(&mut self, result: Result<Account, XError>) {
        self.sign_in_cancel = None;
        match result {
            Ok(account) => {
                self.emit(AppEvent::SignedIn(account));
                self.load_accounts();
            }
            Err(e)
                if e.kind == ErrorKind::Cancelled
                    && e.message.starts_with("Sign-in was cancelled") =>
            {
                self.emit(AppEvent::SignInFailed(String::new()))
            }
            Err(e) => self.emit(AppEvent::SignInFailed(e.message)),
        }
    }

    pub(super) fn sign_out(&mut self, id: &str) {
        let Some(account) = self
            .auth
            .accounts()
            .ok()
            .and_then(|a| a.all().iter().find(|x| x.id == id).cloned())
        else {
            return;
        };
        if self.session.as_ref().is_some_and(|s| s.account.id == id) {
            self.end_session();
        }
        let auth = self.auth.clone();
        let internal = self.internal.clone();
        tokio::spawn(async move {
            let _ = internal.send(Internal::SignedOut(auth.sign_out(&account).await));
        });
    }

    pub(super) fn switch_account(&mut self, id: &str) {
        match self.auth.accounts() {
            Ok(mut accounts) => {
                if accounts.activate(id)
                    && let Err(e) = accounts.save()
                {
                    self.emit(AppEvent::Notice(e));
                }
            }
            Err(e) => self.emit(AppEvent::Notice(e.message)),
        }
        self.load_accounts();
    }

    /// The sign-in of the session's account ended at X.
    pub fn sign_in_expired(&mut self, message: String) {
        if let Some(s) = self.session.take() {
            s.engine.cancel_all();
            self.emit(AppEvent::SignInExpired {
                handle: s.account.handle(),
                message,
            });
        }
    }
}
