//! The benchmark's report: the CSV of every run, the markdown table of
//! medians with the machine described, and the plot.

use std::path::Path;

use crate::{Config, R, Run, Scenario};

pub fn median(mut v: Vec<f64>) -> f64 {
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

pub fn write_csv(path: &Path, runs: &[Run]) -> R<()> {
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
pub fn read_csv(path: &Path, scenarios: &[Scenario]) -> R<Vec<Run>> {
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

pub fn write_markdown(
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

pub fn plot(path: &Path, scenarios: &[Scenario], configs: &[Config], runs: &[Run]) -> R<()> {
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
