//! The social media policy: published versions, readable by everyone, acknowledged by
//! learners.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyPage {
    pub version_id: String,
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub requires_reacknowledgement: bool,
    pub title: String,
    pub summary_of_changes: String,
    /// Sanitised HTML rendered from the policy's Markdown.
    pub html: String,
    pub fell_back: bool,
    /// For a signed-in reader: when they acknowledged this version, if they did.
    pub acknowledged_at: Option<DateTime<Utc>>,
    pub signed_in: bool,
}
