//! API errors: an HTTP status plus `{code, message}`.

use axum::body::Body;
use axum::http::{header, HeaderValue, Response, StatusCode};
use axum::response::IntoResponse;
use lelantos_api::ErrorBody;

/// An error answered to a client.
#[derive(Debug)]
pub struct ApiError {
    /// HTTP status (also the body's `code`).
    pub status: StatusCode,
    /// Human text. Never contains internals or the API key.
    pub message: String,
    /// Seconds for a `Retry-After` header (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    /// Any status.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            retry_after: None,
        }
    }
    /// 400.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }
    /// 404 for an id of kind `what`.
    pub fn not_found(what: &str, id: &str) -> Self {
        let shown: String = id.chars().take(80).collect();
        Self::new(StatusCode::NOT_FOUND, format!("{what} {shown:?} not found"))
    }
    /// 409.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, message)
    }
    /// 500; the detail goes to the server log only.
    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal server error; the server log has the details",
        )
    }
}

impl From<crate::store::StoreError> for ApiError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::internal(e)
    }
}

impl From<lelantos_api::ValidationError> for ApiError {
    fn from(e: lelantos_api::ValidationError) -> Self {
        ApiError::bad_request(e.to_string())
    }
}

/// Serialises `{code, message}` for `status`.
pub fn error_body(status: StatusCode, message: &str) -> Vec<u8> {
    serde_json::to_vec(&ErrorBody {
        code: status.as_u16(),
        message: message.to_string(),
    })
    .unwrap_or_else(|_| b"{\"code\":500,\"message\":\"internal server error\"}".to_vec())
}

impl IntoResponse for ApiError {
    fn into_response(self) -> axum::response::Response {
        let mut res = Response::new(Body::from(error_body(self.status, &self.message)));
        *res.status_mut() = self.status;
        res.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(secs) = self.retry_after {
            res.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        res
    }
}
