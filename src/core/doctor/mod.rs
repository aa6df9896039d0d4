//! "Check setup": what is set up wrong on this computer, at the network or
//! in the X app, checked in order, one line each, with what to do and who
//! can do it. Used by `x-uploader doctor` and the window's Settings. No
//! check uploads or posts anything.

mod local;
mod remote;

use serde::Serialize;

use crate::core::config::{Config, FileConfig, Paths, process_env};
pub use crate::core::xclient::problems::Who;

/// How one check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    Pass,
    Fail,
    /// Not checked: an earlier check failed that this one needs.
    Skipped,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Stable name for scripts: "settings", "client_id", "callback_port",
    /// "keychain", "x_reachable", "clock", "sign_in", "x_app", "limits".
    pub id: &'static str,
    /// What was checked, for people ("Client id").
    pub name: &'static str,
    pub state: State,
    /// What was found.
    pub said: String,
    /// What to do about a failure.
    pub fix: Option<String>,
    /// Who can do it.
    pub who: Option<Who>,
}

impl Check {
    pub fn pass(id: &'static str, name: &'static str, said: impl Into<String>) -> Check {
        Check {
            id,
            name,
            state: State::Pass,
            said: said.into(),
            fix: None,
            who: None,
        }
    }

    pub fn fail(
        id: &'static str,
        name: &'static str,
        said: impl Into<String>,
        who: Who,
        fix: impl Into<String>,
    ) -> Check {
        let fix = fix.into();
        Check {
            id,
            name,
            state: State::Fail,
            said: said.into(),
            fix: (!fix.is_empty()).then_some(fix),
            who: Some(who),
        }
    }

    pub fn skipped(id: &'static str, name: &'static str, why: impl Into<String>) -> Check {
        Check {
            id,
            name,
            state: State::Skipped,
            said: why.into(),
            fix: None,
            who: None,
        }
    }

    /// "✓ Client id: abc (from config.toml)", "✗ …  To fix (your
    /// administrator): …", "– …: not checked (…)".
    pub fn line(&self) -> String {
        let mark = match self.state {
            State::Pass => "✓",
            State::Fail => "✗",
            State::Skipped => "–",
        };
        format!("{mark} {}", self.text())
    }

    /// The line without its mark.
    pub fn text(&self) -> String {
        let mut line = format!("{}: {}", self.name, self.said);
        match (&self.fix, self.who) {
            (Some(fix), Some(who)) => line.push_str(&format!(" To fix ({}): {fix}", who.words())),
            (None, Some(who)) => line.push_str(&format!(" ({} can fix this)", who.words())),
            _ => {}
        }
        line
    }
}

/// All checks, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Report {
    pub ok: bool,
    pub checks: Vec<Check>,
}

impl Report {
    fn new(checks: Vec<Check>) -> Report {
        Report {
            ok: checks.iter().all(|c| c.state != State::Fail),
            checks,
        }
    }

    pub fn lines(&self) -> Vec<String> {
        self.checks.iter().map(Check::line).collect()
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.id == id)
    }
}

/// Run every check for the settings in `paths` and the process environment.
pub async fn run(paths: Paths) -> Report {
    run_with(paths, Vec::new()).await
}

/// The same, with some environment variables given (the window passes its
/// keychain service, and in practice mode the practice server and app).
pub async fn run_with(paths: Paths, overrides: Vec<(&'static str, String)>) -> Report {
    let mut checks = Vec::new();
    let file = match FileConfig::read(&paths.config_file()) {
        Ok(file) => {
            let exists = paths.config_file().exists();
            checks.push(Check::pass(
                "settings",
                "Settings file",
                if exists {
                    format!("{} read", paths.config_file().display())
                } else {
                    format!(
                        "{} not there yet (the defaults are in use)",
                        paths.config_file().display()
                    )
                },
            ));
            file
        }
        Err(e) => {
            checks.push(Check::fail(
                "settings",
                "Settings file",
                e,
                Who::You,
                "fix the line it names, or delete the file to start from the defaults (an administrator may have written it: ask them).",
            ));
            FileConfig::default()
        }
    };
    let env = move |name: &str| {
        overrides
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.clone())
            .or_else(|| process_env(name))
    };
    let config = Config::from_parts(paths, file, &env);
    checks.push(local::client_id(&config));
    checks.push(local::callback_port(&config));
    checks.push(local::keychain(&config).await);
    checks.extend(remote::checks(&config).await);
    Report::new(checks)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_say_what_and_who() {
        let c = Check::fail(
            "client_id",
            "Client id",
            "none is set.",
            Who::Administrator,
            "set it in Settings.",
        );
        assert_eq!(
            c.line(),
            "✗ Client id: none is set. To fix (your administrator): set it in Settings."
        );
        let r = Report::new(vec![Check::pass("a", "A", "fine"), c]);
        assert!(!r.ok);
        assert_eq!(r.lines()[0], "✓ A: fine");
        assert!(Report::new(vec![Check::skipped("b", "B", "not checked")]).ok);
    }
}
