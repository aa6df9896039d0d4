//! `login`, `logout`, `accounts`, `switch`, `whoami`.

use std::io::Write;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::run::{self, Failure};
use super::{LoginArgs, LogoutArgs, SwitchArgs};
use crate::core::auth::loopback::{self, SIGN_IN_HINT_AFTER};
use crate::core::auth::{Accounts, Auth, session::SIGN_IN_TIMEOUT};
use crate::core::config::process_env;
use crate::core::xclient::{RetryConfig, XClient};

fn auth(verbose: u8) -> Result<(Auth, run::Setup), Failure> {
    let setup = run::setup(verbose)?;
    Ok((Auth::with_keychain(setup.config.clone()), setup))
}

fn accounts_of(auth: &Auth) -> Result<Accounts, Failure> {
    Ok(auth.accounts()?)
}

pub fn login(verbose: u8, args: &LoginArgs) -> ExitCode {
    run::finish((|| {
        let (auth, _setup) = auth(verbose)?;
        // Say so now if the keychain can't hold the sign-in.
        auth.store
            .check()
            .map_err(|e| Failure::Error(e.to_string()))?;
        let rt = run::runtime()?;
        let account = rt.block_on(async {
            let pending = auth.begin()?;
            let mut err = std::io::stderr();
            let opened = !args.no_browser && open::that_detached(&pending.url).is_ok();
            if opened {
                let _ = writeln!(
                    err,
                    "Sign in to X in your browser. If it didn't open, open this link:"
                );
            } else {
                let _ = writeln!(err, "Open this link in your browser to sign in to X:");
            }
            let _ = writeln!(err, "{}", pending.url);
            let _ = writeln!(err, "Waiting for your browser…");
            let hint = loopback::callback_hint(pending.redirect_uri());
            let cancel = Arc::new(AtomicBool::new(false));
            let finish = auth.finish(pending, SIGN_IN_TIMEOUT, cancel.clone());
            tokio::pin!(finish);
            let hint_after = tokio::time::sleep(hint_delay());
            tokio::pin!(hint_after);
            let mut hinted = false;
            loop {
                tokio::select! {
                    r = &mut finish => break r.map_err(Failure::from),
                    _ = &mut hint_after, if !hinted => {
                        hinted = true;
                        let _ = writeln!(err, "{hint}");
                    }
                    _ = tokio::signal::ctrl_c() => {
                        cancel.store(true, std::sync::atomic::Ordering::SeqCst);
                        break Err(Failure::Interrupted);
                    }
                }
            }
        })?;
        println!("Signed in as {}", account.handle());
        Ok(())
    })())
}

/// When to print the callback hint (tests shorten it with
/// `X_UPLOADER_SIGN_IN_HINT_SECS`).
fn hint_delay() -> std::time::Duration {
    process_env("X_UPLOADER_SIGN_IN_HINT_SECS")
        .and_then(|v| v.parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(std::time::Duration::from_secs_f64)
        .unwrap_or(SIGN_IN_HINT_AFTER)
}

pub fn logout(verbose: u8, args: &LogoutArgs) -> ExitCode {
    run::finish((|| {
        let (auth, _setup) = auth(verbose)?;
        let accounts = accounts_of(&auth)?;
        let account = match &args.handle {
            Some(h) => accounts
                .find(h)
                .cloned()
                .ok_or_else(|| not_signed_in(h, &accounts))?,
            None => accounts.active().cloned().ok_or_else(|| {
                Failure::Error("Not signed in: there is no account to sign out.".into())
            })?,
        };
        let warning = run::runtime()?.block_on(auth.sign_out(&account))?;
        if let Some(w) = warning {
            eprintln!("{w}");
        }
        println!("Signed out {}", account.handle());
        Ok(())
    })())
}

fn not_signed_in(handle: &str, accounts: &Accounts) -> Failure {
    let handle = handle.trim_start_matches('@');
    Failure::Error(if accounts.all().is_empty() {
        format!("@{handle} is not signed in here, and no account is. Run `x-uploader login`.")
    } else {
        format!(
            "@{handle} is not signed in here. Signed in: {}.",
            accounts.handles()
        )
    })
}

pub fn accounts(verbose: u8) -> ExitCode {
    run::finish((|| {
        let (auth, _setup) = auth(verbose)?;
        let accounts = accounts_of(&auth)?;
        let active = accounts.active().map(|a| a.id.clone());
        for a in accounts.all() {
            let mark = if Some(&a.id) == active.as_ref() {
                "* "
            } else {
                ""
            };
            println!("{mark}{}", a.handle());
        }
        Ok(())
    })())
}

pub fn switch(verbose: u8, args: &SwitchArgs) -> ExitCode {
    run::finish((|| {
        let (auth, _setup) = auth(verbose)?;
        let mut accounts = accounts_of(&auth)?;
        let account = accounts
            .find(&args.handle)
            .cloned()
            .ok_or_else(|| not_signed_in(&args.handle, &accounts))?;
        accounts.activate(&account.id);
        accounts.save()?;
        println!("Now posting as {}", account.handle());
        Ok(())
    })())
}

/// Asks X who the active account is (refreshing the sign-in if needed).
pub fn whoami(verbose: u8) -> ExitCode {
    run::finish((|| {
        let (auth, setup) = auth(verbose)?;
        let tokens = super::credentials::token_source(&setup.config)?;
        let client = XClient::new(&auth.config.api_base, tokens, RetryConfig::default())?;
        let me = run::runtime()?.block_on(client.me(&|_| {}))?;
        println!("@{}", me.username);
        Ok(())
    })())
}
