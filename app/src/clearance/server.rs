//! The clearance rule. `decide` is pure: it takes the facts and a time. The loaders gather
//! the facts. Official accounts (grants, suspensions, account-specific certifications) will
//! add facts and requirements; the shape stays.

use super::{Clearance, Dashboard, Missing, RenewalOffer};
use crate::accounts::UserId;
use crate::certification::server::{
    all_certifications, certificates_of, initial_gaps, latest_certificate, renewal_gaps,
    renewal_window,
};
use crate::courses::server::{catalog, published_course};
use crate::courses::{course_href, quiz_href};
use crate::entities::{certificates, users};
use crate::error::DomainError;
use crate::i18n::Lang;
use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// A certificate as a validity interval: [valid_from, min(expires_at, revoked_at)).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Coverage {
    pub from: DateTime<Utc>,
    pub until: DateTime<Utc>,
}

impl Coverage {
    pub fn of(certificate: &certificates::Model) -> Coverage {
        let until = certificate
            .revoked_at
            .map_or(certificate.expires_at, |r| r.min(certificate.expires_at));
        Coverage {
            from: certificate.valid_from,
            until,
        }
    }
}

/// The facts personal clearance depends on.
#[derive(Debug, Clone, PartialEq)]
pub struct ClearanceFacts {
    pub active: bool,
    /// Certificates of certifications that grant personal clearance.
    pub certificates: Vec<Coverage>,
    pub policy_acknowledged: bool,
}

/// Whether the facts clear a person at `now`, and until when: the end of the unbroken chain
/// of certificates (a renewal that starts when the old one ends continues it).
pub fn decide(facts: &ClearanceFacts, now: DateTime<Utc>) -> (bool, Option<DateTime<Utc>>) {
    let mut end = facts
        .certificates
        .iter()
        .filter(|c| c.from <= now && now < c.until)
        .map(|c| c.until)
        .max();
    if let Some(mut until) = end {
        while let Some(next) = facts
            .certificates
            .iter()
            .filter(|c| c.from <= until && c.until > until)
            .map(|c| c.until)
            .max()
        {
            until = next;
        }
        end = Some(until);
    }
    let cleared = facts.active && facts.policy_acknowledged && end.is_some();
    (cleared, if cleared { end } else { None })
}

/// Personal clearance of `user` at `now`, with what is missing.
pub async fn personal_clearance(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Clearance, DomainError> {
    let person = users::Entity::find_by_id(user.0)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)?;
    let definitions: Vec<_> = all_certifications(db)
        .await?
        .into_iter()
        .filter(|c| c.content.grants_personal_clearance)
        .collect();
    let ids: Vec<_> = definitions.iter().map(|d| d.id).collect();
    let rows = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .filter(certificates::Column::CertificationId.is_in(ids))
        .all(db)
        .await?;
    let policy_acknowledged = crate::policy::server::has_acknowledged_current(db, user).await?;
    let facts = ClearanceFacts {
        active: person.active,
        certificates: rows.iter().map(Coverage::of).collect(),
        policy_acknowledged,
    };
    let (cleared, until) = decide(&facts, now);
    if cleared {
        return Ok(Clearance {
            cleared,
            until,
            missing: Vec::new(),
        });
    }

    let mut missing = Vec::new();
    if !person.active {
        missing.push(Missing::Deactivated);
    }
    if !policy_acknowledged {
        let version = crate::policy::server::binding_version(db)
            .await?
            .map(|v| v.version)
            .unwrap_or_default();
        missing.push(Missing::PolicyAcknowledgement { version });
    }
    let covered_now = facts
        .certificates
        .iter()
        .any(|c| c.from <= now && now < c.until);
    // The way back is the smallest certification that would clear: the one needing the
    // fewest courses.
    if !covered_now
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
                let ended_at = Coverage::of(&latest).until;
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    fn t(days: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::days(days)
    }

    #[test]
    fn clearance_needs_every_fact_and_lasts_until_the_chain_ends() {
        let one = Coverage {
            from: t(0),
            until: t(365),
        };
        let renewal = Coverage {
            from: t(365),
            until: t(730),
        };
        let facts = ClearanceFacts {
            active: true,
            certificates: vec![one],
            policy_acknowledged: true,
        };
        let cases = [
            (facts.clone(), t(10), (true, Some(t(365)))),
            (
                ClearanceFacts {
                    certificates: vec![one, renewal],
                    ..facts.clone()
                },
                t(10),
                (true, Some(t(730))),
            ),
            (facts.clone(), t(365), (false, None)),
            (facts.clone(), t(-1), (false, None)),
            (
                ClearanceFacts {
                    active: false,
                    ..facts.clone()
                },
                t(10),
                (false, None),
            ),
            (
                ClearanceFacts {
                    policy_acknowledged: false,
                    ..facts.clone()
                },
                t(10),
                (false, None),
            ),
            (
                ClearanceFacts {
                    certificates: vec![],
                    ..facts.clone()
                },
                t(10),
                (false, None),
            ),
            // Revoked at day 100: the interval ends there.
            (
                ClearanceFacts {
                    certificates: vec![Coverage {
                        from: t(0),
                        until: t(100),
                    }],
                    ..facts.clone()
                },
                t(150),
                (false, None),
            ),
        ];
        for (i, (facts, now, expected)) in cases.into_iter().enumerate() {
            assert_eq!(decide(&facts, now), expected, "case {i}");
        }
    }
}
