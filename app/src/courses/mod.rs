//! Courses, modules and lessons: what the catalog, course page and lesson reader show.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use serde::{Deserialize, Serialize};

/// Progress through one course, counted on its current published version.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Progress {
    pub lessons_done: u32,
    pub lessons_total: u32,
    pub quizzes_passed: u32,
    pub quizzes_total: u32,
}

impl Progress {
    pub fn steps_done(&self) -> u32 {
        self.lessons_done + self.quizzes_passed
    }
    pub fn steps_total(&self) -> u32 {
        self.lessons_total + self.quizzes_total
    }
    pub fn percent(&self) -> u32 {
        (self.steps_done() * 100)
            .checked_div(self.steps_total())
            .unwrap_or(0)
    }
    pub fn is_complete(&self) -> bool {
        self.steps_total() > 0 && self.steps_done() == self.steps_total()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CourseSummary {
    pub slug: String,
    pub code: String,
    pub title: String,
    pub summary: String,
    pub minutes: u32,
    pub version: i32,
    pub progress: Progress,
    /// Where to continue: the first lesson not done, else the first quiz not passed.
    pub resume_href: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonItem {
    pub slug: String,
    pub title: String,
    pub minutes: u32,
    pub done: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModuleItem {
    pub slug: String,
    pub title: String,
    pub lessons: Vec<LessonItem>,
    pub quiz_slug: Option<String>,
    pub quiz_passed: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CoursePage {
    pub course: CourseSummary,
    pub modules: Vec<ModuleItem>,
    /// Some texts were not available in the reader's language.
    pub fell_back: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LessonPage {
    pub course_slug: String,
    pub course_title: String,
    pub module_title: String,
    pub slug: String,
    pub title: String,
    pub minutes: u32,
    /// Sanitised HTML rendered from the lesson's Markdown on the server.
    pub html: String,
    pub fell_back: bool,
    pub done: bool,
    pub previous_href: Option<String>,
    pub next_href: Option<String>,
    /// Where "done" leads: the next lesson, else the module's quiz, else the course page.
    pub after_done_href: String,
}

pub fn course_href(course: &str) -> String {
    format!("/courses/{course}")
}

pub fn lesson_href(course: &str, lesson: &str) -> String {
    format!("/courses/{course}/lessons/{lesson}")
}

pub fn quiz_href(quiz: &str) -> String {
    format!("/quizzes/{quiz}")
}
