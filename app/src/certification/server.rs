//! Issuing certificates when the last requirement is met, renewal from the old expiry,
//! and public verification.

use super::{CertificatePage, CertificateStatus, CertificateSummary, Verification};
use crate::accounts::UserId;
use crate::audit::server::record_event;
use crate::content::Localized;
use crate::courses::server::{learner_state, published_course};
use crate::entities::{certificates, certifications, quiz_attempts, quizzes, users};
use crate::error::DomainError;
use crate::i18n::Lang;
use crate::webhooks::EventType;
use crate::webhooks::server::{announce_clearance_changes, enqueue, person_json};
use chrono::{DateTime, Duration, Months, Utc};
use rand::Rng;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
    TransactionSession, TransactionTrait, TryInsertResult,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CertificationContent {
    pub slug: String,
    pub title: Localized,
    pub description: Localized,
    pub required_courses: Vec<String>,
    pub requires_policy: bool,
    pub validity_months: u32,
    pub recertification_window_days: u32,
    /// Quizzes to pass again inside the recertification window.
    pub renewal_quizzes: Vec<String>,
    /// A valid certificate lets the holder speak about the company on personal accounts.
    pub grants_personal_clearance: bool,
}

pub struct Certification {
    pub id: Uuid,
    pub content: CertificationContent,
}

/// Creates or updates a certification definition by slug.
pub async fn define_certification(
    db: &impl ConnectionTrait,
    content: &CertificationContent,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    if content.validity_months == 0
        || content.required_courses.is_empty()
        || !content.title.is_complete()
    {
        return Err(DomainError::Invalid(crate::problem::invalid_content(
            format!(
                "certification {} needs a title, courses and a validity",
                content.slug
            ),
        )));
    }
    let json = serde_json::to_string(content).map_err(|e| DomainError::Corrupt(e.to_string()))?;
    match certifications::Entity::find()
        .filter(certifications::Column::Slug.eq(&content.slug))
        .one(db)
        .await?
    {
        Some(existing) if existing.content == json => {}
        Some(existing) => {
            let mut model: certifications::ActiveModel = existing.into();
            model.content = Set(json);
            model.update(db).await?;
        }
        None => {
            certifications::ActiveModel {
                id: Set(Uuid::new_v4()),
                slug: Set(content.slug.clone()),
                content: Set(json),
                created_at: Set(now),
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

pub async fn all_certifications(
    db: &impl ConnectionTrait,
) -> Result<Vec<Certification>, DomainError> {
    certifications::Entity::find()
        .order_by_asc(certifications::Column::Slug)
        .all(db)
        .await?
        .into_iter()
        .map(|row| {
            serde_json::from_str(&row.content)
                .map(|content| Certification {
                    id: row.id,
                    content,
                })
                .map_err(|e| DomainError::Corrupt(format!("certification: {e}")))
        })
        .collect()
}

/// The status of a certificate at `now`.
pub fn status_at(certificate: &certificates::Model, now: DateTime<Utc>) -> CertificateStatus {
    if certificate.revoked_at.is_some_and(|r| r <= now) {
        CertificateStatus::Revoked
    } else if certificate.valid_from > now {
        CertificateStatus::NotYetValid
    } else if certificate.expires_at <= now {
        CertificateStatus::Expired
    } else {
        CertificateStatus::Valid
    }
}

fn verification_code() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    let chars: Vec<char> = (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect();
    chars
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

async fn passed_since(
    db: &impl ConnectionTrait,
    user: UserId,
    quiz_slug: &str,
    since: DateTime<Utc>,
) -> Result<bool, DomainError> {
    let Some(quiz) = quizzes::Entity::find()
        .filter(quizzes::Column::Slug.eq(quiz_slug))
        .one(db)
        .await?
    else {
        return Ok(false);
    };
    Ok(quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.0))
        .filter(quiz_attempts::Column::QuizId.eq(quiz.id))
        .filter(quiz_attempts::Column::Passed.eq(true))
        .filter(quiz_attempts::Column::SubmittedAt.gte(since))
        .one(db)
        .await?
        .is_some())
}

/// What still stands between `user` and a first certificate of `certification`: the
/// incomplete required courses (by slug) and whether the policy is acknowledged.
pub async fn initial_gaps(
    db: &impl ConnectionTrait,
    user: UserId,
    certification: &CertificationContent,
) -> Result<(Vec<String>, bool), DomainError> {
    let mut incomplete = Vec::new();
    for slug in &certification.required_courses {
        let course = published_course(db, slug).await?;
        if !learner_state(db, user, &course)
            .await?
            .progress(&course.content)
            .is_complete()
        {
            incomplete.push(slug.clone());
        }
    }
    let policy_ok = !certification.requires_policy
        || crate::policy::server::has_acknowledged_current(db, user).await?;
    Ok((incomplete, policy_ok))
}

/// The renewal quizzes not yet passed since `since`.
pub async fn renewal_gaps(
    db: &impl ConnectionTrait,
    user: UserId,
    certification: &CertificationContent,
    since: DateTime<Utc>,
) -> Result<Vec<String>, DomainError> {
    let mut missing = Vec::new();
    for quiz in &certification.renewal_quizzes {
        if !passed_since(db, user, quiz, since).await? {
            missing.push(quiz.clone());
        }
    }
    Ok(missing)
}

/// The latest certificate (by expiry) of `certification` held by `user`.
pub async fn latest_certificate(
    db: &impl ConnectionTrait,
    user: UserId,
    certification: Uuid,
) -> Result<Option<certificates::Model>, DomainError> {
    Ok(certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .filter(certificates::Column::CertificationId.eq(certification))
        .order_by_desc(certificates::Column::ExpiresAt)
        .one(db)
        .await?)
}

/// When renewal of `latest` opens, and since when renewal passes count.
pub fn renewal_window(
    certification: &CertificationContent,
    latest: &certificates::Model,
) -> (DateTime<Utc>, DateTime<Utc>) {
    let opens =
        latest.expires_at - Duration::days(i64::from(certification.recertification_window_days));
    let counts_since = latest.revoked_at.unwrap_or(opens);
    (opens, counts_since)
}

fn add_months(at: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    at.checked_add_months(Months::new(months)).unwrap_or(at)
}

/// Issues every certificate whose requirements `user` now meets. Call it inside the
/// transaction that recorded the step (lesson, attempt, acknowledgement), so the step and
/// the certificate commit together.
///
/// A first certificate needs every required course complete (and the policy acknowledged
/// when required). Later ones need the renewal quizzes passed again inside the window: a
/// renewal while the old certificate is still valid runs from the old expiry date; after a
/// lapse or a revocation it runs from now.
pub async fn issue_due_certificates<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<Vec<Uuid>, DomainError> {
    let mut issued = Vec::new();
    let Some(holder) = users::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .filter(|u| u.active)
    else {
        return Ok(issued);
    };
    for certification in all_certifications(db).await? {
        let content = &certification.content;
        let latest = latest_certificate(db, user, certification.id).await?;
        let (valid_from, renewed_from) = match &latest {
            None => {
                let (incomplete, policy_ok) = initial_gaps(db, user, content).await?;
                if !incomplete.is_empty() || !policy_ok {
                    continue;
                }
                (now, None)
            }
            Some(latest) => {
                let in_force = latest.revoked_at.is_none() && latest.expires_at > now;
                let (opens, counts_since) = renewal_window(content, latest);
                if in_force && now < opens {
                    continue;
                }
                let policy_ok = !content.requires_policy
                    || crate::policy::server::has_acknowledged_current(db, user).await?;
                if !policy_ok
                    || !renewal_gaps(db, user, content, counts_since)
                        .await?
                        .is_empty()
                {
                    continue;
                }
                (
                    if in_force { latest.expires_at } else { now },
                    Some(latest.id),
                )
            }
        };
        let id = Uuid::new_v4();
        let expires_at = add_months(valid_from, content.validity_months);
        let code = verification_code();
        let certificate = certificates::ActiveModel {
            id: Set(id),
            user_id: Set(user.0),
            certification_id: Set(certification.id),
            issued_at: Set(now),
            valid_from: Set(valid_from),
            expires_at: Set(expires_at),
            revoked_at: Set(None),
            revoked_reason: Set(None),
            verification_code: Set(code.clone()),
            renewed_from: Set(renewed_from),
            evidence: Set(
                json!({ "certification": content, "renewal": renewed_from.is_some() }).to_string(),
            ),
        };
        // The schema keeps one chain per person and certification; a concurrent request that
        // issued this certificate first has already done the work.
        let inserted = certificates::Entity::insert(certificate)
            .on_conflict(OnConflict::new().do_nothing().to_owned())
            .try_insert()
            .exec(db)
            .await?;
        if !matches!(inserted, TryInsertResult::Inserted(_)) {
            continue;
        }
        record_event(db, None, "certificate.issued", Some(user), json!({ "certificate": id, "certification": content.slug, "renewed_from": renewed_from }), now).await?;
        enqueue(
            db,
            EventType::CertificateIssued,
            Some(user),
            json!({
                "person": { "id": user.0, "email": holder.email },
                "certificate": {
                    "id": id,
                    "certification": content.slug,
                    "valid_from": valid_from,
                    "expires_at": expires_at,
                    "verification_code": code,
                    "renewed_from": renewed_from,
                },
            }),
            now,
        )
        .await?;
        issued.push(id);
    }
    Ok(issued)
}

fn summary(
    row: &certificates::Model,
    certification: &CertificationContent,
    lang: Lang,
    now: DateTime<Utc>,
) -> CertificateSummary {
    CertificateSummary {
        id: row.id.to_string(),
        certification_slug: certification.slug.clone(),
        title: certification.title.text(lang),
        issued_at: row.issued_at,
        valid_from: row.valid_from,
        expires_at: row.expires_at,
        status: status_at(row, now),
        verification_code: row.verification_code.clone(),
        renewal: row.renewed_from.is_some(),
    }
}

/// Every certificate `user` ever held, newest first.
pub async fn certificates_of(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Vec<CertificateSummary>, DomainError> {
    let definitions = all_certifications(db).await?;
    let rows = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .order_by_desc(certificates::Column::ExpiresAt)
        .all(db)
        .await?;
    Ok(rows
        .iter()
        .filter_map(|row| {
            definitions
                .iter()
                .find(|d| d.id == row.certification_id)
                .map(|d| summary(row, &d.content, lang, now))
        })
        .collect())
}

async fn definition_and_holder(
    db: &impl ConnectionTrait,
    row: &certificates::Model,
) -> Result<(Certification, users::Model), DomainError> {
    let definition = all_certifications(db)
        .await?
        .into_iter()
        .find(|d| d.id == row.certification_id)
        .ok_or(DomainError::NotFound)?;
    let holder = users::Entity::find_by_id(row.user_id)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    Ok((definition, holder))
}

/// A certificate page for its holder; anyone else gets "not found".
pub async fn certificate_page(
    db: &impl ConnectionTrait,
    user: UserId,
    id: Uuid,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<CertificatePage, DomainError> {
    let row = certificates::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|c| c.user_id == user.0)
        .ok_or(DomainError::NotFound)?;
    let (definition, holder) = definition_and_holder(db, &row).await?;
    Ok(CertificatePage {
        certificate: summary(&row, &definition.content, lang, now),
        holder_name: holder.display_name,
        description: definition.content.description.text(lang),
        revoked_reason: row.revoked_reason.clone(),
    })
}

/// Revokes a certificate for `reason`: clearance that rested on it ends at once. Revoking
/// twice is a conflict; the first revocation and its time stay as recorded.
pub async fn revoke_certificate<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    certificate: Uuid,
    reason_text: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let reason = crate::text::clean_text(
        reason_text,
        crate::text::Lines::Several,
        crate::official_accounts::server::MAX_REASON_CHARS,
    )?;
    if reason.is_empty() {
        return Err(DomainError::Invalid(crate::problem::Problem::ReasonMissing));
    }
    let txn = crate::db::begin_write(db).await?;
    let row = certificates::Entity::find_by_id(certificate)
        .one(&txn)
        .await?
        .ok_or(DomainError::NotFound)?;
    let revoked = certificates::Entity::update_many()
        .col_expr(
            certificates::Column::RevokedAt,
            sea_orm::sea_query::Expr::value(now),
        )
        .col_expr(
            certificates::Column::RevokedReason,
            sea_orm::sea_query::Expr::value(reason.clone()),
        )
        .filter(certificates::Column::Id.eq(certificate))
        .filter(certificates::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(DomainError::Conflict(
            crate::problem::Problem::AlreadyRevoked,
        ));
    }
    record_event(
        &txn,
        actor,
        "certificate.revoked",
        Some(UserId(row.user_id)),
        json!({ "certificate": certificate, "code": row.verification_code, "reason": reason }),
        now,
    )
    .await?;
    let slug = certifications::Entity::find_by_id(row.certification_id)
        .one(&txn)
        .await?
        .map(|c| c.slug);
    enqueue(
        &txn,
        EventType::CertificateRevoked,
        Some(UserId(row.user_id)),
        json!({
            "person": person_json(&txn, UserId(row.user_id)).await?,
            "certificate": { "id": certificate, "certification": slug, "verification_code": row.verification_code },
            "at": now,
            "reason": reason,
        }),
        now,
    )
    .await?;
    announce_clearance_changes(&txn, UserId(row.user_id), now).await?;
    txn.commit().await?;
    Ok(())
}

/// The public verification of a certificate by its code.
pub async fn verify(
    db: &impl ConnectionTrait,
    code: &str,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Verification, DomainError> {
    let code = code.trim().to_ascii_uppercase();
    let row = certificates::Entity::find()
        .filter(certificates::Column::VerificationCode.eq(code))
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let (definition, holder) = definition_and_holder(db, &row).await?;
    Ok(Verification {
        holder_name: holder.display_name,
        certification: definition.content.title.text(lang),
        issued_at: row.issued_at,
        valid_from: row.valid_from,
        expires_at: row.expires_at,
        status: status_at(&row, now),
    })
}
