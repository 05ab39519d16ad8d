//! Quizzes as the learner sees them. Nothing in these types can say which option is correct
//! before an attempt is submitted: the open attempt (`AttemptView`) has no such field, and
//! options are identified by their position on the page, not by a stable id.

pub mod api;
#[cfg(feature = "ssr")]
pub mod integrity;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    Single,
    Multiple,
    TrueFalse,
    Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// Full marks only for exactly the right set of options.
    #[default]
    AllOrNothing,
    /// Each right option earns its share, each wrong one takes a share away (never below 0).
    Partial,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioView {
    pub channel: String,
    pub author: String,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionView {
    pub number: u32,
    pub kind: QuestionKind,
    pub prompt: String,
    pub scenario: Option<ScenarioView>,
    /// Option texts in the order shown to this attempt.
    pub options: Vec<String>,
}

/// An attempt in progress: the questions drawn for it, without any answer key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptView {
    pub id: String,
    pub quiz_slug: String,
    pub quiz_title: String,
    pub deadline: Option<DateTime<Utc>>,
    pub questions: Vec<QuestionView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewOption {
    pub text: String,
    pub chosen: bool,
    /// Whether the option is right; `None` while the key is withheld.
    pub correct: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewQuestion {
    pub number: u32,
    pub prompt: String,
    pub scenario: Option<ScenarioView>,
    pub options: Vec<ReviewOption>,
    /// Why the right answer is right; withheld with the key, since it names the answer.
    pub explanation: Option<String>,
    /// The question's score; withheld with the key too: per-question verdicts on failed
    /// attempts let a learner who never reads narrow the key down attempt by attempt.
    pub score_percent: Option<u32>,
}

/// A submitted attempt: score, pass or fail, and the questions with the answers given. Which
/// questions were right, the right answers and the explanations are shown only once the
/// learner has passed the quiz, so failed attempts do not hand over the bank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReviewView {
    pub id: String,
    pub quiz_slug: String,
    pub quiz_title: String,
    pub course_slug: String,
    pub score_percent: u32,
    pub pass_percent: u32,
    pub passed: bool,
    pub late: bool,
    pub key_shown: bool,
    pub started_at: DateTime<Utc>,
    pub submitted_at: DateTime<Utc>,
    pub seconds_spent: i64,
    pub questions: Vec<ReviewQuestion>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum AttemptPage {
    Open(AttemptView),
    Submitted(ReviewView),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptSummary {
    pub id: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<u32>,
    pub passed: Option<bool>,
    pub late: bool,
}

/// Why a new attempt cannot start now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum StartBlocked {
    NoAttemptsLeft,
    CoolingDown { until: DateTime<Utc> },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuizOverview {
    pub slug: String,
    pub title: String,
    pub course_slug: String,
    pub course_title: String,
    pub question_count: u32,
    pub pass_percent: u32,
    pub max_attempts: u32,
    pub cooldown_minutes: u32,
    pub time_limit_minutes: Option<u32>,
    pub attempts_left: u32,
    pub blocked: Option<StartBlocked>,
    pub open_attempt: Option<String>,
    pub passed: bool,
    pub history: Vec<AttemptSummary>,
}

pub fn attempt_href(id: &str) -> String {
    format!("/attempts/{id}")
}
