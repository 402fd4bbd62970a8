//! The client's error type.

use std::fmt;

/// What kind of failure an [`Error`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// Bad input, caught before sending (status 0) or answered 4xx by the server.
    Validation,
    /// Missing or unknown API key (401/403).
    Auth,
    /// Unknown id (404).
    NotFound,
    /// The request conflicts with the current state (409), e.g. a sandbox from a template
    /// that is not ready.
    Conflict,
    /// Too many requests (429), after the allowed retries.
    RateLimited,
    /// The server failed (5xx) or answered something that is not the API.
    Server,
    /// No HTTP answer: connection refused, DNS, CORS, offline.
    Network,
    /// The request (or a wait) took longer than its timeout.
    Timeout,
    /// Cancelled through an AbortSignal.
    Aborted,
    /// A build ended in `error` (from `waitForBuild`).
    Build,
}

impl ErrorKind {
    /// The JS spelling (`not_found`, `rate_limited`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Validation => "validation",
            ErrorKind::Auth => "auth",
            ErrorKind::NotFound => "not_found",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Server => "server",
            ErrorKind::Network => "network",
            ErrorKind::Timeout => "timeout",
            ErrorKind::Aborted => "aborted",
            ErrorKind::Build => "build",
        }
    }

    /// The kind of an HTTP error status.
    pub fn from_status(status: u16) -> ErrorKind {
        match status {
            401 | 403 => ErrorKind::Auth,
            404 => ErrorKind::NotFound,
            409 => ErrorKind::Conflict,
            429 => ErrorKind::RateLimited,
            400..=499 => ErrorKind::Validation,
            _ => ErrorKind::Server,
        }
    }
}

/// A failed call. Never contains the API key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    /// What kind of failure.
    pub kind: ErrorKind,
    /// The HTTP status, 0 when there was no HTTP answer (or the call was never sent).
    pub status: u16,
    /// The `code` of the server's error body, if it sent one.
    pub code: Option<u16>,
    /// What went wrong, for a person.
    pub message: String,
}

impl Error {
    /// An error with no HTTP status.
    pub fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            status: 0,
            code: None,
            message: message.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}

impl From<lelantos_api::ValidationError> for Error {
    fn from(e: lelantos_api::ValidationError) -> Self {
        Error::new(ErrorKind::Validation, e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_from_status() {
        assert_eq!(ErrorKind::from_status(400), ErrorKind::Validation);
        assert_eq!(ErrorKind::from_status(413), ErrorKind::Validation);
        assert_eq!(ErrorKind::from_status(401), ErrorKind::Auth);
        assert_eq!(ErrorKind::from_status(404), ErrorKind::NotFound);
        assert_eq!(ErrorKind::from_status(409), ErrorKind::Conflict);
        assert_eq!(ErrorKind::from_status(429), ErrorKind::RateLimited);
        assert_eq!(ErrorKind::from_status(503), ErrorKind::Server);
        assert_eq!(ErrorKind::NotFound.as_str(), "not_found");
    }
}
