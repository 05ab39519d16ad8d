//! The compliance console: who is cleared, expiring, lapsed or never certified, by department
//! and country; one person's evidence; the actions that change posting rights.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;
pub mod texts;

use crate::accounts::PersonSummary;
use crate::certification::CertificateSummary;
use crate::clearance::Verdict;
use crate::official_accounts::{GrantView, OfficialAccount, SuspensionView};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// People per roster page.
pub const PAGE_SIZE: usize = 25;
/// The expiry windows the roster offers, in days.
pub const EXPIRY_WINDOWS: [u32; 3] = [30, 60, 90];

/// Where a person stands with personal clearance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standing {
    /// Cleared beyond the expiry window.
    Cleared,
    /// Cleared, but the clearance ends inside the expiry window.
    Expiring,
    /// Held a certificate once and is not cleared now.
    Lapsed,
    /// Never held a certificate.
    Never,
}

impl Standing {
    pub const ALL: [Standing; 4] = [
        Standing::Cleared,
        Standing::Expiring,
        Standing::Lapsed,
        Standing::Never,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Standing::Cleared => "cleared",
            Standing::Expiring => "expiring",
            Standing::Lapsed => "lapsed",
            Standing::Never => "never",
        }
    }

    pub fn from_code(code: &str) -> Option<Standing> {
        Standing::ALL.into_iter().find(|s| s.code() == code)
    }
}

/// The roster's filters, as the form and the CSV link carry them. Empty means "any".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RosterFilter {
    pub q: String,
    pub department: String,
    pub country: String,
    /// A [`Standing`] code.
    pub standing: String,
    /// Days that count as "expiring": 30, 60 or 90.
    pub within: u32,
    /// 1-based.
    pub page: u32,
}

impl RosterFilter {
    /// The expiry window, 30 days unless one of the offered windows is chosen.
    pub fn window_days(&self) -> u32 {
        if EXPIRY_WINDOWS.contains(&self.within) {
            self.within
        } else {
            EXPIRY_WINDOWS[0]
        }
    }

    /// The filter as a query string (without the page), for links and the CSV export.
    pub fn query(&self) -> String {
        let pairs = [
            ("q", self.q.clone()),
            ("department", self.department.clone()),
            ("country", self.country.clone()),
            ("standing", self.standing.clone()),
            ("within", self.window_days().to_string()),
        ];
        pairs
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .map(|(k, v)| format!("{k}={}", encode(v)))
            .collect::<Vec<_>>()
            .join("&")
    }
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RosterRow {
    pub id: String,
    pub display_name: String,
    pub email: String,
    pub department: Option<String>,
    pub country: Option<String>,
    pub active: bool,
    pub standing: Standing,
    pub verdict: Verdict,
    /// The highest policy version acknowledged.
    pub policy_version: Option<i32>,
}

/// How many people of a group stand where.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupCount {
    pub name: String,
    pub cleared: u32,
    pub expiring: u32,
    pub lapsed: u32,
    pub never: u32,
}

impl GroupCount {
    pub fn total(&self) -> u32 {
        self.cleared + self.expiring + self.lapsed + self.never
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roster {
    pub rows: Vec<RosterRow>,
    /// People matching every filter.
    pub matching: usize,
    pub page: u32,
    pub pages: u32,
    pub totals: GroupCount,
    pub by_department: Vec<GroupCount>,
    pub by_country: Vec<GroupCount>,
    pub departments: Vec<String>,
    pub countries: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRow {
    pub quiz: String,
    pub started_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub score_percent: Option<i32>,
    pub passed: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub seq: i64,
    pub occurred_at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub subject: Option<String>,
    pub details: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Revocation {
    pub at: DateTime<Utc>,
    pub reason: String,
}

/// Everything recorded about one person that an auditor asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evidence {
    pub person: PersonSummary,
    pub personal: Verdict,
    pub accounts: Vec<(OfficialAccount, Verdict)>,
    pub certificates: Vec<(CertificateSummary, Option<Revocation>)>,
    pub attempts: Vec<AttemptRow>,
    pub acknowledgements: Vec<(i32, DateTime<Utc>)>,
    pub grants: Vec<GrantView>,
    pub suspensions: Vec<SuspensionView>,
    pub events: Vec<AuditRow>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub rows: Vec<AuditRow>,
    pub page: u32,
    pub pages: u32,
}
