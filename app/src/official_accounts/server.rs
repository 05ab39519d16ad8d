//! Official accounts, posting grants and suspensions. Grants and suspensions are never
//! deleted or rewritten: withdrawing or lifting closes them with a time, so the clearance rule
//! can answer for any moment. Every change is audited in its own transaction; partial unique
//! indexes keep "one open grant per person and account" and "one open suspension per person"
//! true under concurrent requests.

use super::{GrantView, OfficialAccount, PURPOSES, SuspensionView};
use crate::accounts::UserId;
use crate::audit::server::record_event;
use crate::entities::{
    certifications, official_account_requirements, official_accounts, posting_grants,
    posting_suspensions, users,
};
use crate::error::DomainError;
use crate::problem::{Problem, invalid_content};
use crate::text::{Lines, clean_text};
use crate::webhooks::server::announce_clearance_changes;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// The longest reason a compliance officer can give.
pub const MAX_REASON_CHARS: usize = 500;

/// An official account as the demo data or an admin defines it.
#[derive(Debug, Clone, PartialEq)]
pub struct AccountDefinition {
    pub slug: String,
    pub platform: String,
    pub handle: String,
    pub purpose: String,
    pub owning_team: String,
    pub requires: Vec<String>,
}

/// Creates the account if its slug is new; an existing account is left as it is, so that
/// what clearance depended on in the past does not change under it.
pub async fn define_account<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    definition: &AccountDefinition,
    now: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    if !PURPOSES.contains(&definition.purpose.as_str()) || definition.handle.trim().is_empty() {
        return Err(DomainError::Invalid(invalid_content(format!(
            "official account {}: needs a handle and a purpose out of {PURPOSES:?}",
            definition.slug
        ))));
    }
    let txn = crate::db::begin_write(db).await?;
    if let Some(existing) = official_accounts::Entity::find()
        .filter(official_accounts::Column::Slug.eq(&definition.slug))
        .one(&txn)
        .await?
    {
        txn.commit().await?;
        return Ok(existing.id);
    }
    let certifications = certifications::Entity::find()
        .filter(certifications::Column::Slug.is_in(definition.requires.clone()))
        .all(&txn)
        .await?;
    if certifications.len() != definition.requires.len() {
        return Err(DomainError::Invalid(invalid_content(format!(
            "official account {}: unknown certification among {:?}",
            definition.slug, definition.requires
        ))));
    }
    let id = Uuid::new_v4();
    official_accounts::ActiveModel {
        id: Set(id),
        slug: Set(definition.slug.clone()),
        platform: Set(definition.platform.clone()),
        handle: Set(definition.handle.clone()),
        purpose: Set(definition.purpose.clone()),
        owning_team: Set(definition.owning_team.clone()),
        created_at: Set(now),
    }
    .insert(&txn)
    .await?;
    for certification in &certifications {
        official_account_requirements::ActiveModel {
            account_id: Set(id),
            certification_id: Set(certification.id),
        }
        .insert(&txn)
        .await?;
    }
    record_event(
        &txn,
        None,
        "account.defined",
        None,
        json!({ "account": definition.slug, "handle": definition.handle, "requires": definition.requires }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(id)
}

/// Every official account with the certifications it requires, by platform and handle.
pub async fn list_accounts(db: &impl ConnectionTrait) -> Result<Vec<OfficialAccount>, DomainError> {
    let accounts = official_accounts::Entity::find()
        .order_by_asc(official_accounts::Column::Platform)
        .order_by_asc(official_accounts::Column::Handle)
        .all(db)
        .await?;
    let slugs: HashMap<Uuid, String> = certifications::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.slug))
        .collect();
    let mut requires: HashMap<Uuid, Vec<String>> = HashMap::new();
    for row in official_account_requirements::Entity::find()
        .all(db)
        .await?
    {
        if let Some(slug) = slugs.get(&row.certification_id) {
            requires
                .entry(row.account_id)
                .or_default()
                .push(slug.clone());
        }
    }
    Ok(accounts
        .into_iter()
        .map(|a| {
            let mut requires = requires.remove(&a.id).unwrap_or_default();
            requires.sort();
            OfficialAccount {
                id: a.id.to_string(),
                slug: a.slug,
                platform: a.platform,
                handle: a.handle,
                purpose: a.purpose,
                owning_team: a.owning_team,
                requires,
            }
        })
        .collect())
}

/// The account named by its id or its slug, as the API and forms name it.
pub async fn find_account(
    db: &impl ConnectionTrait,
    key: &str,
) -> Result<official_accounts::Model, DomainError> {
    let mut condition = Condition::any().add(official_accounts::Column::Slug.eq(key));
    if let Ok(id) = Uuid::parse_str(key) {
        condition = condition.add(official_accounts::Column::Id.eq(id));
    }
    official_accounts::Entity::find()
        .filter(condition)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

fn reason(raw: &str) -> Result<String, DomainError> {
    let text = clean_text(raw, Lines::Several, MAX_REASON_CHARS)?;
    if text.is_empty() {
        return Err(DomainError::Invalid(Problem::ReasonMissing));
    }
    Ok(text)
}

async fn existing_person(db: &impl ConnectionTrait, user: UserId) -> Result<(), DomainError> {
    users::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .map(|_| ())
        .ok_or(DomainError::NotFound)
}

/// Gives `user` the right to post on `account` from now until `ends_at` (or until withdrawn).
/// A grant that ran out by its end date is closed and replaced; a live one is a conflict.
#[allow(clippy::too_many_arguments)]
pub async fn grant_posting<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    account: Uuid,
    reason_text: &str,
    ends_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Uuid, DomainError> {
    let reason = reason(reason_text)?;
    if ends_at.is_some_and(|end| end <= now) {
        return Err(DomainError::Invalid(Problem::EndInPast));
    }
    let txn = crate::db::begin_write(db).await?;
    existing_person(&txn, user).await?;
    let account_row = official_accounts::Entity::find_by_id(account)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    if let Some(open) = posting_grants::Entity::find()
        .filter(posting_grants::Column::UserId.eq(user.0))
        .filter(posting_grants::Column::AccountId.eq(account))
        .filter(posting_grants::Column::WithdrawnAt.is_null())
        .one(&txn)
        .await?
    {
        if open.ends_at.is_none_or(|end| end > now) {
            return Err(DomainError::Conflict(Problem::AlreadyGranted));
        }
        let mut closed: posting_grants::ActiveModel = open.into();
        closed.withdrawn_at = Set(Some(now));
        closed.withdrawn_by = Set(actor.map(|a| a.0));
        closed.withdrawal_reason = Set(Some("replaced by a new grant".into()));
        closed.update(&txn).await?;
    }
    let id = Uuid::new_v4();
    posting_grants::ActiveModel {
        id: Set(id),
        user_id: Set(user.0),
        account_id: Set(account),
        granted_at: Set(now),
        granted_by: Set(actor.map(|a| a.0)),
        reason: Set(reason.clone()),
        ends_at: Set(ends_at),
        withdrawn_at: Set(None),
        withdrawn_by: Set(None),
        withdrawal_reason: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_as(e, Problem::AlreadyGranted))?;
    record_event(
        &txn,
        actor,
        "grant.given",
        Some(user),
        json!({ "grant": id, "account": account_row.slug, "reason": reason, "ends_at": ends_at }),
        now,
    )
    .await?;
    announce_clearance_changes(&txn, user, now).await?;
    txn.commit().await?;
    Ok(id)
}

/// A unique violation here means a concurrent request did the same thing first.
fn conflict_as(error: sea_orm::DbErr, problem: Problem) -> DomainError {
    match DomainError::from(error) {
        DomainError::Conflict(Problem::ChangedConcurrently) => DomainError::Conflict(problem),
        other => other,
    }
}

/// Ends `user`'s live grant on `account` now.
pub async fn withdraw_posting<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    account: Uuid,
    reason_text: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let reason = reason(reason_text)?;
    let txn = crate::db::begin_write(db).await?;
    let closed = posting_grants::Entity::update_many()
        .col_expr(posting_grants::Column::WithdrawnAt, Expr::value(now))
        .col_expr(
            posting_grants::Column::WithdrawnBy,
            Expr::value(actor.map(|a| a.0)),
        )
        .col_expr(
            posting_grants::Column::WithdrawalReason,
            Expr::value(reason.clone()),
        )
        .filter(posting_grants::Column::UserId.eq(user.0))
        .filter(posting_grants::Column::AccountId.eq(account))
        .filter(posting_grants::Column::WithdrawnAt.is_null())
        .filter(
            Condition::any()
                .add(posting_grants::Column::EndsAt.is_null())
                .add(posting_grants::Column::EndsAt.gt(now)),
        )
        .exec(&txn)
        .await?;
    if closed.rows_affected == 0 {
        return Err(DomainError::Conflict(Problem::NoOpenGrant));
    }
    let slug = official_accounts::Entity::find_by_id(account)
        .one(&txn)
        .await?
        .map(|a| a.slug)
        .unwrap_or_default();
    record_event(
        &txn,
        actor,
        "grant.withdrawn",
        Some(user),
        json!({ "account": slug, "reason": reason }),
        now,
    )
    .await?;
    announce_clearance_changes(&txn, user, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Suspends `user` from all posting, personal accounts included, until lifted.
pub async fn suspend<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    reason_text: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let reason = reason(reason_text)?;
    let txn = crate::db::begin_write(db).await?;
    existing_person(&txn, user).await?;
    if posting_suspensions::Entity::find()
        .filter(posting_suspensions::Column::UserId.eq(user.0))
        .filter(posting_suspensions::Column::LiftedAt.is_null())
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::Conflict(Problem::AlreadySuspended));
    }
    posting_suspensions::ActiveModel {
        id: Set(Uuid::new_v4()),
        user_id: Set(user.0),
        suspended_at: Set(now),
        suspended_by: Set(actor.map(|a| a.0)),
        reason: Set(reason.clone()),
        lifted_at: Set(None),
        lifted_by: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(|e| conflict_as(e, Problem::AlreadySuspended))?;
    record_event(
        &txn,
        actor,
        "suspension.started",
        Some(user),
        json!({ "reason": reason }),
        now,
    )
    .await?;
    announce_clearance_changes(&txn, user, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Lifts `user`'s suspension now.
pub async fn lift_suspension<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let lifted = posting_suspensions::Entity::update_many()
        .col_expr(posting_suspensions::Column::LiftedAt, Expr::value(now))
        .col_expr(
            posting_suspensions::Column::LiftedBy,
            Expr::value(actor.map(|a| a.0)),
        )
        .filter(posting_suspensions::Column::UserId.eq(user.0))
        .filter(posting_suspensions::Column::LiftedAt.is_null())
        .exec(&txn)
        .await?;
    if lifted.rows_affected == 0 {
        return Err(DomainError::Conflict(Problem::NotSuspended));
    }
    record_event(&txn, actor, "suspension.lifted", Some(user), json!({}), now).await?;
    announce_clearance_changes(&txn, user, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Every grant `user` ever held, newest first.
pub async fn grants_of(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<GrantView>, DomainError> {
    let accounts: HashMap<Uuid, official_accounts::Model> = official_accounts::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();
    Ok(posting_grants::Entity::find()
        .filter(posting_grants::Column::UserId.eq(user.0))
        .order_by_desc(posting_grants::Column::GrantedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|g| {
            let account = accounts.get(&g.account_id);
            GrantView {
                id: g.id.to_string(),
                account_slug: account.map(|a| a.slug.clone()).unwrap_or_default(),
                account_handle: account.map(|a| a.handle.clone()).unwrap_or_default(),
                granted_at: g.granted_at,
                reason: g.reason,
                ends_at: g.ends_at,
                withdrawn_at: g.withdrawn_at,
                withdrawal_reason: g.withdrawal_reason,
            }
        })
        .collect())
}

/// Every suspension of `user`, newest first.
pub async fn suspensions_of(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<SuspensionView>, DomainError> {
    Ok(posting_suspensions::Entity::find()
        .filter(posting_suspensions::Column::UserId.eq(user.0))
        .order_by_desc(posting_suspensions::Column::SuspendedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|s| SuspensionView {
            suspended_at: s.suspended_at,
            reason: s.reason,
            lifted_at: s.lifted_at,
        })
        .collect())
}
