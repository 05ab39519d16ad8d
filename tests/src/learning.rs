//! Helpers for learner-journey tests: the demo curriculum, and answer sheets computed from an
//! attempt's stored questions (the tests' own answer key; the product never sends one).

use app::accounts::UserId;
use app::entities::{quiz_attempts, quiz_versions};
use app::quizzes::server::{AnswerSheet, PresentedQuestion, QuizContent};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, EntityTrait};
use uuid::Uuid;

pub const ENTHUSIAST: &str = "social-media-enthusiast";

/// Publishes the demo courses, policy and certifications.
pub async fn seed_curriculum(db: &DatabaseConnection) {
    app::demo::seed_curriculum(db, Utc::now())
        .await
        .expect("demo curriculum");
}

async fn attempt_parts(
    db: &DatabaseConnection,
    attempt: Uuid,
) -> (QuizContent, Vec<PresentedQuestion>) {
    let row = quiz_attempts::Entity::find_by_id(attempt)
        .one(db)
        .await
        .unwrap()
        .expect("attempt");
    let version = quiz_versions::Entity::find_by_id(row.quiz_version_id)
        .one(db)
        .await
        .unwrap()
        .unwrap();
    (
        serde_json::from_str(&version.content).unwrap(),
        serde_json::from_str(&row.presented).unwrap(),
    )
}

/// The right answers to an attempt, as page positions.
pub async fn right_answers(db: &DatabaseConnection, attempt: Uuid) -> AnswerSheet {
    let (quiz, presented) = attempt_parts(db, attempt).await;
    let mut sheet = AnswerSheet::default();
    for (i, shown) in presented.iter().enumerate() {
        let question = &quiz.questions[shown.question];
        let positions = shown
            .options
            .iter()
            .enumerate()
            .filter(|(_, o)| question.options[**o].correct)
            .map(|(p, _)| p)
            .collect();
        sheet.0.insert(i as u32 + 1, positions);
    }
    sheet
}

/// Answers that are wrong for every question (one wrong option each).
pub async fn wrong_answers(db: &DatabaseConnection, attempt: Uuid) -> AnswerSheet {
    let (quiz, presented) = attempt_parts(db, attempt).await;
    let mut sheet = AnswerSheet::default();
    for (i, shown) in presented.iter().enumerate() {
        let question = &quiz.questions[shown.question];
        let wrong = shown
            .options
            .iter()
            .position(|o| !question.options[*o].correct)
            .expect("a wrong option");
        sheet.0.insert(i as u32 + 1, vec![wrong]);
    }
    sheet
}

/// Starts and passes `quiz` for `user` at `now`.
pub async fn pass_quiz(
    db: &DatabaseConnection,
    user: UserId,
    quiz: &str,
    now: DateTime<Utc>,
) -> Uuid {
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(1);
    let attempt = app::quizzes::server::start_attempt(db, user, quiz, now, &mut rng)
        .await
        .expect("start attempt");
    let sheet = right_answers(db, attempt).await;
    app::quizzes::server::submit_attempt(db, user, attempt, &sheet, now)
        .await
        .expect("submit");
    attempt
}

/// Records that `user` opened a lesson an hour before `now`, long enough to have read it.
pub async fn open_lesson_long_ago(
    db: &DatabaseConnection,
    user: UserId,
    course: &str,
    lesson: &str,
    now: DateTime<Utc>,
) {
    app::courses::server::record_lesson_view(
        db,
        user,
        course,
        lesson,
        now - chrono::Duration::hours(1),
    )
    .await
    .expect("record a lesson view");
}

/// Reads `lessons` of `course` one after another, half an hour each, the last one marked
/// read at `end` (each opened before it, long enough to have been read).
pub async fn read_lessons(
    db: &DatabaseConnection,
    user: UserId,
    course: &str,
    lessons: &[String],
    end: DateTime<Utc>,
) {
    let step = chrono::Duration::minutes(30);
    for (i, lesson) in lessons.iter().enumerate() {
        let done_at = end - step * (lessons.len() - 1 - i) as i32;
        app::courses::server::record_lesson_view(db, user, course, lesson, done_at - step)
            .await
            .expect("record a lesson view");
        app::courses::server::complete_lesson(db, user, course, lesson, done_at)
            .await
            .unwrap();
    }
}

/// Reads every lesson of `course` for `user`, the last one at `now`.
pub async fn read_all_lessons(
    db: &DatabaseConnection,
    user: UserId,
    course: &str,
    now: DateTime<Utc>,
) {
    let published = app::courses::server::published_course(db, course)
        .await
        .unwrap();
    let lessons: Vec<String> = published
        .content
        .modules
        .iter()
        .flat_map(|m| m.lessons.iter().map(|l| l.slug.clone()))
        .collect();
    read_lessons(db, user, course, &lessons, now).await;
}

/// The quiz slugs of `course`, in module order.
pub async fn quizzes_of(db: &DatabaseConnection, course: &str) -> Vec<String> {
    let published = app::courses::server::published_course(db, course)
        .await
        .unwrap();
    published
        .content
        .modules
        .iter()
        .filter_map(|m| m.quiz.clone())
        .collect()
}

/// Acknowledges the current policy version for `user` at `now`.
pub async fn acknowledge_current_policy(db: &DatabaseConnection, user: UserId, now: DateTime<Utc>) {
    let current = app::policy::server::current_version(db)
        .await
        .unwrap()
        .expect("a policy");
    app::policy::server::acknowledge(db, user, current.id, now)
        .await
        .unwrap();
}

/// Reads every lesson and passes every quiz of `course` for `user` at `now`.
pub async fn complete_course(
    db: &DatabaseConnection,
    user: UserId,
    course: &str,
    now: DateTime<Utc>,
) {
    read_all_lessons(db, user, course, now).await;
    for quiz in quizzes_of(db, course).await {
        pass_quiz(db, user, &quiz, now).await;
    }
}

/// The quiz form's fields (`q1=2&q2=0&q2=3…`) for `sheet`, as a browser posts them.
pub fn form_fields(sheet: &AnswerSheet) -> Vec<(String, String)> {
    sheet
        .0
        .iter()
        .flat_map(|(n, positions)| {
            positions
                .iter()
                .map(move |p| (format!("q{n}"), p.to_string()))
        })
        .collect()
}

/// The first lesson of `course`.
pub async fn first_lesson(db: &DatabaseConnection, course: &str) -> String {
    let published = app::courses::server::published_course(db, course)
        .await
        .unwrap();
    published.content.modules[0].lessons[0].slug.clone()
}
