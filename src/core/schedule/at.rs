//! The time a user writes for a scheduled post — `14:00`, `tomorrow 09:30`,
//! `2026-12-24 09:30`, `+90s`, `+2h` — read in the computer's time zone.
//! Generic over the time zone so tests can use one with daylight saving.

use chrono::{
    DateTime, Days, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone,
};

/// Why a time can't be used, in words for the person who wrote it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtError {
    #[error(
        "\"{0}\" isn't a time X Uploader understands. Write 14:00, tomorrow 09:30, 2026-12-24 09:30, or a delay like +90s, +30m or +2h."
    )]
    Unreadable(String),
    #[error(
        "{time} has already passed today (it is {now} now). Write \"tomorrow {time}\" or a date, like {tomorrow} {time}."
    )]
    PassedToday {
        time: String,
        now: String,
        tomorrow: String,
    },
    #[error("{0} is in the past. Pick a time that is still to come.")]
    InPast(String),
    #[error(
        "There is no {time} on {date} in this computer's time zone: the clocks go forward then. Pick {next} or later."
    )]
    DoesNotExist {
        date: String,
        time: String,
        next: String,
    },
    #[error("A delay must be more than zero, like +90s, +30m or +2h.")]
    ZeroDelay,
    #[error("{0} is too far ahead; schedule posts at most a year ahead.")]
    TooFar(String),
}

/// The longest a post may be scheduled ahead.
const MAX_AHEAD: TimeDelta = TimeDelta::days(366);

/// Read `input` as a moment after `now`, in `now`'s time zone.
pub fn parse_at<Tz: TimeZone>(input: &str, now: &DateTime<Tz>) -> Result<DateTime<Tz>, AtError> {
    let words = input.trim();
    let unreadable = || AtError::Unreadable(words.to_string());
    let at = if let Some(delay) = words.strip_prefix('+') {
        let delta = parse_delay(delay).ok_or_else(unreadable)?;
        if delta <= TimeDelta::zero() {
            return Err(AtError::ZeroDelay);
        }
        if delta > MAX_AHEAD {
            return Err(AtError::TooFar(words.to_string()));
        }
        now.clone() + delta
    } else {
        let parts: Vec<&str> = words.split_whitespace().collect();
        let today = now.date_naive();
        match parts.as_slice() {
            [time] => {
                let time = parse_time(time).ok_or_else(unreadable)?;
                let at = resolve(&now.timezone(), today.and_time(time))?;
                if at <= *now {
                    return Err(AtError::PassedToday {
                        time: time.format("%H:%M").to_string(),
                        now: now.naive_local().format("%H:%M").to_string(),
                        tomorrow: next_day(today).format("%Y-%m-%d").to_string(),
                    });
                }
                at
            }
            [day, time] => {
                let time = parse_time(time).ok_or_else(unreadable)?;
                let date = match day.to_ascii_lowercase().as_str() {
                    "today" => today,
                    "tomorrow" => next_day(today),
                    other => {
                        NaiveDate::parse_from_str(other, "%Y-%m-%d").map_err(|_| unreadable())?
                    }
                };
                resolve(&now.timezone(), date.and_time(time))?
            }
            _ => return Err(unreadable()),
        }
    };
    if at <= *now {
        return Err(AtError::InPast(
            at.naive_local().format("%Y-%m-%d %H:%M").to_string(),
        ));
    }
    if at.clone() - now.clone() > MAX_AHEAD {
        return Err(AtError::TooFar(words.to_string()));
    }
    Ok(at)
}

fn next_day(d: NaiveDate) -> NaiveDate {
    d.checked_add_days(Days::new(1)).unwrap_or(d)
}

/// `14:00`, `9:30` or `14:00:30`.
fn parse_time(s: &str) -> Option<NaiveTime> {
    NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()
}

/// `90s`, `30m`, `2h`, `1d`, or several together: `1h30m`.
fn parse_delay(s: &str) -> Option<TimeDelta> {
    let mut total = TimeDelta::zero();
    let mut digits = String::new();
    let mut any = false;
    for c in s.chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let n: i64 = digits.parse().ok()?;
        digits.clear();
        let unit = match c {
            's' => TimeDelta::try_seconds(n)?,
            'm' => TimeDelta::try_minutes(n)?,
            'h' => TimeDelta::try_hours(n)?,
            'd' => TimeDelta::try_days(n)?,
            _ => return None,
        };
        total = total.checked_add(&unit)?;
        any = true;
    }
    (any && digits.is_empty()).then_some(total)
}

/// A wall-clock time on a date in `tz`: the earlier of the two when the
/// clocks go back, and a refusal naming the first time that exists when
/// they go forward.
fn resolve<Tz: TimeZone>(tz: &Tz, local: NaiveDateTime) -> Result<DateTime<Tz>, AtError> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Ok(t),
        LocalResult::Ambiguous(earlier, _) => Ok(earlier),
        LocalResult::None => {
            // Gaps are an hour (sometimes 30 minutes); look a few hours on.
            let next = (1..=240)
                .map(|m| local + TimeDelta::minutes(m))
                .find(|t| !matches!(tz.from_local_datetime(t), LocalResult::None));
            Err(AtError::DoesNotExist {
                date: local.format("%Y-%m-%d").to_string(),
                time: local.format("%H:%M").to_string(),
                next: next
                    .map(|t| t.format("%H:%M").to_string())
                    .unwrap_or_else(|| "a later time".into()),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{FixedOffset, Utc};
    use chrono_tz::Europe::Berlin;

    fn berlin(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<chrono_tz::Tz> {
        Berlin
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("a plain Berlin time")
    }

    #[test]
    fn delays() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
        assert_eq!(
            parse_at("+90s", &now).unwrap(),
            now + TimeDelta::seconds(90)
        );
        assert_eq!(parse_at("+2h", &now).unwrap(), now + TimeDelta::hours(2));
        assert_eq!(
            parse_at(" +1h30m ", &now).unwrap(),
            now + TimeDelta::minutes(90)
        );
        assert_eq!(parse_at("+0s", &now).unwrap_err(), AtError::ZeroDelay);
        assert!(matches!(parse_at("+2x", &now), Err(AtError::Unreadable(_))));
        assert!(matches!(parse_at("+", &now), Err(AtError::Unreadable(_))));
        assert!(matches!(parse_at("+5", &now), Err(AtError::Unreadable(_))));
        assert!(matches!(parse_at("+400d", &now), Err(AtError::TooFar(_))));
        assert!(matches!(
            parse_at("+99999999999999999999d", &now),
            Err(AtError::Unreadable(_))
        ));
    }

    #[test]
    fn clock_times_today_tomorrow_and_dates() {
        let tz = FixedOffset::east_opt(3600).unwrap();
        let now = tz.with_ymd_and_hms(2026, 12, 3, 13, 5, 0).unwrap();
        assert_eq!(
            parse_at("14:00", &now).unwrap(),
            tz.with_ymd_and_hms(2026, 12, 3, 14, 0, 0).unwrap()
        );
        assert_eq!(
            parse_at("tomorrow 09:30", &now).unwrap(),
            tz.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap()
        );
        assert_eq!(
            parse_at("Tomorrow 9:30", &now).unwrap(),
            tz.with_ymd_and_hms(2026, 12, 4, 9, 30, 0).unwrap()
        );
        assert_eq!(
            parse_at("2026-12-24 09:30", &now).unwrap(),
            tz.with_ymd_and_hms(2026, 12, 24, 9, 30, 0).unwrap()
        );
        let passed = parse_at("12:00", &now).unwrap_err();
        assert_eq!(
            passed.to_string(),
            "12:00 has already passed today (it is 13:05 now). Write \"tomorrow 12:00\" or a date, like 2026-12-04 12:00."
        );
        assert!(matches!(
            parse_at("today 13:00", &now),
            Err(AtError::InPast(_))
        ));
        assert!(matches!(
            parse_at("2025-01-01 10:00", &now),
            Err(AtError::InPast(_))
        ));
        for bad in [
            "",
            "noon",
            "25:00",
            "2026-13-01 10:00",
            "tomorrow",
            "next week 10:00",
        ] {
            assert!(
                matches!(parse_at(bad, &now), Err(AtError::Unreadable(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn daylight_saving_gap_and_fold() {
        // Berlin: clocks go forward 2027-03-28 02:00 → 03:00, back 2027-10-31 03:00 → 02:00.
        let now = berlin(2027, 3, 27, 12, 0);
        let gap = parse_at("tomorrow 02:30", &now).unwrap_err();
        assert_eq!(
            gap,
            AtError::DoesNotExist {
                date: "2027-03-28".into(),
                time: "02:30".into(),
                next: "03:00".into()
            }
        );
        assert!(gap.to_string().contains("clocks go forward"));
        // A delay across the change is exact time, not wall time.
        let later = parse_at("+24h", &now).unwrap();
        assert_eq!(later.format("%H:%M").to_string(), "13:00");

        let now = berlin(2027, 10, 30, 12, 0);
        let fold = parse_at("tomorrow 02:30", &now).unwrap();
        // The first 02:30 (summer time, UTC+2).
        assert_eq!(fold.naive_utc().format("%H:%M").to_string(), "00:30");
    }
}
