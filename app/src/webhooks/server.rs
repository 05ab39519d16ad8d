//! Webhook rules: registering and disabling endpoints, the outbox (events written in the
//! transaction of the change), the clearance flips every write path announces, the expiry
//! scheduler, and the delivery bookkeeping (claims with a lease, attempts, backoff). Sending
//! the HTTP request is the server's job (`server::webhooks`); everything it needs to know is
//! decided here.

use super::{DeliveryStatus, DeliveryView, EventType, WebhookView};
use crate::accounts::UserId;
use crate::audit::server::record_event;
use crate::clearance::Verdict;
use crate::clearance::rule::clearance_at;
use crate::clearance::server::{load_histories, policy_facts, scope_of};
use crate::entities::{
    certificates, certifications, official_accounts, posting_grants, processed_expiries, users,
    webhook_attempts, webhook_deliveries, webhook_events, webhooks,
};
use crate::error::DomainError;
use crate::problem::Problem;
use chrono::{DateTime, Duration, Utc};
use hmac::{KeyInit, Mac};
use sea_orm::sea_query::{Expr, ExprTrait, LockBehavior, LockType, OnConflict, Query};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr, EntityTrait,
    QueryFilter, QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
    TryInsertResult,
};
use serde_json::{Value, json};
use std::collections::{BTreeSet, HashMap};
use uuid::Uuid;

/// A delivery is tried at most this often; then it is `failed` (and stays in the log).
pub const MAX_ATTEMPTS: i32 = 10;
/// The wait after the first failed attempt; it doubles after each further one.
pub const FIRST_RETRY: Duration = Duration::seconds(30);
/// The longest wait between two attempts. Ten attempts span about four hours.
pub const MAX_RETRY: Duration = Duration::hours(6);
/// How long an app server may take to deliver what it claimed before another may take over.
pub const LEASE: Duration = Duration::seconds(120);
/// The shortest secret an admin may register.
pub const MIN_SECRET_CHARS: usize = 16;
const MAX_SECRET_CHARS: usize = 256;
const MAX_URL_CHARS: usize = 2048;
/// How much of a receiver's error is kept in the log.
const MAX_ERROR_CHARS: usize = 500;

/// The header that carries the signature, `sha256=<hex>`.
pub const SIGNATURE_HEADER: &str = "cleared-signature";
/// The header that carries the Unix time (seconds) the signature was made at.
pub const TIMESTAMP_HEADER: &str = "cleared-timestamp";
/// The header that carries the event's id (the same for every retry: receivers deduplicate).
pub const EVENT_ID_HEADER: &str = "cleared-event-id";
/// The header that carries the event's type.
pub const EVENT_TYPE_HEADER: &str = "cleared-event";

type HmacSha256 = hmac::Hmac<sha2_hmac::Sha256>;

/// The signature of a delivery: HMAC-SHA256 with the webhook's secret over
/// `"{timestamp}.{body}"`, as `sha256=<lowercase hex>`.
pub fn signature(secret: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = HmacSha256::new_from_slice(secret.as_bytes()).expect("HMAC accepts any key");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
}

/// How long to wait after failed attempt number `attempt` (1-based): 30 s, 1 min, 2 min, …,
/// at most [`MAX_RETRY`].
pub fn retry_delay(attempt: i32) -> Duration {
    let doublings = (attempt - 1).clamp(0, 20) as u32;
    (FIRST_RETRY * 2_i32.pow(doublings)).min(MAX_RETRY)
}

fn parse_url(raw: &str) -> Result<String, DomainError> {
    let raw = raw.trim();
    let invalid = || DomainError::Invalid(Problem::WebhookUrlInvalid);
    if raw.is_empty() || raw.chars().count() > MAX_URL_CHARS {
        return Err(invalid());
    }
    let url = url::Url::parse(raw).map_err(|_| invalid())?;
    if !matches!(url.scheme(), "http" | "https")
        || url.host_str().is_none_or(str::is_empty)
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(invalid());
    }
    Ok(url.to_string())
}

fn parse_secret(raw: &str) -> Result<String, DomainError> {
    let secret = raw.trim();
    if secret.chars().any(char::is_control) {
        return Err(DomainError::Invalid(Problem::ControlCharacters));
    }
    let chars = secret.chars().count();
    if chars < MIN_SECRET_CHARS {
        return Err(DomainError::Invalid(Problem::WebhookSecretTooShort {
            min: MIN_SECRET_CHARS as u32,
        }));
    }
    if chars > MAX_SECRET_CHARS {
        return Err(DomainError::Invalid(Problem::TextTooLong {
            max: MAX_SECRET_CHARS as u32,
        }));
    }
    Ok(secret.to_string())
}

/// The events named (each may also be a comma-separated list), known and without repeats.
pub fn parse_events(names: &[String]) -> Result<Vec<EventType>, DomainError> {
    let mut events = Vec::new();
    for name in names
        .iter()
        .flat_map(|n| n.split(','))
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        let event =
            EventType::from_code(name).ok_or(DomainError::Invalid(Problem::UnknownWebhookEvent))?;
        if !events.contains(&event) {
            events.push(event);
        }
    }
    if events.is_empty() {
        return Err(DomainError::Invalid(Problem::WebhookEventsMissing));
    }
    Ok(events)
}

fn events_of(row: &webhooks::Model) -> Vec<EventType> {
    row.events
        .split(',')
        .filter_map(EventType::from_code)
        .collect()
}

/// Registers an endpoint for `events`. Everything is checked before anything is stored.
pub async fn register_webhook<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    url: &str,
    secret: &str,
    events: &[String],
    now: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    let url = parse_url(url)?;
    let secret = parse_secret(secret)?;
    let events = parse_events(events)?;
    let codes: Vec<&str> = events.iter().map(|e| e.code()).collect();
    let txn = crate::db::begin_write(db).await?;
    let id = Uuid::new_v4();
    webhooks::ActiveModel {
        id: Set(id),
        url: Set(url.clone()),
        secret: Set(secret),
        events: Set(codes.join(",")),
        created_at: Set(now),
        created_by: Set(actor.map(|a| a.0)),
        disabled_at: Set(None),
        disabled_by: Set(None),
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        actor,
        "webhook.registered",
        None,
        json!({ "webhook": id, "url": url, "events": codes }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Stops deliveries to an endpoint for good; what was delivered stays in the log.
pub async fn disable_webhook<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    webhook: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let row = webhooks::Entity::find_by_id(webhook)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let disabled = webhooks::Entity::update_many()
        .col_expr(webhooks::Column::DisabledAt, Expr::value(now))
        .col_expr(
            webhooks::Column::DisabledBy,
            Expr::value(actor.map(|a| a.0)),
        )
        .filter(webhooks::Column::Id.eq(webhook))
        .filter(webhooks::Column::DisabledAt.is_null())
        .exec(&txn)
        .await?;
    if disabled.rows_affected == 0 {
        return Err(DomainError::Conflict(Problem::WebhookAlreadyDisabled));
    }
    record_event(
        &txn,
        actor,
        "webhook.disabled",
        None,
        json!({ "webhook": webhook, "url": row.url }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every endpoint, newest first, with how many deliveries are pending, delivered and failed.
pub async fn list_webhooks(db: &impl ConnectionTrait) -> Result<Vec<WebhookView>, DomainError> {
    let rows = webhooks::Entity::find()
        .order_by_desc(webhooks::Column::CreatedAt)
        .all(db)
        .await?;
    let counts: Vec<(Uuid, String, i64)> = webhook_deliveries::Entity::find()
        .select_only()
        .column(webhook_deliveries::Column::WebhookId)
        .column(webhook_deliveries::Column::Status)
        .column_as(webhook_deliveries::Column::Id.count(), "n")
        .group_by(webhook_deliveries::Column::WebhookId)
        .group_by(webhook_deliveries::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let count = |id: Uuid, status: DeliveryStatus| {
        counts
            .iter()
            .filter(|(w, s, _)| *w == id && s == status.code())
            .map(|(_, _, n)| u32::try_from(*n).unwrap_or(u32::MAX))
            .sum()
    };
    Ok(rows
        .iter()
        .map(|row| WebhookView {
            id: row.id.to_string(),
            url: row.url.clone(),
            events: events_of(row)
                .iter()
                .map(|e| e.code().to_string())
                .collect(),
            created_at: row.created_at,
            disabled_at: row.disabled_at,
            pending: count(row.id, DeliveryStatus::Pending),
            delivered: count(row.id, DeliveryStatus::Delivered),
            failed: count(row.id, DeliveryStatus::Failed),
        })
        .collect())
}

/// The newest `limit` deliveries (of one endpoint, or of all), with their state.
pub async fn list_deliveries(
    db: &impl ConnectionTrait,
    webhook: Option<Uuid>,
    limit: u64,
) -> Result<Vec<DeliveryView>, DomainError> {
    let mut query = webhook_deliveries::Entity::find();
    if let Some(webhook) = webhook {
        query = query.filter(webhook_deliveries::Column::WebhookId.eq(webhook));
    }
    let rows = query
        .order_by_desc(webhook_deliveries::Column::NextAttemptAt)
        .limit(limit)
        .all(db)
        .await?;
    let event_ids: Vec<Uuid> = rows.iter().map(|r| r.event_id).collect();
    let events: HashMap<Uuid, webhook_events::Model> = webhook_events::Entity::find()
        .filter(webhook_events::Column::Id.is_in(event_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let urls: HashMap<Uuid, String> = webhooks::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w.url))
        .collect();
    let mut views: Vec<DeliveryView> = rows
        .into_iter()
        .filter_map(|row| {
            let event = events.get(&row.event_id)?;
            let status = DeliveryStatus::from_code(&row.status)?;
            Some(DeliveryView {
                id: row.id.to_string(),
                webhook_id: row.webhook_id.to_string(),
                webhook_url: urls.get(&row.webhook_id).cloned().unwrap_or_default(),
                event_id: event.id.to_string(),
                event_type: event.event_type.clone(),
                occurred_at: event.occurred_at,
                status,
                attempts: u32::try_from(row.attempts).unwrap_or_default(),
                next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
                last_attempt_at: row.last_attempt_at,
                last_status_code: row.last_status_code.and_then(|c| u32::try_from(c).ok()),
                last_error: row.last_error,
                delivered_at: row.delivered_at,
            })
        })
        .collect();
    views.sort_by_key(|v| std::cmp::Reverse(v.occurred_at));
    Ok(views)
}

/// The enabled endpoints that receive `event` when it happened at `occurred_at`: only those
/// registered by then, so a new endpoint is not sent a past it never subscribed to.
async fn subscribers(
    db: &impl ConnectionTrait,
    event: EventType,
    occurred_at: DateTime<Utc>,
) -> Result<Vec<webhooks::Model>, DbErr> {
    Ok(webhooks::Entity::find()
        .filter(webhooks::Column::DisabledAt.is_null())
        .filter(webhooks::Column::CreatedAt.lte(occurred_at))
        .all(db)
        .await?
        .into_iter()
        .filter(|w| events_of(w).contains(&event))
        .collect())
}

/// Writes `event` to the outbox with one delivery per subscribed endpoint. Call it with the
/// transaction of the change, so the change and its announcement commit together or not at
/// all. Nothing is written when no endpoint subscribes. Returns the event's id if written.
pub async fn enqueue(
    db: &impl ConnectionTrait,
    event: EventType,
    subject: Option<UserId>,
    data: Value,
    occurred_at: DateTime<Utc>,
) -> Result<Option<Uuid>, DbErr> {
    enqueue_once(db, event, subject, data, occurred_at, None).await
}

/// Like [`enqueue`]; an event whose `dedupe_key` was written before is not written again.
async fn enqueue_once(
    db: &impl ConnectionTrait,
    event: EventType,
    subject: Option<UserId>,
    data: Value,
    occurred_at: DateTime<Utc>,
    dedupe_key: Option<String>,
) -> Result<Option<Uuid>, DbErr> {
    let endpoints = subscribers(db, event, occurred_at).await?;
    if endpoints.is_empty() {
        return Ok(None);
    }
    let id = Uuid::new_v4();
    let body = json!({
        "id": id,
        "type": event.code(),
        "occurred_at": occurred_at,
        "data": data,
    });
    let inserted = webhook_events::Entity::insert(webhook_events::ActiveModel {
        id: Set(id),
        event_type: Set(event.code().to_string()),
        occurred_at: Set(occurred_at),
        subject_user_id: Set(subject.map(|s| s.0)),
        payload: Set(body.to_string()),
        dedupe_key: Set(dedupe_key),
    })
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .try_insert()
    .exec(db)
    .await?;
    if !matches!(inserted, TryInsertResult::Inserted(_)) {
        return Ok(None);
    }
    for endpoint in endpoints {
        webhook_deliveries::ActiveModel {
            id: Set(Uuid::new_v4()),
            webhook_id: Set(endpoint.id),
            event_id: Set(id),
            status: Set(DeliveryStatus::Pending.code().to_string()),
            attempts: Set(0),
            next_attempt_at: Set(occurred_at),
            locked_until: Set(None),
            claim_token: Set(None),
            last_attempt_at: Set(None),
            last_status_code: Set(None),
            last_error: Set(None),
            delivered_at: Set(None),
        }
        .insert(db)
        .await?;
    }
    Ok(Some(id))
}

/// The person as events name them: id and email.
pub async fn person_json(db: &impl ConnectionTrait, user: UserId) -> Result<Value, DbErr> {
    let email = users::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|u| u.email);
    Ok(json!({ "id": user.0, "email": email }))
}

/// Whose clearance to compare: every scope of the person, or one.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scopes {
    All,
    /// Personal accounts (`None`) or one official account.
    One(Option<Uuid>),
}

/// Announces `clearance.granted` and `clearance.lost` for every scope (personal accounts and
/// each official account the person ever held a grant for) whose verdict differs between
/// `before` and `after`.
async fn announce_flips(
    db: &impl ConnectionTrait,
    user: UserId,
    scopes: Scopes,
    before: DateTime<Utc>,
    after: DateTime<Utc>,
) -> Result<(), DomainError> {
    let listening = !subscribers(db, EventType::ClearanceGranted, after)
        .await?
        .is_empty()
        || !subscribers(db, EventType::ClearanceLost, after)
            .await?
            .is_empty();
    if !listening {
        return Ok(());
    }
    let mut histories = load_histories(db, &[user.0]).await?;
    let Some(history) = histories.remove(&user.0) else {
        return Ok(());
    };
    let policy = policy_facts(db).await?;
    let mut accounts: BTreeSet<Option<Uuid>> = BTreeSet::from([None]);
    accounts.extend(history.grants.iter().map(|g| Some(g.account)));
    if let Scopes::One(only) = scopes {
        accounts.retain(|a| *a == only);
    }
    let mut person = None;
    for account in accounts {
        let scope = scope_of(db, account).await?;
        let was = clearance_at(&history, &policy, &scope, before);
        let is = clearance_at(&history, &policy, &scope, after);
        if was.cleared == is.cleared {
            continue;
        }
        let person = match &person {
            Some(p) => Value::clone(p),
            None => person.insert(person_json(db, user).await?).clone(),
        };
        let slug = match account {
            Some(id) => official_accounts::Entity::find_by_id(id)
                .one(db)
                .await?
                .map(|a| a.slug),
            None => None,
        };
        let (event, data) = flip_event(person, slug, after, is);
        let key = format!(
            "{}:{}:{}:{}",
            event.code(),
            user.0,
            account.map_or_else(|| "personal".to_string(), |a| a.to_string()),
            after.timestamp_micros()
        );
        enqueue_once(db, event, Some(user), data, after, Some(key)).await?;
    }
    Ok(())
}

fn flip_event(
    person: Value,
    account: Option<String>,
    at: DateTime<Utc>,
    verdict: Verdict,
) -> (EventType, Value) {
    if verdict.cleared {
        (
            EventType::ClearanceGranted,
            json!({ "person": person, "account": account, "at": at, "valid_until": verdict.valid_until }),
        )
    } else {
        (
            EventType::ClearanceLost,
            json!({ "person": person, "account": account, "at": at, "reasons": verdict.reasons }),
        )
    }
}

/// Announces every change of `user`'s clearance that the write at `now` made. Every write
/// path calls it in its transaction, after the change and before the commit.
///
/// The rule answers for any moment from recorded history, and everything this write recorded
/// carries the time `now`; so the verdict one microsecond before `now` is the verdict before
/// the change, without a snapshot taken ahead of it.
pub async fn announce_clearance_changes(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    announce_flips(db, user, Scopes::All, just_before(now), now).await
}

fn just_before(at: DateTime<Utc>) -> DateTime<Utc> {
    at - Duration::microseconds(1)
}

/// What one run of the expiry scheduler did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExpiryRun {
    /// Certificate expiries and grant ends this run announced (another server's are not
    /// counted).
    pub certificates: u32,
    pub grants: u32,
}

/// How many expiries one run looks at, oldest first; the next run takes the rest.
const EXPIRY_BATCH: u64 = 200;

/// Finds certificates that expired and grants that ran out by their end date up to `now`,
/// and announces each once: `certificate.expired` (unless a renewal took over) and the
/// `clearance.lost` it caused, at the moment it happened; the audit log records it too.
///
/// Safe with several app servers at once: each expiry is claimed by inserting its key into
/// `processed_expiries` in the transaction that announces it; a second insert of the same key
/// does nothing (on PostgreSQL it waits for the first to commit), and then nothing is
/// announced.
pub async fn announce_expiries<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<ExpiryRun, DomainError> {
    let mut run = ExpiryRun::default();
    let done = |kind: &str| {
        Query::select()
            .column(processed_expiries::Column::SubjectId)
            .from(processed_expiries::Entity)
            .and_where(processed_expiries::Column::Kind.eq(kind))
            .to_owned()
    };
    let expired = certificates::Entity::find()
        .filter(certificates::Column::ExpiresAt.lte(now))
        .filter(
            Condition::any()
                .add(certificates::Column::RevokedAt.is_null())
                .add(
                    Expr::col(certificates::Column::RevokedAt)
                        .gt(Expr::col(certificates::Column::ExpiresAt)),
                ),
        )
        .filter(certificates::Column::Id.not_in_subquery(done("certificate")))
        .order_by_asc(certificates::Column::ExpiresAt)
        .limit(EXPIRY_BATCH)
        .all(db)
        .await?;
    for certificate in expired {
        if announce_certificate_expiry(db, &certificate, now).await? {
            run.certificates += 1;
        }
    }
    let ended = posting_grants::Entity::find()
        .filter(posting_grants::Column::EndsAt.lte(now))
        .filter(
            Condition::any()
                .add(posting_grants::Column::WithdrawnAt.is_null())
                .add(
                    Expr::col(posting_grants::Column::WithdrawnAt)
                        .gt(Expr::col(posting_grants::Column::EndsAt)),
                ),
        )
        .filter(posting_grants::Column::Id.not_in_subquery(done("grant")))
        .order_by_asc(posting_grants::Column::EndsAt)
        .limit(EXPIRY_BATCH)
        .all(db)
        .await?;
    for grant in ended {
        if announce_grant_end(db, &grant, now).await? {
            run.grants += 1;
        }
    }
    Ok(run)
}

/// Inserts the expiry's key; false when another run already has it.
async fn claim_expiry(
    db: &impl ConnectionTrait,
    kind: &str,
    subject: Uuid,
    ended_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<bool, DbErr> {
    let inserted = processed_expiries::Entity::insert(processed_expiries::ActiveModel {
        kind: Set(kind.to_string()),
        subject_id: Set(subject),
        ended_at: Set(ended_at),
        processed_at: Set(now),
    })
    .on_conflict(OnConflict::new().do_nothing().to_owned())
    .try_insert()
    .exec(db)
    .await?;
    Ok(matches!(inserted, TryInsertResult::Inserted(_)))
}

async fn announce_certificate_expiry<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    certificate: &certificates::Model,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let at = certificate.expires_at;
    if !claim_expiry(&txn, "certificate", certificate.id, at, now).await? {
        txn.commit().await?;
        return Ok(false);
    }
    let user = UserId(certificate.user_id);
    let renewed = certificates::Entity::find()
        .filter(certificates::Column::RenewedFrom.eq(certificate.id))
        .filter(certificates::Column::IssuedAt.lte(at))
        .one(&txn)
        .await?
        .is_some();
    if !renewed {
        let slug = certifications::Entity::find_by_id(certificate.certification_id)
            .one(&txn)
            .await?
            .map(|c| c.slug);
        let data = json!({
            "person": person_json(&txn, user).await?,
            "certificate": {
                "id": certificate.id,
                "certification": slug,
                "valid_from": certificate.valid_from,
                "expires_at": certificate.expires_at,
            },
        });
        enqueue(&txn, EventType::CertificateExpired, Some(user), data, at).await?;
        record_event(
            &txn,
            None,
            "certificate.expired",
            Some(user),
            json!({ "certificate": certificate.id, "certification": slug, "expired_at": at }),
            now,
        )
        .await?;
    }
    announce_flips(&txn, user, Scopes::All, just_before(at), at).await?;
    txn.commit().await?;
    Ok(true)
}

async fn announce_grant_end<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    grant: &posting_grants::Model,
    now: DateTime<Utc>,
) -> Result<bool, DomainError> {
    let Some(at) = grant.ends_at else {
        return Ok(false);
    };
    let txn = crate::db::begin_write(db).await?;
    if !claim_expiry(&txn, "grant", grant.id, at, now).await? {
        txn.commit().await?;
        return Ok(false);
    }
    let user = UserId(grant.user_id);
    let slug = official_accounts::Entity::find_by_id(grant.account_id)
        .one(&txn)
        .await?
        .map(|a| a.slug);
    record_event(
        &txn,
        None,
        "grant.ended",
        Some(user),
        json!({ "grant": grant.id, "account": slug, "ended_at": at }),
        now,
    )
    .await?;
    announce_flips(
        &txn,
        user,
        Scopes::One(Some(grant.account_id)),
        just_before(at),
        at,
    )
    .await?;
    txn.commit().await?;
    Ok(true)
}

/// A delivery this app server has claimed, with everything needed to send it.
#[derive(Clone)]
pub struct Claimed {
    pub delivery: Uuid,
    pub claim_token: Uuid,
    /// The number of this attempt, from 1.
    pub attempt: i32,
    pub url: String,
    pub secret: String,
    pub event_id: Uuid,
    pub event_type: String,
    pub body: String,
}

impl std::fmt::Debug for Claimed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claimed")
            .field("delivery", &self.delivery)
            .field("attempt", &self.attempt)
            .field("url", &self.url)
            .field("event_type", &self.event_type)
            .finish_non_exhaustive()
    }
}

/// Claims up to `limit` deliveries that are due at `now` for a lease of [`LEASE`]. One
/// `UPDATE … WHERE id IN (SELECT … LIMIT n)`: on PostgreSQL the inner select takes its rows
/// `FOR UPDATE SKIP LOCKED`, so app servers claiming at the same time never take the same
/// row and never wait for each other, and the outer conditions are checked again on the row
/// as it is; SQLite has one writer at a time. A claim that outlives its lease (a server that
/// died mid-delivery) is due again.
pub async fn claim_due(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
    limit: u64,
) -> Result<Vec<Claimed>, DbErr> {
    let token = Uuid::new_v4();
    let due = || {
        Condition::all()
            .add(webhook_deliveries::Column::Status.eq(DeliveryStatus::Pending.code()))
            .add(webhook_deliveries::Column::NextAttemptAt.lte(now))
            .add(
                Condition::any()
                    .add(webhook_deliveries::Column::LockedUntil.is_null())
                    .add(webhook_deliveries::Column::LockedUntil.lt(now)),
            )
    };
    let enabled = Query::select()
        .column(webhooks::Column::Id)
        .from(webhooks::Entity)
        .and_where(webhooks::Column::DisabledAt.is_null())
        .to_owned();
    let mut candidates = Query::select();
    candidates
        .column(webhook_deliveries::Column::Id)
        .from(webhook_deliveries::Entity)
        .cond_where(due())
        .and_where(webhook_deliveries::Column::WebhookId.in_subquery(enabled))
        .order_by(
            webhook_deliveries::Column::NextAttemptAt,
            sea_orm::Order::Asc,
        )
        .limit(limit);
    if db.get_database_backend() == DbBackend::Postgres {
        candidates.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::LockedUntil,
            Expr::value(now + LEASE),
        )
        .col_expr(webhook_deliveries::Column::ClaimToken, Expr::value(token))
        .filter(webhook_deliveries::Column::Id.in_subquery(candidates.to_owned()))
        .filter(due())
        .exec(db)
        .await?;
    let claimed = webhook_deliveries::Entity::find()
        .filter(webhook_deliveries::Column::ClaimToken.eq(token))
        .all(db)
        .await?;
    if claimed.is_empty() {
        return Ok(Vec::new());
    }
    let events: HashMap<Uuid, webhook_events::Model> = webhook_events::Entity::find()
        .filter(webhook_events::Column::Id.is_in(claimed.iter().map(|c| c.event_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let endpoints: HashMap<Uuid, webhooks::Model> = webhooks::Entity::find()
        .filter(webhooks::Column::Id.is_in(claimed.iter().map(|c| c.webhook_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.id, w))
        .collect();
    Ok(claimed
        .into_iter()
        .filter_map(|row| {
            let event = events.get(&row.event_id)?;
            let endpoint = endpoints.get(&row.webhook_id)?;
            Some(Claimed {
                delivery: row.id,
                claim_token: token,
                attempt: row.attempts + 1,
                url: endpoint.url.clone(),
                secret: endpoint.secret.clone(),
                event_id: event.id,
                event_type: event.event_type.clone(),
                body: event.payload.clone(),
            })
        })
        .collect())
}

/// How an attempt went: the receiver's HTTP status, or why there was none.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub status_code: Option<u16>,
    pub error: Option<String>,
    pub duration_ms: i64,
}

impl Outcome {
    /// Only a 2xx answer counts as delivered.
    pub fn delivered(&self) -> bool {
        self.status_code.is_some_and(|c| (200..300).contains(&c))
    }
}

/// Logs one attempt and moves the delivery on: delivered, due again after the backoff, or
/// failed after [`MAX_ATTEMPTS`]. Returns the delivery's new status. A server whose lease ran
/// out and was taken over only logs its attempt; the new holder decides.
pub async fn record_attempt<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    claimed: &Claimed,
    outcome: &Outcome,
    now: DateTime<Utc>,
) -> Result<DeliveryStatus, DbErr> {
    let error: Option<String> = outcome.error.as_ref().map(|e| {
        let mut text: String = e.chars().filter(|c| !c.is_control()).collect();
        if text.chars().count() > MAX_ERROR_CHARS {
            text = text.chars().take(MAX_ERROR_CHARS).collect();
        }
        text
    });
    let status = if outcome.delivered() {
        DeliveryStatus::Delivered
    } else if claimed.attempt >= MAX_ATTEMPTS {
        DeliveryStatus::Failed
    } else {
        DeliveryStatus::Pending
    };
    let txn = crate::db::begin_write(db).await?;
    webhook_attempts::ActiveModel {
        id: Set(Uuid::new_v4()),
        delivery_id: Set(claimed.delivery),
        attempt: Set(claimed.attempt),
        attempted_at: Set(now),
        status_code: Set(outcome.status_code.map(i32::from)),
        error: Set(error.clone()),
        duration_ms: Set(outcome.duration_ms),
    }
    .insert(&txn)
    .await?;
    let next = match status {
        DeliveryStatus::Pending => now + retry_delay(claimed.attempt),
        _ => now,
    };
    webhook_deliveries::Entity::update_many()
        .col_expr(
            webhook_deliveries::Column::Status,
            Expr::value(status.code()),
        )
        .col_expr(
            webhook_deliveries::Column::Attempts,
            Expr::value(claimed.attempt),
        )
        .col_expr(webhook_deliveries::Column::NextAttemptAt, Expr::value(next))
        .col_expr(
            webhook_deliveries::Column::LockedUntil,
            Expr::value(Option::<DateTime<Utc>>::None),
        )
        .col_expr(
            webhook_deliveries::Column::ClaimToken,
            Expr::value(Option::<Uuid>::None),
        )
        .col_expr(webhook_deliveries::Column::LastAttemptAt, Expr::value(now))
        .col_expr(
            webhook_deliveries::Column::LastStatusCode,
            Expr::value(outcome.status_code.map(i32::from)),
        )
        .col_expr(webhook_deliveries::Column::LastError, Expr::value(error))
        .col_expr(
            webhook_deliveries::Column::DeliveredAt,
            Expr::value((status == DeliveryStatus::Delivered).then_some(now)),
        )
        .filter(webhook_deliveries::Column::Id.eq(claimed.delivery))
        .filter(webhook_deliveries::Column::ClaimToken.eq(claimed.claim_token))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    Ok(status)
}

/// Every attempt at one delivery, oldest first: (attempt, at, status code, error).
pub async fn attempts_of(
    db: &impl ConnectionTrait,
    delivery: Uuid,
) -> Result<Vec<webhook_attempts::Model>, DbErr> {
    webhook_attempts::Entity::find()
        .filter(webhook_attempts::Column::DeliveryId.eq(delivery))
        .order_by_asc(webhook_attempts::Column::Attempt)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_back_off_and_are_capped() {
        let waits: Vec<i64> = (1..=MAX_ATTEMPTS)
            .map(|n| retry_delay(n).num_seconds())
            .collect();
        assert_eq!(
            waits,
            vec![30, 60, 120, 240, 480, 960, 1920, 3840, 7680, 15360]
        );
        assert_eq!(retry_delay(60), MAX_RETRY);
    }

    #[test]
    fn the_signature_is_hmac_sha256_over_timestamp_dot_body() {
        // RFC 4231 gives no vector for this framing; this one was computed independently
        // with `printf '1700000000.{}' | openssl dgst -sha256 -hmac secret-of-sixteen`.
        assert_eq!(
            signature("secret-of-sixteen", 1_700_000_000, b"{}"),
            "sha256=392db33d6f2a0f4fbeb9ccc6adda8cff2aa84622afe4c9353c909534d99d6f08"
        );
    }

    #[test]
    fn bad_input_is_refused_with_its_reason() {
        for (url, ok) in [
            ("https://hooks.example.com/cleared", true),
            ("http://127.0.0.1:8080/x", true),
            ("ftp://example.com/", false),
            ("javascript:alert(1)", false),
            ("https://user:pw@example.com/", false),
            ("not a url", false),
            ("", false),
        ] {
            assert_eq!(parse_url(url).is_ok(), ok, "{url}");
        }
        assert!(matches!(
            parse_secret(""),
            Err(DomainError::Invalid(Problem::WebhookSecretTooShort {
                min: 16
            }))
        ));
        assert!(parse_secret("sixteen-chars-ok").is_ok());
        assert!(matches!(
            parse_events(&["clearance.lost".into(), "clearance.found".into()]),
            Err(DomainError::Invalid(Problem::UnknownWebhookEvent))
        ));
        assert!(matches!(
            parse_events(&[]),
            Err(DomainError::Invalid(Problem::WebhookEventsMissing))
        ));
        assert_eq!(
            parse_events(&[
                "clearance.lost, certificate.issued".into(),
                "clearance.lost".into()
            ])
            .unwrap(),
            vec![EventType::ClearanceLost, EventType::CertificateIssued]
        );
    }
}
