//! Crash points for the crash-consistency tests (feature `crash-points`, off by default).

/// Aborts the process here when `TOKENDECK_CRASH_AT` names this point (test builds only).
#[inline]
pub fn crash_point(name: &str) {
    #[cfg(feature = "crash-points")]
    if std::env::var("TOKENDECK_CRASH_AT").as_deref() == Ok(name) {
        std::process::abort();
    }
    let _ = name;
}
