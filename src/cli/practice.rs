//! `x-uploader practice-server`

use std::process::ExitCode;
use std::sync::mpsc;

use super::PracticeServerArgs;
use crate::core::practice::{PracticeOptions, PracticeServer};

impl From<&PracticeServerArgs> for PracticeOptions {
    fn from(a: &PracticeServerArgs) -> Self {
        PracticeOptions {
            port: a.port,
            extra_redirect_uris: a.redirect_uris.clone(),
            latency_ms: a.latency_ms,
            bandwidth_mbps: a.bandwidth_mbps,
            processing_secs: a.processing_secs,
            fault_rate: a.fault_rate,
            seed: a.seed,
            max_body_bytes: a.max_body_bytes,
            rate_limits: !a.no_rate_limits,
            single_grant: a.single_grant,
            auto_approve: a.auto_approve,
            state_dir: a.state_dir.clone(),
            token_lifetime_secs: a.token_lifetime_secs,
        }
    }
}

pub fn run(args: &PracticeServerArgs) -> ExitCode {
    let server = match PracticeServer::start(args.into()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: the practice server could not start: {e}");
            return ExitCode::from(1);
        }
    };
    println!("Practice server on {}", server.base_url());
    let (tx, rx) = mpsc::channel();
    if let Err(e) = ctrlc::set_handler(move || {
        let _ = tx.send(());
    }) {
        eprintln!("error: could not listen for Ctrl-C: {e}");
        return ExitCode::from(1);
    }
    let _ = rx.recv();
    server.stop();
    ExitCode::from(130)
}
