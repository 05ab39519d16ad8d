//! `POST /attempts/{id}`: the quiz form. A plain HTML form post, so a quiz can be taken with or
//! without JavaScript; its fields (`q1`, `q2`, … with the chosen positions) depend on the
//! questions drawn, which a fixed server-function signature cannot express.

use super::AppState;
use app::accounts::server::CurrentSession;
use app::error::{AppError, DomainError};
use app::problem::Problem;
use app::quizzes::attempt_href;
use app::quizzes::server::{AnswerSheet, submit_attempt};
use axum::{
    body::Bytes,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};

/// Back to the attempt page with the problem's code (and question number), never its text.
fn with_error(id: &str, problem: &Problem) -> Response {
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("error", problem.code());
    if let Some(number) = problem.number() {
        query.append_pair("n", &number.to_string());
    }
    Redirect::to(&format!("{}?{}", attempt_href(id), query.finish())).into_response()
}

/// 404 in the reader's language (the language cookie, else `Accept-Language`).
fn not_found(headers: &axum::http::HeaderMap) -> Response {
    let lang = super::unavailable::language(headers);
    (StatusCode::NOT_FOUND, AppError::NotFound.message(lang)).into_response()
}

pub async fn submit(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: axum::http::HeaderMap,
    session: Option<axum::Extension<CurrentSession>>,
    body: Bytes,
) -> Response {
    // Only a well-formed id goes anywhere near a header.
    let Ok(attempt) = uuid::Uuid::parse_str(&id) else {
        return not_found(&headers);
    };
    let id = attempt.to_string();
    let Some(axum::Extension(session)) = session else {
        return Redirect::to(&app::redirect::sign_in_then(&attempt_href(&id))).into_response();
    };
    let fields: Vec<(String, String)> = url::form_urlencoded::parse(&body).into_owned().collect();
    let sheet = match AnswerSheet::from_fields(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    {
        Ok(sheet) => sheet,
        Err(problem) => return with_error(&id, &problem),
    };
    match submit_attempt(
        &state.db,
        session.me.id,
        attempt,
        &sheet,
        chrono::Utc::now(),
    )
    .await
    {
        Ok(()) => Redirect::to(&attempt_href(&id)).into_response(),
        Err(DomainError::Invalid(problem)) => with_error(&id, &problem),
        Err(DomainError::NotFound) => not_found(&headers),
        Err(DomainError::Unavailable(error)) => {
            tracing::warn!(%error, "submitting an attempt: the database is unavailable");
            super::unavailable::answer(&headers)
        }
        Err(error) => {
            tracing::error!(%error, "submitting an attempt failed");
            (StatusCode::SERVICE_UNAVAILABLE, "Submitting failed; please try again. Your answers were not lost: the attempt is still open.").into_response()
        }
    }
}
