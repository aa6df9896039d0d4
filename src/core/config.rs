//! Settings, in one place for the command line and the window: a
//! `config.toml` in the platform's config dir holds non-secret settings;
//! env variables override them; the client id can also be baked in at build
//! time. Secrets never come from a file.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

pub use crate::core::fsx::{write_atomic, write_replace};
use crate::core::limits::{
    CHUNK_MIB_RANGE, DEFAULT_PARALLEL, DEFAULT_SEGMENT_BYTES, MIB, PARALLEL_RANGE,
    SEGMENT_MAX_BYTES,
};
use crate::core::secret::Secret;

/// X's API base.
pub const X_API_BASE: &str = "https://api.x.com";

pub const DEFAULT_REDIRECT_URI: &str = "http://127.0.0.1:8765/callback";
pub const X_AUTHORIZE_URL: &str = "https://x.com/i/oauth2/authorize";
pub const X_TOKEN_URL: &str = "https://api.x.com/2/oauth2/token";
pub const X_REVOKE_URL: &str = "https://api.x.com/2/oauth2/revoke";

/// Where the app keeps its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
    /// Where the start-at-login entry goes (`core::autostart`): the XDG
    /// autostart folder on Linux, ~/Library/LaunchAgents on macOS; on
    /// Windows the registry's Run key (any `Some`). `None`: never (tests).
    pub autostart_dir: Option<PathBuf>,
}

impl Paths {
    /// The platform's dirs for project `x-uploader` (XDG on Linux).
    pub fn discover() -> Result<Paths, String> {
        let dirs = directories::ProjectDirs::from("", "", "x-uploader").ok_or_else(|| {
            "Can't find your home folder, so X Uploader has nowhere to keep its settings. Set HOME and try again.".to_string()
        })?;
        Ok(Paths {
            config_dir: dirs.config_dir().to_path_buf(),
            data_dir: dirs.data_dir().to_path_buf(),
            autostart_dir: autostart_dir(),
        })
    }

    pub fn config_file(&self) -> PathBuf {
        self.config_dir.join("config.toml")
    }

    pub fn log_dir(&self) -> PathBuf {
        self.data_dir.join("logs")
    }

    /// Cleaned and converted copies of photos.
    pub fn prepared(&self) -> crate::core::media::cache::Cache {
        crate::core::media::cache::Cache::new(&self.data_dir)
    }
}

/// `$XDG_CONFIG_HOME/autostart` (else ~/.config/autostart) on Linux and the
/// other Unixes, ~/Library/LaunchAgents on macOS, the config folder as a
/// stand-in on Windows (the entry is a registry value there).
fn autostart_dir() -> Option<PathBuf> {
    let base = directories::BaseDirs::new()?;
    if cfg!(target_os = "macos") {
        Some(base.home_dir().join("Library").join("LaunchAgents"))
    } else {
        Some(base.config_dir().join("autostart"))
    }
}

/// When X Uploader starts by itself (`[startup]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StartupSettings {
    /// Start at login (minimised) while scheduled posts wait (default: yes).
    pub at_login_when_posts_wait: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// Segment size in MiB.
    pub chunk_mib: Option<f64>,
    /// Segments in flight at once.
    pub parallel: Option<usize>,
    /// Send videos' location entries to X as they are.
    pub keep_location: Option<bool>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AppearanceSettings {
    /// "system", "light" or "dark".
    pub theme: Option<String>,
    /// Text size factor (1.0 = normal).
    pub text_scale: Option<f32>,
}

/// What X Uploader may do to photos before they go (`[photos]`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PhotoSettings {
    /// Convert photos X wouldn't take as they are (default: yes).
    pub convert: Option<bool>,
}

/// `config.toml` as written on disk.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct FileConfig {
    pub client_id: Option<String>,
    pub redirect_uris: Vec<String>,
    pub api_base: Option<String>,
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    pub revoke_url: Option<String>,
    pub upload: UploadSettings,
    pub appearance: AppearanceSettings,
    pub photos: PhotoSettings,
    pub startup: StartupSettings,
}

impl FileConfig {
    /// Read `path`; a missing file is an empty config.
    pub fn read(path: &Path) -> Result<FileConfig, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|e| {
                format!(
                    "The settings file {} can't be read: {}. Fix or delete it.",
                    path.display(),
                    e.message()
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(FileConfig::default()),
            Err(e) => Err(format!(
                "The settings file {} can't be opened: {e}.",
                path.display()
            )),
        }
    }

    /// Write atomically (temp file + rename).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = toml::to_string_pretty(self).map_err(|e| e.to_string())?;
        write_atomic(path, text.as_bytes())
            .map_err(|e| format!("Can't save the settings to {}: {e}.", path.display()))
    }
}

/// How the upload engine cuts and sends files (plain data; the engine
/// uses it).
#[derive(Debug, Clone, PartialEq)]
pub struct EngineConfig {
    pub segment_bytes: u64,
    pub parallel: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            segment_bytes: DEFAULT_SEGMENT_BYTES,
            parallel: DEFAULT_PARALLEL,
        }
    }
}

/// Where a setting came from (shown in Settings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    Env,
    File,
    BuildTime,
    Default,
}

/// The settings in force.
#[derive(Debug, Clone)]
pub struct Config {
    pub paths: Paths,
    pub file: FileConfig,
    pub client_id: Option<String>,
    pub client_id_source: Source,
    /// From env `X_UPLOADER_CLIENT_SECRET` only (the keychain is asked later).
    pub client_secret: Option<Secret>,
    pub redirect_uris: Vec<String>,
    pub api_base: String,
    pub authorize_url: String,
    pub token_url: String,
    pub revoke_url: String,
    /// Env `X_UPLOADER_ACCESS_TOKEN`: used as is, for automation.
    pub access_token: Option<Secret>,
    /// Keychain service name (env `X_UPLOADER_KEYRING_SERVICE`).
    pub keyring_service: String,
    chunk_mib_env: Option<String>,
    parallel_env: Option<String>,
}

type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// The process environment, ignoring empty values.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Config {
    pub fn load(paths: Paths) -> Result<Config, String> {
        let file = FileConfig::read(&paths.config_file())?;
        Ok(Config::from_parts(paths, file, &process_env))
    }

    pub fn from_parts(paths: Paths, file: FileConfig, env: Env<'_>) -> Config {
        let baked = option_env!("X_UPLOADER_CLIENT_ID").filter(|s| !s.is_empty());
        let (client_id, client_id_source) = if let Some(id) = env("X_UPLOADER_CLIENT_ID") {
            (Some(id), Source::Env)
        } else if let Some(id) = file.client_id.clone().filter(|s| !s.is_empty()) {
            (Some(id), Source::File)
        } else if let Some(id) = baked {
            (Some(id.to_string()), Source::BuildTime)
        } else {
            (None, Source::Default)
        };
        let redirect_uris = match env("X_UPLOADER_REDIRECT_URI") {
            Some(v) => v
                .split([',', ' '])
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect(),
            None if !file.redirect_uris.is_empty() => file.redirect_uris.clone(),
            None => vec![DEFAULT_REDIRECT_URI.to_string()],
        };
        let api_base = env("X_UPLOADER_API_BASE")
            .or_else(|| file.api_base.clone())
            .unwrap_or_else(|| X_API_BASE.to_string())
            .trim_end_matches('/')
            .to_string();
        let on_x = api_base == X_API_BASE;
        let endpoint = |var: &str, from_file: &Option<String>, x: &str, path: &str| {
            env(var).or_else(|| from_file.clone()).unwrap_or_else(|| {
                if on_x {
                    x.to_string()
                } else {
                    format!("{api_base}{path}")
                }
            })
        };
        Config {
            authorize_url: endpoint(
                "X_UPLOADER_AUTHORIZE_URL",
                &file.authorize_url,
                X_AUTHORIZE_URL,
                "/i/oauth2/authorize",
            ),
            token_url: endpoint(
                "X_UPLOADER_TOKEN_URL",
                &file.token_url,
                X_TOKEN_URL,
                "/2/oauth2/token",
            ),
            revoke_url: endpoint(
                "X_UPLOADER_REVOKE_URL",
                &file.revoke_url,
                X_REVOKE_URL,
                "/2/oauth2/revoke",
            ),
            client_secret: env("X_UPLOADER_CLIENT_SECRET").map(Secret::new),
            access_token: env("X_UPLOADER_ACCESS_TOKEN").map(Secret::new),
            keyring_service: env("X_UPLOADER_KEYRING_SERVICE")
                .unwrap_or_else(|| "x-uploader".into()),
            chunk_mib_env: env("X_UPLOADER_CHUNK_MIB"),
            parallel_env: env("X_UPLOADER_PARALLEL"),
            client_id,
            client_id_source,
            redirect_uris,
            api_base,
            paths,
            file,
        }
    }

    /// What may be done to photos: `keep_location` as decided for videos
    /// too (`--keep-location`, `upload.keep_location`); conversion by
    /// `--no-convert`, then `convert` under `[photos]`; on by default.
    pub fn photo_options(
        &self,
        keep_location: bool,
        no_convert_flag: bool,
    ) -> crate::core::media::prepare::PhotoOptions {
        crate::core::media::prepare::PhotoOptions {
            keep_location,
            no_convert: no_convert_flag || self.file.photos.convert == Some(false),
        }
    }

    /// Segment size and parallelism: flag, then env, then config file, then
    /// the measured defaults. The error names the setting at fault.
    pub fn engine_config(
        &self,
        chunk_flag: Option<f64>,
        parallel_flag: Option<usize>,
    ) -> Result<EngineConfig, String> {
        let chunk = match (chunk_flag, &self.chunk_mib_env, self.file.upload.chunk_mib) {
            (Some(v), _, _) => Some((v, "--chunk-mib")),
            (None, Some(v), _) => Some((
                v.trim().parse::<f64>().map_err(|_| {
                    format!("X_UPLOADER_CHUNK_MIB is “{v}”; give a number of MiB from 0.25 to 5.")
                })?,
                "X_UPLOADER_CHUNK_MIB",
            )),
            (None, None, Some(v)) => Some((v, "upload.chunk_mib in config.toml")),
            _ => None,
        };
        let segment_bytes = match chunk {
            Some((mib, what)) => {
                let bytes = (mib * MIB as f64).round() as u64;
                if !CHUNK_MIB_RANGE.contains(&mib) || bytes > SEGMENT_MAX_BYTES {
                    return Err(format!(
                        "{what} is {mib}; give a number of MiB from 0.25 to 5."
                    ));
                }
                bytes
            }
            None => DEFAULT_SEGMENT_BYTES,
        };
        let parallel = match (parallel_flag, &self.parallel_env, self.file.upload.parallel) {
            (Some(v), _, _) => Some((v, "--parallel")),
            (None, Some(v), _) => Some((
                v.trim().parse::<usize>().map_err(|_| {
                    format!("X_UPLOADER_PARALLEL is “{v}”; give a whole number from 1 to 16.")
                })?,
                "X_UPLOADER_PARALLEL",
            )),
            (None, None, Some(v)) => Some((v, "upload.parallel in config.toml")),
            _ => None,
        };
        let parallel = match parallel {
            Some((n, what)) if !PARALLEL_RANGE.contains(&n) => {
                return Err(format!("{what} is {n}; give a whole number from 1 to 16."));
            }
            Some((n, _)) => n,
            None => DEFAULT_PARALLEL,
        };
        Ok(EngineConfig {
            segment_bytes,
            parallel,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::media::prepare::PhotoOptions;
    use std::collections::HashMap;

    fn paths() -> Paths {
        Paths {
            config_dir: "/c".into(),
            data_dir: "/d".into(),
            autostart_dir: None,
        }
    }

    fn config(file: FileConfig, vars: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_parts(paths(), file, &move |k| map.get(k).cloned())
    }

    #[test]
    fn endpoints_follow_the_api_base() {
        let c = config(FileConfig::default(), &[]);
        assert_eq!(c.authorize_url, X_AUTHORIZE_URL);
        assert_eq!(c.token_url, X_TOKEN_URL);
        assert_eq!(c.redirect_uris, vec![DEFAULT_REDIRECT_URI]);
        let c = config(
            FileConfig::default(),
            &[("X_UPLOADER_API_BASE", "http://127.0.0.1:4010/")],
        );
        assert_eq!(c.api_base, "http://127.0.0.1:4010");
        assert_eq!(c.authorize_url, "http://127.0.0.1:4010/i/oauth2/authorize");
        assert_eq!(c.revoke_url, "http://127.0.0.1:4010/2/oauth2/revoke");
        let c = config(
            FileConfig::default(),
            &[
                ("X_UPLOADER_API_BASE", "http://h"),
                ("X_UPLOADER_TOKEN_URL", "http://t/token"),
            ],
        );
        assert_eq!(c.token_url, "http://t/token");
    }

    #[test]
    fn client_id_env_wins_over_file() {
        let file = FileConfig {
            client_id: Some("from-file".into()),
            ..FileConfig::default()
        };
        assert_eq!(
            config(file.clone(), &[]).client_id.as_deref(),
            Some("from-file")
        );
        let c = config(file, &[("X_UPLOADER_CLIENT_ID", "from-env")]);
        assert_eq!(c.client_id.as_deref(), Some("from-env"));
        assert_eq!(c.client_id_source, Source::Env);
    }

    #[test]
    fn upload_tuning_precedence_flag_env_file_default() {
        let file = FileConfig {
            upload: UploadSettings {
                chunk_mib: Some(2.0),
                parallel: Some(2),
                keep_location: None,
            },
            ..FileConfig::default()
        };
        let e = config(file.clone(), &[]).engine_config(None, None).unwrap();
        assert_eq!((e.segment_bytes, e.parallel), (2 * MIB, 2));
        let c = config(
            file.clone(),
            &[("X_UPLOADER_CHUNK_MIB", "1"), ("X_UPLOADER_PARALLEL", "5")],
        );
        let e = c.engine_config(None, None).unwrap();
        assert_eq!((e.segment_bytes, e.parallel), (MIB, 5));
        let e = c.engine_config(Some(3.0), Some(1)).unwrap();
        assert_eq!((e.segment_bytes, e.parallel), (3 * MIB, 1));
        let e = config(FileConfig::default(), &[])
            .engine_config(None, None)
            .unwrap();
        assert_eq!(
            (e.segment_bytes, e.parallel),
            (DEFAULT_SEGMENT_BYTES, DEFAULT_PARALLEL)
        );
        let err = c.engine_config(Some(6.0), None).unwrap_err();
        assert!(err.contains("--chunk-mib is 6"), "{err}");
        let err = config(FileConfig::default(), &[("X_UPLOADER_PARALLEL", "lots")])
            .engine_config(None, None)
            .unwrap_err();
        assert!(err.contains("X_UPLOADER_PARALLEL"), "{err}");
    }

    #[test]
    fn photo_options_flag_then_file_then_default() {
        let c = config(FileConfig::default(), &[]);
        assert_eq!(c.photo_options(false, false), PhotoOptions::default());
        assert!(c.photo_options(true, false).keep_location);
        assert!(c.photo_options(false, true).no_convert);
        let file: FileConfig = toml::from_str("[photos]\nconvert = false\n").unwrap();
        let o = config(file, &[]).photo_options(false, false);
        assert!(!o.keep_location && o.no_convert);
    }

    #[test]
    fn bad_config_file_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, "client_id = 3\n").unwrap();
        let e = FileConfig::read(&p).unwrap_err();
        assert!(e.contains("config.toml"), "{e}");
        let good = FileConfig {
            client_id: Some("abc".into()),
            ..FileConfig::default()
        };
        good.write(&p).unwrap();
        assert_eq!(FileConfig::read(&p).unwrap(), good);
    }
}
