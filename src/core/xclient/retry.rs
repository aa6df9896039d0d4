//! When and how long to wait before trying a request again: the policy as
//! data (like object_store's `RetryConfig`), with jittered exponential
//! backoff.

use std::time::{Duration, SystemTime};

use super::error::{ErrorKind, XError};

#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Tries after the first for server errors (5xx) before giving up.
    pub max_retries: u32,
    /// First backoff; each next one doubles, up to `max_backoff`.
    pub initial_backoff: Duration,
    pub max_backoff: Duration,
    /// How long to keep trying while the network is down, once X has been
    /// reached in this run ("Waiting for the network…").
    pub network_patience: Duration,
    /// How long to try when X has not answered even once (wrong address,
    /// no network at all): fail fast with a plain message.
    pub first_contact_patience: Duration,
    /// Longest wait for a rate limit to lift (X's windows are 15 minutes);
    /// a 429 that lifts later (a usage cap) is not waited on.
    pub rate_limit_patience: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        RetryConfig {
            max_retries: 8,
            initial_backoff: Duration::from_millis(500),
            max_backoff: Duration::from_secs(10),
            network_patience: Duration::from_secs(15 * 60),
            first_contact_patience: Duration::from_secs(4),
            rate_limit_patience: Duration::from_secs(15 * 60),
        }
    }
}

impl RetryConfig {
    /// Backoff before try number `attempt` (1-based): exponential, with
    /// jitter between half and all of it so parallel segments spread out.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let capped = exp.min(self.max_backoff);
        capped.mul_f64(rand::random_range(0.5..=1.0))
    }
}

/// Why a request is being tried again, in words a person understands.
#[derive(Debug, Clone, PartialEq)]
pub enum RetryReason {
    ConnectionDropped,
    TimedOut,
    CannotConnect,
    ServerError,
    RateLimited {
        until: SystemTime,
    },
    /// X refused a segment sent out of order: continuing one at a time.
    OutOfOrderRefused,
}

impl RetryReason {
    pub fn from_error(e: &XError) -> Option<RetryReason> {
        Some(match e.kind {
            ErrorKind::ConnectionDropped => RetryReason::ConnectionDropped,
            ErrorKind::TimedOut => RetryReason::TimedOut,
            ErrorKind::CannotConnect => RetryReason::CannotConnect,
            ErrorKind::ServerError => RetryReason::ServerError,
            ErrorKind::RateLimited => RetryReason::RateLimited {
                until: e
                    .reset_time()
                    .unwrap_or_else(|| SystemTime::now() + Duration::from_secs(60)),
            },
            _ => return None,
        })
    }

    /// "Connection dropped", "X limits uploads right now — continuing at 14:05".
    pub fn describe(&self) -> String {
        match self {
            RetryReason::ConnectionDropped => "Connection dropped".into(),
            RetryReason::TimedOut => "X didn't answer in time".into(),
            RetryReason::CannotConnect => "Waiting for the network…".into(),
            RetryReason::ServerError => "X had a problem".into(),
            RetryReason::RateLimited { until } => {
                let secs = until
                    .duration_since(std::time::UNIX_EPOCH)
                    .map(|d| d.as_secs())
                    .unwrap_or(0);
                match super::error::local_hhmm(secs) {
                    Some(t) => format!("X limits uploads right now — continuing at {t}"),
                    None => "X limits uploads right now".into(),
                }
            }
            RetryReason::OutOfOrderRefused => {
                "X wants the pieces in order — sending one at a time".into()
            }
        }
    }
}

/// What the retry loop tells its listener before it waits.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryNotice {
    pub attempt: u32,
    pub wait: Duration,
    pub reason: RetryReason,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let c = RetryConfig::default();
        for attempt in 1..20 {
            let b = c.backoff(attempt);
            let full = c
                .initial_backoff
                .saturating_mul(1 << (attempt - 1).min(16))
                .min(c.max_backoff);
            assert!(b >= full / 2 && b <= full, "{attempt}: {b:?}");
        }
        let samples: std::collections::HashSet<_> = (0..20).map(|_| c.backoff(5)).collect();
        assert!(samples.len() > 1, "jitter spreads retries");
    }
}
