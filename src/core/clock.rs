//! The wall clock in Unix seconds, for expiry times X and the journal give,
//! and [`Clock`]: the "now" the service and the window go by, which tests
//! move forward instead of waiting hours. A leaf: everything may use it.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The time as the app sees it: the system's, or (tests) the system's
/// moved on by an offset they set. Clones share the offset.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Seconds added to the system time; `None`: the system time itself.
    offset: Option<Arc<AtomicI64>>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// A clock tests can move forward (starts at the system time).
    pub fn adjustable() -> Clock {
        Clock {
            offset: Some(Arc::new(AtomicI64::new(0))),
        }
    }

    /// Move an adjustable clock on (a system clock stays as it is).
    pub fn advance(&self, by: Duration) {
        if let Some(offset) = &self.offset {
            offset.fetch_add(by.as_secs() as i64, Ordering::SeqCst);
        }
    }

    pub fn now(&self) -> SystemTime {
        let now = SystemTime::now();
        match self.offset.as_ref().map(|o| o.load(Ordering::SeqCst)) {
            Some(s) if s >= 0 => now + Duration::from_secs(s as u64),
            Some(s) => now - Duration::from_secs(s.unsigned_abs()),
            None => now,
        }
    }

    pub fn now_secs(&self) -> u64 {
        self.now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// How long to nap before looking at the clock again while waiting for
    /// `left`: short naps near the end, at most a minute (a second on a
    /// clock tests move, so a move is seen at once).
    pub fn nap(&self, left: Duration) -> Duration {
        let most = if self.offset.is_some() { 1 } else { 60 };
        left.min(Duration::from_secs(most))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_adjustable_clock_moves_and_its_clones_with_it() {
        let clock = Clock::adjustable();
        let copy = clock.clone();
        let before = now_secs();
        clock.advance(Duration::from_secs(7200));
        assert!(copy.now_secs() >= before + 7200);
        assert!(copy.now_secs() < before + 7200 + 5);
        let system = Clock::system();
        system.advance(Duration::from_secs(7200));
        assert!(system.now_secs() < before + 5, "the system clock stays");
        assert_eq!(
            system.nap(Duration::from_secs(300)),
            Duration::from_secs(60)
        );
        assert_eq!(clock.nap(Duration::from_secs(300)), Duration::from_secs(1));
    }
}
