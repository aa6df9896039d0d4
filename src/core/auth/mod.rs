//! Sign-in: OAuth 2.0 with PKCE in the system browser, the loopback
//! listener for the callback, and tokens in the OS keychain.

pub mod loopback;
pub mod oauth;
pub mod session;
pub mod store;

pub use session::{Auth, PendingSignIn};
pub use store::{Account, Accounts, SecretStore};
