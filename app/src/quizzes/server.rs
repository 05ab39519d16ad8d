//! Quiz rules: publishing question banks, drawing and shuffling, attempt limits, cool-down,
//! time limits, grading and idempotent submission. Graded here, on the server, only.
//!
//! Late submissions: an attempt with a time limit must be submitted by its deadline (plus
//! `LATE_GRACE` for the network). A later submission is recorded as late and scores 0; it
//! still counts as an attempt. An attempt left open past its deadline is closed the same way
//! when the learner comes back.

use super::{
    AttemptPage, AttemptSummary, AttemptView, QuestionKind, QuestionView, QuizOverview,
    ReviewOption, ReviewQuestion, ReviewView, ScenarioView, Scoring, StartBlocked,
};
use crate::accounts::UserId;
use crate::content::{Label, Localized};
use crate::entities::{courses, quiz_attempts, quiz_versions, quizzes};
use crate::error::DomainError;
use crate::i18n::Lang;
use crate::problem::{Problem, invalid_content};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use rand::seq::SliceRandom;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait, TryInsertResult,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Time allowed after a deadline for the submission to travel.
pub const LATE_GRACE: Duration = Duration::seconds(15);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub channel: Label,
    pub author: Label,
    #[serde(flatten)]
    pub text: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OptionContent {
    pub correct: bool,
    #[serde(flatten)]
    pub text: Localized,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionContent {
    pub slug: String,
    pub kind: QuestionKind,
    #[serde(default)]
    pub scoring: Scoring,
    pub prompt: Localized,
    pub explanation: Localized,
    pub scenario: Option<Scenario>,
    pub options: Vec<OptionContent>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizSettings {
    pub draw: u32,
    pub pass_percent: u32,
    pub max_attempts: u32,
    pub cooldown_minutes: u32,
    pub time_limit_minutes: Option<u32>,
}

/// A quiz as published: one immutable version of its settings and question bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizContent {
    pub slug: String,
    pub title: Localized,
    pub settings: QuizSettings,
    pub questions: Vec<QuestionContent>,
}

impl QuestionContent {
    fn correct_set(&self) -> Vec<usize> {
        self.options
            .iter()
            .enumerate()
            .filter(|(_, o)| o.correct)
            .map(|(i, _)| i)
            .collect()
    }

    fn single_answer(&self) -> bool {
        self.kind != QuestionKind::Multiple
    }
}

impl QuizContent {
    /// Checks a question bank before it is published.
    pub fn validate(&self) -> Result<(), String> {
        let s = &self.settings;
        if self.questions.is_empty() {
            return Err(format!("quiz {} has no questions", self.slug));
        }
        if s.draw == 0 || s.draw as usize > self.questions.len() {
            return Err(format!(
                "quiz {} draws {} of {} questions",
                self.slug,
                s.draw,
                self.questions.len()
            ));
        }
        if s.pass_percent == 0 || s.pass_percent > 100 || s.max_attempts == 0 {
            return Err(format!(
                "quiz {} has an invalid pass mark or attempt limit",
                self.slug
            ));
        }
        for q in &self.questions {
            let correct = q.correct_set().len();
            if q.options.len() < 2 || correct == 0 || (q.single_answer() && correct != 1) {
                return Err(format!(
                    "question {} of {} has a broken answer key",
                    q.slug, self.slug
                ));
            }
            if q.kind == QuestionKind::Scenario && q.scenario.is_none() {
                return Err(format!(
                    "scenario question {} of {} has no scenario",
                    q.slug, self.slug
                ));
            }
            if !q.prompt.is_complete()
                || !q.explanation.is_complete()
                || q.options.iter().any(|o| !o.text.is_complete())
            {
                return Err(format!(
                    "question {} of {} lacks English text",
                    q.slug, self.slug
                ));
            }
        }
        // Whether the bank measures knowledge (the blind-learner simulation, which takes
        // seconds, runs in `make test` and `cleared check-content`).
        let problems = super::integrity::check_bank(self, &super::integrity::bank_languages(self));
        if !problems.is_empty() {
            return Err(problems.join("; "));
        }
        Ok(())
    }
}

/// One question as drawn for an attempt: its index in the bank and the bank indices of its
/// options in the order shown.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PresentedQuestion {
    pub question: usize,
    pub options: Vec<usize>,
}

/// Draws `settings.draw` questions of the bank in random order and shuffles each one's
/// options (true/false keeps its natural order).
pub fn draw_questions(quiz: &QuizContent, rng: &mut impl Rng) -> Vec<PresentedQuestion> {
    let mut indices: Vec<usize> = (0..quiz.questions.len()).collect();
    indices.shuffle(rng);
    indices.truncate(quiz.settings.draw as usize);
    indices
        .into_iter()
        .map(|question| {
            let mut options: Vec<usize> = (0..quiz.questions[question].options.len()).collect();
            if quiz.questions[question].kind != QuestionKind::TrueFalse {
                options.shuffle(rng);
            }
            PresentedQuestion { question, options }
        })
        .collect()
}

/// The score of one question in [0, 1] for the chosen options (bank indices).
pub fn question_score(question: &QuestionContent, chosen: &[usize]) -> f64 {
    let correct = question.correct_set();
    match (question.kind, question.scoring) {
        (QuestionKind::Multiple, Scoring::Partial) => {
            let right = chosen.iter().filter(|c| correct.contains(c)).count() as f64;
            let wrong = chosen.iter().filter(|c| !correct.contains(c)).count() as f64;
            ((right - wrong) / correct.len() as f64).max(0.0)
        }
        _ => {
            let mut chosen = chosen.to_vec();
            chosen.sort_unstable();
            chosen.dedup();
            if chosen == correct { 1.0 } else { 0.0 }
        }
    }
}

/// Checks that `answers` (positions on the page, one list per presented question) fit the
/// attempt: every question answered, only options that were shown, one option where only one
/// may be chosen.
pub fn validate_answers(
    quiz: &QuizContent,
    presented: &[PresentedQuestion],
    answers: &[Vec<usize>],
) -> Result<(), Problem> {
    if answers.len() != presented.len() {
        return Err(Problem::AnswersMalformed);
    }
    for (number, (shown, chosen)) in presented.iter().zip(answers).enumerate() {
        let question = number as u32 + 1;
        if chosen.is_empty() {
            return Err(Problem::QuestionUnanswered { question });
        }
        if chosen
            .iter()
            .any(|&position| position >= shown.options.len())
        {
            return Err(Problem::AnswerNotOffered { question });
        }
        let mut unique = chosen.clone();
        unique.sort_unstable();
        unique.dedup();
        if unique.len() != chosen.len() {
            return Err(Problem::AnswerRepeated { question });
        }
        if quiz.questions[shown.question].single_answer() && chosen.len() != 1 {
            return Err(Problem::OneAnswerOnly { question });
        }
    }
    Ok(())
}

/// Answers as a form sends them: question number (from 1) to the chosen positions.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AnswerSheet(pub std::collections::BTreeMap<u32, Vec<usize>>);

impl AnswerSheet {
    /// Reads form fields `q1=0&q2=1&q2=3…`; other fields are ignored, malformed values are an
    /// error.
    pub fn from_fields<'a>(
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<AnswerSheet, Problem> {
        let mut sheet = AnswerSheet::default();
        for (name, value) in fields {
            let Some(number) = name.strip_prefix('q') else {
                continue;
            };
            let number: u32 = number.parse().map_err(|_| Problem::AnswersMalformed)?;
            let position: usize = value
                .trim()
                .parse()
                .map_err(|_| Problem::AnswersMalformed)?;
            sheet.0.entry(number).or_default().push(position);
        }
        Ok(sheet)
    }

    fn to_answers(&self, questions: usize) -> Result<Vec<Vec<usize>>, Problem> {
        if let Some(&question) = self.0.keys().find(|&&n| n == 0 || n as usize > questions) {
            return Err(Problem::QuestionNotInAttempt { question });
        }
        Ok((1..=questions as u32)
            .map(|n| self.0.get(&n).cloned().unwrap_or_default())
            .collect())
    }
}

/// The score in percent (rounded down) of validated answers.
pub fn grade(quiz: &QuizContent, presented: &[PresentedQuestion], answers: &[Vec<usize>]) -> u32 {
    let total: f64 = presented
        .iter()
        .zip(answers)
        .map(|(shown, chosen)| {
            let bank_choices: Vec<usize> = chosen.iter().map(|&p| shown.options[p]).collect();
            question_score(&quiz.questions[shown.question], &bank_choices)
        })
        .sum();
    ((total / presented.len() as f64) * 100.0 + 1e-9).floor() as u32
}

/// What the attempt history allows now. A round of attempts ends with a pass; within a
/// round at most `max_attempts` are allowed, and after a failed one the next waits for the
/// cool-down.
pub fn start_blocked(
    settings: &QuizSettings,
    history: &[quiz_attempts::Model],
    now: DateTime<Utc>,
) -> Option<StartBlocked> {
    let round: Vec<&quiz_attempts::Model> = history
        .iter()
        .rev()
        .take_while(|a| a.passed != Some(true))
        .collect();
    if round.len() as u32 >= settings.max_attempts {
        return Some(StartBlocked::NoAttemptsLeft);
    }
    if let Some(last) = round.first()
        && let Some(submitted) = last.submitted_at
    {
        let until = submitted + Duration::minutes(i64::from(settings.cooldown_minutes));
        if until > now {
            return Some(StartBlocked::CoolingDown { until });
        }
    }
    None
}

pub struct LoadedQuiz {
    pub quiz: quizzes::Model,
    pub version: quiz_versions::Model,
    pub content: QuizContent,
}

fn decode(content: &str) -> Result<QuizContent, DomainError> {
    serde_json::from_str(content).map_err(|e| DomainError::Corrupt(format!("quiz content: {e}")))
}

/// Publishes a quiz of `course`: a new immutable version when the content changed.
pub async fn publish_quiz(
    db: &impl ConnectionTrait,
    course: Uuid,
    content: &QuizContent,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    content
        .validate()
        .map_err(|e| DomainError::Invalid(invalid_content(e)))?;
    let quiz = match quizzes::Entity::find()
        .filter(quizzes::Column::Slug.eq(&content.slug))
        .one(db)
        .await?
    {
        Some(quiz) => quiz,
        None => {
            quizzes::ActiveModel {
                id: Set(Uuid::new_v4()),
                slug: Set(content.slug.clone()),
                course_id: Set(course),
                created_at: Set(now),
            }
            .insert(db)
            .await?
        }
    };
    let latest = quiz_versions::Entity::find()
        .filter(quiz_versions::Column::QuizId.eq(quiz.id))
        .order_by_desc(quiz_versions::Column::Version)
        .one(db)
        .await?;
    if let Some(latest) = &latest
        && &decode(&latest.content)? == content
    {
        return Ok(false);
    }
    quiz_versions::ActiveModel {
        id: Set(Uuid::new_v4()),
        quiz_id: Set(quiz.id),
        version: Set(latest.map(|l| l.version + 1).unwrap_or(1)),
        published_at: Set(now),
        content: Set(
            serde_json::to_string(content).map_err(|e| DomainError::Corrupt(e.to_string()))?
        ),
    }
    .insert(db)
    .await?;
    Ok(true)
}

/// The current version of the quiz with this slug.
pub async fn load_quiz(db: &impl ConnectionTrait, slug: &str) -> Result<LoadedQuiz, DomainError> {
    let quiz = quizzes::Entity::find()
        .filter(quizzes::Column::Slug.eq(slug))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let version = quiz_versions::Entity::find()
        .filter(quiz_versions::Column::QuizId.eq(quiz.id))
        .order_by_desc(quiz_versions::Column::Version)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let content = decode(&version.content)?;
    Ok(LoadedQuiz {
        quiz,
        version,
        content,
    })
}

async fn history(
    db: &impl ConnectionTrait,
    user: UserId,
    quiz: Uuid,
) -> Result<Vec<quiz_attempts::Model>, DomainError> {
    Ok(quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.0))
        .filter(quiz_attempts::Column::QuizId.eq(quiz))
        .order_by_asc(quiz_attempts::Column::StartedAt)
        .all(db)
        .await?)
}

/// An open attempt whose time ran out, as it stands once closed: submitted at its deadline,
/// late, score 0. Anything else is returned unchanged.
fn closed_if_overdue(
    mut attempt: quiz_attempts::Model,
    now: DateTime<Utc>,
) -> quiz_attempts::Model {
    if attempt.submitted_at.is_none()
        && let Some(deadline) = attempt.deadline
        && deadline + LATE_GRACE < now
    {
        attempt.submitted_at = Some(deadline);
        attempt.score_percent = Some(0);
        attempt.passed = Some(false);
        attempt.late = true;
    }
    attempt
}

/// Closes open attempts whose time ran out (late, score 0) and returns the history
/// afterwards. Runs inside the transaction of a write; pages only read
/// [`closed_if_overdue`].
async fn close_overdue(
    txn: &impl ConnectionTrait,
    user: UserId,
    quiz: Uuid,
    now: DateTime<Utc>,
) -> Result<Vec<quiz_attempts::Model>, DomainError> {
    let mut closed = Vec::new();
    for attempt in history(txn, user, quiz).await? {
        let was_open = attempt.submitted_at.is_none();
        let attempt = closed_if_overdue(attempt, now);
        if was_open && attempt.late {
            quiz_attempts::Entity::update_many()
                .set(quiz_attempts::ActiveModel {
                    submitted_at: Set(attempt.submitted_at),
                    score_percent: Set(attempt.score_percent),
                    passed: Set(attempt.passed),
                    late: Set(true),
                    ..Default::default()
                })
                .filter(quiz_attempts::Column::Id.eq(attempt.id))
                .filter(quiz_attempts::Column::SubmittedAt.is_null())
                .exec(txn)
                .await?;
        }
        closed.push(attempt);
    }
    Ok(closed)
}

fn slug_of(course: Option<courses::Model>) -> String {
    course.map(|c| c.slug).unwrap_or_default()
}

/// The quiz page: settings, attempts left, cool-down, history.
pub async fn quiz_overview(
    db: &impl ConnectionTrait,
    user: UserId,
    slug: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<QuizOverview, DomainError> {
    let loaded = load_quiz(db, slug).await?;
    let history: Vec<_> = history(db, user, loaded.quiz.id)
        .await?
        .into_iter()
        .map(|attempt| closed_if_overdue(attempt, now))
        .collect();
    let settings = &loaded.content.settings;
    let course = courses::Entity::find_by_id(loaded.quiz.course_id)
        .one(db)
        .await?;
    let course_slug = slug_of(course);
    let course_title = crate::courses::server::published_course(db, &course_slug)
        .await
        .map(|c| c.content.title.text(lang))
        .unwrap_or_default();
    let round = history
        .iter()
        .rev()
        .take_while(|a| a.passed != Some(true))
        .count() as u32;
    let open_attempt = history
        .iter()
        .find(|a| a.submitted_at.is_none())
        .map(|a| a.id.to_string());
    Ok(QuizOverview {
        slug: loaded.content.slug.clone(),
        title: loaded.content.title.text(lang),
        course_slug,
        course_title,
        question_count: settings.draw,
        pass_percent: settings.pass_percent,
        max_attempts: settings.max_attempts,
        cooldown_minutes: settings.cooldown_minutes,
        time_limit_minutes: settings.time_limit_minutes,
        attempts_left: settings.max_attempts.saturating_sub(round),
        blocked: if open_attempt.is_some() {
            None
        } else {
            start_blocked(settings, &history, now)
        },
        open_attempt,
        passed: history.iter().any(|a| a.passed == Some(true)),
        history: history
            .iter()
            .rev()
            .map(|a| AttemptSummary {
                id: a.id.to_string(),
                started_at: a.started_at,
                submitted_at: a.submitted_at,
                score_percent: a.score_percent.map(|s| s as u32),
                passed: a.passed,
                late: a.late,
            })
            .collect(),
    })
}

/// Starts an attempt — or returns the open one, so a double click starts only one.
pub async fn start_attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: UserId,
    slug: &str,
    now: DateTime<Utc>,
    rng: &mut impl Rng,
) -> Result<Uuid, DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let loaded = load_quiz(&txn, slug).await?;
    let history = close_overdue(&txn, user, loaded.quiz.id, now).await?;
    if let Some(open) = history.iter().find(|a| a.submitted_at.is_none()) {
        let id = open.id;
        txn.commit().await?;
        return Ok(id);
    }
    match start_blocked(&loaded.content.settings, &history, now) {
        Some(StartBlocked::NoAttemptsLeft) => {
            return Err(DomainError::Conflict(Problem::NoAttemptsLeft));
        }
        Some(StartBlocked::CoolingDown { until }) => {
            let _ = until;
            return Err(DomainError::Conflict(Problem::CoolingDown));
        }
        None => {}
    }
    let presented = draw_questions(&loaded.content, rng);
    let id = Uuid::new_v4();
    let attempt = quiz_attempts::ActiveModel {
        id: Set(id),
        user_id: Set(user.0),
        quiz_id: Set(loaded.quiz.id),
        quiz_version_id: Set(loaded.version.id),
        started_at: Set(now),
        deadline: Set(loaded
            .content
            .settings
            .time_limit_minutes
            .map(|m| now + Duration::minutes(i64::from(m)))),
        presented: Set(
            serde_json::to_string(&presented).map_err(|e| DomainError::Corrupt(e.to_string()))?
        ),
        submitted_at: Set(None),
        answers: Set(None),
        score_percent: Set(None),
        passed: Set(None),
        late: Set(false),
    };
    // The schema allows one open attempt per person and quiz; a start that raced another
    // resumes the winner's attempt instead of failing.
    let inserted = quiz_attempts::Entity::insert(attempt)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .try_insert()
        .exec(&txn)
        .await?;
    let id = match inserted {
        TryInsertResult::Inserted(_) => id,
        _ => quiz_attempts::Entity::find()
            .filter(quiz_attempts::Column::UserId.eq(user.0))
            .filter(quiz_attempts::Column::QuizId.eq(loaded.quiz.id))
            .filter(quiz_attempts::Column::SubmittedAt.is_null())
            .one(&txn)
            .await?
            .map(|a| a.id)
            .ok_or(DomainError::Conflict(Problem::ChangedConcurrently))?,
    };
    txn.commit().await?;
    Ok(id)
}

struct LoadedAttempt {
    attempt: quiz_attempts::Model,
    content: QuizContent,
    presented: Vec<PresentedQuestion>,
}

/// The attempt, if it exists and belongs to `user`; anything else is "not found", so ids of
/// other people's attempts reveal nothing.
async fn load_attempt(
    db: &impl ConnectionTrait,
    user: UserId,
    id: Uuid,
) -> Result<LoadedAttempt, DomainError> {
    let attempt = quiz_attempts::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|a| a.user_id == user.0)
        .ok_or(DomainError::NotFound)?;
    let version = quiz_versions::Entity::find_by_id(attempt.quiz_version_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let content = decode(&version.content)?;
    let presented: Vec<PresentedQuestion> = serde_json::from_str(&attempt.presented)
        .map_err(|e| DomainError::Corrupt(format!("attempt {id}: {e}")))?;
    Ok(LoadedAttempt {
        attempt,
        content,
        presented,
    })
}

/// Submits answers (page positions per question). A submitted attempt is final: submitting
/// again returns the recorded result and changes nothing. Passing may complete a
/// certification, which is then issued in the same transaction.
pub async fn submit_attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: UserId,
    id: Uuid,
    sheet: &AnswerSheet,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let loaded = load_attempt(&txn, user, id).await?;
    if loaded.attempt.submitted_at.is_some() {
        return Ok(());
    }
    let answers = sheet
        .to_answers(loaded.presented.len())
        .map_err(DomainError::Invalid)?;
    validate_answers(&loaded.content, &loaded.presented, &answers)?;
    let late = loaded
        .attempt
        .deadline
        .is_some_and(|deadline| now > deadline + LATE_GRACE);
    let score = if late {
        0
    } else {
        grade(&loaded.content, &loaded.presented, &answers)
    };
    let passed = !late && score >= loaded.content.settings.pass_percent;
    // Only the first submission wins, even when two arrive at once.
    let updated = quiz_attempts::Entity::update_many()
        .set(quiz_attempts::ActiveModel {
            submitted_at: Set(Some(now)),
            answers: Set(Some(
                serde_json::to_string(&answers).map_err(|e| DomainError::Corrupt(e.to_string()))?,
            )),
            score_percent: Set(Some(score as i32)),
            passed: Set(Some(passed)),
            late: Set(late),
            ..Default::default()
        })
        .filter(quiz_attempts::Column::Id.eq(id))
        .filter(quiz_attempts::Column::SubmittedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 1
        && passed
        && !crate::certification::server::issue_due_certificates(&txn, user, now)
            .await?
            .is_empty()
    {
        crate::webhooks::server::announce_clearance_changes(&txn, user, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

fn scenario_view(scenario: &Option<Scenario>, lang: Lang) -> Option<ScenarioView> {
    scenario.as_ref().map(|s| ScenarioView {
        channel: s.channel.text(lang),
        author: s.author.text(lang),
        text: s.text.text(lang),
    })
}

/// The attempt page: the open questions (no answer key), or the review once submitted.
pub async fn attempt_page(
    db: &impl ConnectionTrait,
    user: UserId,
    id: Uuid,
    lang: Lang,
) -> Result<AttemptPage, DomainError> {
    let loaded = load_attempt(db, user, id).await?;
    let LoadedAttempt {
        attempt,
        content,
        presented,
    } = loaded;
    let numbered = presented
        .iter()
        .enumerate()
        .map(|(i, p)| (i as u32 + 1, p, &content.questions[p.question]));
    if attempt.submitted_at.is_none() {
        return Ok(AttemptPage::Open(AttemptView {
            id: attempt.id.to_string(),
            quiz_slug: content.slug.clone(),
            quiz_title: content.title.text(lang),
            deadline: attempt.deadline,
            questions: numbered
                .map(|(number, shown, question)| QuestionView {
                    number,
                    kind: question.kind,
                    prompt: question.prompt.text(lang),
                    scenario: scenario_view(&question.scenario, lang),
                    options: shown
                        .options
                        .iter()
                        .map(|&o| question.options[o].text.text(lang))
                        .collect(),
                })
                .collect(),
        }));
    }
    let answers: Vec<Vec<usize>> = attempt
        .answers
        .as_deref()
        .and_then(|a| serde_json::from_str(a).ok())
        .unwrap_or_default();
    let key_shown = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.0))
        .filter(quiz_attempts::Column::QuizId.eq(attempt.quiz_id))
        .filter(quiz_attempts::Column::Passed.eq(true))
        .one(db)
        .await?
        .is_some();
    let course_slug = slug_of(
        match quizzes::Entity::find_by_id(attempt.quiz_id).one(db).await? {
            Some(quiz) => courses::Entity::find_by_id(quiz.course_id).one(db).await?,
            None => None,
        },
    );
    let submitted_at = attempt.submitted_at.unwrap_or(attempt.started_at);
    Ok(AttemptPage::Submitted(ReviewView {
        id: attempt.id.to_string(),
        quiz_slug: content.slug.clone(),
        quiz_title: content.title.text(lang),
        course_slug,
        score_percent: attempt.score_percent.unwrap_or(0) as u32,
        pass_percent: content.settings.pass_percent,
        passed: attempt.passed == Some(true),
        late: attempt.late,
        key_shown,
        started_at: attempt.started_at,
        submitted_at,
        seconds_spent: (submitted_at - attempt.started_at).num_seconds().max(0),
        questions: numbered
            .map(|(number, shown, question)| {
                let chosen: Vec<usize> = answers
                    .get(number as usize - 1)
                    .cloned()
                    .unwrap_or_default();
                let bank_choices: Vec<usize> = chosen
                    .iter()
                    .filter_map(|&p| shown.options.get(p).copied())
                    .collect();
                ReviewQuestion {
                    number,
                    prompt: question.prompt.text(lang),
                    scenario: scenario_view(&question.scenario, lang),
                    options: shown
                        .options
                        .iter()
                        .enumerate()
                        .map(|(position, &o)| ReviewOption {
                            text: question.options[o].text.text(lang),
                            chosen: chosen.contains(&position),
                            correct: key_shown.then_some(question.options[o].correct),
                        })
                        .collect(),
                    explanation: key_shown.then(|| question.explanation.text(lang)),
                    score_percent: key_shown.then(|| {
                        if attempt.late {
                            0
                        } else {
                            (question_score(question, &bank_choices) * 100.0).round() as u32
                        }
                    }),
                }
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn text(s: &str) -> Localized {
        Localized([("en".to_string(), s.to_string())].into_iter().collect())
    }

    fn question(kind: QuestionKind, scoring: Scoring, correct: &[bool]) -> QuestionContent {
        QuestionContent {
            slug: "q".into(),
            kind,
            scoring,
            prompt: text("?"),
            explanation: text("because"),
            scenario: None,
            options: correct
                .iter()
                .map(|&c| OptionContent {
                    correct: c,
                    text: text("o"),
                })
                .collect(),
        }
    }

    #[test]
    fn grading_single_multiple_and_partial_credit() {
        let single = question(
            QuestionKind::Single,
            Scoring::AllOrNothing,
            &[false, true, false],
        );
        assert_eq!(question_score(&single, &[1]), 1.0);
        assert_eq!(question_score(&single, &[0]), 0.0);
        let all = question(
            QuestionKind::Multiple,
            Scoring::AllOrNothing,
            &[true, false, true, false],
        );
        assert_eq!(question_score(&all, &[0, 2]), 1.0);
        assert_eq!(question_score(&all, &[2, 0]), 1.0);
        assert_eq!(question_score(&all, &[0]), 0.0);
        assert_eq!(question_score(&all, &[0, 1, 2]), 0.0);
        let partial = question(
            QuestionKind::Multiple,
            Scoring::Partial,
            &[true, false, true, true],
        );
        let cases: &[(&[usize], f64)] = &[
            (&[0, 2, 3], 1.0),
            (&[0, 2], 2.0 / 3.0),
            (&[0], 1.0 / 3.0),
            (&[0, 1], 0.0),
            (&[1], 0.0),
            (&[0, 1, 2, 3], 2.0 / 3.0),
        ];
        for (chosen, expected) in cases {
            assert!(
                (question_score(&partial, chosen) - expected).abs() < 1e-9,
                "{chosen:?}"
            );
        }
    }

    fn quiz(bank: usize, draw: u32) -> QuizContent {
        QuizContent {
            slug: "quiz".into(),
            title: text("Quiz"),
            settings: QuizSettings {
                draw,
                pass_percent: 80,
                max_attempts: 3,
                cooldown_minutes: 10,
                time_limit_minutes: None,
            },
            questions: (0..bank)
                .map(|i| {
                    let mut q = question(
                        QuestionKind::Single,
                        Scoring::AllOrNothing,
                        &[i % 3 == 0, i % 3 == 1, i % 3 == 2],
                    );
                    q.slug = format!("q{i}");
                    q
                })
                .collect(),
        }
    }

    #[test]
    fn draw_takes_n_distinct_questions_and_shuffles_options() {
        let quiz = quiz(12, 5);
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut orders = std::collections::HashSet::new();
        let mut drawn_sets = std::collections::HashSet::new();
        for _ in 0..30 {
            let presented = draw_questions(&quiz, &mut rng);
            assert_eq!(presented.len(), 5);
            let mut ids: Vec<usize> = presented.iter().map(|p| p.question).collect();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(ids.len(), 5, "no question twice");
            drawn_sets.insert(ids);
            for p in &presented {
                let mut options = p.options.clone();
                orders.insert(options.clone());
                options.sort_unstable();
                assert_eq!(options, vec![0, 1, 2], "every option shown once");
            }
        }
        assert!(
            drawn_sets.len() > 1,
            "different attempts draw different questions"
        );
        assert!(orders.len() > 1, "options are shuffled");
    }

    #[test]
    fn answers_must_fit_the_attempt() {
        let quiz = quiz(3, 2);
        let presented = vec![
            PresentedQuestion {
                question: 0,
                options: vec![2, 0, 1],
            },
            PresentedQuestion {
                question: 1,
                options: vec![0, 1, 2],
            },
        ];
        assert!(validate_answers(&quiz, &presented, &[vec![1], vec![1]]).is_ok());
        for bad in [
            vec![vec![1]],
            vec![vec![1], vec![]],
            vec![vec![3], vec![1]],
            vec![vec![0, 1], vec![1]],
            vec![vec![1], vec![1], vec![1]],
        ] {
            assert!(
                validate_answers(&quiz, &presented, &bad).is_err(),
                "{bad:?}"
            );
        }
        // Position 1 of the first question is bank option 0, which is correct for question 0.
        assert_eq!(grade(&quiz, &presented, &[vec![1], vec![1]]), 100);
        assert_eq!(grade(&quiz, &presented, &[vec![0], vec![1]]), 50);
    }

    fn attempt(submitted_minutes: i64, passed: bool) -> quiz_attempts::Model {
        let at = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(submitted_minutes);
        quiz_attempts::Model {
            id: Uuid::new_v4(),
            user_id: Uuid::nil(),
            quiz_id: Uuid::nil(),
            quiz_version_id: Uuid::nil(),
            started_at: at,
            deadline: None,
            presented: "[]".into(),
            submitted_at: Some(at),
            answers: None,
            score_percent: Some(0),
            passed: Some(passed),
            late: false,
        }
    }

    #[test]
    fn attempts_are_limited_per_round_with_cooldown() {
        let settings = quiz(3, 2).settings;
        let base = DateTime::parse_from_rfc3339("2026-01-01T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(start_blocked(&settings, &[], base), None);
        let one_fail = [attempt(0, false)];
        assert!(matches!(
            start_blocked(&settings, &one_fail, base + Duration::minutes(5)),
            Some(StartBlocked::CoolingDown { .. })
        ));
        assert_eq!(
            start_blocked(&settings, &one_fail, base + Duration::minutes(10)),
            None
        );
        let three_fails = [attempt(0, false), attempt(20, false), attempt(40, false)];
        assert_eq!(
            start_blocked(&settings, &three_fails, base + Duration::days(1)),
            Some(StartBlocked::NoAttemptsLeft)
        );
        // A pass ends the round: renewal later starts with the full allowance.
        let passed_then_failed = [
            attempt(0, false),
            attempt(20, false),
            attempt(40, true),
            attempt(60, false),
        ];
        assert_eq!(
            start_blocked(&settings, &passed_then_failed, base + Duration::days(1)),
            None
        );
    }
}
