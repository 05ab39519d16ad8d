//! Policy versions and acknowledgements.

use super::PolicyPage;
use crate::accounts::UserId;
use crate::content::{Localized, render_markdown};
use crate::entities::{policy_acknowledgements, policy_versions};
use crate::error::DomainError;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyContent {
    pub title: Localized,
    pub summary_of_changes: Localized,
    pub body: Localized,
}

/// Publishes version `version` of the policy unless it exists. Returns whether it was new.
pub async fn publish_policy_version(
    db: &(impl ConnectionTrait + TransactionTrait),
    version: i32,
    requires_reacknowledgement: bool,
    content: &PolicyContent,
    published_at: DateTime<Utc>,
) -> Result<bool, DomainError> {
    if !content.title.is_complete() || !content.body.is_complete() {
        return Err(DomainError::Invalid(crate::problem::invalid_content(
            "a policy version needs an English title and text",
        )));
    }
    if policy_versions::Entity::find()
        .filter(policy_versions::Column::Version.eq(version))
        .one(db)
        .await?
        .is_some()
    {
        return Ok(false);
    }
    if let Some(latest) = current_version(db).await?
        && latest.version >= version
    {
        return Err(DomainError::Conflict(crate::problem::invalid_content(
            format!(
                "version {version} is older than the published version {}",
                latest.version
            ),
        )));
    }
    policy_versions::ActiveModel {
        id: Set(Uuid::new_v4()),
        version: Set(version),
        published_at: Set(published_at),
        requires_reacknowledgement: Set(requires_reacknowledgement),
        content: Set(
            serde_json::to_string(content).map_err(|e| DomainError::Corrupt(e.to_string()))?
        ),
    }
    .insert(db)
    .await?;
    crate::audit::server::record_event(
        db,
        None,
        "policy.published",
        None,
        json!({ "version": version, "requires_reacknowledgement": requires_reacknowledgement }),
        published_at,
    )
    .await?;
    Ok(true)
}

/// The current policy: the highest published version.
pub async fn current_version(
    db: &impl ConnectionTrait,
) -> Result<Option<policy_versions::Model>, DomainError> {
    Ok(policy_versions::Entity::find()
        .order_by_desc(policy_versions::Column::Version)
        .one(db)
        .await?)
}

/// The version everyone must have acknowledged (or a later one): the newest version marked
/// "requires re-acknowledgement".
pub async fn binding_version(
    db: &impl ConnectionTrait,
) -> Result<Option<policy_versions::Model>, DomainError> {
    Ok(policy_versions::Entity::find()
        .filter(policy_versions::Column::RequiresReacknowledgement.eq(true))
        .order_by_desc(policy_versions::Column::Version)
        .one(db)
        .await?)
}

/// The version numbers `user` has acknowledged.
pub async fn acknowledged_versions(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<Vec<i32>, DomainError> {
    let acks = policy_acknowledgements::Entity::find()
        .filter(policy_acknowledgements::Column::UserId.eq(user.0))
        .all(db)
        .await?;
    let ids: Vec<Uuid> = acks.iter().map(|a| a.policy_version_id).collect();
    Ok(policy_versions::Entity::find()
        .filter(policy_versions::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|v| v.version)
        .collect())
}

/// Whether `user` has acknowledged the binding version or a later one (true when there is no
/// policy at all).
pub async fn has_acknowledged_current(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<bool, DomainError> {
    let Some(binding) = binding_version(db).await? else {
        return Ok(true);
    };
    Ok(acknowledged_versions(db, user)
        .await?
        .iter()
        .any(|&v| v >= binding.version))
}

/// Records that `user` read and acknowledges version `version_id`, which must be the current
/// one. Acknowledging twice keeps the first record. Completing a certification's last
/// requirement issues it in the same transaction.
pub async fn acknowledge<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: UserId,
    version_id: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let version = policy_versions::Entity::find_by_id(version_id)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let current = current_version(&txn).await?.ok_or(DomainError::NotFound)?;
    if current.id != version.id {
        return Err(DomainError::Conflict(
            crate::problem::Problem::PolicyReplaced,
        ));
    }
    if policy_acknowledgements::Entity::find_by_id((user.0, version.id))
        .one(&txn)
        .await?
        .is_none()
    {
        policy_acknowledgements::ActiveModel {
            user_id: Set(user.0),
            policy_version_id: Set(version.id),
            acknowledged_at: Set(now),
        }
        .insert(&txn)
        .await?;
        crate::certification::server::issue_due_certificates(&txn, user, now).await?;
        // An acknowledgement can clear a person without a new certificate.
        crate::webhooks::server::announce_clearance_changes(&txn, user, now).await?;
    }
    txn.commit().await?;
    Ok(())
}

/// The current policy for a reader (signed in or not).
pub async fn policy_page(
    db: &impl ConnectionTrait,
    reader: Option<UserId>,
    lang: Lang,
) -> Result<PolicyPage, DomainError> {
    let version = current_version(db).await?.ok_or(DomainError::NotFound)?;
    let content: PolicyContent =
        serde_json::from_str(&version.content).map_err(|e| DomainError::Corrupt(e.to_string()))?;
    let acknowledged_at = match reader {
        Some(user) => policy_acknowledgements::Entity::find_by_id((user.0, version.id))
            .one(db)
            .await?
            .map(|a| a.acknowledged_at),
        None => None,
    };
    let body = content.body.pick(lang);
    Ok(PolicyPage {
        version_id: version.id.to_string(),
        version: version.version,
        published_at: version.published_at,
        requires_reacknowledgement: version.requires_reacknowledgement,
        title: content.title.text(lang),
        summary_of_changes: content.summary_of_changes.text(lang),
        html: render_markdown(&body.text),
        fell_back: body.fell_back,
        acknowledged_at,
        signed_in: reader.is_some(),
    })
}
