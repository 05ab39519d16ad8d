//! Server functions for quizzes. Submitting answers is a plain form post handled by the
//! server (`POST /attempts/{id}`), because its fields depend on the questions drawn.

use super::{AttemptPage, QuizOverview};
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, request_lang, require_signed_in};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
fn parse_id(raw: &str) -> Result<uuid::Uuid, AppError> {
    uuid::Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound.with_status())
}

#[server(prefix = "/api", endpoint = "quizzes/get")]
pub async fn get_quiz(slug: String) -> Result<QuizOverview, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::quiz_overview(
        &database()?,
        me.id,
        &slug,
        request_lang(),
        chrono::Utc::now(),
    )
    .await?)
}

/// Starts an attempt (or resumes the open one) and goes to it.
#[server(prefix = "/api", endpoint = "quizzes/start")]
pub async fn start_quiz(slug: String) -> Result<String, AppError> {
    let me = require_signed_in()?;
    let id = super::server::start_attempt(
        &database()?,
        me.id,
        &slug,
        chrono::Utc::now(),
        &mut <rand::rngs::StdRng as rand::SeedableRng>::from_entropy(),
    )
    .await?;
    let href = super::attempt_href(&id.to_string());
    leptos_axum::redirect(&href);
    Ok(href)
}

/// The open attempt's questions (never the answer key), or the review once submitted.
#[server(prefix = "/api", endpoint = "quizzes/attempt")]
pub async fn get_attempt(id: String) -> Result<AttemptPage, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::attempt_page(&database()?, me.id, parse_id(&id)?, request_lang()).await?)
}
