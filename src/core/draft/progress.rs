//! One upload's progress as a person sees it: a cell per chunk, bytes
//! sent, the speed, and the note about a retry or a start-over.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use crate::core::engine::{Event, bytes_done};
use crate::core::xclient::RetryReason;

/// One chunk's cell in the segmented bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell {
    Waiting,
    /// Sending, with the share already handed to the network.
    Sending(f32),
    Done,
    Retrying,
}

/// Bytes per second, smoothed over the last few seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Rate {
    samples: Vec<(Instant, u64)>,
}

impl Rate {
    const WINDOW: Duration = Duration::from_secs(4);

    fn new() -> Self {
        Rate {
            samples: Vec::new(),
        }
    }

    fn record(&mut self, now: Instant, total_sent: u64) {
        self.samples.push((now, total_sent));
        self.samples
            .retain(|(t, _)| now.duration_since(*t) <= Self::WINDOW);
    }

    pub fn bytes_per_sec(&self) -> Option<f64> {
        let (first, last) = (self.samples.first()?, self.samples.last()?);
        let secs = last.0.duration_since(first.0).as_secs_f64();
        (secs >= 0.5).then(|| last.1.saturating_sub(first.1) as f64 / secs)
    }
}

/// What the tile says under its chunk bar.
#[derive(Debug, Clone, PartialEq)]
pub enum Note {
    /// "Connection dropped — retrying chunk 7 in 2 s" (counting down from
    /// `said_at`).
    Retrying {
        reason: RetryReason,
        /// The chunk, or `None` for the whole upload (INITIALIZE, STATUS…).
        index: Option<u32>,
        said_at: Instant,
        wait: Duration,
    },
    /// Starting over, and why (X refused pieces as too large, or forgot an
    /// earlier upload).
    StartingOver(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    pub segment_bytes: u64,
    pub total_bytes: u64,
    pub cells: Vec<Cell>,
    sent: BTreeMap<u32, u64>,
    pub rate: Rate,
    pub note: Option<Note>,
}

impl Progress {
    pub fn new(total_bytes: u64, segments: u32, segment_bytes: u64) -> Self {
        Progress {
            segment_bytes,
            total_bytes,
            cells: vec![Cell::Waiting; segments as usize],
            sent: BTreeMap::new(),
            rate: Rate::new(),
            note: None,
        }
    }

    /// Bytes sent: finished chunks plus what in-flight ones handed over.
    pub fn sent_bytes(&self) -> u64 {
        let done = self
            .cells
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == Cell::Done)
            .map(|(i, _)| i as u32);
        bytes_done(self.total_bytes, self.segment_bytes, done) + self.sent.values().sum::<u64>()
    }

    pub fn fraction(&self) -> f32 {
        if self.total_bytes == 0 {
            return 0.0;
        }
        (self.sent_bytes() as f64 / self.total_bytes as f64).min(1.0) as f32
    }

    /// Percent to show: bytes handed over, but never 100 before X has
    /// acknowledged every chunk.
    pub fn percent(&self) -> u32 {
        let pct = (self.fraction() * 100.0).floor() as u32;
        if self.done_cells() < self.cells.len() {
            pct.min(99)
        } else {
            pct
        }
    }

    /// Nothing sent yet: waiting for a free slot (other files go first).
    pub fn queued(&self) -> bool {
        self.cells.iter().all(|c| *c == Cell::Waiting) && self.note.is_none()
    }

    pub fn done_cells(&self) -> usize {
        self.cells.iter().filter(|c| **c == Cell::Done).count()
    }

    pub fn seconds_left(&self) -> Option<f64> {
        let rate = self.rate.bytes_per_sec()?;
        (rate > 0.0).then(|| self.total_bytes.saturating_sub(self.sent_bytes()) as f64 / rate)
    }

    /// A retry countdown is on show (the window repaints while it counts).
    pub fn counting_down(&self) -> bool {
        matches!(&self.note, Some(Note::Retrying { wait, .. }) if !wait.is_zero())
    }

    /// The note as of `now` (the countdown moves).
    pub fn note_text(&self, now: Instant) -> Option<String> {
        let (reason, index, said_at, wait) = match self.note.as_ref()? {
            Note::StartingOver(message) => return Some(message.clone()),
            Note::Retrying {
                reason,
                index,
                said_at,
                wait,
            } => (reason, index, said_at, wait),
        };
        if matches!(
            reason,
            RetryReason::RateLimited { .. } | RetryReason::OutOfOrderRefused
        ) {
            return Some(reason.describe());
        }
        let left = wait.saturating_sub(now.duration_since(*said_at));
        let what = match index {
            Some(i) => format!("retrying chunk {}", i + 1),
            None => "retrying".to_string(),
        };
        Some(if left.is_zero() {
            format!("{} — {what} now", reason.describe())
        } else {
            format!(
                "{} — {what} in {} s",
                reason.describe(),
                left.as_secs_f64().ceil() as u64
            )
        })
    }

    /// Paused: chunks cut off go back to waiting.
    pub fn paused(&mut self) {
        for i in std::mem::take(&mut self.sent).into_keys() {
            self.set(i, Cell::Waiting);
        }
    }

    fn set(&mut self, index: u32, cell: Cell) {
        if let Some(c) = self.cells.get_mut(index as usize) {
            *c = cell;
        }
    }

    /// Follow one chunk event of the engine.
    pub fn apply(&mut self, event: &Event, now: Instant) {
        match event {
            Event::SegmentStarted { index, .. } => self.set(*index, Cell::Sending(0.0)),
            Event::SegmentProgress {
                index, sent, len, ..
            } => {
                self.sent.insert(*index, *sent);
                self.set(*index, Cell::Sending(*sent as f32 / (*len).max(1) as f32));
                self.rate.record(now, self.sent_bytes());
                let retried_here = matches!(
                    &self.note,
                    Some(Note::Retrying { index: Some(i), .. }) if i == index
                );
                if retried_here && *sent > 0 {
                    self.note = None;
                }
            }
            Event::SegmentDone { index, .. } => {
                self.sent.remove(index);
                self.set(*index, Cell::Done);
                self.rate.record(now, self.sent_bytes());
            }
            Event::Retrying {
                index,
                reason,
                wait,
                ..
            } => {
                if let Some(i) = index {
                    self.sent.remove(i);
                    self.set(*i, Cell::Retrying);
                }
                self.note = Some(Note::Retrying {
                    reason: reason.clone(),
                    index: *index,
                    said_at: now,
                    wait: *wait,
                });
            }
            Event::StartingOver { message, .. } => {
                self.note = Some(Note::StartingOver(message.clone()));
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::engine::UploadId;

    #[test]
    fn chunk_cells_follow_the_engine() {
        let t0 = Instant::now();
        let id = UploadId(1);
        let mut p = Progress::new(10, 3, 4);
        p.apply(&Event::SegmentStarted { id, index: 0 }, t0);
        p.apply(
            &Event::SegmentProgress {
                id,
                index: 0,
                sent: 2,
                len: 4,
            },
            t0,
        );
        assert_eq!(
            p.cells,
            vec![Cell::Sending(0.5), Cell::Waiting, Cell::Waiting]
        );
        assert_eq!(p.sent_bytes(), 2);
        let t1 = t0 + Duration::from_secs(1);
        p.apply(&Event::SegmentDone { id, index: 0 }, t1);
        p.apply(
            &Event::Retrying {
                id,
                index: Some(2),
                reason: RetryReason::ConnectionDropped,
                wait: Duration::from_secs(2),
                attempt: 1,
            },
            t1,
        );
        assert_eq!(p.cells, vec![Cell::Done, Cell::Waiting, Cell::Retrying]);
        assert_eq!(p.sent_bytes(), 4);
        assert!(p.counting_down());
        assert_eq!(
            p.note_text(t0 + Duration::from_millis(1500)).unwrap(),
            "Connection dropped — retrying chunk 3 in 2 s"
        );
        assert!((p.fraction() - 0.4).abs() < 1e-6);
        assert_eq!(p.rate.bytes_per_sec(), Some(2.0));
        // Bytes of chunk 3 going out again clear its retry note.
        p.apply(
            &Event::SegmentProgress {
                id,
                index: 2,
                sent: 1,
                len: 2,
            },
            t1,
        );
        assert_eq!(p.note, None);
    }
}
