//! `x-uploader doctor [--json]`: checks the setup, one line per check;
//! exit 0 when all pass, 1 otherwise.

use std::process::ExitCode;

use super::DoctorArgs;
use super::run::{self, Failure};
use crate::core::config::Paths;
use crate::core::doctor;
use crate::core::logging;

pub fn doctor(verbose: u8, args: &DoctorArgs) -> ExitCode {
    let report = (|| {
        // Not `run::setup`: a settings file that can't be read is one of
        // the things checked, not a reason to stop.
        let paths = Paths::discover()?;
        let _logs = logging::init(&paths.log_dir(), verbose);
        Ok::<_, Failure>(run::runtime()?.block_on(doctor::run(paths)))
    })();
    let report = match report {
        Ok(r) => r,
        Err(e) => return run::finish(Err(e)),
    };
    if args.json {
        match serde_json::to_string_pretty(&report) {
            Ok(json) => println!("{json}"),
            Err(e) => return run::finish(Err(Failure::Error(e.to_string()))),
        }
    } else {
        for line in report.lines() {
            println!("{line}");
        }
    }
    if report.ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
