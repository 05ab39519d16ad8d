//! Server functions for the catalog, course pages and the lesson reader.

use super::{CoursePage, CourseSummary, LessonPage};
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, request_lang, require_signed_in};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "courses/list")]
pub async fn list_courses() -> Result<Vec<CourseSummary>, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::catalog(&database()?, me.id, request_lang()).await?)
}

#[server(prefix = "/api", endpoint = "courses/get")]
pub async fn get_course(slug: String) -> Result<CoursePage, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::course_page(&database()?, me.id, &slug, request_lang()).await?)
}

#[server(prefix = "/api", endpoint = "courses/lesson")]
pub async fn get_lesson(course: String, lesson: String) -> Result<LessonPage, AppError> {
    let me = require_signed_in()?;
    Ok(super::server::lesson_page(
        &database()?,
        me.id,
        &course,
        &lesson,
        request_lang(),
        chrono::Utc::now(),
    )
    .await?)
}

/// Marks a lesson as read to its end and moves on to the next step.
#[server(prefix = "/api", endpoint = "courses/complete_lesson")]
pub async fn complete_lesson(course: String, lesson: String) -> Result<(), AppError> {
    let me = require_signed_in()?;
    let next =
        super::server::complete_lesson(&database()?, me.id, &course, &lesson, chrono::Utc::now())
            .await?;
    leptos_axum::redirect(&next);
    Ok(())
}
