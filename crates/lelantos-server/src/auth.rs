//! API keys: generated as `lel_…`, stored as SHA-256 hashes, compared in constant time.

use sha2::{Digest, Sha256};
use std::sync::{Arc, RwLock};
use subtle::ConstantTimeEq;

/// The prefix of every key.
pub const KEY_PREFIX: &str = "lel_";

/// SHA-256 of a key.
pub fn hash_key(key: &str) -> [u8; 32] {
    Sha256::digest(key.as_bytes()).into()
}

/// A new random key: `lel_` + 40 characters of a-z0-9 (about 206 bits).
pub fn generate_key() -> String {
    format!("{KEY_PREFIX}{}", crate::random_id(40))
}

/// Checks the shape of a key given on the command line or in the environment.
pub fn check_key_shape(key: &str) -> Result<(), String> {
    if !key.starts_with(KEY_PREFIX) {
        return Err(format!("API key must start with {KEY_PREFIX:?}"));
    }
    if key.len() < KEY_PREFIX.len() + 16 {
        return Err("API key must have at least 16 characters after \"lel_\"".into());
    }
    if !key.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("API key must be printable ASCII without spaces".into());
    }
    Ok(())
}

/// A stored key: its id and SHA-256 hash.
pub type KeyHash = (i64, [u8; 32]);

/// The known key hashes, kept in memory.
#[derive(Clone, Default)]
pub struct Keys {
    hashes: Arc<RwLock<Vec<KeyHash>>>,
}

impl Keys {
    /// Replaces the known keys.
    pub fn set(&self, hashes: Vec<KeyHash>) {
        *self.hashes.write().unwrap_or_else(|p| p.into_inner()) = hashes;
    }

    /// The key id for `presented`, comparing against every stored hash in constant time.
    pub fn verify(&self, presented: &str) -> Option<i64> {
        let h = hash_key(presented);
        let hashes = self.hashes.read().unwrap_or_else(|p| p.into_inner());
        let mut found = None;
        for (id, stored) in hashes.iter() {
            if bool::from(stored.ct_eq(&h)) {
                found = Some(*id);
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verify_matches_only_the_right_key() {
        let keys = Keys::default();
        let a = generate_key();
        let b = generate_key();
        assert_ne!(a, b);
        assert!(a.starts_with("lel_") && a.len() == 44);
        keys.set(vec![(1, hash_key(&a)), (2, hash_key(&b))]);
        assert_eq!(keys.verify(&a), Some(1));
        assert_eq!(keys.verify(&b), Some(2));
        assert_eq!(keys.verify("lel_nope"), None);
    }

    #[test]
    fn key_shape() {
        assert!(check_key_shape("lel_0123456789abcdef").is_ok());
        assert!(check_key_shape("e2b_0123456789abcdef")
            .unwrap_err()
            .contains("lel_"));
        assert!(check_key_shape("lel_short").is_err());
        assert!(check_key_shape("lel_0123456789 abcdef").is_err());
    }
}
