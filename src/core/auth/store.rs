//! Where sign-ins live: tokens in the OS keychain (`keyring`), one entry per
//! account; the list of accounts (ids and handles, no secrets) and which one
//! is active in the config dir. Without a keychain, sign-ins can be kept in
//! memory for this run only — never in a plain file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use serde::{Deserialize, Serialize};

use super::oauth::TokenSet;
use crate::core::fsx::write_atomic;
use crate::core::secret::Secret;

/// The keychain user name under which a confidential app's secret is kept.
const CLIENT_SECRET_USER: &str = "client-secret";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeychainError {
    #[error(
        "No keychain is available to keep your sign-in safe. On Linux, install GNOME Keyring (package gnome-keyring) or KWallet and sign in to your desktop session; then try again."
    )]
    Unavailable,
    #[error("The keychain is locked. Unlock it (usually with your login password) and try again.")]
    Locked,
    #[error("The keychain failed: {0}")]
    Failed(String),
}

impl KeychainError {
    fn from_keyring(e: keyring::Error) -> Self {
        match e {
            keyring::Error::NoStorageAccess(_) => KeychainError::Locked,
            keyring::Error::NoDefaultStore | keyring::Error::PlatformFailure(_) => {
                tracing::warn!("keychain unavailable: {e}");
                KeychainError::Unavailable
            }
            // Never format variants that carry stored bytes.
            keyring::Error::BadEncoding(_) | keyring::Error::BadDataFormat(..) => {
                KeychainError::Failed("a stored sign-in could not be read".into())
            }
            other => KeychainError::Failed(other.to_string()),
        }
    }
}

/// Secrets by (service, user): the OS keychain, or memory for this run.
#[derive(Clone)]
pub enum SecretStore {
    Keychain { service: String },
    Memory(Arc<Mutex<HashMap<String, String>>>),
}

impl std::fmt::Debug for SecretStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SecretStore::Keychain { service } => write!(f, "Keychain({service})"),
            SecretStore::Memory(_) => f.write_str("Memory"),
        }
    }
}

impl SecretStore {
    pub fn keychain(service: impl Into<String>) -> Self {
        SecretStore::Keychain {
            service: service.into(),
        }
    }

    /// Keep sign-ins for this run only (when no keychain exists).
    pub fn memory() -> Self {
        SecretStore::Memory(Arc::default())
    }

    pub fn is_memory(&self) -> bool {
        matches!(self, SecretStore::Memory(_))
    }

    /// Can this store be used right now? (Writes and deletes a probe.)
    pub fn check(&self) -> Result<(), KeychainError> {
        let probe = "availability-check";
        self.set(probe, "ok")?;
        self.delete(probe)
    }

    fn set(&self, user: &str, value: &str) -> Result<(), KeychainError> {
        match self {
            SecretStore::Keychain { service } => keyring::Entry::new(service, user)
                .and_then(|e| e.set_password(value))
                .map_err(KeychainError::from_keyring),
            SecretStore::Memory(m) => {
                m.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(user.into(), value.into());
                Ok(())
            }
        }
    }

    fn get(&self, user: &str) -> Result<Option<String>, KeychainError> {
        match self {
            SecretStore::Keychain { service } => {
                match keyring::Entry::new(service, user).and_then(|e| e.get_password()) {
                    Ok(v) => Ok(Some(v)),
                    Err(keyring::Error::NoEntry) => Ok(None),
                    Err(e) => Err(KeychainError::from_keyring(e)),
                }
            }
            SecretStore::Memory(m) => Ok(m
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(user)
                .cloned()),
        }
    }

    fn delete(&self, user: &str) -> Result<(), KeychainError> {
        match self {
            SecretStore::Keychain { service } => {
                match keyring::Entry::new(service, user).and_then(|e| e.delete_credential()) {
                    Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                    Err(e) => Err(KeychainError::from_keyring(e)),
                }
            }
            SecretStore::Memory(m) => {
                m.lock().unwrap_or_else(|e| e.into_inner()).remove(user);
                Ok(())
            }
        }
    }

    pub fn save_tokens(&self, account_id: &str, tokens: &TokenSet) -> Result<(), KeychainError> {
        let json =
            serde_json::to_string(tokens).map_err(|e| KeychainError::Failed(e.to_string()))?;
        self.set(account_id, &json)
    }

    pub fn load_tokens(&self, account_id: &str) -> Result<Option<TokenSet>, KeychainError> {
        match self.get(account_id)? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|_| KeychainError::Failed("a stored sign-in could not be read".into())),
        }
    }

    pub fn delete_tokens(&self, account_id: &str) -> Result<(), KeychainError> {
        self.delete(account_id)
    }

    pub fn save_client_secret(&self, secret: &Secret) -> Result<(), KeychainError> {
        self.set(CLIENT_SECRET_USER, secret.expose())
    }

    pub fn load_client_secret(&self) -> Result<Option<Secret>, KeychainError> {
        Ok(self.get(CLIENT_SECRET_USER)?.map(Secret::new))
    }

    pub fn delete_client_secret(&self) -> Result<(), KeychainError> {
        self.delete(CLIENT_SECRET_USER)
    }
}

/// One signed-in X account (no secrets).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub name: String,
    #[serde(default)]
    pub subscription_type: Option<String>,
}

impl Account {
    pub fn handle(&self) -> String {
        format!("@{}", self.username)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
struct AccountsFile {
    active: Option<String>,
    accounts: Vec<Account>,
}

/// The accounts signed in on this computer, and which one is active.
#[derive(Debug, Clone)]
pub struct Accounts {
    path: PathBuf,
    file: AccountsFile,
}

impl Accounts {
    /// `accounts.toml` (or `accounts-<service>.toml` for another keychain
    /// service, so practice and test sign-ins stay apart).
    pub fn path_for(config_dir: &Path, service: &str) -> PathBuf {
        if service == "x-uploader" {
            config_dir.join("accounts.toml")
        } else {
            config_dir.join(format!("accounts-{service}.toml"))
        }
    }

    pub fn load(path: PathBuf) -> Result<Accounts, String> {
        let file = match std::fs::read_to_string(&path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                format!(
                    "The list of signed-in accounts ({}) can't be read: {}. Delete it and sign in again.",
                    path.display(),
                    e.message()
                )
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => AccountsFile::default(),
            Err(e) => return Err(format!("Can't open {}: {e}.", path.display())),
        };
        Ok(Accounts { path, file })
    }

    pub fn save(&self) -> Result<(), String> {
        let text = toml::to_string_pretty(&self.file).map_err(|e| e.to_string())?;
        write_atomic(&self.path, text.as_bytes()).map_err(|e| {
            format!(
                "Can't save the list of accounts to {}: {e}.",
                self.path.display()
            )
        })
    }

    pub fn all(&self) -> &[Account] {
        &self.file.accounts
    }

    pub fn active(&self) -> Option<&Account> {
        let id = self.file.active.as_deref()?;
        self.file.accounts.iter().find(|a| a.id == id)
    }

    /// Add or update an account and make it the active one.
    pub fn add_and_activate(&mut self, account: Account) {
        self.file.accounts.retain(|a| a.id != account.id);
        self.file.active = Some(account.id.clone());
        self.file.accounts.push(account);
    }

    /// Find by "@handle" or "handle" (case-insensitive).
    pub fn find(&self, handle: &str) -> Option<&Account> {
        let handle = handle.trim_start_matches('@');
        self.file
            .accounts
            .iter()
            .find(|a| a.username.eq_ignore_ascii_case(handle))
    }

    pub fn activate(&mut self, id: &str) -> bool {
        let known = self.file.accounts.iter().any(|a| a.id == id);
        if known {
            self.file.active = Some(id.to_string());
        }
        known
    }

    /// Remove an account; if it was active, the first remaining one becomes
    /// active.
    pub fn remove(&mut self, id: &str) {
        self.file.accounts.retain(|a| a.id != id);
        if self.file.active.as_deref() == Some(id) {
            self.file.active = self.file.accounts.first().map(|a| a.id.clone());
        }
    }

    pub fn handles(&self) -> String {
        self.file
            .accounts
            .iter()
            .map(Account::handle)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(id: &str, name: &str) -> Account {
        Account {
            id: id.into(),
            username: name.into(),
            name: name.into(),
            subscription_type: None,
        }
    }

    #[test]
    fn accounts_file_round_trip_and_active_follows_removal() {
        let dir = tempfile::tempdir().unwrap();
        let path = Accounts::path_for(dir.path(), "x-uploader-test");
        assert!(path.ends_with("accounts-x-uploader-test.toml"));
        let mut a = Accounts::load(path.clone()).unwrap();
        assert!(a.active().is_none());
        a.add_and_activate(acct("1", "news"));
        a.add_and_activate(acct("2", "brand"));
        assert_eq!(a.active().unwrap().username, "brand");
        assert!(a.activate("1"));
        assert!(!a.activate("3"));
        a.save().unwrap();
        let mut b = Accounts::load(path).unwrap();
        assert_eq!(b.active().unwrap().username, "news");
        assert_eq!(b.find("@Brand").unwrap().id, "2");
        b.remove("1");
        assert_eq!(b.active().unwrap().username, "brand");
        assert_eq!(b.handles(), "@brand");
    }

    #[test]
    fn memory_store_keeps_tokens_for_the_run() {
        let s = SecretStore::memory();
        let t = TokenSet {
            access: Secret::new("a"),
            refresh: Some(Secret::new("r")),
            expires_at: 5,
            scopes: vec!["tweet.read".into()],
        };
        s.save_tokens("1", &t).unwrap();
        assert_eq!(s.load_tokens("1").unwrap(), Some(t));
        s.delete_tokens("1").unwrap();
        assert_eq!(s.load_tokens("1").unwrap(), None);
        assert!(format!("{s:?}").contains("Memory"));
    }
}
