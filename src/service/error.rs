//! Every error the API answers with: an HTTP status and a JSON body
//! `{"error": {"code": "…", "message": "…"}}`. Messages come from the library, which never
//! puts a password in one (URLs are redacted there).

use crate::migrate::MigrateError;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"code": self.code, "message": self.message}});
        let mut r = (self.status, Json(body)).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer realm=\"sqlshift\""),
            );
        }
        r
    }
}

impl From<MigrateError> for ApiError {
    fn from(e: MigrateError) -> Self {
        use crate::dialect::DbError;
        let message = e.to_string();
        match &e {
            MigrateError::LockTimeout { .. } => {
                ApiError::new(StatusCode::CONFLICT, "locked", message)
            }
            // The library words these for the command line's `--to`.
            MigrateError::UnknownVersion { .. } | MigrateError::NotApplied { .. } => {
                ApiError::bad_request(message.replacen("--to ", "version ", 1))
            }
            MigrateError::NewerApplied { .. } | MigrateError::NoDownSql { .. } => {
                ApiError::bad_request(message)
            }
            MigrateError::Db(DbError::Connect { .. } | DbError::Lost(_)) => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "unavailable", message)
            }
            MigrateError::Failed { .. } => ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "migration_failed",
                message,
            ),
            _ if e.is_refusal() => {
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", message)
            }
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message),
        }
    }
}

impl From<crate::dialect::DbError> for ApiError {
    fn from(e: crate::dialect::DbError) -> Self {
        MigrateError::Db(e).into()
    }
}

impl From<crate::parse::ParseError> for ApiError {
    fn from(e: crate::parse::ParseError) -> Self {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "refused", e.to_string())
    }
}
