//! Errors in three layers: `DomainError` for rules (server only), `AppError` for what a
//! server function may tell the browser, and the JSON API error in the server crate.
//! Only user-safe text ever crosses to `AppError`; the internal cause is logged.

use crate::i18n::Lang;
use crate::problem::Problem;
use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
#[cfg(feature = "ssr")]
use sea_orm::DbErr;
use serde::{Deserialize, Serialize};

/// The failures a domain rule can report; they know nothing of HTTP.
#[cfg(feature = "ssr")]
#[derive(Debug, thiserror::Error)]
pub enum DomainError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("{0}")]
    Conflict(Problem),
    #[error("{0}")]
    Invalid(Problem),
    /// Stored data that cannot be read: a server fault, never the reader's.
    #[error("stored data is unreadable: {0}")]
    Corrupt(String),
    /// The database cannot serve right now (see [`crate::db::is_unavailable`]): 503.
    #[error("the database is unavailable: {0}")]
    Unavailable(DbErr),
    #[error(transparent)]
    Db(DbErr),
}

#[cfg(feature = "ssr")]
impl From<Problem> for DomainError {
    fn from(problem: Problem) -> Self {
        DomainError::Invalid(problem)
    }
}

/// The one place where a database error becomes a domain error: a unique or foreign-key
/// violation means a concurrent request (or the caller) broke a rule the schema enforces,
/// which is a conflict, never a server failure.
#[cfg(feature = "ssr")]
impl From<DbErr> for DomainError {
    fn from(error: DbErr) -> Self {
        use sea_orm::SqlErr;
        match error.sql_err() {
            Some(SqlErr::UniqueConstraintViolation(_)) => {
                DomainError::Conflict(Problem::ChangedConcurrently)
            }
            Some(SqlErr::ForeignKeyConstraintViolation(_)) => {
                DomainError::Conflict(Problem::ReferenceGone)
            }
            _ if crate::db::is_unavailable(&error) => DomainError::Unavailable(error),
            _ => DomainError::Db(error),
        }
    }
}

/// What a 503 asks clients to wait before they try again, in seconds.
pub const RETRY_AFTER_SECONDS: u32 = 5;

/// What a server function may report to the page: codes and numbers only, worded by the
/// page in the reader's language (`Display` is English, for logs).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Please sign in.")]
    NotSignedIn,
    #[error("Your roles do not allow this.")]
    Forbidden,
    #[error("Not found.")]
    NotFound,
    #[error("{0}")]
    Invalid(Problem),
    #[error("{0}")]
    Conflict(Problem),
    #[error("Something went wrong on the server; it has been logged.")]
    Internal,
    /// The database is unavailable, busy or full: 503 with `Retry-After`. Pages show the
    /// translated `unavailable_*` texts.
    #[error("The service is briefly unavailable; please try again in a moment.")]
    Unavailable,
    #[error("The request failed: {0}")]
    Transport(String),
}

impl AppError {
    /// The error in the reader's language.
    pub fn message(&self, lang: Lang) -> String {
        let de = lang == Lang::De;
        let text = |en: &str, german: &str| if de { german } else { en }.to_string();
        match self {
            AppError::NotSignedIn => text("Please sign in.", "Bitte melden Sie sich an."),
            AppError::Forbidden => text(
                "Your roles do not allow this.",
                "Ihre Rollen erlauben das nicht.",
            ),
            AppError::NotFound => text("Not found.", "Nicht gefunden."),
            AppError::Invalid(problem) | AppError::Conflict(problem) => problem.message(lang),
            AppError::Internal => text(
                "Something went wrong on the server; it has been logged.",
                "Auf dem Server ist etwas schiefgegangen; es wurde protokolliert.",
            ),
            AppError::Unavailable => lang.texts().unavailable_body.to_string(),
            AppError::Transport(_) => text(
                "The request did not reach the server; please check the connection and try again.",
                "Die Anfrage hat den Server nicht erreicht; bitte prüfen Sie die Verbindung und versuchen Sie es erneut.",
            ),
        }
    }

    /// The code carried in `?error=` for forms posted without JavaScript, and its number.
    pub fn code(&self) -> (&'static str, Option<u32>) {
        match self {
            AppError::NotSignedIn => ("not_signed_in", None),
            AppError::Forbidden => ("forbidden", None),
            AppError::NotFound => ("not_found", None),
            AppError::Invalid(problem) | AppError::Conflict(problem) => {
                (problem.code(), problem.number())
            }
            AppError::Internal => ("internal", None),
            AppError::Unavailable => ("unavailable", None),
            AppError::Transport(_) => ("transport", None),
        }
    }

    /// The error behind an `?error=` code; unknown codes give `None`.
    pub fn from_code(code: &str, number: Option<u32>) -> Option<AppError> {
        match code {
            "not_signed_in" => Some(AppError::NotSignedIn),
            "forbidden" => Some(AppError::Forbidden),
            "not_found" => Some(AppError::NotFound),
            "internal" => Some(AppError::Internal),
            "unavailable" => Some(AppError::Unavailable),
            "transport" => Some(AppError::Transport(String::new())),
            other => Problem::from_code(other, number).map(AppError::Invalid),
        }
    }

    #[cfg(feature = "ssr")]
    fn status(&self) -> http::StatusCode {
        use http::StatusCode;
        match self {
            AppError::NotSignedIn => StatusCode::UNAUTHORIZED,
            AppError::Forbidden => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Invalid(_) | AppError::Transport(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
            AppError::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    /// Sets the HTTP status of the current server-function response to match the error, so
    /// that clients other than our own pages can tell a 403 from a 500.
    #[cfg(feature = "ssr")]
    pub fn with_status(self) -> Self {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(self.status());
            if self == AppError::Unavailable {
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(RETRY_AFTER_SECONDS),
                );
            }
        }
        self
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Arguments that do not parse are bad input, not a server failure.
            ServerFnErrorErr::Args(message)
            | ServerFnErrorErr::MissingArg(message)
            | ServerFnErrorErr::Deserialization(message) => {
                #[cfg(feature = "ssr")]
                tracing::info!(%message, "a server function received malformed arguments");
                let _ = message;
                let error = AppError::Invalid(Problem::MalformedRequest);
                #[cfg(feature = "ssr")]
                let error = error.with_status();
                error
            }
            other => AppError::Transport(other.to_string()),
        }
    }
}

#[cfg(feature = "ssr")]
impl From<DomainError> for AppError {
    fn from(error: DomainError) -> Self {
        let app_error = match error {
            DomainError::NotFound => AppError::NotFound,
            DomainError::Forbidden => AppError::Forbidden,
            DomainError::Conflict(problem) => AppError::Conflict(problem),
            DomainError::Invalid(problem) => AppError::Invalid(problem),
            DomainError::Corrupt(detail) => {
                tracing::error!(%detail, "stored data is unreadable");
                AppError::Internal
            }
            DomainError::Unavailable(db_error) => {
                tracing::warn!(error = %db_error, "database unavailable in a server function");
                AppError::Unavailable
            }
            DomainError::Db(db_error) => {
                tracing::error!(error = %db_error, "database error in a server function");
                AppError::Internal
            }
        };
        app_error.with_status()
    }
}
