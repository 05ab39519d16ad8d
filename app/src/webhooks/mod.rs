//! Webhooks: other tools are told when clearance or a certificate changes. An admin registers
//! an endpoint (URL, secret, events); every change writes its events to an outbox in its own
//! transaction; a background task of the server delivers them, signed, with retries, and
//! logs every attempt. The rules are in `server.rs`, the admin's server functions in `api.rs`.

pub mod api;
#[cfg(feature = "ssr")]
pub mod server;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// What a webhook can subscribe to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// A person became cleared (for personal accounts, or for one official account).
    ClearanceGranted,
    /// A person stopped being cleared, with the reasons.
    ClearanceLost,
    CertificateIssued,
    CertificateRevoked,
    /// A certificate reached its end date without a renewal.
    CertificateExpired,
}

impl EventType {
    pub const ALL: [EventType; 5] = [
        EventType::ClearanceGranted,
        EventType::ClearanceLost,
        EventType::CertificateIssued,
        EventType::CertificateRevoked,
        EventType::CertificateExpired,
    ];

    /// The name receivers see in the body's `type` and admins type on the command line.
    pub fn code(self) -> &'static str {
        match self {
            EventType::ClearanceGranted => "clearance.granted",
            EventType::ClearanceLost => "clearance.lost",
            EventType::CertificateIssued => "certificate.issued",
            EventType::CertificateRevoked => "certificate.revoked",
            EventType::CertificateExpired => "certificate.expired",
        }
    }

    pub fn from_code(code: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|e| e.code() == code.trim())
    }
}

/// A registered endpoint as the admin page lists it (never with its secret).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub disabled_at: Option<DateTime<Utc>>,
    pub pending: u32,
    pub delivered: u32,
    pub failed: u32,
}

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum DeliveryStatus {
    /// Not delivered yet; retried until it is, or until the attempts run out.
    Pending,
    Delivered,
    /// Every attempt failed.
    Failed,
}

impl DeliveryStatus {
    pub fn code(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
        }
    }

    pub fn from_code(code: &str) -> Option<DeliveryStatus> {
        [
            DeliveryStatus::Pending,
            DeliveryStatus::Delivered,
            DeliveryStatus::Failed,
        ]
        .into_iter()
        .find(|s| s.code() == code)
    }
}

/// One line of the delivery log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DeliveryView {
    pub id: String,
    pub webhook_id: String,
    pub webhook_url: String,
    pub event_id: String,
    pub event_type: String,
    pub occurred_at: DateTime<Utc>,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<u32>,
    pub last_error: Option<String>,
    pub delivered_at: Option<DateTime<Utc>>,
}
