use std::process::ExitCode;

use clap::Parser;
use x_uploader::cli::{Cli, Command};

fn main() -> ExitCode {
    x_uploader::core::memory::tune_allocator();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Upload(args)) => x_uploader::cli::upload(cli.verbose, args),
        Some(Command::Post(args)) => x_uploader::cli::post(cli.verbose, args),
        Some(Command::PracticeServer(args)) => x_uploader::cli::practice::run(args),
        Some(Command::MakeTestMedia(args)) => x_uploader::cli::testmedia::run(args),
        None => {
            eprintln!("The window is not built yet; see `x-uploader --help`.");
            ExitCode::from(2)
        }
    }
}
