//! Writing and reading audit events. The application only ever inserts.

use crate::accounts::UserId;
use crate::entities::audit_events;
use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ConnectionTrait, DbErr, EntityTrait, QueryOrder, Set};

/// Appends one event; call it inside the transaction that made the change, so the change and
/// its evidence commit together or not at all.
pub async fn record_event(
    db: &impl ConnectionTrait,
    actor: Option<UserId>,
    action: &str,
    subject: Option<UserId>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    audit_events::ActiveModel {
        occurred_at: Set(now),
        actor_user_id: Set(actor.map(|id| id.0)),
        action: Set(action.to_string()),
        subject_user_id: Set(subject.map(|id| id.0)),
        details: Set(details.to_string()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// All events in the order they happened.
pub async fn list_events(db: &impl ConnectionTrait) -> Result<Vec<audit_events::Model>, DbErr> {
    audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Seq)
        .all(db)
        .await
}
