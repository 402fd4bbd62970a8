//! Client policies: when to retry a request, how long to wait, how to poll a build.
//! Used by the SDK's Rust client and its JS layer alike.

/// Attempts at most, the first one included.
pub const MAX_ATTEMPTS: u32 = 3;
/// Backoff before the 2nd attempt (doubles after each retry), before jitter.
pub const BACKOFF_BASE_MS: u32 = 300;
/// The longest wait a `Retry-After` may impose before the client gives up instead.
pub const MAX_RETRY_AFTER_MS: u32 = 30_000;
/// Per-request timeout when the caller sets none.
pub const DEFAULT_TIMEOUT_MS: u32 = 30_000;
/// Pause between build-status polls when the caller sets none.
pub const POLL_INTERVAL_MS: u32 = 2_000;
/// Shortest pause between build-status polls.
pub const MIN_POLL_INTERVAL_MS: u32 = 100;
/// Base URL of the hosted API.
pub const DEFAULT_BASE_URL: &str = "https://api.lelantos.ai";

/// What happened to one attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The request never got an HTTP answer (connection refused, reset, DNS, CORS).
    NetworkError,
    /// An HTTP answer with this status.
    Status(u16),
}

/// Whether to try again after `outcome` on attempt number `attempt` (1-based).
///
/// Idempotent requests (GET, DELETE) are retried on network errors, 429, 502, 503 and 504.
/// A non-idempotent request (a create) is retried only on 429, where the server said it did
/// not act on it — never blindly after a network error or a gateway error.
pub fn should_retry(idempotent: bool, outcome: Outcome, attempt: u32) -> bool {
    if attempt >= MAX_ATTEMPTS {
        return false;
    }
    match outcome {
        Outcome::Status(429) => true,
        Outcome::Status(502..=504) | Outcome::NetworkError => idempotent,
        Outcome::Status(_) => false,
    }
}

/// The wait before the next attempt after attempt number `attempt` (1-based) failed.
/// `retry_after_ms` is the server's `Retry-After`, if any; `jitter` is a random number in
/// `[0, 1)`. Returns `None` when the server asks for a longer wait than the client accepts.
pub fn retry_delay_ms(attempt: u32, retry_after_ms: Option<u32>, jitter: f64) -> Option<u32> {
    if let Some(ms) = retry_after_ms {
        return (ms <= MAX_RETRY_AFTER_MS).then_some(ms);
    }
    let exp = BACKOFF_BASE_MS.saturating_mul(1 << attempt.saturating_sub(1).min(10));
    // "Equal jitter": half fixed, half random, so retries from many clients spread out.
    let jitter = jitter.clamp(0.0, 1.0);
    Some(exp / 2 + (f64::from(exp / 2) * jitter) as u32)
}

/// Parses a `Retry-After` header given in seconds (the only form this API sends).
pub fn parse_retry_after_ms(value: &str) -> Option<u32> {
    value
        .trim()
        .parse::<u32>()
        .ok()
        .map(|s| s.saturating_mul(1000))
}

/// The poll interval to use for a caller's requested value.
pub fn poll_interval_ms(requested: Option<f64>) -> u32 {
    match requested {
        Some(ms) if ms.is_finite() && ms >= 0.0 => (ms as u32).max(MIN_POLL_INTERVAL_MS),
        _ => POLL_INTERVAL_MS,
    }
}

/// Joins a base URL and a path without doubling or dropping the slash.
pub fn join_url(base: &str, path: &str) -> String {
    format!(
        "{}/{}",
        base.trim_end_matches('/'),
        path.trim_start_matches('/')
    )
}

/// Percent-encodes a path segment (ids are plain, but callers may pass anything).
pub fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            out.push(
                char::from_digit(u32::from(b >> 4), 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
            out.push(
                char::from_digit(u32::from(b & 15), 16)
                    .unwrap_or('0')
                    .to_ascii_uppercase(),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_rules() {
        for s in [429, 502, 503, 504] {
            assert!(should_retry(true, Outcome::Status(s), 1), "{s}");
        }
        assert!(should_retry(true, Outcome::NetworkError, 2));
        assert!(
            !should_retry(true, Outcome::NetworkError, 3),
            "at most 3 attempts"
        );
        for s in [400, 401, 404, 409, 413, 500] {
            assert!(!should_retry(true, Outcome::Status(s), 1), "{s}");
        }
        // Creates: only when the server said it did not act (429).
        assert!(should_retry(false, Outcome::Status(429), 1));
        assert!(!should_retry(false, Outcome::Status(503), 1));
        assert!(!should_retry(false, Outcome::NetworkError, 1));
    }

    #[test]
    fn delays() {
        assert_eq!(retry_delay_ms(1, None, 0.0), Some(150));
        assert_eq!(retry_delay_ms(1, None, 0.999), Some(299));
        assert_eq!(retry_delay_ms(2, None, 0.0), Some(300));
        assert_eq!(retry_delay_ms(1, Some(2000), 0.5), Some(2000));
        assert_eq!(retry_delay_ms(1, Some(60_000), 0.5), None);
        assert_eq!(parse_retry_after_ms(" 3 "), Some(3000));
        assert_eq!(parse_retry_after_ms("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn polling_and_urls() {
        assert_eq!(poll_interval_ms(None), 2000);
        assert_eq!(poll_interval_ms(Some(10.0)), 100);
        assert_eq!(poll_interval_ms(Some(f64::NAN)), 2000);
        assert_eq!(
            join_url("http://h:1/", "/templates"),
            "http://h:1/templates"
        );
        assert_eq!(join_url("http://h:1", "templates"), "http://h:1/templates");
        assert_eq!(encode_segment("ab-9_"), "ab-9_");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
    }
}
