//! The clearance rule, pure: a person's history and a time in, a verdict out. The same
//! function answers "may she post now?" and "was she cleared at T?", for her personal
//! accounts and for every official account, for pages, the API, the CLI and the tests.
//!
//! Nothing that affects clearance is updated in place: every fact below is an interval or an
//! event with its time, so the answer at T reads only what was recorded by T.

use super::{Reason, Verdict};
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A certificate as recorded: issued at `issued_at`, valid from `valid_from` until it expires
/// or is revoked.
#[derive(Debug, Clone, PartialEq)]
pub struct CertificateFact {
    pub certification: Uuid,
    pub issued_at: DateTime<Utc>,
    pub valid_from: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_reason: Option<String>,
}

impl CertificateFact {
    /// The end of validity as known at `at`: a revocation recorded later does not count yet.
    fn end_as_of(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        match self.revoked_at {
            Some(revoked) if revoked <= at => revoked.min(self.expires_at),
            _ => self.expires_at,
        }
    }

    fn known_at(&self, at: DateTime<Utc>) -> bool {
        self.issued_at <= at
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct GrantFact {
    pub account: Uuid,
    pub granted_at: DateTime<Utc>,
    pub ends_at: Option<DateTime<Utc>>,
    pub withdrawn_at: Option<DateTime<Utc>>,
}

impl GrantFact {
    /// When the grant stops, as known at `at`.
    fn end_as_of(&self, at: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let withdrawn = self.withdrawn_at.filter(|w| *w <= at);
        match (self.ends_at, withdrawn) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn live_at(&self, at: DateTime<Utc>) -> bool {
        self.granted_at <= at && self.end_as_of(at).is_none_or(|end| at < end)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct SuspensionFact {
    pub suspended_at: DateTime<Utc>,
    pub reason: String,
    pub lifted_at: Option<DateTime<Utc>>,
}

impl SuspensionFact {
    fn in_force_at(&self, at: DateTime<Utc>) -> bool {
        self.suspended_at <= at && self.lifted_at.is_none_or(|lifted| at < lifted)
    }
}

/// Everything recorded about one person that clearance depends on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PersonHistory {
    /// (since, active), in time order.
    pub status: Vec<(DateTime<Utc>, bool)>,
    pub certificates: Vec<CertificateFact>,
    /// (policy version, acknowledged at).
    pub acknowledgements: Vec<(i32, DateTime<Utc>)>,
    pub grants: Vec<GrantFact>,
    pub suspensions: Vec<SuspensionFact>,
}

/// A published policy version: (version, published at, requires everyone to acknowledge it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PolicyFact {
    pub version: i32,
    pub published_at: DateTime<Utc>,
    pub requires_acknowledgement: bool,
}

/// What clearance is asked for.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    /// Speaking about the company on one's own accounts: any one of these certifications.
    Personal { any_of: Vec<Certification> },
    /// Posting on an official account: a live grant and every one of these certifications.
    Account {
        account: Uuid,
        all_of: Vec<Certification>,
    },
}

/// A certification as the rule names it in its reasons.
#[derive(Debug, Clone, PartialEq)]
pub struct Certification {
    pub id: Uuid,
    pub slug: String,
}

/// Whether `history` clears the person for `scope` at `at`. A "no" lists every reason; a
/// "yes" says until when it holds as far as is known at `at` (the earliest end of a
/// certificate chain or a grant).
pub fn clearance_at(
    history: &PersonHistory,
    policy: &[PolicyFact],
    scope: &Scope,
    at: DateTime<Utc>,
) -> Verdict {
    let mut reasons = Vec::new();
    let mut until: Option<DateTime<Utc>> = None;
    let mut limit = |end: DateTime<Utc>| until = Some(until.map_or(end, |u| u.min(end)));

    let active = history
        .status
        .iter()
        .rfind(|(since, _)| *since <= at)
        .is_some_and(|(_, active)| *active);
    if !active {
        reasons.push(Reason::Deactivated);
    }
    if let Some(suspension) = history.suspensions.iter().find(|s| s.in_force_at(at)) {
        reasons.push(Reason::Suspended {
            since: suspension.suspended_at,
            reason: suspension.reason.clone(),
        });
    }
    if let Some(binding) = policy
        .iter()
        .filter(|p| p.requires_acknowledgement && p.published_at <= at)
        .map(|p| p.version)
        .max()
        && !history
            .acknowledgements
            .iter()
            .any(|(version, when)| *version >= binding && *when <= at)
    {
        reasons.push(Reason::PolicyNotAcknowledged { version: binding });
    }

    match scope {
        Scope::Personal { any_of } => {
            let best = any_of
                .iter()
                .filter_map(|c| covered_until(history, c.id, at))
                .max();
            match best {
                Some(end) => limit(end),
                None => reasons.extend(any_of.first().map(|c| ended(history, c, at))),
            }
        }
        Scope::Account { account, all_of } => {
            let grants: Vec<&GrantFact> = history
                .grants
                .iter()
                .filter(|g| g.account == *account && g.granted_at <= at)
                .collect();
            match grants.iter().find(|g| g.live_at(at)) {
                Some(grant) => {
                    if let Some(end) = grant.end_as_of(at) {
                        limit(end);
                    }
                }
                None => reasons.push(match grants.iter().max_by_key(|g| g.granted_at) {
                    None => Reason::NoGrant,
                    Some(last) => {
                        let end = last.end_as_of(at).unwrap_or(at);
                        if last.withdrawn_at.is_some_and(|w| w <= at && w == end) {
                            Reason::GrantWithdrawn { at: end }
                        } else {
                            Reason::GrantEnded { at: end }
                        }
                    }
                }),
            }
            for certification in all_of {
                match covered_until(history, certification.id, at) {
                    Some(end) => limit(end),
                    None => reasons.push(ended(history, certification, at)),
                }
            }
        }
    }

    if reasons.is_empty() {
        Verdict {
            cleared: true,
            valid_until: until,
            reasons,
        }
    } else {
        Verdict {
            cleared: false,
            valid_until: None,
            reasons,
        }
    }
}

/// The end of the unbroken chain of certificates of `certification` that covers `at`, if one
/// does: a renewal that starts when the previous certificate ends continues it.
fn covered_until(
    history: &PersonHistory,
    certification: Uuid,
    at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let known: Vec<&CertificateFact> = history
        .certificates
        .iter()
        .filter(|c| c.certification == certification && c.known_at(at))
        .collect();
    let mut end = known
        .iter()
        .filter(|c| c.valid_from <= at && at < c.end_as_of(at))
        .map(|c| c.end_as_of(at))
        .max()?;
    while let Some(next) = known
        .iter()
        .filter(|c| c.valid_from <= end && c.end_as_of(at) > end)
        .map(|c| c.end_as_of(at))
        .max()
    {
        end = next;
    }
    Some(end)
}

/// Why `certification` does not cover `at`: never held, expired or revoked.
fn ended(history: &PersonHistory, certification: &Certification, at: DateTime<Utc>) -> Reason {
    let latest = history
        .certificates
        .iter()
        .filter(|c| c.certification == certification.id && c.known_at(at) && c.valid_from <= at)
        .max_by_key(|c| c.end_as_of(at));
    match latest {
        None => Reason::CertificateMissing {
            certification: certification.slug.clone(),
        },
        Some(c) => match c.revoked_at.filter(|r| *r <= at && *r < c.expires_at) {
            Some(revoked) => Reason::CertificateRevoked {
                certification: certification.slug.clone(),
                at: revoked,
                reason: c.revoked_reason.clone().unwrap_or_default(),
            },
            None => Reason::CertificateExpired {
                certification: certification.slug.clone(),
                at: c.expires_at,
            },
        },
    }
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

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn smac() -> Certification {
        Certification {
            id: id(1),
            slug: "smac".into(),
        }
    }

    fn owner() -> Certification {
        Certification {
            id: id(2),
            slug: "owner".into(),
        }
    }

    fn certificate(certification: Uuid, from: i64, to: i64) -> CertificateFact {
        CertificateFact {
            certification,
            issued_at: t(from),
            valid_from: t(from),
            expires_at: t(to),
            revoked_at: None,
            revoked_reason: None,
        }
    }

    const ACCOUNT: u128 = 10;

    fn account_scope() -> Scope {
        Scope::Account {
            account: id(ACCOUNT),
            all_of: vec![smac(), owner()],
        }
    }

    fn policy() -> Vec<PolicyFact> {
        vec![
            PolicyFact {
                version: 1,
                published_at: t(-10),
                requires_acknowledgement: true,
            },
            PolicyFact {
                version: 2,
                published_at: t(50),
                requires_acknowledgement: false,
            },
            PolicyFact {
                version: 3,
                published_at: t(100),
                requires_acknowledgement: true,
            },
        ]
    }

    /// Active from day 0, both certificates for a year, policy 1 acknowledged, a grant that
    /// ends on day 200.
    fn cleared_person() -> PersonHistory {
        PersonHistory {
            status: vec![(t(0), true)],
            certificates: vec![certificate(id(1), 0, 365), certificate(id(2), 0, 300)],
            acknowledgements: vec![(1, t(0))],
            grants: vec![GrantFact {
                account: id(ACCOUNT),
                granted_at: t(0),
                ends_at: Some(t(200)),
                withdrawn_at: None,
            }],
            suspensions: vec![],
        }
    }

    fn reasons(history: &PersonHistory, scope: &Scope, at: DateTime<Utc>) -> Vec<Reason> {
        clearance_at(history, &policy(), scope, at).reasons
    }

    #[test]
    fn each_reason_code_is_the_tag_the_api_sends() {
        let reasons = [
            Reason::Deactivated,
            Reason::Suspended {
                since: t(0),
                reason: "r".into(),
            },
            Reason::PolicyNotAcknowledged { version: 1 },
            Reason::NoGrant,
            Reason::GrantEnded { at: t(0) },
            Reason::GrantWithdrawn { at: t(0) },
            Reason::CertificateMissing {
                certification: "c".into(),
            },
            Reason::CertificateExpired {
                certification: "c".into(),
                at: t(0),
            },
            Reason::CertificateRevoked {
                certification: "c".into(),
                at: t(0),
                reason: "r".into(),
            },
        ];
        for reason in reasons {
            assert_eq!(
                serde_json::to_value(&reason).unwrap()["code"],
                reason.code()
            );
        }
    }

    #[test]
    fn a_yes_lasts_until_the_earliest_end_of_grant_and_certificates() {
        let verdict = clearance_at(&cleared_person(), &policy(), &account_scope(), t(10));
        assert_eq!(
            verdict,
            Verdict {
                cleared: true,
                valid_until: Some(t(200)),
                reasons: vec![]
            }
        );
        let mut open_grant = cleared_person();
        open_grant.grants[0].ends_at = None;
        assert_eq!(
            clearance_at(&open_grant, &policy(), &account_scope(), t(10)).valid_until,
            Some(t(300)),
            "without an end date the owner certificate ends first"
        );
    }

    #[test]
    fn every_reason_is_named() {
        let scope = account_scope();
        let base = cleared_person();
        let at = t(10);

        let mut inactive = base.clone();
        inactive.status.push((t(5), false));
        assert_eq!(reasons(&inactive, &scope, at), vec![Reason::Deactivated]);

        let mut suspended = base.clone();
        suspended.suspensions.push(SuspensionFact {
            suspended_at: t(5),
            reason: "leak".into(),
            lifted_at: None,
        });
        assert_eq!(
            reasons(&suspended, &scope, at),
            vec![Reason::Suspended {
                since: t(5),
                reason: "leak".into()
            }]
        );

        let mut no_grant = base.clone();
        no_grant.grants.clear();
        assert_eq!(reasons(&no_grant, &scope, at), vec![Reason::NoGrant]);
        assert_eq!(
            reasons(&base, &scope, t(250)),
            vec![
                Reason::PolicyNotAcknowledged { version: 3 },
                Reason::GrantEnded { at: t(200) }
            ]
        );
        let mut withdrawn = base.clone();
        withdrawn.grants[0].withdrawn_at = Some(t(5));
        assert_eq!(
            reasons(&withdrawn, &scope, at),
            vec![Reason::GrantWithdrawn { at: t(5) }]
        );

        let mut missing = base.clone();
        missing.certificates.remove(1);
        assert_eq!(
            reasons(&missing, &scope, at),
            vec![Reason::CertificateMissing {
                certification: "owner".into()
            }]
        );
        let mut open_grant = base.clone();
        open_grant.grants[0].ends_at = None;
        assert_eq!(
            reasons(&open_grant, &scope, t(310)),
            vec![
                Reason::PolicyNotAcknowledged { version: 3 },
                Reason::CertificateExpired {
                    certification: "owner".into(),
                    at: t(300)
                }
            ]
        );
        let mut revoked = base.clone();
        revoked.certificates[0].revoked_at = Some(t(8));
        revoked.certificates[0].revoked_reason = Some("cheated".into());
        assert_eq!(
            reasons(&revoked, &scope, at),
            vec![Reason::CertificateRevoked {
                certification: "smac".into(),
                at: t(8),
                reason: "cheated".into()
            }]
        );

        // Version 2 did not require acknowledgement; version 3 does from day 100.
        assert!(reasons(&base, &scope, t(60)).is_empty());
        assert_eq!(
            reasons(&base, &scope, t(110)),
            vec![Reason::PolicyNotAcknowledged { version: 3 }]
        );
        let mut acknowledged = base.clone();
        acknowledged.acknowledgements.push((3, t(101)));
        assert!(reasons(&acknowledged, &scope, t(110)).is_empty());
    }

    #[test]
    fn the_answer_at_a_past_time_reads_only_what_was_recorded_by_then() {
        let mut history = cleared_person();
        history.certificates[0].revoked_at = Some(t(20));
        history.certificates[0].revoked_reason = Some("cheated".into());
        history.grants[0].withdrawn_at = Some(t(30));
        history.suspensions.push(SuspensionFact {
            suspended_at: t(40),
            reason: "review".into(),
            lifted_at: Some(t(45)),
        });
        let scope = account_scope();
        let before = clearance_at(&history, &policy(), &scope, t(15));
        assert!(before.cleared, "before the revocation she was cleared");
        assert_eq!(
            before.valid_until,
            Some(t(200)),
            "the revocation was not known yet"
        );
        assert!(!clearance_at(&history, &policy(), &scope, t(25)).cleared);
        // Before she existed, she was not cleared.
        assert_eq!(
            reasons(&history, &scope, t(-1)),
            vec![
                Reason::Deactivated,
                Reason::PolicyNotAcknowledged { version: 1 },
                Reason::NoGrant,
                Reason::CertificateMissing {
                    certification: "smac".into()
                },
                Reason::CertificateMissing {
                    certification: "owner".into()
                }
            ]
        );
        // A certificate issued later does not clear earlier times, whatever its valid_from.
        let mut backdated = cleared_person();
        backdated.certificates[1].issued_at = t(50);
        assert!(!clearance_at(&backdated, &policy(), &scope, t(10)).cleared);
        assert!(clearance_at(&backdated, &policy(), &scope, t(60)).cleared);
        // The suspension counts only while in force.
        assert!(
            reasons(
                &history,
                &Scope::Personal {
                    any_of: vec![owner()]
                },
                t(42)
            )
            .contains(&Reason::Suspended {
                since: t(40),
                reason: "review".into()
            })
        );
        assert!(
            reasons(
                &history,
                &Scope::Personal {
                    any_of: vec![owner()]
                },
                t(46)
            )
            .is_empty()
        );
    }

    #[test]
    fn a_renewal_continues_the_chain_and_personal_clearance_takes_any_certification() {
        let mut history = cleared_person();
        history.certificates.push(CertificateFact {
            issued_at: t(340),
            ..certificate(id(1), 365, 730)
        });
        let personal = Scope::Personal {
            any_of: vec![smac()],
        };
        assert_eq!(
            clearance_at(&history, &policy(), &personal, t(10)).valid_until,
            Some(t(365)),
            "the renewal was not issued yet on day 10"
        );
        history.acknowledgements.push((3, t(100)));
        assert_eq!(
            clearance_at(&history, &policy(), &personal, t(350)).valid_until,
            Some(t(730))
        );
        let either = Scope::Personal {
            any_of: vec![owner(), smac()],
        };
        assert_eq!(
            clearance_at(&history, &policy(), &either, t(320)).valid_until,
            Some(t(365))
        );
    }
}
