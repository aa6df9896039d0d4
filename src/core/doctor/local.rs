//! Checks on this computer: client id, callback port, keychain.

use super::{Check, Who};
use crate::core::auth::SecretStore;
use crate::core::auth::loopback::{self, SignInError};
use crate::core::auth::store::KeychainError;
use crate::core::config::{Config, Source};

pub fn client_id(config: &Config) -> Check {
    const NAME: &str = "Client id";
    match &config.client_id {
        Some(id) => {
            let from = match config.client_id_source {
                Source::Env => "from X_UPLOADER_CLIENT_ID",
                Source::File => "from the settings file",
                Source::BuildTime => "built into this copy",
                Source::Default => "default",
            };
            Check::pass("client_id", NAME, format!("{id} ({from})"))
        }
        None => Check::fail(
            "client_id",
            NAME,
            "none is set, so nobody can sign in to X with this copy.",
            Who::Administrator,
            "copy the X app's OAuth 2.0 client id from the developer portal into Settings, under X app (or X_UPLOADER_CLIENT_ID).",
        ),
    }
}

pub fn callback_port(config: &Config) -> Check {
    const NAME: &str = "Callback port";
    match loopback::bind(&config.redirect_uris) {
        Ok(listener) => Check::pass(
            "callback_port",
            NAME,
            format!("{} is free", listener.redirect_uri()),
        ),
        Err(SignInError::PortsBusy(ports)) => Check::fail(
            "callback_port",
            NAME,
            format!(
                "port {ports} is in use by another program, so the browser can't hand the sign-in back."
            ),
            Who::You,
            "close the program using it (or restart the computer); if it keeps happening, your administrator can register another callback URL for the X app and add it in Settings.",
        ),
        Err(e) => Check::fail(
            "callback_port",
            NAME,
            e.to_string(),
            Who::Administrator,
            "use a callback URL like http://127.0.0.1:8765/callback, registered for the X app, in Settings.",
        ),
    }
}

pub async fn keychain(config: &Config) -> Check {
    const NAME: &str = "Keychain";
    let store = SecretStore::keychain(config.keyring_service.clone());
    let probe = tokio::task::spawn_blocking(move || store.check()).await;
    match probe {
        Ok(Ok(())) => Check::pass("keychain", NAME, "reachable and unlocked"),
        Ok(Err(e @ KeychainError::Locked)) => {
            Check::fail("keychain", NAME, "it is locked.", Who::You, e.to_string())
        }
        Ok(Err(e @ KeychainError::Unavailable)) => Check::fail(
            "keychain",
            NAME,
            "none is reachable, so a sign-in can't be kept safely.",
            Who::Administrator,
            e.to_string(),
        ),
        Ok(Err(e)) => Check::fail(
            "keychain",
            NAME,
            e.to_string(),
            Who::You,
            "try again; restarting the computer unlocks it afresh.",
        ),
        Err(e) => Check::fail(
            "keychain",
            NAME,
            format!("the check stopped ({e})."),
            Who::You,
            "try again.",
        ),
    }
}
