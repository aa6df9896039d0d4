//! Posts that go out at a set time: reading the time a user writes (`at`),
//! waiting for it without ever being early, and saying when in words.
//! The queue itself is the journal's posts with a `not_before` time, so the
//! window, `post --at` and `resume` share it (each claims a post before
//! posting it).

pub mod at;
pub mod queue;

use std::time::{SystemTime, UNIX_EPOCH};

use crate::core::clock::Clock;

use chrono::{DateTime, Local, TimeZone};

/// Past this, a due post is not sent without asking (`--post-late`).
pub const LATE_ASKS_AFTER_SECS: u64 = 3600;

/// Unix seconds of `t` (0 before 1970).
pub fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Sleep until the wall clock reaches `t` — never before it: the clock is
/// read again after each sleep (it may have been changed, or the computer
/// suspended).
pub async fn wait_until(t: SystemTime) {
    wait_until_on(&Clock::system(), t).await
}

/// [`wait_until`] by `clock` (tests move it on instead of waiting).
pub async fn wait_until_on(clock: &Clock, t: SystemTime) {
    loop {
        let Ok(left) = t.duration_since(clock.now()) else {
            return;
        };
        if left.is_zero() {
            return;
        }
        tokio::time::sleep(clock.nap(left)).await;
    }
}

/// "Today 14:00", "Tomorrow 09:30", "Thu 24 Dec 09:30" — in `now`'s zone.
pub fn describe_when<Tz: TimeZone>(t: &DateTime<Tz>, now: &DateTime<Tz>) -> String {
    let (day, today) = (t.date_naive(), now.date_naive());
    let time = t.naive_local().format("%H:%M");
    if day == today {
        format!("Today {time}")
    } else if today.succ_opt() == Some(day) {
        format!("Tomorrow {time}")
    } else {
        format!("{} {time}", t.naive_local().format("%a %-d %b %Y"))
    }
}

/// `describe_when` for Unix seconds, in the computer's time zone.
pub fn describe_local(unix: u64) -> String {
    describe_local_on(&Clock::system(), unix)
}

/// [`describe_local`] with "today" as `clock` has it.
pub fn describe_local_on(clock: &Clock, unix: u64) -> String {
    let now = DateTime::<Local>::from(clock.now());
    match Local.timestamp_opt(unix as i64, 0).single() {
        Some(t) => describe_when(&t, &now),
        None => format!("{unix}"),
    }
}

/// "12 minutes", "1 hour 5 minutes", "40 seconds".
pub fn span_words(secs: u64) -> String {
    let plural = |n: u64, one: &str| {
        if n == 1 {
            format!("1 {one}")
        } else {
            format!("{n} {one}s")
        }
    };
    match secs {
        0..60 => plural(secs, "second"),
        60..3600 => plural(secs / 60, "minute"),
        _ if secs % 3600 < 60 => plural(secs / 3600, "hour"),
        _ => format!(
            "{} {}",
            plural(secs / 3600, "hour"),
            plural(secs % 3600 / 60, "minute")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::FixedOffset;
    use std::time::Duration;

    #[test]
    fn when_in_words() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let now = tz.with_ymd_and_hms(2026, 12, 3, 13, 0, 0).unwrap();
        let at = |d, h, m| tz.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap();
        assert_eq!(describe_when(&at(3, 14, 0), &now), "Today 14:00");
        assert_eq!(describe_when(&at(4, 9, 30), &now), "Tomorrow 09:30");
        assert_eq!(describe_when(&at(24, 9, 30), &now), "Thu 24 Dec 2026 09:30");
        assert_eq!(span_words(40), "40 seconds");
        assert_eq!(span_words(60), "1 minute");
        assert_eq!(span_words(12 * 60 + 5), "12 minutes");
        assert_eq!(span_words(3600), "1 hour");
        assert_eq!(span_words(3900), "1 hour 5 minutes");
    }

    #[tokio::test]
    async fn waiting_is_never_early() {
        let target = SystemTime::now() + Duration::from_millis(300);
        wait_until(target).await;
        assert!(SystemTime::now() >= target);
        // A time already past returns at once.
        let before = std::time::Instant::now();
        wait_until(SystemTime::now() - Duration::from_secs(5)).await;
        assert!(before.elapsed() < Duration::from_millis(100));
    }
}
