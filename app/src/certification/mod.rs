//! Certifications (what must be passed, how long it is valid) and certificates (issued to a
//! person, never deleted, publicly verifiable).

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CertificateStatus {
    Valid,
    /// A renewal that takes over when the current certificate expires.
    NotYetValid,
    Expired,
    Revoked,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificateSummary {
    pub id: String,
    pub certification_slug: String,
    pub title: String,
    pub issued_at: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: CertificateStatus,
    pub verification_code: String,
    pub renewal: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificatePage {
    pub certificate: CertificateSummary,
    pub holder_name: String,
    pub description: String,
    pub revoked_reason: Option<String>,
}

/// What the public verification page shows: nothing beyond these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    pub holder_name: String,
    pub certification: String,
    pub issued_at: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub status: CertificateStatus,
}

pub fn certificate_href(id: &str) -> String {
    format!("/certificates/{id}")
}

pub fn verify_href(code: &str) -> String {
    format!("/verify/{code}")
}
