//! How long making a large photo fit X takes, and the memory it needs.
//!
//! cargo run --release --example shrink -- PHOTO.jpg [RUNS]
//!
//! Prints each run's time, the size before and after, and the process's
//! peak resident memory (VmHWM) at the end. Figures: docs/benchmarks/shrink.md.

use std::time::Instant;

use x_uploader::core::limits::{LIMITS, human_bytes};
use x_uploader::core::media::{convert, probe};

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), String> {
    x_uploader::core::memory::tune_allocator();
    let mut args = std::env::args().skip(1);
    let path = std::path::PathBuf::from(args.next().ok_or("give a photo")?);
    let runs: usize = args.next().and_then(|n| n.parse().ok()).unwrap_or(5);
    if cfg!(debug_assertions) {
        return Err("build with --release: debug timings mean nothing".into());
    }
    let mime = probe::sniff(&path)
        .map_err(|e| e.to_string())?
        .ok_or("not a picture")?
        .mime;
    let before = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
    let mut times = Vec::new();
    for run in 1..=runs {
        let start = Instant::now();
        let out = convert::make_fit(&path, &mime, LIMITS.photo_max_bytes)?;
        let secs = start.elapsed().as_secs_f64();
        times.push(secs);
        println!(
            "run {run}: {secs:.3} s  {} → {} ({}×{}, quality {:?})",
            human_bytes(before),
            human_bytes(out.data.len() as u64),
            out.width,
            out.height,
            out.quality
        );
    }
    times.sort_by(f64::total_cmp);
    println!(
        "median {:.3} s, best {:.3} s, worst {:.3} s over {runs} runs; peak RSS {} MiB; {} threads available",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        peak_rss_kib().unwrap_or(0) / 1024,
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    Ok(())
}
