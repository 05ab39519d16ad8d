//! Clearance: whether a person may speak about the company, computed from facts — never
//! stored by hand. A "no" always carries its reasons, a "yes" the time it lasts until.

pub mod api;
#[cfg(feature = "ssr")]
pub mod rule;
#[cfg(feature = "ssr")]
pub mod server;

use crate::certification::CertificateSummary;
use crate::courses::CourseSummary;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One thing that stands between a person and clearance, with where to fix it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Missing {
    Deactivated,
    /// Suspended from all posting by a compliance officer.
    Suspended {
        since: DateTime<Utc>,
    },
    /// A course of the certification is not complete yet.
    Course {
        title: String,
        href: String,
    },
    /// A renewal quiz must be passed again.
    RenewalQuiz {
        title: String,
        href: String,
    },
    /// The current policy version has not been acknowledged.
    PolicyAcknowledgement {
        version: i32,
    },
    /// A certificate lapsed or was revoked.
    CertificateEnded {
        title: String,
        at: DateTime<Utc>,
        revoked: bool,
    },
}

/// Why a person is not cleared. The API names each by its `code`; pages translate it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Reason {
    /// The person is deactivated (or did not exist yet at the time asked about).
    Deactivated,
    Suspended {
        since: DateTime<Utc>,
        reason: String,
    },
    PolicyNotAcknowledged {
        version: i32,
    },
    /// No grant for the official account was ever given.
    NoGrant,
    GrantEnded {
        at: DateTime<Utc>,
    },
    GrantWithdrawn {
        at: DateTime<Utc>,
    },
    CertificateMissing {
        certification: String,
    },
    CertificateExpired {
        certification: String,
        at: DateTime<Utc>,
    },
    CertificateRevoked {
        certification: String,
        at: DateTime<Utc>,
        reason: String,
    },
}

impl Reason {
    /// The stable code, as the API and exports name the reason.
    pub fn code(&self) -> &'static str {
        match self {
            Reason::Deactivated => "deactivated",
            Reason::Suspended { .. } => "suspended",
            Reason::PolicyNotAcknowledged { .. } => "policy_not_acknowledged",
            Reason::NoGrant => "no_grant",
            Reason::GrantEnded { .. } => "grant_ended",
            Reason::GrantWithdrawn { .. } => "grant_withdrawn",
            Reason::CertificateMissing { .. } => "certificate_missing",
            Reason::CertificateExpired { .. } => "certificate_expired",
            Reason::CertificateRevoked { .. } => "certificate_revoked",
        }
    }
}

/// The answer of the clearance rule: `valid_until` when cleared (None = no known end),
/// every reason when not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verdict {
    pub cleared: bool,
    pub valid_until: Option<DateTime<Utc>>,
    pub reasons: Vec<Reason>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Clearance {
    pub cleared: bool,
    pub until: Option<DateTime<Utc>>,
    pub missing: Vec<Missing>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RenewalOffer {
    pub certification: String,
    pub expires_at: DateTime<Utc>,
    pub quizzes: Vec<(String, String)>,
}

/// Everything the learner's dashboard shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dashboard {
    pub personal: Clearance,
    pub courses: Vec<CourseSummary>,
    pub certificates: Vec<CertificateSummary>,
    pub renewals: Vec<RenewalOffer>,
}
