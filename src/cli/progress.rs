//! Progress on stderr with indicatif: a bar per file (bytes, chunk counter,
//! MB/s, time left), retries as they happen, then X's processing percent.
//! indicatif draws nothing when stderr is not a terminal.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::mpsc::UnboundedReceiver;

use crate::core::engine::{Event, UploadId, bytes_done};

struct FileBar {
    bar: ProgressBar,
    segment_bytes: u64,
    total: u64,
    segments: u32,
    done: BTreeSet<u32>,
    in_flight: HashMap<u32, u64>,
}

impl FileBar {
    fn position(&self) -> u64 {
        let done = bytes_done(self.total, self.segment_bytes, self.done.iter().copied());
        done + self.in_flight.values().sum::<u64>()
    }

    fn chunks(&self) -> String {
        format!("chunk {}/{}", self.done.len(), self.segments)
    }
}

fn style() -> ProgressStyle {
    ProgressStyle::with_template(
        "{prefix:24!} [{bar:28}] {percent:>3}% {binary_bytes_per_sec:>11} {eta:>4} {msg}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ")
}

/// Draw events until the engine's channel closes. With `notes`, a start
/// over (and why) is also said on stderr when it is not a terminal.
pub async fn show(mut events: UnboundedReceiver<Event>, notes: bool) {
    let plain = notes && !std::io::IsTerminal::is_terminal(&std::io::stderr());
    let multi = MultiProgress::with_draw_target(ProgressDrawTarget::stderr());
    let mut bars: HashMap<UploadId, FileBar> = HashMap::new();
    while let Some(event) = events.recv().await {
        match event {
            Event::Started {
                id,
                name,
                total_bytes,
                segments,
                segment_bytes,
            } => {
                let bar = match bars.remove(&id) {
                    Some(old) => old.bar,
                    None => multi.add(ProgressBar::new(total_bytes)),
                };
                bar.set_style(style());
                bar.set_prefix(name);
                bar.set_length(total_bytes);
                bar.set_position(0);
                bar.enable_steady_tick(Duration::from_millis(250));
                let file = FileBar {
                    bar,
                    segment_bytes,
                    total: total_bytes,
                    segments,
                    done: BTreeSet::new(),
                    in_flight: HashMap::new(),
                };
                file.bar.set_message(file.chunks());
                bars.insert(id, file);
            }
            Event::SegmentProgress {
                id, index, sent, ..
            } => {
                if let Some(f) = bars.get_mut(&id) {
                    f.in_flight.insert(index, sent);
                    f.bar.set_position(f.position());
                }
            }
            Event::SegmentDone { id, index } => {
                if let Some(f) = bars.get_mut(&id) {
                    f.in_flight.remove(&index);
                    f.done.insert(index);
                    f.bar.set_position(f.position());
                    f.bar.set_message(f.chunks());
                }
            }
            Event::Retrying {
                id,
                index,
                reason,
                wait,
                ..
            } => {
                if let Some(f) = bars.get_mut(&id) {
                    if let Some(i) = index {
                        f.in_flight.remove(&i);
                    }
                    let what = match index {
                        Some(i) => {
                            format!("retrying chunk {} in {} s", i + 1, wait.as_secs().max(1))
                        }
                        None => format!("retrying in {} s", wait.as_secs().max(1)),
                    };
                    f.bar.set_message(format!("{} — {what}", reason.describe()));
                }
            }
            Event::StartingOver { id, message, .. } => {
                if plain {
                    eprintln!("note: {message}");
                }
                if let Some(f) = bars.get(&id) {
                    f.bar.set_message(message);
                }
            }
            Event::Paused { id } => {
                if let Some(f) = bars.get(&id) {
                    f.bar.set_message("paused");
                }
            }
            Event::Finalizing { id } => {
                if let Some(f) = bars.get(&id) {
                    f.bar.set_position(f.total);
                    f.bar.set_message("finishing…");
                }
            }
            Event::Processing { id, percent } => {
                if let Some(f) = bars.get(&id) {
                    f.bar.set_message(match percent {
                        Some(p) => format!("X is processing… {p}%"),
                        None => "X is processing…".to_string(),
                    });
                }
            }
            Event::Ready { id, .. } => {
                if let Some(f) = bars.get(&id) {
                    f.bar.set_position(f.total);
                    f.bar.finish_with_message("ready");
                }
            }
            Event::Failed { id, .. } | Event::Cancelled { id } => {
                if let Some(f) = bars.get(&id) {
                    f.bar.abandon_with_message("stopped");
                }
            }
            Event::MediaCreated { .. } | Event::SegmentStarted { .. } | Event::Resumed { .. } => {}
        }
    }
    let _ = multi.clear();
}
