//! The append-only audit log: every decision that changes someone's clearance or access,
//! chained by hashes so that tampering is detectable.

use serde::{Deserialize, Serialize};

#[cfg(feature = "ssr")]
pub mod server;

/// The result of checking the whole chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChainCheck {
    /// Entries that matched, from the first.
    pub checked: u64,
    /// The sequence number of the first entry that does not match its link.
    pub first_broken: Option<i64>,
    /// The entries end before the last link the head recorded: some were cut off.
    pub truncated: bool,
}

impl ChainCheck {
    pub fn intact(&self) -> bool {
        self.first_broken.is_none() && !self.truncated
    }
}
