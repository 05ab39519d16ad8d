//! Writing, reading and verifying the audit log. The application only ever inserts.
//!
//! The log is a hash chain: each entry stores the previous entry's hash and its own, the
//! SHA-256 of the previous hash and the entry's content. Editing, deleting or reordering an
//! entry breaks every link after it, and `audit_chain_head` holds the last link, so cutting
//! entries off the end is found too. Appends lock the head row first, so two concurrent
//! appends can never both extend the same link.

use super::ChainCheck;
use crate::accounts::UserId;
use crate::entities::{audit_chain_head, audit_events};
use chrono::{DateTime, SecondsFormat, SubsecRound, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionSession, TransactionTrait,
};
use sha2::{Digest, Sha256};

const HEAD: i32 = 1;

/// Appends one event. Call it with the transaction that made the change, so the change and
/// its evidence commit together or not at all; with a bare connection it runs in its own.
pub async fn record_event<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    action: &str,
    subject: Option<UserId>,
    details: serde_json::Value,
    now: DateTime<Utc>,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let previous = lock_head(&txn).await?;
    // Both databases keep microseconds: the hash must cover what a later read returns.
    let mut event = audit_events::Model {
        seq: 0,
        occurred_at: now.trunc_subsecs(6),
        actor_user_id: actor.map(|id| id.0),
        action: action.to_string(),
        subject_user_id: subject.map(|id| id.0),
        details: details.to_string(),
        prev_hash: previous.last_hash.clone(),
        hash: None,
    };
    event.hash = Some(entry_hash(&event));
    let inserted = audit_events::ActiveModel {
        occurred_at: Set(event.occurred_at),
        actor_user_id: Set(event.actor_user_id),
        action: Set(event.action),
        subject_user_id: Set(event.subject_user_id),
        details: Set(event.details),
        prev_hash: Set(event.prev_hash),
        hash: Set(event.hash),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    audit_chain_head::ActiveModel {
        id: Set(HEAD),
        last_seq: Set(inserted.seq),
        last_hash: Set(inserted.hash),
    }
    .update(&txn)
    .await?;
    txn.commit().await
}

/// Takes the write lock on the chain's head (a write comes first, so SQLite upgrades to a
/// writer before it reads and PostgreSQL holds the row lock until commit), then reads it.
async fn lock_head(db: &impl ConnectionTrait) -> Result<audit_chain_head::Model, DbErr> {
    audit_chain_head::Entity::update_many()
        .col_expr(
            audit_chain_head::Column::LastSeq,
            sea_orm::sea_query::Expr::col(audit_chain_head::Column::LastSeq),
        )
        .filter(audit_chain_head::Column::Id.eq(HEAD))
        .exec(db)
        .await?;
    audit_chain_head::Entity::find_by_id(HEAD)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_chain_head".into()))
}

/// The hash of one entry: SHA-256 over a JSON array of the previous hash and the entry's
/// fields, which is unambiguous whatever the fields contain.
pub fn entry_hash(event: &audit_events::Model) -> String {
    let content = serde_json::json!([
        event.prev_hash,
        event
            .occurred_at
            .to_rfc3339_opts(SecondsFormat::Micros, true),
        event.actor_user_id,
        event.action,
        event.subject_user_id,
        event.details,
    ]);
    hex::encode(Sha256::digest(content.to_string().as_bytes()))
}

/// Chains the entries written before the chain existed, once, in the order they were written.
/// Runs after the migrations; does nothing when the chain has started.
pub async fn seal_unchained_history<C: ConnectionTrait + TransactionTrait>(
    db: &C,
) -> Result<(), DbErr> {
    let txn = crate::db::begin_write(db).await?;
    let head = lock_head(&txn).await?;
    if head.last_seq != 0 {
        return txn.commit().await;
    }
    let mut previous: Option<String> = None;
    let mut last_seq = 0;
    for mut event in audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Seq)
        .all(&txn)
        .await?
    {
        event.prev_hash = previous.clone();
        let hash = entry_hash(&event);
        audit_events::Entity::update_many()
            .col_expr(audit_events::Column::PrevHash, previous.clone().into())
            .col_expr(audit_events::Column::Hash, Some(hash.clone()).into())
            .filter(audit_events::Column::Seq.eq(event.seq))
            .exec(&txn)
            .await?;
        previous = Some(hash);
        last_seq = event.seq;
    }
    if last_seq != 0 {
        audit_chain_head::ActiveModel {
            id: Set(HEAD),
            last_seq: Set(last_seq),
            last_hash: Set(previous),
        }
        .update(&txn)
        .await?;
    }
    txn.commit().await
}

/// Recomputes the whole chain and names the first entry that does not match: an edited,
/// removed or inserted entry, or a log cut short behind the head.
pub async fn verify_chain(db: &impl ConnectionTrait) -> Result<ChainCheck, DbErr> {
    const PAGE: u64 = 1000;
    let head = audit_chain_head::Entity::find_by_id(HEAD)
        .one(db)
        .await?
        .ok_or_else(|| DbErr::RecordNotFound("audit_chain_head".into()))?;
    let mut previous: Option<String> = None;
    let mut last_seq = 0;
    let mut checked = 0u64;
    loop {
        let page = audit_events::Entity::find()
            .filter(audit_events::Column::Seq.gt(last_seq))
            .order_by_asc(audit_events::Column::Seq)
            .limit(PAGE)
            .all(db)
            .await?;
        let done = (page.len() as u64) < PAGE;
        for event in page {
            let expected = entry_hash(&audit_events::Model {
                prev_hash: previous.clone(),
                ..event.clone()
            });
            if event.prev_hash != previous || event.hash.as_deref() != Some(expected.as_str()) {
                return Ok(ChainCheck {
                    checked,
                    first_broken: Some(event.seq),
                    truncated: false,
                });
            }
            previous = event.hash;
            last_seq = event.seq;
            checked += 1;
        }
        if done {
            break;
        }
    }
    let truncated = head.last_seq != last_seq || head.last_hash != previous;
    Ok(ChainCheck {
        checked,
        first_broken: None,
        truncated,
    })
}

/// All events in the order they happened.
pub async fn list_events(db: &impl ConnectionTrait) -> Result<Vec<audit_events::Model>, DbErr> {
    audit_events::Entity::find()
        .order_by_asc(audit_events::Column::Seq)
        .all(db)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[tokio::test]
    async fn the_chain_finds_an_edited_a_removed_and_a_cut_off_entry() {
        let db = crate::db::connect_memory().await;
        let now = Utc::now();
        for i in 0..5 {
            record_event(&db, None, "test.event", None, json!({ "n": i }), now)
                .await
                .unwrap();
        }
        let intact = verify_chain(&db).await.unwrap();
        assert_eq!(
            (intact.checked, intact.first_broken, intact.truncated),
            (5, None, false)
        );

        let events = list_events(&db).await.unwrap();
        let third = events[2].clone();
        let mut edited: audit_events::ActiveModel = third.clone().into();
        edited.details = Set(json!({ "n": 99 }).to_string());
        edited.update(&db).await.unwrap();
        assert_eq!(
            verify_chain(&db).await.unwrap().first_broken,
            Some(third.seq)
        );
        let mut restored: audit_events::ActiveModel = third.clone().into();
        restored.details = Set(third.details.clone());
        restored.update(&db).await.unwrap();
        assert_eq!(verify_chain(&db).await.unwrap().first_broken, None);

        audit_events::Entity::delete_by_id(events[1].seq)
            .exec(&db)
            .await
            .unwrap();
        assert_eq!(
            verify_chain(&db).await.unwrap().first_broken,
            Some(third.seq)
        );
    }

    #[tokio::test]
    async fn cutting_entries_off_the_end_is_found() {
        let db = crate::db::connect_memory().await;
        for i in 0..3 {
            record_event(&db, None, "test.event", None, json!({ "n": i }), Utc::now())
                .await
                .unwrap();
        }
        let last = list_events(&db).await.unwrap().pop().unwrap();
        audit_events::Entity::delete_by_id(last.seq)
            .exec(&db)
            .await
            .unwrap();
        let check = verify_chain(&db).await.unwrap();
        assert_eq!((check.first_broken, check.truncated), (None, true));
    }
}
