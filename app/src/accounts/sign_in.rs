//! Signing in: the throttle that limits password guesses, and password checks that never
//! block the async workers.
//!
//! Guesses are throttled per source address and per account-and-source, with growing delays
//! instead of a hard lock-out, so nobody can lock a colleague out from elsewhere. Every guess
//! is counted with one conditional UPDATE before the password is checked, so no number of
//! parallel requests gets more guesses than the rule allows; a correct password refunds its
//! guess. Unknown emails are throttled exactly like known ones (the key holds a hash of the
//! normalised email), every refused sign-in gets the same answer, and every path spends the
//! same work on a password hash.

use super::UserId;
use crate::audit::server::record_event;
use crate::entities::{login_throttles, users, users::PasswordHash};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, Set, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::net::IpAddr;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// How many guesses a throttle key gets for free, and how long it waits after each further one.
#[derive(Debug, Clone, Copy)]
pub struct ThrottleRule {
    pub free_guesses: i32,
    pub first_delay: Duration,
    pub max_delay: Duration,
}

impl ThrottleRule {
    /// The wait after the `guess`-th counted guess: none while guesses are free, then doubling
    /// from `first_delay` up to `max_delay`.
    pub fn delay_after(&self, guess: i32) -> Option<Duration> {
        if guess < self.free_guesses {
            return None;
        }
        let doublings = std::cmp::min(guess - self.free_guesses, 20) as u32;
        let delay = self.first_delay * 2_i32.pow(doublings);
        Some(std::cmp::min(delay, self.max_delay))
    }

    /// The guess count from which every further guess waits `max_delay`.
    fn capped_from(&self) -> i32 {
        (self.free_guesses..self.free_guesses + 21)
            .find(|&guess| self.delay_after(guess) == Some(self.max_delay))
            .unwrap_or(self.free_guesses + 20)
    }
}

/// The throttling of sign-ins and of other password checks.
#[derive(Debug, Clone, Copy)]
pub struct SignInPolicy {
    /// One person's email from one source address.
    pub per_account_and_source: ThrottleRule,
    /// One source address, whatever the email (an office behind one address signs in a lot).
    pub per_source: ThrottleRule,
    /// A key with no guess for this long starts again from zero.
    pub forget_after: Duration,
}

impl Default for SignInPolicy {
    fn default() -> Self {
        SignInPolicy {
            per_account_and_source: ThrottleRule {
                free_guesses: 5,
                first_delay: Duration::seconds(30),
                max_delay: Duration::minutes(15),
            },
            per_source: ThrottleRule {
                free_guesses: 50,
                first_delay: Duration::seconds(30),
                max_delay: Duration::minutes(15),
            },
            forget_after: Duration::hours(24),
        }
    }
}

/// Why a sign-in was refused. Callers show `Refused` and `Throttled` with one message, so
/// the answer does not tell whether an email address has an account.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("wrong email or password")]
    Refused,
    #[error("too many guesses; wait until {until}")]
    Throttled { until: DateTime<Utc> },
    #[error("account deactivated")]
    Deactivated,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Where a sign-in comes from. IPv6 clients are keyed by their /64 network, since one
/// client can pick any address inside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source(String);

impl Source {
    pub fn from_ip(ip: IpAddr) -> Source {
        match ip {
            IpAddr::V4(v4) => Source(v4.to_string()),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => Source(v4.to_string()),
                None => {
                    let s = v6.segments();
                    Source(format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3]))
                }
            },
        }
    }

    /// For callers that have no network address (the command line, tests).
    pub fn local() -> Source {
        Source("local".into())
    }
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// The hash of an email as the throttle and the audit log keep it: the normalised address
/// when it is valid, the trimmed lower-case text otherwise, so unknown and malformed emails
/// are throttled like real ones.
pub fn email_hash(email: &str) -> String {
    let normalised = super::normalize_email(email).unwrap_or_else(|_| email.trim().to_lowercase());
    hex::encode(Sha256::digest(normalised.as_bytes()))
}

fn source_key(source: &Source) -> String {
    format!("source:{source}")
}

fn account_key(email: &str, source: &Source) -> String {
    format!("account:{}@{source}", email_hash(email))
}

/// Password hashing is deliberately expensive. It runs on the blocking pool, at most one per
/// core at a time, so pages and health checks stay fast while sign-ins queue.
static HASHING: LazyLock<Semaphore> =
    LazyLock::new(|| Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())));

async fn off_the_async_workers<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    let _permit = HASHING.acquire().await.ok();
    match tokio::task::spawn_blocking(work).await {
        Ok(result) => result,
        Err(panic) => std::panic::resume_unwind(panic.into_panic()),
    }
}

/// Hashes a new password off the async workers.
pub async fn hash_password(password: &str) -> Result<PasswordHash, crate::error::DomainError> {
    let password = password.to_string();
    off_the_async_workers(move || super::server::hash_password(&password)).await
}

/// Checks `password` against `hash`, or against a dummy hash when there is none, so every
/// path costs the same.
async fn check_password(hash: Option<PasswordHash>, password: &str) -> bool {
    let password = password.to_string();
    off_the_async_workers(move || match hash {
        Some(hash) => super::server::verify_password(&hash, &password),
        None => {
            super::server::verify_against_dummy(&password);
            false
        }
    })
    .await
}

/// Keys that are not made to wait at `now`.
fn not_waiting(now: DateTime<Utc>) -> sea_orm::Condition {
    use login_throttles::Column;
    sea_orm::Condition::any()
        .add(Column::BlockedUntil.is_null())
        .add(Column::BlockedUntil.lte(now))
}

/// Counts one guess against `key`, atomically, before any password is checked. Returns
/// `Err(until)` when the key must still wait.
async fn take_guess(
    db: &(impl ConnectionTrait + TransactionTrait),
    key: &str,
    rule: ThrottleRule,
    forget_after: Duration,
    now: DateTime<Utc>,
) -> Result<Result<(), DateTime<Utc>>, DbErr> {
    use login_throttles::Column;
    login_throttles::Entity::delete_many()
        .filter(Column::Key.eq(key))
        .filter(Column::UpdatedAt.lt(now - forget_after))
        .filter(not_waiting(now))
        .exec(db)
        .await?;
    login_throttles::Entity::insert(login_throttles::ActiveModel {
        key: Set(key.to_string()),
        failures: Set(0),
        blocked_until: Set(None),
        updated_at: Set(now),
    })
    .on_conflict(OnConflict::column(Column::Key).do_nothing().to_owned())
    .try_insert()
    .exec(db)
    .await?;
    // The wait that starts with this guess, chosen in the same statement that counts it.
    let guess = Expr::col(Column::Failures).add(1);
    let mut wait = Expr::case(
        guess.clone().lt(rule.free_guesses),
        Expr::value(Option::<DateTime<Utc>>::None),
    );
    for n in rule.free_guesses..rule.capped_from() {
        if let Some(delay) = rule.delay_after(n) {
            wait = wait.case(guess.clone().eq(n), Expr::value(Some(now + delay)));
        }
    }
    let wait = wait.finally(Expr::value(Some(now + rule.max_delay)));
    let counted = login_throttles::Entity::update_many()
        .col_expr(Column::Failures, guess)
        .col_expr(Column::BlockedUntil, wait.into())
        .col_expr(Column::UpdatedAt, Expr::value(now))
        .filter(Column::Key.eq(key))
        .filter(not_waiting(now))
        .exec(db)
        .await?;
    if counted.rows_affected == 1 {
        return Ok(Ok(()));
    }
    let until = login_throttles::Entity::find_by_id(key.to_string())
        .one(db)
        .await?
        .and_then(|row| row.blocked_until)
        .unwrap_or(now + rule.first_delay);
    Ok(Err(until))
}

/// A correct password gives its guesses back: the account key starts from zero, the source
/// key gets one guess back.
async fn refund_guess(
    db: &(impl ConnectionTrait + TransactionTrait),
    email: &str,
    source: &Source,
) -> Result<(), DbErr> {
    use login_throttles::Column;
    login_throttles::Entity::delete_by_id(account_key(email, source))
        .exec(db)
        .await?;
    login_throttles::Entity::update_many()
        .col_expr(Column::Failures, Expr::col(Column::Failures).sub(1))
        .filter(Column::Key.eq(source_key(source)))
        .filter(Column::Failures.gt(0))
        .exec(db)
        .await?;
    Ok(())
}

/// Counts a guess against both keys of `email` from `source`; the later of the waits wins.
async fn take_guesses(
    db: &(impl ConnectionTrait + TransactionTrait),
    email: &str,
    source: &Source,
    policy: SignInPolicy,
    now: DateTime<Utc>,
) -> Result<Result<(), DateTime<Utc>>, DbErr> {
    let by_source = take_guess(
        db,
        &source_key(source),
        policy.per_source,
        policy.forget_after,
        now,
    )
    .await?;
    let by_account = take_guess(
        db,
        &account_key(email, source),
        policy.per_account_and_source,
        policy.forget_after,
        now,
    )
    .await?;
    Ok(match (by_source, by_account) {
        (Ok(()), Ok(())) => Ok(()),
        (Err(a), Err(b)) => Err(std::cmp::max(a, b)),
        (Err(until), _) | (_, Err(until)) => Err(until),
    })
}

async fn record_refusal<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    action: &str,
    user: Option<UserId>,
    email: &str,
    source: &Source,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    tracing::warn!(%source, action, "sign-in refused");
    let mut event = json!({ "email_sha256": email_hash(email), "source": source.to_string() });
    if let (Some(event), Some(extra)) = (event.as_object_mut(), details.as_object()) {
        event.extend(extra.clone());
    }
    record_event(db, None, action, user, event, now).await
}

/// Checks email and password for a sign-in from `source`, throttled by `policy`, and returns
/// the person. Failed and throttled attempts are logged and written to the audit log
/// (never the password).
pub async fn authenticate(
    db: &(impl ConnectionTrait + TransactionTrait),
    email: &str,
    password: &str,
    source: &Source,
    now: DateTime<Utc>,
    policy: SignInPolicy,
) -> Result<UserId, SignInError> {
    let user = super::server::find_user_by_email(db, email).await?;
    let subject = user.as_ref().map(|u| UserId(u.id));
    if let Err(until) = take_guesses(db, email, source, policy, now).await? {
        check_password(None, password).await;
        let details = json!({ "until": until });
        record_refusal(
            db,
            "sign_in.throttled",
            subject,
            email,
            source,
            details,
            now,
        )
        .await?;
        return Err(SignInError::Throttled { until });
    }
    let hash = user.as_ref().and_then(|u| u.password_hash.clone());
    let matched = check_password(hash, password).await;
    let Some(user) = user.filter(|_| matched) else {
        record_refusal(db, "sign_in.failed", subject, email, source, json!({}), now).await?;
        return Err(SignInError::Refused);
    };
    refund_guess(db, email, source).await?;
    if !user.active {
        record_refusal(
            db,
            "sign_in.deactivated",
            subject,
            email,
            source,
            json!({}),
            now,
        )
        .await?;
        return Err(SignInError::Deactivated);
    }
    Ok(UserId(user.id))
}

/// Checks the current password of a signed-in person (before a password change), counted
/// and throttled like a sign-in from `source`.
pub async fn confirm_password(
    db: &(impl ConnectionTrait + TransactionTrait),
    user: &users::Model,
    password: &str,
    source: &Source,
    now: DateTime<Utc>,
    policy: SignInPolicy,
) -> Result<(), SignInError> {
    let subject = Some(UserId(user.id));
    if let Err(until) = take_guesses(db, &user.email, source, policy, now).await? {
        check_password(None, password).await;
        let details = json!({ "until": until, "during": "password change" });
        record_refusal(
            db,
            "sign_in.throttled",
            subject,
            &user.email,
            source,
            details,
            now,
        )
        .await?;
        return Err(SignInError::Throttled { until });
    }
    if !check_password(user.password_hash.clone(), password).await {
        let details = json!({ "during": "password change" });
        record_refusal(
            db,
            "sign_in.failed",
            subject,
            &user.email,
            source,
            details,
            now,
        )
        .await?;
        return Err(SignInError::Refused);
    }
    refund_guess(db, &user.email, source).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_grow_from_the_first_unfree_guess_up_to_the_cap() {
        let rule = SignInPolicy::default().per_account_and_source;
        let delays: Vec<Option<i64>> = (1..=12)
            .map(|n| rule.delay_after(n).map(|d| d.num_seconds()))
            .collect();
        assert_eq!(
            delays,
            [
                None,
                None,
                None,
                None,
                Some(30),
                Some(60),
                Some(120),
                Some(240),
                Some(480),
                Some(900),
                Some(900),
                Some(900)
            ]
        );
        assert_eq!(rule.capped_from(), 10);
    }

    /// Password hashing never runs on an async worker, and never more at once than cores.
    #[tokio::test(flavor = "current_thread")]
    async fn hashing_runs_on_the_blocking_pool_one_per_core() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicUsize, Ordering};
        let worker = std::thread::current().id();
        let (running, most) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
        let jobs = (0..12).map(|_| {
            let (running, most) = (running.clone(), most.clone());
            off_the_async_workers(move || {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                std::thread::sleep(std::time::Duration::from_millis(5));
                running.fetch_sub(1, Ordering::SeqCst);
                std::thread::current().id()
            })
        });
        let threads = futures::future::join_all(jobs).await;
        assert!(threads.iter().all(|id| *id != worker));
        let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
        assert!(most.load(Ordering::SeqCst) <= cores);
    }

    #[test]
    fn ipv6_sources_are_keyed_by_their_network() {
        let a = Source::from_ip("2001:db8:1:2:aaaa::1".parse().unwrap());
        let b = Source::from_ip("2001:db8:1:2:bbbb::2".parse().unwrap());
        assert_eq!(a, b);
        assert_eq!(
            Source::from_ip("::ffff:192.0.2.7".parse().unwrap()).to_string(),
            "192.0.2.7"
        );
    }

    #[test]
    fn unknown_and_malformed_emails_hash_like_real_ones() {
        assert_eq!(
            email_hash(" Lea@Example.org "),
            email_hash("lea@example.org")
        );
        assert_ne!(email_hash("not an email"), email_hash("lea@example.org"));
    }
}
