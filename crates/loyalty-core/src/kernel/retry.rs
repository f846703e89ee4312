//! The bounded retry every use case runs under.

/// How many times a use case runs before contention is reported as `busy`.
pub const MAX_ATTEMPTS: u32 = 8;

/// Runs a use-case attempt until it succeeds, fails for good, or has met contention
/// [`MAX_ATTEMPTS`] times (then `busy`). `with_retry!(|n| …)` names the attempt number.
macro_rules! with_retry {
    (|$attempts:ident| $attempt:expr) => {{
        let mut $attempts: u32 = 1;
        loop {
            match $attempt.await {
                Err(error) if error.is_retryable() => {
                    if $attempts >= $crate::kernel::MAX_ATTEMPTS {
                        break Err(match error {
                            $crate::Error::Store(inner) => $crate::Error::Busy(inner),
                            other => other,
                        });
                    }
                    $attempts += 1;
                }
                other => break other,
            }
        }
    }};
    ($attempt:expr) => {
        with_retry!(|_attempt| $attempt)
    };
}
pub(crate) use with_retry;
