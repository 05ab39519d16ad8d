//! The organisation's official accounts on social networks and who may post on them: grants
//! given and withdrawn by compliance officers, and suspensions from all posting.

#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What an official account is for, as in Dell's accounts by function.
pub const PURPOSES: [&str; 4] = ["support", "sales", "community", "corporate"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfficialAccount {
    pub id: String,
    pub slug: String,
    pub platform: String,
    pub handle: String,
    pub purpose: String,
    pub owning_team: String,
    /// Slugs of the certifications everyone who posts here must hold.
    pub requires: Vec<String>,
}

/// A grant as the console shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GrantView {
    pub id: String,
    pub account_slug: String,
    pub account_handle: String,
    pub granted_at: DateTime<Utc>,
    pub reason: String,
    pub ends_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawal_reason: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuspensionView {
    pub suspended_at: DateTime<Utc>,
    pub reason: String,
    pub lifted_at: Option<DateTime<Utc>>,
}
