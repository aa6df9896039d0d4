//! Upload benchmark: the real `x-uploader upload` (release build) against the
//! practice server with link shaping, repeated and interleaved.
//!
//!   scripts/bench.sh [--full] [--runs N] [--only TEXT] [--replot]
//!
//! Per scenario and configuration (segment size × segments in flight): the
//! median wall time, the segment phase (first APPEND sent to last APPEND
//! answered, from the server's request log) in MB/s and as a share of the
//! link's ideal time (bytes ÷ bandwidth), peak RSS, and retries. Writes
//! docs/benchmarks/results.md, runs.csv and throughput.png.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use x_uploader::core::media::testdata::{self, Container};
use x_uploader::core::practice::{PracticeOptions, PracticeServer};

mod report;

use report::{plot, read_csv, write_csv, write_markdown};

type R<T> = Result<T, Box<dyn std::error::Error>>;

#[derive(Debug, Clone)]
struct Scenario {
    name: &'static str,
    mb: u64,
    mbps: Option<f64>,
    latency_ms: u64,
    fault_rate: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Config {
    chunk_mib: u64,
    parallel: usize,
}

#[derive(Debug, Clone)]
struct Run {
    scenario: &'static str,
    config: Config,
    round: usize,
    wall_s: f64,
    phase_s: f64,
    bytes: u64,
    rss_kib: i64,
    retries: i64,
}

fn scenarios(full: bool) -> Vec<Scenario> {
    let mut s = vec![
        Scenario {
            name: "200 MB, unshaped",
            mb: 200,
            mbps: None,
            latency_ms: 0,
            fault_rate: 0.0,
        },
        Scenario {
            name: "200 MB, 200 Mbit/s + 50 ms",
            mb: 200,
            mbps: Some(200.0),
            latency_ms: 50,
            fault_rate: 0.0,
        },
        Scenario {
            name: "20 MB, 20 Mbit/s + 150 ms",
            mb: 20,
            mbps: Some(20.0),
            latency_ms: 150,
            fault_rate: 0.0,
        },
        Scenario {
            name: "200 MB, 200 Mbit/s, 5 % faults",
            mb: 200,
            mbps: Some(200.0),
            latency_ms: 0,
            fault_rate: 0.05,
        },
    ];
    if full {
        s.push(Scenario {
            name: "500 MB, 200 Mbit/s + 50 ms",
            mb: 500,
            mbps: Some(200.0),
            latency_ms: 50,
            fault_rate: 0.0,
        });
    }
    s
}

fn configs(full: bool) -> Vec<Config> {
    let (chunks, parallels): (&[u64], &[usize]) = if full {
        (&[1, 2, 4, 5], &[1, 2, 3, 4, 6])
    } else {
        (&[2, 4], &[1, 2, 4])
    };
    let mut c: Vec<Config> = chunks
        .iter()
        .flat_map(|&chunk_mib| {
            parallels.iter().map(move |&parallel| Config {
                chunk_mib,
                parallel,
            })
        })
        .collect();
    // The defaults are always measured.
    let default = Config {
        chunk_mib: 4,
        parallel: 3,
    };
    if !c.contains(&default) {
        c.push(default);
    }
    c
}

/// A practice token via the auto-approving sign-in.
fn login(base: &str) -> R<String> {
    use base64::Engine;
    use sha2::Digest;
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let verifier =
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>());
    let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .encode(sha2::Sha256::digest(verifier.as_bytes()));
    let redirect = "http://127.0.0.1:8765/callback";
    let r = http
        .get(format!("{base}/i/oauth2/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", "practice-public"),
            ("redirect_uri", redirect),
            (
                "scope",
                "tweet.read tweet.write users.read media.write offline.access",
            ),
            ("state", "bench"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
        ])
        .send()?;
    let location = r
        .headers()
        .get("location")
        .ok_or("the sign-in did not redirect")?
        .to_str()?
        .to_string();
    let code = url::Url::parse(&location)?
        .query_pairs()
        .find(|(k, _)| k == "code")
        .ok_or("no code in the redirect")?
        .1
        .into_owned();
    let t: serde_json::Value = http
        .post(format!("{base}/2/oauth2/token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("client_id", "practice-public"),
            ("redirect_uri", redirect),
            ("code", &code),
            ("code_verifier", &verifier),
        ])
        .send()?
        .json()?;
    Ok(t["access_token"]
        .as_str()
        .ok_or("no access_token")?
        .to_string())
}

/// Run the CLI once; wall time, peak RSS (KiB) and its stdout.
fn upload(
    bin: &Path,
    base: &str,
    token: &str,
    home: &Path,
    file: &Path,
    c: Config,
) -> R<(f64, i64, String)> {
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args([
            "upload",
            "--chunk-mib",
            &c.chunk_mib.to_string(),
            "--parallel",
            &c.parallel.to_string(),
        ])
        .arg(file)
        .env("X_UPLOADER_API_BASE", base)
        .env("X_UPLOADER_ACCESS_TOKEN", token)
        .env("XDG_CONFIG_HOME", home.join("config"))
        .env("XDG_DATA_HOME", home.join("data"))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    // Peak RSS from the child's own VmHWM. (rusage's ru_maxrss would count
    // this process's memory too: the kernel carries the high-water mark
    // across the spawn's fork and exec, and the server lives in here.)
    let pid = child.id();
    let peak = std::thread::spawn(move || {
        let mut peak_kib = 0i64;
        while let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status")) {
            let Some(hwm) = status
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            else {
                break; // exited (a zombie has no memory)
            };
            peak_kib = peak_kib.max(hwm);
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        peak_kib
    });
    let mut out = String::new();
    child
        .stdout
        .take()
        .ok_or("no stdout")?
        .read_to_string(&mut out)?;
    let status = child.wait()?;
    let wall = started.elapsed().as_secs_f64();
    let rss_kib = peak.join().map_err(|_| "the memory probe failed")?;
    if !status.success() {
        return Err(format!("x-uploader upload {} failed ({status})", file.display()).into());
    }
    Ok((wall, rss_kib, out))
}

/// The segment phase and retries of `media_id`, from the request log.
fn phase(base: &str, media_id: &str) -> R<(f64, i64)> {
    let log: serde_json::Value =
        reqwest::blocking::get(format!("{base}/_practice/requests?endpoint=append"))?.json()?;
    let reqs: Vec<&serde_json::Value> = log["requests"]
        .as_array()
        .ok_or("no request log")?
        .iter()
        .filter(|r| r["media_id"] == media_id)
        .collect();
    let start = reqs
        .iter()
        .filter_map(|r| r["started_at"].as_f64())
        .fold(f64::MAX, f64::min);
    let end = reqs
        .iter()
        .filter_map(|r| r["finished_at"].as_f64())
        .fold(0.0, f64::max);
    let media: serde_json::Value =
        reqwest::blocking::get(format!("{base}/_practice/media/{media_id}"))?.json()?;
    let segments = media["segments"].as_array().ok_or("no segments")?.len() as i64;
    Ok((end - start, reqs.len() as i64 - segments))
}

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn run() -> R<()> {
    let args: Vec<String> = std::env::args().collect();
    let full = args.iter().any(|a| a == "--full");
    let runs: usize = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(3);
    // `--only TEXT`: just the scenarios whose name contains TEXT.
    let only = args
        .iter()
        .position(|a| a == "--only")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let exe = std::env::current_exe()?;
    let bin = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("where is the build (target/dist)?")?
        .join("x-uploader");
    if !bin.exists() {
        return Err("build the dist binary first (scripts/bench.sh does)".into());
    }
    let out_dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs/benchmarks");
    std::fs::create_dir_all(&out_dir)?;
    let work = tempfile::tempdir()?;
    let scenarios: Vec<Scenario> = scenarios(full)
        .into_iter()
        .filter(|s| only.as_deref().is_none_or(|o| s.name.contains(o)))
        .collect();
    if scenarios.is_empty() {
        return Err(format!("no scenario matches --only {}", only.unwrap_or_default()).into());
    }
    // The default set writes results.md, runs.csv and throughput.png; `--full`
    // and `--only` write beside them with a suffix, so they never overwrite it.
    let suffix = match (full, &only) {
        (false, None) => String::new(),
        (true, None) => "-full".into(),
        (_, Some(o)) => format!(
            "-{}{}",
            if full { "full-" } else { "" },
            o.chars()
                .map(|c| if c.is_ascii_alphanumeric() {
                    c.to_ascii_lowercase()
                } else {
                    '-'
                })
                .collect::<String>()
                .trim_matches('-')
        ),
    };
    let configs = configs(full);
    let began = Instant::now();
    eprintln!(
        "{} scenarios × {} configurations × {runs} runs",
        scenarios.len(),
        configs.len()
    );

    if args.iter().any(|a| a == "--replot") {
        // Draw the plot again from the runs already measured.
        let results = read_csv(&out_dir.join(format!("runs{suffix}.csv")), &scenarios)?;
        plot(
            &out_dir.join(format!("throughput{suffix}.png")),
            &scenarios,
            &configs,
            &results,
        )?;
        eprintln!("wrote docs/benchmarks/throughput{suffix}.png");
        return Ok(());
    }

    if cfg!(debug_assertions) {
        // A debug build would measure itself, not the link.
        return Err("measure with the dist build: scripts/bench.sh".into());
    }

    let mut files = std::collections::HashMap::new();
    for s in &scenarios {
        if let std::collections::hash_map::Entry::Vacant(slot) = files.entry(s.mb) {
            let path = work.path().join(format!("video-{}mb.mp4", s.mb));
            testdata::write_video(&path, 60.0, s.mb * 1_000_000, Container::Mp4)?;
            slot.insert(path);
        }
    }

    let mut results = Vec::new();
    for s in &scenarios {
        let server = PracticeServer::start(PracticeOptions {
            bandwidth_mbps: s.mbps,
            latency_ms: s.latency_ms,
            processing_secs: 0.0,
            rate_limits: false,
            auto_approve: true,
            ..PracticeOptions::default()
        })?;
        let base = server.base_url().to_string();
        let token = login(&base)?;
        let file = &files[&s.mb];
        let bytes = std::fs::metadata(file)?.len();
        for round in 0..runs {
            // Interleave: each round starts at another configuration.
            for i in 0..configs.len() {
                let c = configs[(i + round * 3) % configs.len()];
                if s.fault_rate > 0.0 {
                    let body = serde_json::json!({ "fault_rate": s.fault_rate, "seed": round as u64 * 100 + i as u64 });
                    reqwest::blocking::Client::new()
                        .post(format!("{base}/_practice/settings"))
                        .json(&body)
                        .send()?
                        .error_for_status()?;
                }
                let home = work.path().join(format!("home-{round}-{i}"));
                let (wall_s, rss_kib, out) = upload(&bin, &base, &token, &home, file, c)?;
                let media_id = out
                    .split('\t')
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_string();
                let (phase_s, retries) = phase(&base, &media_id)?;
                eprintln!(
                    "{:<32} {:>3} MiB × {} round {}: {:6.2} s, segments {:6.2} s, {:6.1} MB/s, {} MiB RSS, {} retries",
                    s.name,
                    c.chunk_mib,
                    c.parallel,
                    round + 1,
                    wall_s,
                    phase_s,
                    bytes as f64 / phase_s / 1e6,
                    rss_kib / 1024,
                    retries
                );
                results.push(Run {
                    scenario: s.name,
                    config: c,
                    round,
                    wall_s,
                    phase_s,
                    bytes,
                    rss_kib,
                    retries,
                });
            }
        }
    }
    let elapsed = began.elapsed().as_secs_f64();
    write_csv(&out_dir.join(format!("runs{suffix}.csv")), &results)?;
    let png = format!("throughput{suffix}.png");
    let table = write_markdown(
        &out_dir.join(format!("results{suffix}.md")),
        &png,
        &scenarios,
        &configs,
        &results,
        runs,
        elapsed,
    )?;
    plot(&out_dir.join(&png), &scenarios, &configs, &results)?;
    println!("{table}");
    eprintln!(
        "done in {elapsed:.0} s; wrote docs/benchmarks/results{suffix}.md, runs{suffix}.csv, {png}"
    );
    Ok(())
}
