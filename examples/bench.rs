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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    if v.is_empty() {
        return f64::NAN;
    }
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
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
        .ok_or("where is target/release?")?
        .join("x-uploader");
    if !bin.exists() {
        return Err("build the release binary first (scripts/bench.sh does)".into());
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
        return Err("measure with the release build: scripts/bench.sh".into());
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

fn write_csv(path: &Path, runs: &[Run]) -> R<()> {
    let mut s = String::from(
        "scenario,chunk_mib,parallel,round,wall_s,segment_phase_s,bytes,peak_rss_kib,retries\n",
    );
    for r in runs {
        s.push_str(&format!(
            "\"{}\",{},{},{},{:.3},{:.3},{},{},{}\n",
            r.scenario,
            r.config.chunk_mib,
            r.config.parallel,
            r.round + 1,
            r.wall_s,
            r.phase_s,
            r.bytes,
            r.rss_kib,
            r.retries
        ));
    }
    std::fs::write(path, s)?;
    Ok(())
}

/// The runs of `write_csv`, for `--replot`.
fn read_csv(path: &Path, scenarios: &[Scenario]) -> R<Vec<Run>> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("{}: {e} (run the benchmark first)", path.display()))?;
    let mut runs = Vec::new();
    for line in text.lines().skip(1) {
        // The scenario (quoted, with commas), then eight numbers.
        let fields: Vec<&str> = line.rsplitn(9, ',').collect();
        let [
            retries,
            rss,
            bytes,
            phase,
            wall,
            round,
            parallel,
            chunk,
            name,
        ] = fields[..]
        else {
            return Err(format!("{}: a line I can't read: {line}", path.display()).into());
        };
        let name = name.trim_matches('"');
        let Some(scenario) = scenarios.iter().find(|s| s.name == name) else {
            continue;
        };
        runs.push(Run {
            scenario: scenario.name,
            config: Config {
                chunk_mib: chunk.parse()?,
                parallel: parallel.parse()?,
            },
            round: round.parse::<usize>()?.saturating_sub(1),
            wall_s: wall.parse()?,
            phase_s: phase.parse()?,
            bytes: bytes.parse()?,
            rss_kib: rss.parse()?,
            retries: retries.parse()?,
        });
    }
    Ok(runs)
}

struct Summary {
    wall: f64,
    phase: f64,
    mbs: f64,
    share: Option<f64>,
    rss_mib: f64,
    retries: f64,
}

fn summarise(s: &Scenario, c: Config, runs: &[Run]) -> Summary {
    let mine: Vec<&Run> = runs
        .iter()
        .filter(|r| r.scenario == s.name && r.config == c)
        .collect();
    let phase = median(mine.iter().map(|r| r.phase_s).collect());
    let bytes = mine.first().map(|r| r.bytes).unwrap_or(0) as f64;
    Summary {
        wall: median(mine.iter().map(|r| r.wall_s).collect()),
        phase,
        mbs: bytes / phase / 1e6,
        share: s.mbps.map(|m| (bytes * 8.0 / (m * 1e6)) / phase),
        rss_mib: mine.iter().map(|r| r.rss_kib).max().unwrap_or(0) as f64 / 1024.0,
        retries: median(mine.iter().map(|r| r.retries as f64).collect()),
    }
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1);
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .unwrap_or("0")
                    .parse::<u64>()
                    .unwrap_or(0)
                    / 1024
                    / 1024
            })
        })
        .unwrap_or(0);
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    format!(
        "{cores} cores ({cpu}), {mem} GiB RAM, Linux {}",
        kernel.trim()
    )
}

fn write_markdown(
    path: &Path,
    png: &str,
    scenarios: &[Scenario],
    configs: &[Config],
    runs: &[Run],
    n: usize,
    secs: f64,
) -> R<String> {
    let mut t = String::new();
    t.push_str("# Upload benchmark\n\n");
    t.push_str(&format!(
        "Machine: {}. The release build of `x-uploader upload` against the practice server (in the benchmark's process, \
         `--no-rate-limits`, processing 0 s), {n} run{} per row, configurations interleaved; {:.0} s in all. \
         Made by `scripts/bench.sh` on {}.\n\n",
        machine(),
        if n == 1 { "" } else { "s" },
        secs,
        chrono::Local::now().format("%Y-%m-%d")
    ));
    t.push_str("*Segment phase*: first APPEND sent to last APPEND answered (the server's request log). \
                *Link share*: the link's ideal time (bytes ÷ bandwidth) over the segment phase. \
                Medians, except peak RSS (the largest of the runs). **Bold**: the defaults (4 MiB, 3 in flight).\n\n");
    for s in scenarios {
        t.push_str(&format!("## {}\n\n", s.name));
        t.push_str("| segment | in flight | wall time | segment phase | MB/s | link share | peak RSS | retries |\n|---|---|---|---|---|---|---|---|\n");
        for &c in configs {
            let m = summarise(s, c, runs);
            let b = if c
                == (Config {
                    chunk_mib: 4,
                    parallel: 3,
                }) {
                "**"
            } else {
                ""
            };
            t.push_str(&format!(
                "| {b}{} MiB{b} | {b}{}{b} | {:.2} s | {:.2} s | {:.1} | {} | {:.1} MiB | {:.0} |\n",
                c.chunk_mib,
                c.parallel,
                m.wall,
                m.phase,
                m.mbs,
                m.share.map(|v| format!("{b}{v:.3}{b}")).unwrap_or_else(|| "—".into()),
                m.rss_mib,
                m.retries
            ));
        }
        t.push('\n');
    }
    t.push_str(&format!("![Link share per configuration]({png})\n"));
    std::fs::write(path, &t)?;
    Ok(t)
}

fn plot(path: &Path, scenarios: &[Scenario], configs: &[Config], runs: &[Run]) -> R<()> {
    use plotters::prelude::*;
    let font = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
    ]
    .iter()
    .find_map(|p| std::fs::read(p).ok());
    let Some(font) = font else {
        return Err("no DejaVuSans.ttf found (install fonts-dejavu-core): no plot".into());
    };
    let font: &'static [u8] = Box::leak(font.into_boxed_slice());
    if plotters::style::register_font("sans-serif", FontStyle::Normal, font).is_err() {
        return Err("DejaVuSans.ttf is not a font plotters can read".into());
    }
    let shaped: Vec<&Scenario> = scenarios.iter().filter(|s| s.mbps.is_some()).collect();
    let root = BitMapBackend::new(path, (1100, 520)).into_drawing_area();
    root.fill(&WHITE)?;
    let n = configs.len();
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "Segment phase as a share of the link (median)",
            ("sans-serif", 24),
        )
        .margin(16)
        .x_label_area_size(70)
        .y_label_area_size(60)
        .build_cartesian_2d(0f64..n as f64, 0f64..1.35f64)?;
    chart
        .configure_mesh()
        .disable_x_mesh()
        .y_desc("share of the link")
        // Each group is labelled below its middle, drawn after the chart.
        .x_labels(0)
        .label_style(("sans-serif", 14))
        .draw()?;
    let colours = [
        RGBColor(29, 155, 240),
        RGBColor(0, 160, 90),
        RGBColor(230, 150, 0),
        RGBColor(120, 80, 200),
    ];
    let width = 0.8 / shaped.len().max(1) as f64;
    for (k, s) in shaped.iter().enumerate() {
        let colour = colours[k % colours.len()];
        let bars: Vec<Rectangle<(f64, f64)>> = configs
            .iter()
            .enumerate()
            .map(|(i, &c)| {
                let share = summarise(s, c, runs).share.unwrap_or(0.0);
                let x0 = i as f64 + 0.1 + k as f64 * width;
                Rectangle::new([(x0, 0.0), (x0 + width * 0.9, share)], colour.filled())
            })
            .collect();
        chart
            .draw_series(bars)?
            .label(s.name)
            .legend(move |(x, y)| Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled()));
    }
    chart
        .draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.95), (n as f64, 0.95)],
            BLACK.stroke_width(1),
        )))?
        .label("0.95 of the link")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 14, y)], BLACK));
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.9))
        .border_style(BLACK)
        .label_font(("sans-serif", 14))
        .draw()?;
    // Two short lines per group, so twenty groups still fit.
    let style = TextStyle::from(("sans-serif", 13).into_font()).pos(
        plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Top,
        ),
    );
    for (i, c) in configs.iter().enumerate() {
        let (x, y) = chart.backend_coord(&(i as f64 + 0.5, 0.0));
        root.draw(&Text::new(
            format!("{} MiB", c.chunk_mib),
            (x, y + 8),
            &style,
        ))?;
        root.draw(&Text::new(format!("× {}", c.parallel), (x, y + 25), &style))?;
    }
    root.present()?;
    Ok(())
}
