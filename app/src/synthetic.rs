//! Synthetic employees with realistic histories, for the console and benchmarks
//! (`cleared seed --people N`): a spread of departments and countries, of progress, of
//! certificates (valid, expiring, lapsed, revoked, renewed) and of policy acknowledgements.
//!
//! Written in bulk, in batches, from a fixed random seed, so the same N gives the same data.
//! Their certificates say `"synthetic": true` in their evidence: they were not earned here.

use crate::entities::{
    certificates, certifications, person_status_changes, policy_acknowledgements, policy_versions,
    user_roles, users,
};
use crate::error::DomainError;
use chrono::{DateTime, Duration, Months, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use sea_orm::{
    ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, Set, TransactionSession,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

const DEPARTMENTS: [&str; 8] = [
    "Customer Support",
    "Sales",
    "Marketing",
    "Engineering",
    "Communications",
    "Finance",
    "Human Resources",
    "Legal",
];
const COUNTRIES: [&str; 8] = ["DE", "US", "GB", "FR", "IN", "BR", "JP", "IE"];
const FIRST: [&str; 16] = [
    "Ada", "Ben", "Chiara", "Deniz", "Elif", "Farid", "Greta", "Hiro", "Ines", "Jonas", "Kofi",
    "Lena", "Mateo", "Nora", "Omar", "Priya",
];
const LAST: [&str; 12] = [
    "Becker", "Costa", "Dubois", "Eriksen", "Fischer", "Garcia", "Hoffmann", "Ito", "Kaya",
    "Lopez", "Meyer", "Novak",
];
/// Rows per INSERT: well inside both databases' parameter limits.
const BATCH: usize = 200;

/// Whether any synthetic employee exists.
pub async fn has_synthetic_people(db: &impl ConnectionTrait) -> Result<bool, DomainError> {
    Ok(users::Entity::find()
        .filter(sea_orm::ColumnTrait::starts_with(
            &users::Column::Email,
            "synthetic-",
        ))
        .count(db)
        .await?
        > 0)
}

/// Creates `count` more synthetic employees (`synthetic-{n}@example.com`, numbered after
/// those that exist) and returns how many were created.
pub async fn seed_people<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    count: usize,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    let existing = users::Entity::find()
        .filter(sea_orm::ColumnTrait::starts_with(
            &users::Column::Email,
            "synthetic-",
        ))
        .count(db)
        .await? as usize;
    let certifications = certifications::Entity::find()
        .order_by_asc(certifications::Column::Slug)
        .all(db)
        .await?;
    let policy = policy_versions::Entity::find()
        .order_by_desc(policy_versions::Column::Version)
        .one(db)
        .await?;
    let mut rng = StdRng::seed_from_u64(existing as u64 + 1);
    let mut created = 0;
    for start in (0..count).step_by(BATCH) {
        let txn = crate::db::begin_write(db).await?;
        let mut people = Vec::new();
        let mut statuses = Vec::new();
        let mut roles = Vec::new();
        let mut certificates_rows = Vec::new();
        let mut acknowledgements = Vec::new();
        for i in start..(start + BATCH).min(count) {
            let n = existing + i + 1;
            let id = Uuid::new_v4();
            let joined = now - Duration::days(rng.gen_range(30..1500));
            let first = FIRST[rng.gen_range(0..FIRST.len())];
            let last = LAST[rng.gen_range(0..LAST.len())];
            let active = rng.gen_bool(0.97);
            people.push(users::ActiveModel {
                id: Set(id),
                email: Set(format!("synthetic-{n}@example.com")),
                display_name: Set(format!("{first} {last}")),
                employee_number: Set(Some(format!("S-{n:06}"))),
                department: Set(Some(
                    DEPARTMENTS[rng.gen_range(0..DEPARTMENTS.len())].into(),
                )),
                country: Set(Some(COUNTRIES[rng.gen_range(0..COUNTRIES.len())].into())),
                preferred_language: Set(None),
                password_hash: Set(None),
                active: Set(active),
                failed_login_count: Set(0),
                locked_until: Set(None),
                created_at: Set(joined),
                updated_at: Set(joined),
            });
            statuses.push(person_status_changes::ActiveModel {
                user_id: Set(id),
                changed_at: Set(joined),
                active: Set(true),
            });
            if !active {
                statuses.push(person_status_changes::ActiveModel {
                    user_id: Set(id),
                    changed_at: Set(now - Duration::days(rng.gen_range(1..30))),
                    active: Set(false),
                });
            }
            roles.push(user_roles::ActiveModel {
                user_id: Set(id),
                role: Set("employee".into()),
            });
            if let Some(policy) = &policy
                && rng.gen_bool(0.85)
            {
                let at = (joined + Duration::days(rng.gen_range(1..20))).min(now);
                acknowledgements.push(policy_acknowledgements::ActiveModel {
                    user_id: Set(id),
                    policy_version_id: Set(policy.id),
                    acknowledged_at: Set(at.max(policy.published_at)),
                });
            }
            // Progress: about a third never certified; the rest hold a chain of certificates
            // whose last one started up to 15 months ago (so some are expiring or lapsed).
            for (c, certification) in certifications.iter().enumerate() {
                if !rng.gen_bool(if certification.slug.contains("professional") {
                    0.25
                } else {
                    0.65
                }) {
                    continue;
                }
                let mut from = now - Duration::days(rng.gen_range(0..460));
                let mut renewed_from = None;
                let renewals = rng.gen_range(0..3);
                let mut chain = Vec::new();
                for _ in 0..=renewals {
                    chain.push(from);
                    from = from.checked_sub_months(Months::new(12)).unwrap_or(from);
                }
                chain.reverse();
                for (k, valid_from) in chain.iter().enumerate() {
                    if *valid_from < joined {
                        continue;
                    }
                    let certificate = Uuid::new_v4();
                    let revoked = k == chain.len() - 1 && rng.gen_bool(0.02);
                    let expires_at = valid_from
                        .checked_add_months(Months::new(12))
                        .unwrap_or(*valid_from);
                    certificates_rows.push(certificates::ActiveModel {
                        id: Set(certificate),
                        user_id: Set(id),
                        certification_id: Set(certification.id),
                        issued_at: Set(*valid_from - Duration::days(if k == 0 { 0 } else { 10 })),
                        valid_from: Set(*valid_from),
                        expires_at: Set(expires_at),
                        revoked_at: Set(
                            revoked.then(|| (*valid_from + Duration::days(30)).min(now))
                        ),
                        revoked_reason: Set(revoked.then(|| "Synthetic revocation".to_string())),
                        verification_code: Set(format!("SYN{n:07}{c}{k}")),
                        renewed_from: Set(renewed_from),
                        evidence: Set(json!({ "synthetic": true }).to_string()),
                    });
                    renewed_from = Some(certificate);
                }
            }
            created += 1;
        }
        users::Entity::insert_many(people)
            .exec_without_returning(&txn)
            .await?;
        person_status_changes::Entity::insert_many(statuses)
            .exec_without_returning(&txn)
            .await?;
        user_roles::Entity::insert_many(roles)
            .exec_without_returning(&txn)
            .await?;
        if !acknowledgements.is_empty() {
            policy_acknowledgements::Entity::insert_many(acknowledgements)
                .exec_without_returning(&txn)
                .await?;
        }
        for chunk in certificates_rows.chunks(BATCH) {
            certificates::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        txn.commit().await?;
    }
    Ok(created)
}

/// Gives a few holders of a valid professional certificate the right to post on each demo
/// official account (once: nothing happens when any grant exists). Returns the grants given.
pub async fn grant_demo_accounts<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    now: DateTime<Utc>,
) -> Result<usize, DomainError> {
    use crate::entities::posting_grants;
    use sea_orm::ColumnTrait;
    if posting_grants::Entity::find().count(db).await? > 0 {
        return Ok(0);
    }
    let Some(professional) = certifications::Entity::find()
        .filter(certifications::Column::Slug.eq("social-media-professional"))
        .one(db)
        .await?
    else {
        return Ok(0);
    };
    let mut holders: Vec<Uuid> = certificates::Entity::find()
        .filter(certificates::Column::CertificationId.eq(professional.id))
        .filter(certificates::Column::RevokedAt.is_null())
        .filter(certificates::Column::ValidFrom.lte(now))
        .filter(certificates::Column::ExpiresAt.gt(now))
        .order_by_asc(certificates::Column::VerificationCode)
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.user_id)
        .collect();
    holders.dedup();
    let accounts = crate::official_accounts::server::list_accounts(db).await?;
    let mut given = 0;
    for (i, account) in accounts.iter().enumerate() {
        for holder in holders.iter().skip(i * 2).take(2) {
            let id = account
                .id
                .parse()
                .map_err(|_| DomainError::Corrupt("account id".into()))?;
            let ends = (i % 3 == 0).then(|| now + Duration::days(20 + 30 * i as i64));
            crate::official_accounts::server::grant_posting(
                db,
                None,
                crate::accounts::UserId(*holder),
                id,
                &format!("Demo: posts for {}", account.owning_team),
                ends,
                now,
            )
            .await?;
            given += 1;
        }
    }
    Ok(given)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compliance::{RosterFilter, Standing};

    #[tokio::test]
    async fn synthetic_people_spread_over_every_standing() {
        let db = crate::db::connect_memory().await;
        let now = Utc::now();
        crate::demo::seed_curriculum(&db, now).await.unwrap();
        assert_eq!(seed_people(&db, 300, now).await.unwrap(), 300);
        assert_eq!(
            seed_people(&db, 10, now).await.unwrap(),
            10,
            "a second run adds"
        );
        let roster = crate::compliance::server::roster(
            &db,
            &RosterFilter {
                within: 90,
                ..Default::default()
            },
            now,
        )
        .await
        .unwrap();
        assert_eq!(roster.totals.total(), 310);
        for standing in Standing::ALL {
            let n = match standing {
                Standing::Cleared => roster.totals.cleared,
                Standing::Expiring => roster.totals.expiring,
                Standing::Lapsed => roster.totals.lapsed,
                Standing::Never => roster.totals.never,
            };
            assert!(n > 0, "{standing:?}: {:?}", roster.totals);
        }
        assert!(roster.by_department.len() > 4 && roster.by_country.len() > 4);

        let given = grant_demo_accounts(&db, now).await.unwrap();
        assert!(given > 0);
        assert_eq!(grant_demo_accounts(&db, now).await.unwrap(), 0, "once only");
        let account = crate::official_accounts::server::find_account(&db, "kestrel-cares")
            .await
            .unwrap();
        let cleared = crate::clearance::server::cleared_on_account(&db, account.id, now)
            .await
            .unwrap();
        assert!(
            !cleared.is_empty(),
            "the demo has people cleared for an account"
        );
    }
}
