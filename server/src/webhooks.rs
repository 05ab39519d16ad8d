//! Delivering webhooks: a background task of every app server claims due deliveries (safely,
//! however many servers share the database), POSTs them signed, and records each attempt;
//! it also runs the expiry scheduler. The rules (what is due, backoff, what counts as
//! delivered, exactly-once expiries) are in `app::webhooks::server`.

use app::webhooks::server::{
    Claimed, EVENT_ID_HEADER, EVENT_TYPE_HEADER, Outcome, SIGNATURE_HEADER, TIMESTAMP_HEADER,
    announce_expiries, claim_due, record_attempt, signature,
};
use chrono::{DateTime, Utc};
use sea_orm::{DatabaseConnection, DbErr};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// A receiver must answer within this time. With [`CLAIM_BATCH`] deliveries sent one after
/// another, a round stays well inside the claim's lease (`app::webhooks::server::LEASE`).
pub const SEND_TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries claimed at once.
const CLAIM_BATCH: u64 = 10;
/// How often the expiry scheduler looks for certificates and grants that ran out.
const EXPIRY_SCAN_EVERY: Duration = Duration::from_secs(30);
/// How much of a receiver's error answer is kept.
const ERROR_BODY_CHARS: usize = 200;

/// The HTTP client deliveries use: a timeout, no redirects (a redirect is not a delivery),
/// our own user agent.
pub fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(SEND_TIMEOUT)
        .connect_timeout(SEND_TIMEOUT)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Cleared-Webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
        .unwrap_or_default()
}

/// What one round of deliveries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Round {
    pub attempted: u32,
    pub delivered: u32,
}

/// Sends one claimed delivery, signed with the time `now`.
pub async fn send(client: &reqwest::Client, claimed: &Claimed, now: DateTime<Utc>) -> Outcome {
    let timestamp = now.timestamp();
    let started = Instant::now();
    let result = client
        .post(&claimed.url)
        .header(reqwest::header::CONTENT_TYPE, "application/json")
        .header(TIMESTAMP_HEADER, timestamp.to_string())
        .header(
            SIGNATURE_HEADER,
            signature(&claimed.secret, timestamp, claimed.body.as_bytes()),
        )
        .header(EVENT_ID_HEADER, claimed.event_id.to_string())
        .header(EVENT_TYPE_HEADER, claimed.event_type.as_str())
        .body(claimed.body.clone())
        .send()
        .await;
    let (status_code, error) = match result {
        Ok(response) => {
            let status = response.status();
            if status.is_success() {
                (Some(status.as_u16()), None)
            } else {
                let text = response.text().await.unwrap_or_default();
                let snippet: String = text.chars().take(ERROR_BODY_CHARS).collect();
                (
                    Some(status.as_u16()),
                    Some(format!("HTTP {}: {}", status.as_u16(), snippet.trim())),
                )
            }
        }
        // Without the URL: it may carry a token of the receiver's.
        Err(error) => (None, Some(error.without_url().to_string())),
    };
    Outcome {
        status_code,
        error,
        duration_ms: i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX),
    }
}

/// Claims the deliveries due at `now` and sends them, once each, recording every attempt.
/// The background task calls it with the clock; tests call it with any `now`, so backoff
/// needs no real waiting.
pub async fn deliver_due(
    db: &DatabaseConnection,
    client: &reqwest::Client,
    now: DateTime<Utc>,
) -> Result<Round, DbErr> {
    let mut round = Round::default();
    for claimed in claim_due(db, now, CLAIM_BATCH).await? {
        let outcome = send(client, &claimed, now).await;
        round.attempted += 1;
        if outcome.delivered() {
            round.delivered += 1;
        } else {
            tracing::info!(
                delivery = %claimed.delivery,
                attempt = claimed.attempt,
                error = outcome.error.as_deref().unwrap_or_default(),
                "a webhook delivery failed; it will be retried"
            );
        }
        record_attempt(db, &claimed, &outcome, now).await?;
    }
    Ok(round)
}

/// The background task: every `poll`, delivers what is due (until nothing is), and every
/// [`EXPIRY_SCAN_EVERY`] runs the expiry scheduler. Ends when `stop` turns true; a delivery
/// cut off by the end is claimed again by a server once its lease runs out.
pub async fn run(db: DatabaseConnection, poll: Duration, mut stop: watch::Receiver<bool>) {
    let client = http_client();
    let mut last_scan: Option<Instant> = None;
    loop {
        if *stop.borrow() {
            return;
        }
        if last_scan.is_none_or(|at| at.elapsed() >= EXPIRY_SCAN_EVERY) {
            last_scan = Some(Instant::now());
            match announce_expiries(&db, Utc::now()).await {
                Ok(run) if run.certificates + run.grants > 0 => {
                    tracing::info!(
                        certificates = run.certificates,
                        grants = run.grants,
                        "expiries announced"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::warn!(%error, "the expiry scan failed; it runs again"),
            }
        }
        loop {
            if *stop.borrow() {
                return;
            }
            match deliver_due(&db, &client, Utc::now()).await {
                Ok(round) if round.attempted > 0 => continue,
                Ok(_) => break,
                Err(error) => {
                    tracing::warn!(%error, "webhook deliveries failed; they are tried again");
                    break;
                }
            }
        }
        tokio::select! {
            _ = stop.changed() => {}
            () = tokio::time::sleep(poll) => {}
        }
    }
}
