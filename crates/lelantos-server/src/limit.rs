//! Per-key rate limiting: a token bucket per API key.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Instant;

/// Requests per second per key, with a burst of the same size. `per_second == 0` disables it.
pub struct RateLimiter {
    per_second: u32,
    buckets: Mutex<HashMap<i64, (f64, Instant)>>,
}

impl RateLimiter {
    /// A limiter allowing `per_second` requests per second per key (0 = unlimited).
    pub fn new(per_second: u32) -> RateLimiter {
        RateLimiter {
            per_second,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a token for `key`; on refusal returns the whole seconds to wait.
    pub fn check(&self, key: i64) -> Result<(), u64> {
        self.check_at(key, Instant::now())
    }

    fn check_at(&self, key: i64, now: Instant) -> Result<(), u64> {
        if self.per_second == 0 {
            return Ok(());
        }
        let rate = f64::from(self.per_second);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let (tokens, last) = buckets.entry(key).or_insert((rate, now));
        *tokens = (*tokens + now.saturating_duration_since(*last).as_secs_f64() * rate).min(rate);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }

    /// The configured rate (0 = unlimited).
    pub fn per_second(&self) -> u32 {
        self.per_second
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn bucket_refills_over_time() {
        let l = RateLimiter::new(2);
        let t0 = Instant::now();
        assert!(l.check_at(1, t0).is_ok());
        assert!(l.check_at(1, t0).is_ok());
        assert_eq!(l.check_at(1, t0), Err(1));
        assert!(l.check_at(2, t0).is_ok(), "keys have their own buckets");
        assert!(l.check_at(1, t0 + Duration::from_millis(600)).is_ok());
        assert!(RateLimiter::new(0).check_at(1, t0).is_ok());
    }
}
