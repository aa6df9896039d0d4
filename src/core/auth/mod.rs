//! Sign-in: OAuth 2.0 with PKCE in the system browser, the loopback
//! listener for the callback, and tokens in the OS keychain.

pub mod loopback;
/// The OAuth protocol itself talks to X's token endpoint: it sits with
/// the client (`xclient::oauth`), seen from here under its old name.
pub use crate::core::xclient::oauth;
pub mod session;
pub mod store;

pub use session::{Auth, PendingSignIn};
pub use store::{Account, Accounts, SecretStore};
