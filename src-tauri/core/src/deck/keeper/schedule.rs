//! When the keeper refreshes: a little before expiry, spread out, and slower after failures.
//! Pure functions of the times involved, so the numbers can be tested without waiting.

use std::time::Duration;

/// The longest margin before expiry (a token living an hour is refreshed 5 minutes early).
const MAX_MARGIN_SECS: u64 = 300;
/// The widest spread of refresh times across accounts whose tokens expire together.
const MAX_SPREAD_SECS: u64 = 120;
/// The first retry after a failed refresh; it doubles each time up to [`MAX_RETRY_SECS`].
const FIRST_RETRY_SECS: u64 = 15;
const MAX_RETRY_SECS: u64 = 600;
/// Overdue refreshes after a wake from sleep are spread over up to this many seconds.
const MAX_WAKE_SPREAD_SECS: u64 = 60;

/// A random draw in thousandths (0..1000), kept per account so its refresh time is stable
/// between looks and differs from other accounts'.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Jitter(u16);

impl Jitter {
    /// No jitter: the latest a token is due.
    pub(super) const NONE: Self = Self(0);

    pub(super) fn draw() -> Self {
        Self(rand::random_range(0..1000))
    }

    #[cfg(test)]
    pub(super) fn fixed(permille: u16) -> Self {
        Self(permille.min(999))
    }

    /// `jitter` thousandths of `whole`.
    fn of(self, whole: u64) -> u64 {
        whole.saturating_mul(u64::from(self.0)) / 1000
    }
}

/// When to refresh a token received at `received_at` that expires at `expires_at` (Unix
/// seconds): a fifth of its lifetime early (at most 5 minutes), minus up to a tenth of its
/// lifetime (at most 2 minutes) of jitter, so fifty accounts signed in together do not all
/// refresh in the same second.
pub(super) fn due_at(received_at: u64, expires_at: u64, jitter: Jitter) -> u64 {
    let lifetime = expires_at.saturating_sub(received_at);
    let margin = (lifetime / 5).clamp(1, MAX_MARGIN_SECS);
    let spread = (lifetime / 10).min(MAX_SPREAD_SECS);
    expires_at
        .saturating_sub(margin)
        .saturating_sub(jitter.of(spread))
}

/// How long to wait after the `failures`-th failure in a row (1 = the first): 15 s doubling
/// to 10 minutes, each ±25 % so accounts failing together (the network went away) do not
/// retry together.
pub(super) fn retry_delay(failures: u32, jitter: Jitter) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    let base_ms = FIRST_RETRY_SECS
        .saturating_mul(1 << doublings)
        .min(MAX_RETRY_SECS)
        * 1000;
    // 75 % + up to 50 %.
    Duration::from_millis(base_ms * 3 / 4 + jitter.of(base_ms / 2))
}

/// How long an overdue refresh waits after the machine woke (or the clock jumped ahead), with
/// `overdue` accounts due at once: spread over up to a second per account, at most a minute.
pub(super) fn wake_delay(overdue: usize, jitter: Jitter) -> Duration {
    let spread_ms = (overdue as u64).min(MAX_WAKE_SPREAD_SECS) * 1000;
    Duration::from_millis(jitter.of(spread_ms))
}

/// Whether the wall clock moved `wall_secs` while the monotonic clock (which stops during
/// sleep on Linux) moved `monotonic`: more than half a minute more means a sleep or a jump.
pub(super) fn woke_or_jumped(wall_secs: u64, monotonic: Duration) -> bool {
    wall_secs > monotonic.as_secs().saturating_add(30)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_long_token_is_refreshed_five_to_seven_minutes_early() {
        let received = 1_000_000;
        let expires = received + 3600;
        assert_eq!(due_at(received, expires, Jitter::fixed(0)), expires - 300);
        assert_eq!(
            due_at(received, expires, Jitter::fixed(999)),
            expires - 300 - 119
        );
    }

    #[test]
    fn a_minute_long_token_is_refreshed_twelve_to_eighteen_seconds_early() {
        let received = 5_000;
        let expires = received + 60;
        assert_eq!(due_at(received, expires, Jitter::fixed(0)), expires - 12);
        assert_eq!(due_at(received, expires, Jitter::fixed(999)), expires - 17);
    }

    #[test]
    fn accounts_with_different_draws_are_spread() {
        let received = 5_000;
        let expires = received + 3600;
        let times: std::collections::BTreeSet<u64> = (0..50)
            .map(|i| due_at(received, expires, Jitter::fixed(i * 20)))
            .collect();
        assert!(times.len() > 40, "{times:?}");
    }

    #[test]
    fn an_already_expired_or_odd_token_is_due_at_once() {
        assert_eq!(due_at(100, 100, Jitter::fixed(500)), 99);
        assert_eq!(due_at(200, 100, Jitter::fixed(500)), 99);
        assert_eq!(due_at(0, 0, Jitter::fixed(500)), 0);
    }

    #[test]
    fn retries_back_off_to_ten_minutes_and_stay_there() {
        let middle = Jitter::fixed(500);
        let secs = |n| retry_delay(n, middle).as_secs();
        assert_eq!(
            [1, 2, 3, 4, 5, 6, 7, 100].map(secs),
            [15, 30, 60, 120, 240, 480, 600, 600]
        );
        assert_eq!(retry_delay(1, Jitter::fixed(0)).as_millis(), 11_250);
        assert_eq!(
            retry_delay(u32::MAX, Jitter::fixed(999)).as_millis(),
            749_700
        );
    }

    #[test]
    fn overdue_refreshes_after_a_wake_are_spread_over_at_most_a_minute() {
        assert_eq!(wake_delay(1, Jitter::fixed(999)).as_millis(), 999);
        assert_eq!(wake_delay(50, Jitter::fixed(500)).as_secs(), 25);
        assert_eq!(wake_delay(10_000, Jitter::fixed(999)).as_millis(), 59_940);
    }

    #[test]
    fn a_sleep_shows_as_wall_time_running_ahead() {
        assert!(!woke_or_jumped(15, Duration::from_secs(15)));
        assert!(!woke_or_jumped(40, Duration::from_secs(15)));
        assert!(woke_or_jumped(3600, Duration::from_secs(15)));
        // The clock set back: not a wake (due times are then later, nothing storms).
        assert!(!woke_or_jumped(0, Duration::from_secs(15)));
    }
}
