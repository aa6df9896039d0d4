//! `--perf-log FILE`: per frame, the CPU time of the app's frame code and
//! whether a repaint was requested. Lines go to a writer thread, so the UI
//! thread never touches the disk.

use std::io::Write;
use std::path::Path;
use std::sync::mpsc::{Sender, channel};
use std::time::{Duration, Instant};

pub struct PerfLog {
    lines: Sender<String>,
    started: Instant,
}

/// When a frame began, by the wall clock and the thread's CPU clock.
pub struct FrameStart {
    wall: Instant,
    cpu: Option<Duration>,
}

impl PerfLog {
    pub fn open(path: &Path) -> std::io::Result<PerfLog> {
        let mut file = std::io::BufWriter::new(std::fs::File::create(path)?);
        writeln!(
            file,
            "unix_ms,t_ms,frame_cpu_us,frame_wall_us,repaint_requested"
        )?;
        file.flush()?;
        let (lines, rx) = channel::<String>();
        std::thread::Builder::new()
            .name("perf-log".into())
            .spawn(move || {
                while let Ok(line) = rx.recv() {
                    let _ = writeln!(file, "{line}");
                    // Write what else is waiting, then flush.
                    while let Ok(next) = rx.try_recv() {
                        let _ = writeln!(file, "{next}");
                    }
                    let _ = file.flush();
                }
                let _ = file.flush();
            })?;
        Ok(PerfLog {
            lines,
            started: Instant::now(),
        })
    }

    pub fn start(&self) -> FrameStart {
        FrameStart {
            wall: Instant::now(),
            cpu: thread_cpu_time(),
        }
    }

    pub fn end(&self, start: FrameStart, repaint_requested: bool) {
        let wall = start.wall.elapsed();
        let cpu = match (start.cpu, thread_cpu_time()) {
            (Some(a), Some(b)) => b.saturating_sub(a),
            _ => wall,
        };
        let unix_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let _ = self.lines.send(format!(
            "{unix_ms},{},{},{},{}",
            self.started.elapsed().as_millis(),
            cpu.as_micros(),
            wall.as_micros(),
            u8::from(repaint_requested)
        ));
    }
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn thread_cpu_time() -> Option<Duration> {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own.
    let ok = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) } == 0;
    ok.then(|| Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32))
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn thread_cpu_time() -> Option<Duration> {
    None
}
