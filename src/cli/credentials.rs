//! Who the command line acts as: env `X_UPLOADER_ACCESS_TOKEN` as is, or
//! the active account from the keychain.

use std::sync::Arc;

use super::Failure;
use crate::core::auth::Auth;
use crate::core::config::Config;
use crate::core::xclient::{StaticToken, TokenSource};

pub fn token_source(config: &Config) -> Result<Arc<dyn TokenSource>, Failure> {
    if let Some(token) = &config.access_token {
        return Ok(Arc::new(StaticToken(token.clone())));
    }
    let (_, tokens) = Auth::with_keychain(config.clone()).active()?;
    Ok(tokens)
}
