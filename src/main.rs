// Release builds on Windows open no console window when double-clicked;
// run from a terminal, the command line attaches to it (see `main`).
#![cfg_attr(all(windows, not(debug_assertions)), windows_subsystem = "windows")]

use std::process::ExitCode;

use clap::Parser;
use x_uploader::cli::{Cli, Command};

fn main() -> ExitCode {
    #[cfg(windows)]
    attach_parent_console();
    x_uploader::core::memory::tune_allocator();
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Upload(args)) => x_uploader::cli::upload(cli.verbose, args),
        Some(Command::Post(args)) => x_uploader::cli::post(cli.verbose, args),
        Some(Command::Thread(args)) => x_uploader::cli::thread(cli.verbose, args),
        Some(Command::Login(args)) => x_uploader::cli::login(cli.verbose, args),
        Some(Command::Logout(args)) => x_uploader::cli::logout(cli.verbose, args),
        Some(Command::Accounts) => x_uploader::cli::accounts(cli.verbose),
        Some(Command::Switch(args)) => x_uploader::cli::switch(cli.verbose, args),
        Some(Command::Whoami) => x_uploader::cli::whoami(cli.verbose),
        Some(Command::Resume(args)) => x_uploader::cli::resume(cli.verbose, args),
        Some(Command::Queue(args)) => x_uploader::cli::queue(cli.verbose, args),
        Some(Command::Doctor(args)) => x_uploader::cli::doctor(cli.verbose, args),
        Some(Command::PracticeServer(args)) => x_uploader::cli::practice::run(args),
        Some(Command::Convert(args)) => x_uploader::cli::convert::run(args),
        Some(Command::MakeTestMedia(args)) => x_uploader::cli::testmedia::run(args),
        None => x_uploader::cli::window(&cli),
    }
}

/// Started from a terminal, print there (a GUI-subsystem program has no
/// console of its own); double-clicked, there is no parent console and this
/// does nothing.
#[cfg(windows)]
fn attach_parent_console() {
    use windows_sys::Win32::System::Console::{ATTACH_PARENT_PROCESS, AttachConsole};
    // SAFETY: AttachConsole only takes a process id constant.
    unsafe {
        AttachConsole(ATTACH_PARENT_PROCESS);
    }
}
