//! API tokens for other tools (a social media management tool, an HR system, a chat bot):
//! named, scoped, shown once, stored hashed, revocable, with their last use recorded.

#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Scope {
    /// Ask whether people are cleared, list who may post on an account, list the accounts.
    #[serde(rename = "clearance:read")]
    ClearanceRead,
    /// Create and change people (provisioning from HR or an identity provider).
    #[serde(rename = "people:write")]
    PeopleWrite,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::ClearanceRead, Scope::PeopleWrite];

    pub fn code(self) -> &'static str {
        match self {
            Scope::ClearanceRead => "clearance:read",
            Scope::PeopleWrite => "people:write",
        }
    }

    pub fn from_code(code: &str) -> Option<Scope> {
        Scope::ALL.into_iter().find(|s| s.code() == code.trim())
    }
}

/// Parses scopes separated by spaces or commas; an unknown name is an error naming it.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, String> {
    let mut scopes = Vec::new();
    for name in list
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|s| !s.is_empty())
    {
        let scope = Scope::from_code(name).ok_or_else(|| {
            let known: Vec<&str> = Scope::ALL.iter().map(|s| s.code()).collect();
            format!("unknown scope '{name}' (known: {})", known.join(", "))
        })?;
        if !scopes.contains(&scope) {
            scopes.push(scope);
        }
    }
    if scopes.is_empty() {
        return Err("a token needs at least one scope".into());
    }
    scopes.sort();
    Ok(scopes)
}

/// A token as an admin sees it: never its secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenSummary {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scopes: Vec<Scope>,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub last_used_at: Option<DateTime<Utc>>,
}
