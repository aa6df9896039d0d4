//! The command line: argument parsing and the subcommands. The same binary
//! starts the window when no subcommand is given.

mod account;
pub mod convert;
mod credentials;
mod doctor;
mod extras;
mod instance;
mod minimized;
pub mod practice;
mod progress;
mod queue;
mod resume;
mod run;
mod session;
pub mod testmedia;
mod thread;
mod upload;
mod window;

pub use account::{accounts, login, logout, switch, whoami};
pub use doctor::doctor;
pub use queue::queue;
pub use resume::resume;
pub use run::{Failure, finish};
pub use thread::thread;
pub use upload::{post, upload};
pub use window::window;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// X Uploader: sign in to X, upload photos and videos, and post.
#[derive(Debug, Parser)]
#[command(name = "x-uploader", version, about)]
pub struct Cli {
    /// Start in practice mode (a built-in practice server; nothing is posted to X).
    #[arg(long)]
    pub practice: bool,

    /// Also log to stderr (-v info, -vv debug).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub verbose: u8,

    /// Show the crash window for this report (the app starts it itself).
    #[arg(long, value_name = "FILE", hide = true)]
    pub crash_report: Option<PathBuf>,

    /// Record per-frame timings of the window to this file (CSV).
    #[arg(long, value_name = "FILE")]
    pub perf_log: Option<PathBuf>,

    /// Start minimised, as the login entry does while scheduled posts
    /// wait; with none waiting, quit at once.
    #[arg(long)]
    pub minimized: bool,

    /// Photos or a video to put in the composer.
    pub files: Vec<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Upload files to X (each its own media) and print their media ids.
    Upload(UploadArgs),
    /// Upload photos or a video and publish a post with them.
    Post(PostArgs),
    /// Publish a thread written in a text file: posts separated by a line
    /// of `---`, files attached with `media: PATH` or `media: PATH | alt text`.
    Thread(ThreadArgs),
    /// Sign in to X in the browser (adds an account; it becomes the active one).
    Login(LoginArgs),
    /// Sign out (the active account, or the one named) and revoke its sign-in at X.
    Logout(LogoutArgs),
    /// List signed-in accounts; the active one is marked with `* `.
    Accounts,
    /// Make another signed-in account the active one.
    Switch(SwitchArgs),
    /// Print the active account's @handle.
    Whoami,
    /// Continue uploads and posts that were interrupted (a crash, Ctrl-C,
    /// a lost network), and post scheduled posts that are due.
    Resume(ResumeArgs),
    /// List the posts waiting for their time (`post --at`, `thread --at`),
    /// or cancel one.
    Queue(QueueArgs),
    /// Check the setup: settings, client id, callback port, keychain, X
    /// reachable, clock, sign-in, what the X app may do, limits left.
    Doctor(DoctorArgs),
    /// Run an X-compatible practice server on 127.0.0.1 until Ctrl-C.
    PracticeServer(PracticeServerArgs),
    /// Make a video into an MP4 that X takes as it is (H.264 + AAC, at most
    /// 1280×1024 and 60 fps), with ffmpeg; prints the new file's path.
    Convert(ConvertArgs),
    /// Write generated media for tests, benchmarks and the walk-through.
    #[command(hide = true)]
    MakeTestMedia(MakeTestMediaArgs),
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The video to convert (it is never changed).
    pub file: PathBuf,
    /// Where to write the MP4 (default: "NAME (for X).mp4" beside it).
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Replace the output file if it exists.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct MakeTestMediaArgs {
    /// video, mov, jpeg, png, gif or heic
    pub kind: String,
    pub path: PathBuf,
    /// Video duration in seconds.
    #[arg(long, default_value_t = 5.0)]
    pub secs: f64,
    /// Approximate size in bytes (videos; photos are padded to it).
    #[arg(long)]
    pub bytes: Option<u64>,
    /// GIF frames.
    #[arg(long, default_value_t = 10)]
    pub frames: u32,
}

/// How uploads go: shared by `upload` and `post`.
#[derive(Debug, Args, Clone, Default)]
pub struct TuningArgs {
    /// Segment size in MiB (0.25 to 5; default measured: 4).
    #[arg(long, value_name = "N")]
    pub chunk_mib: Option<f64>,
    /// Segments in flight at once, across all files (1 = strictly in order).
    #[arg(long, value_name = "N")]
    pub parallel: Option<usize>,
    /// Print one JSON object on stdout instead of lines.
    #[arg(long)]
    pub json: bool,
    /// Send where a video was filmed as it is (by default its location
    /// entries are blanked in what X receives; the file is never changed).
    #[arg(long)]
    pub keep_location: bool,
}

impl TuningArgs {
    /// `--keep-location`, or `keep_location = true` in the settings file.
    pub fn keeps_location(&self, config: &crate::core::config::Config) -> bool {
        self.keep_location || config.file.upload.keep_location.unwrap_or(false)
    }
}

/// What may be done to photos: shared by `upload` and `post`.
#[derive(Debug, Args, Clone, Default)]
pub struct PhotoArgs {
    /// Don't convert photos X wouldn't take as they are (over 5 MB, HEIC, TIFF, BMP…): refuse them instead.
    #[arg(long)]
    pub no_convert: bool,
}

#[derive(Debug, Args)]
pub struct UploadArgs {
    #[command(flatten)]
    pub tuning: TuningArgs,
    #[command(flatten)]
    pub photos: PhotoArgs,
    /// Files to upload; each becomes its own media.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct PostArgs {
    #[command(flatten)]
    pub tuning: TuningArgs,
    #[command(flatten)]
    pub photos: PhotoArgs,
    /// The post's text.
    #[arg(long)]
    pub text: Option<String>,
    /// Alt text for the Nth file (repeat; --alt "" for none).
    #[arg(long = "alt", value_name = "TEXT")]
    pub alts: Vec<String>,
    /// Post at this time instead of now: 14:00, "tomorrow 09:30",
    /// "2026-12-24 09:30", +90s, +2h (the computer's time zone). The files
    /// upload now; keep it running until then (Ctrl-C leaves the post queued).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Captions for the post's video, SRT or WebVTT (repeat for more
    /// languages). The language is two letters after a colon (talk.srt:ES),
    /// else from a name like talk.es.srt, else English.
    #[arg(long = "captions", value_name = "FILE[:LANG]")]
    pub captions: Vec<String>,
    /// Content warning for the Nth file (repeat, in order like --alt):
    /// adult_content, graphic_violence, other (several with commas), or none.
    #[arg(long = "sensitive", value_name = "FLAGS")]
    pub sensitive: Vec<String>,
    /// Who may reply: everyone (the default), following (people you
    /// follow), mentionedUsers (only people you mention), subscribers, verified.
    #[arg(long, value_name = "WHO", value_parser = ["everyone", "following", "mentionedUsers", "subscribers", "verified"])]
    pub reply_settings: Option<String>,
    /// Up to 4 photos, or 1 video, or 1 GIF.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ThreadArgs {
    #[command(flatten)]
    pub tuning: TuningArgs,
    /// The thread's text file (UTF-8). A line of exactly `---` separates
    /// posts; `media: photo.jpg | alt text` attaches a file (paths from
    /// the file's folder); a leading backslash keeps a line as written.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Post the thread at this time instead of now (as for `post --at`).
    #[arg(long, value_name = "TIME")]
    pub at: Option<String>,
    /// Who may reply to every post: everyone (the default), following (people you
    /// follow), mentionedUsers (only people you mention), subscribers, verified.
    #[arg(long, value_name = "WHO", value_parser = ["everyone", "following", "mentionedUsers", "subscribers", "verified"])]
    pub reply_settings: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResumeArgs {
    #[command(flatten)]
    pub tuning: TuningArgs,
    /// Also post scheduled posts that are more than an hour late.
    #[arg(long)]
    pub post_late: bool,
}

#[derive(Debug, Args)]
pub struct QueueArgs {
    #[command(subcommand)]
    pub action: Option<QueueAction>,
}

#[derive(Debug, Subcommand)]
pub enum QueueAction {
    /// Remove a waiting post (or thread) by the id `x-uploader queue` shows.
    Cancel {
        #[arg(value_name = "ID")]
        id: String,
    },
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Print one JSON object on stdout instead of lines.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Don't open a browser: print the sign-in link to open yourself.
    #[arg(long)]
    pub no_browser: bool,
}

#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The account to sign out (default: the active one).
    pub handle: Option<String>,
}

#[derive(Debug, Args)]
pub struct SwitchArgs {
    /// The account to make active, as @handle.
    pub handle: String,
}

#[derive(Debug, Args)]
pub struct PracticeServerArgs {
    /// Port to listen on (0 or none: any free port).
    #[arg(long, default_value_t = 0)]
    pub port: u16,
    /// Register another redirect URI (besides http://127.0.0.1:8765/callback … :8769).
    #[arg(long = "redirect-uri")]
    pub redirect_uris: Vec<String>,
    /// Added to every request, in milliseconds.
    #[arg(long, default_value_t = 0)]
    pub latency_ms: u64,
    /// Shared link speed for request bodies, in megabits per second.
    #[arg(long)]
    pub bandwidth_mbps: Option<f64>,
    /// How long X's processing of a video or GIF takes, in seconds.
    #[arg(long, default_value_t = 3.0)]
    pub processing_secs: f64,
    /// Share of APPEND requests that fail (503, 429, dropped connection).
    #[arg(long, default_value_t = 0.0)]
    pub fault_rate: f64,
    /// Seed for the faults: the same seed gives the same faults.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Answer bodies larger than this with an empty 413, as X's edge does.
    #[arg(long)]
    pub max_body_bytes: Option<u64>,
    /// Turn off X's rate limits (benchmarks).
    #[arg(long)]
    pub no_rate_limits: bool,
    /// A new sign-in revokes the same account's earlier tokens for the app.
    #[arg(long)]
    pub single_grant: bool,
    /// Skip the consent page: sign in as @practice_news at once.
    #[arg(long)]
    pub auto_approve: bool,
    /// Keep accounts, media and posts here across restarts.
    #[arg(long)]
    pub state_dir: Option<PathBuf>,
    /// Access token lifetime in seconds (X: 7200).
    #[arg(long, default_value_t = 7200)]
    pub token_lifetime_secs: u64,
}
