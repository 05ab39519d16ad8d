//! Clearance: whether a person may speak about the company, computed from facts — never
//! stored by hand. A "no" always carries its reasons, a "yes" the time it lasts until.

pub mod api;
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
