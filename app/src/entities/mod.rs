//! sea-orm entities: the rows as stored. Domain code converts them into the types of
//! `accounts` and friends before they leave the server. Columns named `content`, `presented`,
//! `answers` and `evidence` hold JSON documents.

pub mod api_tokens;
pub mod audit_chain_head;
pub mod audit_events;
pub mod certificates;
pub mod certifications;
pub mod course_versions;
pub mod courses;
pub mod lesson_completions;
pub mod lesson_views;
pub mod login_throttles;
pub mod official_account_requirements;
pub mod official_accounts;
pub mod person_status_changes;
pub mod policy_acknowledgements;
pub mod policy_versions;
pub mod posting_grants;
pub mod posting_suspensions;
pub mod processed_expiries;
pub mod quiz_attempts;
pub mod quiz_versions;
pub mod quizzes;
pub mod sessions;
pub mod user_roles;
pub mod users;
pub mod webhook_attempts;
pub mod webhook_deliveries;
pub mod webhook_events;
pub mod webhooks;
