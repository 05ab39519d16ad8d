//! Course content as published (immutable JSON snapshots), publishing, and learner progress.

use super::{
    CoursePage, CourseSummary, LessonItem, LessonPage, ModuleItem, Progress, course_href,
    lesson_href, quiz_href,
};
use crate::accounts::UserId;
use crate::content::{Localized, render_markdown};
use crate::entities::{
    course_versions, courses, lesson_completions, lesson_views, quiz_attempts, quizzes,
};
use crate::error::DomainError;
use crate::i18n::Lang;
use crate::problem::Problem;
use crate::quizzes::server::{QuizContent, publish_quiz};
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonContent {
    pub slug: String,
    pub minutes: u32,
    pub title: Localized,
    pub body: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleContent {
    pub slug: String,
    pub title: Localized,
    pub lessons: Vec<LessonContent>,
    /// The slug of the module's quiz; its questions are versioned separately.
    pub quiz: Option<String>,
}

/// A course as published: one immutable version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseContent {
    pub slug: String,
    pub code: String,
    pub title: Localized,
    pub summary: Localized,
    pub modules: Vec<ModuleContent>,
}

/// A course with its module quizzes, as authored (the demo files, later the trainer's editor).
#[derive(Debug, Clone)]
pub struct CourseDraft {
    pub course: CourseContent,
    pub quizzes: Vec<QuizContent>,
}

/// A published version loaded from the database.
#[derive(Debug, Clone)]
pub struct PublishedCourse {
    pub id: Uuid,
    pub version_id: Uuid,
    pub version: i32,
    pub content: CourseContent,
}

fn decode(content: &str) -> Result<CourseContent, DomainError> {
    serde_json::from_str(content).map_err(|e| DomainError::Corrupt(format!("course content: {e}")))
}

/// Checks a draft before it is published, so a broken course never reaches learners.
pub fn validate_draft(draft: &CourseDraft) -> Result<(), String> {
    let course = &draft.course;
    if course.slug.trim().is_empty() || !course.title.is_complete() {
        return Err("a course needs a slug and an English title".into());
    }
    if course.modules.is_empty() {
        return Err(format!("course {} has no modules", course.slug));
    }
    let mut lesson_slugs = HashSet::new();
    for module in &course.modules {
        if module.lessons.is_empty() {
            return Err(format!(
                "module {} of {} has no lessons",
                module.slug, course.slug
            ));
        }
        for lesson in &module.lessons {
            if !lesson_slugs.insert(lesson.slug.as_str()) {
                return Err(format!(
                    "lesson slug {} appears twice in {}",
                    lesson.slug, course.slug
                ));
            }
            if !lesson.title.is_complete() || !lesson.body.is_complete() {
                return Err(format!(
                    "lesson {} needs an English title and body",
                    lesson.slug
                ));
            }
        }
        if let Some(quiz) = &module.quiz
            && !draft.quizzes.iter().any(|q| &q.slug == quiz)
        {
            return Err(format!(
                "module {} names quiz {quiz}, which is missing",
                module.slug
            ));
        }
    }
    for quiz in &draft.quizzes {
        quiz.validate()?;
    }
    Ok(())
}

/// Publishes a course and its quizzes. A new version is created only when the content
/// differs from the latest published one, so publishing the same draft twice changes nothing.
/// Returns whether a new course version was created.
pub async fn publish_course(
    db: &impl ConnectionTrait,
    draft: &CourseDraft,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    validate_draft(draft).map_err(|e| DomainError::Invalid(crate::problem::invalid_content(e)))?;
    let slug = &draft.course.slug;
    let course = match courses::Entity::find()
        .filter(courses::Column::Slug.eq(slug))
        .one(db)
        .await?
    {
        Some(course) => course,
        None => {
            courses::ActiveModel {
                id: Set(Uuid::new_v4()),
                slug: Set(slug.clone()),
                created_at: Set(now),
            }
            .insert(db)
            .await?
        }
    };
    for quiz in &draft.quizzes {
        publish_quiz(db, course.id, quiz, now).await?;
    }
    let latest = course_versions::Entity::find()
        .filter(course_versions::Column::CourseId.eq(course.id))
        .order_by_desc(course_versions::Column::Version)
        .one(db)
        .await?;
    if let Some(latest) = &latest
        && decode(&latest.content)? == draft.course
    {
        return Ok(false);
    }
    let content =
        serde_json::to_string(&draft.course).map_err(|e| DomainError::Corrupt(e.to_string()))?;
    course_versions::ActiveModel {
        id: Set(Uuid::new_v4()),
        course_id: Set(course.id),
        version: Set(latest.map(|l| l.version + 1).unwrap_or(1)),
        published_at: Set(now),
        content: Set(content),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// The current (latest) published version of every course, in code order.
pub async fn published_courses(
    db: &impl ConnectionTrait,
) -> Result<Vec<PublishedCourse>, DomainError> {
    let all = courses::Entity::find()
        .order_by_asc(courses::Column::Slug)
        .all(db)
        .await?;
    let mut result = Vec::new();
    for course in all {
        if let Some(published) = published_course_by_id(db, course.id).await? {
            result.push(published);
        }
    }
    Ok(result)
}

async fn published_course_by_id(
    db: &impl ConnectionTrait,
    course_id: Uuid,
) -> Result<Option<PublishedCourse>, DomainError> {
    let Some(version) = course_versions::Entity::find()
        .filter(course_versions::Column::CourseId.eq(course_id))
        .order_by_desc(course_versions::Column::Version)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(PublishedCourse {
        id: course_id,
        version_id: version.id,
        version: version.version,
        content: decode(&version.content)?,
    }))
}

/// The current version of the course with this slug.
pub async fn published_course(
    db: &impl ConnectionTrait,
    slug: &str,
) -> Result<PublishedCourse, DomainError> {
    let course = courses::Entity::find()
        .filter(courses::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    published_course_by_id(db, course.id)
        .await?
        .ok_or(DomainError::NotFound)
}

/// What a learner has done in a course: lessons completed and quizzes passed.
#[derive(Debug, Clone, Default)]
pub struct LearnerCourseState {
    pub lessons_done: HashSet<String>,
    pub quizzes_passed: HashSet<String>,
}

impl LearnerCourseState {
    pub fn progress(&self, course: &CourseContent) -> Progress {
        let mut progress = Progress::default();
        for module in &course.modules {
            for lesson in &module.lessons {
                progress.lessons_total += 1;
                progress.lessons_done += u32::from(self.lessons_done.contains(&lesson.slug));
            }
            if let Some(quiz) = &module.quiz {
                progress.quizzes_total += 1;
                progress.quizzes_passed += u32::from(self.quizzes_passed.contains(quiz));
            }
        }
        progress
    }

    fn resume_href(&self, course: &CourseContent) -> Option<String> {
        for module in &course.modules {
            if let Some(lesson) = module
                .lessons
                .iter()
                .find(|l| !self.lessons_done.contains(&l.slug))
            {
                return Some(lesson_href(&course.slug, &lesson.slug));
            }
            if let Some(quiz) = module
                .quiz
                .as_ref()
                .filter(|q| !self.quizzes_passed.contains(*q))
            {
                return Some(quiz_href(quiz));
            }
        }
        None
    }
}

/// Loads what `user` has done in `course`. A quiz counts as passed by any passing attempt.
pub async fn learner_state(
    db: &impl ConnectionTrait,
    user: UserId,
    course: &PublishedCourse,
) -> Result<LearnerCourseState, DomainError> {
    let lessons_done = lesson_completions::Entity::find()
        .filter(lesson_completions::Column::UserId.eq(user.0))
        .filter(lesson_completions::Column::CourseId.eq(course.id))
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.lesson_slug)
        .collect();
    let quiz_slugs: Vec<String> = course
        .content
        .modules
        .iter()
        .filter_map(|m| m.quiz.clone())
        .collect();
    let quiz_rows = quizzes::Entity::find()
        .filter(quizzes::Column::Slug.is_in(quiz_slugs))
        .all(db)
        .await?;
    let mut quizzes_passed = HashSet::new();
    for quiz in quiz_rows {
        let passed = quiz_attempts::Entity::find()
            .filter(quiz_attempts::Column::UserId.eq(user.0))
            .filter(quiz_attempts::Column::QuizId.eq(quiz.id))
            .filter(quiz_attempts::Column::Passed.eq(true))
            .one(db)
            .await?
            .is_some();
        if passed {
            quizzes_passed.insert(quiz.slug);
        }
    }
    Ok(LearnerCourseState {
        lessons_done,
        quizzes_passed,
    })
}

fn course_minutes(course: &CourseContent) -> u32 {
    course
        .modules
        .iter()
        .flat_map(|m| &m.lessons)
        .map(|l| l.minutes)
        .sum()
}

pub fn summarize(
    course: &PublishedCourse,
    state: &LearnerCourseState,
    lang: Lang,
) -> CourseSummary {
    let content = &course.content;
    CourseSummary {
        slug: content.slug.clone(),
        code: content.code.clone(),
        title: content.title.text(lang),
        summary: content.summary.text(lang),
        minutes: course_minutes(content),
        version: course.version,
        progress: state.progress(content),
        resume_href: state.resume_href(content),
    }
}

/// The catalog: every published course with the learner's progress.
pub async fn catalog(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
) -> Result<Vec<CourseSummary>, DomainError> {
    let mut summaries = Vec::new();
    for course in published_courses(db).await? {
        let state = learner_state(db, user, &course).await?;
        summaries.push(summarize(&course, &state, lang));
    }
    Ok(summaries)
}

pub async fn course_page(
    db: &impl ConnectionTrait,
    user: UserId,
    slug: &str,
    lang: Lang,
) -> Result<CoursePage, DomainError> {
    let course = published_course(db, slug).await?;
    let state = learner_state(db, user, &course).await?;
    let mut fell_back = course.content.title.pick(lang).fell_back;
    let modules = course
        .content
        .modules
        .iter()
        .map(|module| {
            fell_back |= module.title.pick(lang).fell_back;
            ModuleItem {
                slug: module.slug.clone(),
                title: module.title.text(lang),
                lessons: module
                    .lessons
                    .iter()
                    .map(|lesson| LessonItem {
                        slug: lesson.slug.clone(),
                        title: lesson.title.text(lang),
                        minutes: lesson.minutes,
                        done: state.lessons_done.contains(&lesson.slug),
                    })
                    .collect(),
                quiz_slug: module.quiz.clone(),
                quiz_passed: module
                    .quiz
                    .as_ref()
                    .is_some_and(|q| state.quizzes_passed.contains(q)),
            }
        })
        .collect();
    Ok(CoursePage {
        course: summarize(&course, &state, lang),
        modules,
        fell_back,
    })
}

pub async fn lesson_page(
    db: &impl ConnectionTrait,
    user: UserId,
    course_slug: &str,
    lesson_slug: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<LessonPage, DomainError> {
    let course = published_course(db, course_slug).await?;
    let state = learner_state(db, user, &course).await?;
    let content = &course.content;
    let (module, lesson, links) =
        locate_lesson(content, lesson_slug).ok_or(DomainError::NotFound)?;
    // Opening the lesson starts its reading time (the first opening counts).
    record_view(db, user, course.id, lesson_slug, now).await?;
    let body = lesson.body.pick(lang);
    Ok(LessonPage {
        course_slug: content.slug.clone(),
        course_title: content.title.text(lang),
        module_title: module.title.text(lang),
        slug: lesson.slug.clone(),
        title: lesson.title.text(lang),
        minutes: lesson.minutes,
        html: render_markdown(&body.text),
        fell_back: body.fell_back,
        done: state.lessons_done.contains(&lesson.slug),
        previous_href: links.previous,
        next_href: links.next,
        after_done_href: links.after_done,
    })
}

/// Where a lesson's links lead: previous and next lesson, and what "done" leads to — the
/// next lesson of the module, else the module's quiz, else the next lesson or the course.
struct LessonLinks {
    previous: Option<String>,
    next: Option<String>,
    after_done: String,
}

fn locate_lesson<'a>(
    content: &'a CourseContent,
    lesson_slug: &str,
) -> Option<(&'a ModuleContent, &'a LessonContent, LessonLinks)> {
    let ordered: Vec<(&ModuleContent, &LessonContent)> = content
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(move |l| (m, l)))
        .collect();
    let index = ordered.iter().position(|(_, l)| l.slug == lesson_slug)?;
    let (module, lesson) = ordered[index];
    let href = |i: usize| {
        ordered
            .get(i)
            .map(|(_, l)| lesson_href(&content.slug, &l.slug))
    };
    let next_in_module = module
        .lessons
        .iter()
        .skip_while(|l| l.slug != lesson.slug)
        .nth(1);
    let after_done = match (next_in_module, &module.quiz) {
        (Some(next), _) => lesson_href(&content.slug, &next.slug),
        (None, Some(quiz)) => quiz_href(quiz),
        (None, None) => href(index + 1).unwrap_or_else(|| course_href(&content.slug)),
    };
    let links = LessonLinks {
        previous: index.checked_sub(1).and_then(href),
        next: href(index + 1),
        after_done,
    };
    Some((module, lesson, links))
}

/// Words read per minute when estimating how long a lesson takes to read.
const READING_WORDS_PER_MINUTE: usize = 200;
/// A lesson counts as read after at least this share of its estimated reading time …
const MINIMUM_READING_SHARE: f64 = 0.5;
/// … and never sooner than this.
const MINIMUM_READING_SECONDS: i64 = 10;

/// The least time, in seconds, in which `lesson` can have been read: half its estimated
/// reading time — the longer of the estimate from the length of its (default-language) text
/// and the estimate the page shows.
pub fn minimum_reading_seconds(lesson: &LessonContent) -> i64 {
    let words = lesson.body.text(Lang::En).split_whitespace().count();
    let from_length = words as f64 * 60.0 / READING_WORDS_PER_MINUTE as f64;
    let shown = f64::from(lesson.minutes) * 60.0;
    ((from_length.max(shown) * MINIMUM_READING_SHARE).round() as i64).max(MINIMUM_READING_SECONDS)
}

/// Records that `user` opened a lesson at `at`, unless they opened it before: the first
/// opening is what counts.
async fn record_view(
    db: &impl ConnectionTrait,
    user: UserId,
    course_id: Uuid,
    lesson_slug: &str,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    // Every lesson page calls this; only the first opening writes, so rereading a lesson
    // never waits for SQLite's write lock.
    let key = (user.0, course_id, lesson_slug.to_string());
    if lesson_views::Entity::find_by_id(key)
        .one(db)
        .await?
        .is_some()
    {
        return Ok(());
    }
    // Two first openings at once: the later insert changes nothing.
    lesson_views::Entity::insert(lesson_views::ActiveModel {
        user_id: Set(user.0),
        course_id: Set(course_id),
        lesson_slug: Set(lesson_slug.to_string()),
        first_viewed_at: Set(at),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::new()
            .do_nothing()
            .to_owned(),
    )
    .try_insert()
    .exec(db)
    .await?;
    Ok(())
}

/// Records that `user` opened lesson `lesson_slug` of course `course_slug` at `at` (the
/// lesson page does this; tests and imports call it directly).
pub async fn record_lesson_view(
    db: &impl ConnectionTrait,
    user: UserId,
    course_slug: &str,
    lesson_slug: &str,
    at: DateTime<Utc>,
) -> Result<(), DomainError> {
    let course = published_course(db, course_slug).await?;
    locate_lesson(&course.content, lesson_slug).ok_or(DomainError::NotFound)?;
    record_view(db, user, course.id, lesson_slug, at).await
}

/// Records that `user` read a lesson to its end. Doing it twice keeps the first time. It is
/// refused until the lesson has been open for [`minimum_reading_seconds`]; the time it was
/// open is kept as evidence. Returns where the learner goes next. Completing the last
/// requirement of a certification issues it in the same transaction.
pub async fn complete_lesson<C: sea_orm::TransactionTrait + ConnectionTrait>(
    db: &C,
    user: UserId,
    course_slug: &str,
    lesson_slug: &str,
    now: DateTime<Utc>,
) -> Result<String, DomainError> {
    use sea_orm::TransactionSession;
    let txn = crate::db::begin_write(db).await?;
    let course = published_course(&txn, course_slug).await?;
    // Only the links are needed here, not the rendered lesson.
    let (_, lesson, links) =
        locate_lesson(&course.content, lesson_slug).ok_or(DomainError::NotFound)?;
    let existing =
        lesson_completions::Entity::find_by_id((user.0, course.id, lesson_slug.to_string()))
            .one(&txn)
            .await?;
    if existing.is_none() {
        let opened = lesson_views::Entity::find_by_id((user.0, course.id, lesson_slug.to_string()))
            .one(&txn)
            .await?
            .map(|view| view.first_viewed_at);
        // One person reads one lesson at a time: the clock starts when the lesson was opened,
        // or when the previous lesson of the course was marked read, whichever is later, so
        // opening every lesson at once gains nothing.
        let previous_done = lesson_completions::Entity::find()
            .filter(lesson_completions::Column::UserId.eq(user.0))
            .filter(lesson_completions::Column::CourseId.eq(course.id))
            .order_by_desc(lesson_completions::Column::CompletedAt)
            .one(&txn)
            .await?
            .map(|done| done.completed_at);
        let opened = opened.map(|at| previous_done.map_or(at, |done| at.max(done)));
        let open_for = opened.map_or(0, |at| (now - at).num_seconds());
        let needed = minimum_reading_seconds(lesson);
        if opened.is_none() || open_for < needed {
            return Err(DomainError::Conflict(Problem::ReadTooFast {
                seconds: (needed - open_for.max(0)).clamp(1, i64::from(u32::MAX)) as u32,
            }));
        }
        lesson_completions::ActiveModel {
            user_id: Set(user.0),
            course_id: Set(course.id),
            lesson_slug: Set(lesson_slug.to_string()),
            course_version_id: Set(course.version_id),
            completed_at: Set(now),
            seconds_spent: Set(Some(open_for.clamp(0, i64::from(i32::MAX)) as i32)),
        }
        .insert(&txn)
        .await?;
        if !crate::certification::server::issue_due_certificates(&txn, user, now)
            .await?
            .is_empty()
        {
            crate::webhooks::server::announce_clearance_changes(&txn, user, now).await?;
        }
    }
    txn.commit().await?;
    Ok(links.after_done)
}
