//! Loading the facts the clearance rule (`super::rule`) decides on, and the learner's view of
//! personal clearance with the way back when it is missing. Many people's facts load in the
//! same fixed number of queries as one person's.

use super::rule::{
    CertificateFact, Certification, GrantFact, PersonHistory, PolicyFact, Scope, SuspensionFact,
    clearance_at,
};
use super::{Clearance, Dashboard, Missing, Reason, RenewalOffer, Verdict};
use crate::accounts::UserId;
use crate::certification::server::{
    all_certifications, certificates_of, initial_gaps, latest_certificate, renewal_gaps,
    renewal_window,
};
use crate::courses::server::{catalog, published_course};
use crate::courses::{course_href, quiz_href};
use crate::entities::{
    certificates, official_account_requirements, person_status_changes, policy_acknowledgements,
    policy_versions, posting_grants, posting_suspensions,
};
use crate::error::DomainError;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use std::collections::HashMap;
use uuid::Uuid;

/// How many ids go into one `IN (...)`: well inside both databases' parameter limits.
const BATCH: usize = 500;

/// Every published policy version, oldest first.
pub async fn policy_facts(db: &impl ConnectionTrait) -> Result<Vec<PolicyFact>, DomainError> {
    Ok(policy_versions::Entity::find()
        .order_by_asc(policy_versions::Column::Version)
        .all(db)
        .await?
        .into_iter()
        .map(|v| PolicyFact {
            version: v.version,
            published_at: v.published_at,
            requires_acknowledgement: v.requires_reacknowledgement,
        })
        .collect())
}

/// What clearance for `people` depends on: five queries per batch of people, whatever the
/// number of courses, quizzes or certificates.
pub async fn load_histories(
    db: &impl ConnectionTrait,
    people: &[Uuid],
) -> Result<HashMap<Uuid, PersonHistory>, DomainError> {
    let versions: HashMap<Uuid, i32> = policy_versions::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|v| (v.id, v.version))
        .collect();
    let mut histories: HashMap<Uuid, PersonHistory> = people
        .iter()
        .map(|id| (*id, PersonHistory::default()))
        .collect();
    for batch in people.chunks(BATCH) {
        let ids = batch.to_vec();
        for row in person_status_changes::Entity::find()
            .filter(person_status_changes::Column::UserId.is_in(ids.clone()))
            .order_by_asc(person_status_changes::Column::ChangedAt)
            .all(db)
            .await?
        {
            if let Some(h) = histories.get_mut(&row.user_id) {
                h.status.push((row.changed_at, row.active));
            }
        }
        for row in certificates::Entity::find()
            .filter(certificates::Column::UserId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            if let Some(h) = histories.get_mut(&row.user_id) {
                h.certificates.push(CertificateFact {
                    certification: row.certification_id,
                    issued_at: row.issued_at,
                    valid_from: row.valid_from,
                    expires_at: row.expires_at,
                    revoked_at: row.revoked_at,
                    revoked_reason: row.revoked_reason,
                });
            }
        }
        for row in policy_acknowledgements::Entity::find()
            .filter(policy_acknowledgements::Column::UserId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            if let (Some(h), Some(version)) = (
                histories.get_mut(&row.user_id),
                versions.get(&row.policy_version_id),
            ) {
                h.acknowledgements.push((*version, row.acknowledged_at));
            }
        }
        for row in posting_grants::Entity::find()
            .filter(posting_grants::Column::UserId.is_in(ids.clone()))
            .all(db)
            .await?
        {
            if let Some(h) = histories.get_mut(&row.user_id) {
                h.grants.push(GrantFact {
                    account: row.account_id,
                    granted_at: row.granted_at,
                    ends_at: row.ends_at,
                    withdrawn_at: row.withdrawn_at,
                });
            }
        }
        for row in posting_suspensions::Entity::find()
            .filter(posting_suspensions::Column::UserId.is_in(ids))
            .all(db)
            .await?
        {
            if let Some(h) = histories.get_mut(&row.user_id) {
                h.suspensions.push(SuspensionFact {
                    suspended_at: row.suspended_at,
                    reason: row.reason,
                    lifted_at: row.lifted_at,
                });
            }
        }
    }
    Ok(histories)
}

/// The scope of clearance asked about: personal accounts (`None`) or one official account.
pub async fn scope_of(
    db: &impl ConnectionTrait,
    account: Option<Uuid>,
) -> Result<Scope, DomainError> {
    let definitions = all_certifications(db).await?;
    let named = |id: Uuid, slug: &str| Certification {
        id,
        slug: slug.to_string(),
    };
    Ok(match account {
        None => Scope::Personal {
            any_of: definitions
                .iter()
                .filter(|d| d.content.grants_personal_clearance)
                .map(|d| named(d.id, &d.content.slug))
                .collect(),
        },
        Some(account) => {
            let required: Vec<Uuid> = official_account_requirements::Entity::find()
                .filter(official_account_requirements::Column::AccountId.eq(account))
                .all(db)
                .await?
                .into_iter()
                .map(|r| r.certification_id)
                .collect();
            Scope::Account {
                account,
                all_of: definitions
                    .iter()
                    .filter(|d| required.contains(&d.id))
                    .map(|d| named(d.id, &d.content.slug))
                    .collect(),
            }
        }
    })
}

/// Whether each of `people` is (or was) cleared at `at` for their personal accounts
/// (`account` None) or for one official account. Unknown ids are left out.
pub async fn verdicts(
    db: &impl ConnectionTrait,
    people: &[Uuid],
    account: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<HashMap<Uuid, Verdict>, DomainError> {
    let scope = scope_of(db, account).await?;
    let policy = policy_facts(db).await?;
    Ok(load_histories(db, people)
        .await?
        .into_iter()
        .map(|(id, history)| (id, clearance_at(&history, &policy, &scope, at)))
        .collect())
}

/// One person's verdict; see [`verdicts`].
pub async fn verdict(
    db: &impl ConnectionTrait,
    user: UserId,
    account: Option<Uuid>,
    at: DateTime<Utc>,
) -> Result<Verdict, DomainError> {
    verdicts(db, &[user.0], account, at)
        .await?
        .remove(&user.0)
        .ok_or(DomainError::NotFound)
}

/// The people who may post on `account` at `at`: only those ever granted it can be.
pub async fn cleared_on_account(
    db: &impl ConnectionTrait,
    account: Uuid,
    at: DateTime<Utc>,
) -> Result<Vec<(Uuid, Verdict)>, DomainError> {
    let mut candidates: Vec<Uuid> = posting_grants::Entity::find()
        .filter(posting_grants::Column::AccountId.eq(account))
        .filter(posting_grants::Column::GrantedAt.lte(at))
        .all(db)
        .await?
        .into_iter()
        .map(|g| g.user_id)
        .collect();
    candidates.sort();
    candidates.dedup();
    let mut cleared: Vec<(Uuid, Verdict)> = verdicts(db, &candidates, Some(account), at)
        .await?
        .into_iter()
        .filter(|(_, v)| v.cleared)
        .collect();
    cleared.sort_by_key(|(id, _)| *id);
    Ok(cleared)
}

/// Personal clearance of `user` at `now`, with what is missing and where to fix it.
pub async fn personal_clearance(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Clearance, DomainError> {
    let verdict = verdict(db, user, None, now).await?;
    if verdict.cleared {
        return Ok(Clearance {
            cleared: true,
            until: verdict.valid_until,
            missing: Vec::new(),
        });
    }
    let mut missing = Vec::new();
    let mut certificate_missing = false;
    for reason in verdict.reasons {
        match reason {
            Reason::Deactivated => missing.push(Missing::Deactivated),
            Reason::Suspended { since, .. } => missing.push(Missing::Suspended { since }),
            Reason::PolicyNotAcknowledged { version } => {
                missing.push(Missing::PolicyAcknowledgement { version })
            }
            Reason::CertificateMissing { .. }
            | Reason::CertificateExpired { .. }
            | Reason::CertificateRevoked { .. } => certificate_missing = true,
            Reason::NoGrant | Reason::GrantEnded { .. } | Reason::GrantWithdrawn { .. } => {}
        }
    }
    let definitions: Vec<_> = all_certifications(db)
        .await?
        .into_iter()
        .filter(|c| c.content.grants_personal_clearance)
        .collect();
    // The way back is the smallest certification that would clear: the one needing the
    // fewest courses.
    if certificate_missing
        && let Some(target) = definitions
            .iter()
            .min_by_key(|d| d.content.required_courses.len())
    {
        match latest_certificate(db, user, target.id).await? {
            None => {
                let (incomplete, _) = initial_gaps(db, user, &target.content).await?;
                for slug in incomplete {
                    let course = published_course(db, &slug).await?;
                    let state = crate::courses::server::learner_state(db, user, &course).await?;
                    let summary = crate::courses::server::summarize(&course, &state, lang);
                    missing.push(Missing::Course {
                        title: format!("{} — {}", summary.code, summary.title),
                        href: summary.resume_href.unwrap_or_else(|| course_href(&slug)),
                    });
                }
            }
            Some(latest) => {
                let ended_at = latest
                    .revoked_at
                    .map_or(latest.expires_at, |r| r.min(latest.expires_at));
                missing.push(Missing::CertificateEnded {
                    title: target.content.title.text(lang),
                    at: ended_at,
                    revoked: latest.revoked_at.is_some(),
                });
                let (_, since) = renewal_window(&target.content, &latest);
                for quiz in renewal_gaps(db, user, &target.content, since).await? {
                    let title = crate::quizzes::server::load_quiz(db, &quiz)
                        .await
                        .map(|q| q.content.title.text(lang))
                        .unwrap_or(quiz.clone());
                    missing.push(Missing::RenewalQuiz {
                        title,
                        href: quiz_href(&quiz),
                    });
                }
            }
        }
    }
    Ok(Clearance {
        cleared: false,
        until: None,
        missing,
    })
}

/// Renewals that are open now: certificates in force inside their recertification window
/// without a renewal issued yet.
pub async fn open_renewals(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Vec<RenewalOffer>, DomainError> {
    let mut offers = Vec::new();
    for definition in all_certifications(db).await? {
        let Some(latest) = latest_certificate(db, user, definition.id).await? else {
            continue;
        };
        let (opens, since) = renewal_window(&definition.content, &latest);
        let in_force =
            latest.revoked_at.is_none() && latest.valid_from <= now && now < latest.expires_at;
        if !in_force || now < opens {
            continue;
        }
        let mut quizzes = Vec::new();
        for quiz in renewal_gaps(db, user, &definition.content, since).await? {
            let title = crate::quizzes::server::load_quiz(db, &quiz)
                .await
                .map(|q| q.content.title.text(lang))
                .unwrap_or(quiz.clone());
            quizzes.push((title, quiz_href(&quiz)));
        }
        offers.push(RenewalOffer {
            certification: definition.content.title.text(lang),
            expires_at: latest.expires_at,
            quizzes,
        });
    }
    Ok(offers)
}

pub async fn dashboard(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Dashboard, DomainError> {
    Ok(Dashboard {
        personal: personal_clearance(db, user, lang, now).await?,
        courses: catalog(db, user, lang).await?,
        certificates: certificates_of(db, user, lang, now).await?,
        renewals: open_renewals(db, user, lang, now).await?,
    })
}
