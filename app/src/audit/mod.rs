//! The append-only audit log: every decision that changes someone's clearance or access.

#[cfg(feature = "ssr")]
pub mod server;
