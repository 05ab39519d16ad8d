//! The roster, a person's evidence and the audit trail as the console and its CSV exports
//! show them. Every answer comes from the one clearance rule over the recorded history.

use super::{
    AttemptRow, AuditPage, AuditRow, Evidence, GroupCount, PAGE_SIZE, Revocation, Roster,
    RosterFilter, RosterRow, Standing,
};
use crate::accounts::UserId;
use crate::accounts::server::{people_matching, person_summary};
use crate::clearance::rule::{PersonHistory, clearance_at};
use crate::clearance::server::{load_histories, policy_facts, scope_of};
use crate::entities::{audit_events, certificates, quiz_attempts, quizzes, users};
use crate::error::DomainError;
use crate::i18n::Lang;
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

/// Where `history` leaves a person at `now`, given their personal verdict.
fn standing(
    history: &PersonHistory,
    cleared: bool,
    until: Option<DateTime<Utc>>,
    window: Duration,
    now: DateTime<Utc>,
) -> Standing {
    match (cleared, until) {
        (true, Some(until)) if until <= now + window => Standing::Expiring,
        (true, _) => Standing::Cleared,
        (false, _) if history.certificates.iter().any(|c| c.issued_at <= now) => Standing::Lapsed,
        (false, _) => Standing::Never,
    }
}

fn count(group: &mut GroupCount, standing: Standing) {
    match standing {
        Standing::Cleared => group.cleared += 1,
        Standing::Expiring => group.expiring += 1,
        Standing::Lapsed => group.lapsed += 1,
        Standing::Never => group.never += 1,
    }
}

/// Every person matching the filter's search, department and country, with their standing;
/// then the standing filter. Sorted by name.
async fn roster_rows(
    db: &impl ConnectionTrait,
    filter: &RosterFilter,
    now: DateTime<Utc>,
) -> Result<(Vec<RosterRow>, Vec<RosterRow>), DomainError> {
    let mut select = users::Entity::find();
    if let Some(condition) = people_matching(&filter.q)? {
        select = select.filter(condition);
    }
    if !filter.department.is_empty() {
        select = select.filter(users::Column::Department.eq(filter.department.clone()));
    }
    if !filter.country.is_empty() {
        select = select.filter(users::Column::Country.eq(filter.country.clone()));
    }
    let people = select
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Email)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let histories = load_histories(db, &ids).await?;
    let policy = policy_facts(db).await?;
    let scope = scope_of(db, None).await?;
    let window = Duration::days(i64::from(filter.window_days()));
    let wanted = Standing::from_code(&filter.standing);
    let mut all = Vec::with_capacity(people.len());
    for person in people {
        let history = histories.get(&person.id).cloned().unwrap_or_default();
        let verdict = clearance_at(&history, &policy, &scope, now);
        let standing = standing(&history, verdict.cleared, verdict.valid_until, window, now);
        all.push(RosterRow {
            id: person.id.to_string(),
            display_name: person.display_name,
            email: person.email,
            department: person.department,
            country: person.country,
            active: person.active,
            standing,
            verdict,
            policy_version: history.acknowledgements.iter().map(|(v, _)| *v).max(),
        });
    }
    let shown = all
        .iter()
        .filter(|row| wanted.is_none_or(|w| row.standing == w))
        .cloned()
        .collect();
    Ok((all, shown))
}

/// The roster page: counts by department and country over everyone the search, department
/// and country select, and one page of the rows that also match the standing.
pub async fn roster(
    db: &impl ConnectionTrait,
    filter: &RosterFilter,
    now: DateTime<Utc>,
) -> Result<Roster, DomainError> {
    let (all, shown) = roster_rows(db, filter, now).await?;
    let mut totals = GroupCount::default();
    let mut by_department: BTreeMap<String, GroupCount> = BTreeMap::new();
    let mut by_country: BTreeMap<String, GroupCount> = BTreeMap::new();
    for row in &all {
        count(&mut totals, row.standing);
        for (groups, key) in [
            (&mut by_department, row.department.clone()),
            (&mut by_country, row.country.clone()),
        ] {
            let key = key.unwrap_or_else(|| "—".into());
            let group = groups.entry(key.clone()).or_insert_with(|| GroupCount {
                name: key,
                ..Default::default()
            });
            count(group, row.standing);
        }
    }
    let pages = shown.len().div_ceil(PAGE_SIZE).max(1) as u32;
    let page = filter.page.clamp(1, pages);
    let rows = shown
        .iter()
        .skip((page as usize - 1) * PAGE_SIZE)
        .take(PAGE_SIZE)
        .cloned()
        .collect();
    let distinct = |column: users::Column| {
        users::Entity::find()
            .select_only()
            .column(column)
            .distinct()
            .filter(column.is_not_null())
            .order_by_asc(column)
            .into_tuple::<String>()
            .all(db)
    };
    Ok(Roster {
        rows,
        matching: shown.len(),
        page,
        pages,
        totals,
        by_department: by_department.into_values().collect(),
        by_country: by_country.into_values().collect(),
        departments: distinct(users::Column::Department).await?,
        countries: distinct(users::Column::Country).await?,
    })
}

/// One CSV field: quoted when needed, and a leading `=`, `+`, `-` or `@` defused so that a
/// spreadsheet never runs a name as a formula.
fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

fn csv_line(fields: &[String]) -> String {
    let mut line = fields
        .iter()
        .map(|f| field(f))
        .collect::<Vec<_>>()
        .join(",");
    line.push_str("\r\n");
    line
}

fn reason_codes(verdict: &crate::clearance::Verdict) -> String {
    verdict
        .reasons
        .iter()
        .map(|r| r.code())
        .collect::<Vec<_>>()
        .join(";")
}

/// The roster as filtered (every page), as CSV.
pub async fn roster_csv(
    db: &impl ConnectionTrait,
    filter: &RosterFilter,
    now: DateTime<Utc>,
) -> Result<String, DomainError> {
    let (_, shown) = roster_rows(db, filter, now).await?;
    let mut out = csv_line(
        &[
            "name",
            "email",
            "department",
            "country",
            "active",
            "standing",
            "cleared",
            "valid_until",
            "policy_version",
            "reasons",
        ]
        .map(String::from),
    );
    for row in shown {
        out.push_str(&csv_line(&[
            row.display_name.clone(),
            row.email.clone(),
            row.department.clone().unwrap_or_default(),
            row.country.clone().unwrap_or_default(),
            row.active.to_string(),
            row.standing.code().to_string(),
            row.verdict.cleared.to_string(),
            row.verdict
                .valid_until
                .map(|t| t.to_rfc3339())
                .unwrap_or_default(),
            row.policy_version
                .map(|v| v.to_string())
                .unwrap_or_default(),
            reason_codes(&row.verdict),
        ]));
    }
    Ok(out)
}

async fn audit_rows(
    db: &impl ConnectionTrait,
    events: Vec<audit_events::Model>,
) -> Result<Vec<AuditRow>, DomainError> {
    let mut ids: Vec<Uuid> = events
        .iter()
        .flat_map(|e| [e.actor_user_id, e.subject_user_id])
        .flatten()
        .collect();
    ids.sort();
    ids.dedup();
    let emails: HashMap<Uuid, String> = crate::accounts::server::people_by_ids(db, &ids)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.email))
        .collect();
    let name = |id: Option<Uuid>| id.map(|id| emails.get(&id).cloned().unwrap_or(id.to_string()));
    Ok(events
        .into_iter()
        .map(|e| AuditRow {
            seq: e.seq,
            occurred_at: e.occurred_at,
            actor: name(e.actor_user_id),
            action: e.action,
            subject: name(e.subject_user_id),
            details: e.details,
        })
        .collect())
}

/// Everything recorded about `user`, for the evidence page and its export.
pub async fn evidence(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<Evidence, DomainError> {
    let person = person_summary(db, user).await?;
    let history = load_histories(db, &[user.0])
        .await?
        .remove(&user.0)
        .unwrap_or_default();
    let policy = policy_facts(db).await?;
    let personal = clearance_at(&history, &policy, &scope_of(db, None).await?, now);
    let mut accounts = Vec::new();
    for account in crate::official_accounts::server::list_accounts(db).await? {
        let id = account
            .id
            .parse()
            .map_err(|_| DomainError::Corrupt("account id".into()))?;
        let verdict = clearance_at(&history, &policy, &scope_of(db, Some(id)).await?, now);
        accounts.push((account, verdict));
    }
    let revocations: HashMap<String, Revocation> = certificates::Entity::find()
        .filter(certificates::Column::UserId.eq(user.0))
        .all(db)
        .await?
        .into_iter()
        .filter_map(|c| {
            c.revoked_at.map(|at| {
                let reason = c.revoked_reason.unwrap_or_default();
                (c.id.to_string(), Revocation { at, reason })
            })
        })
        .collect();
    let certificates = crate::certification::server::certificates_of(db, user, lang, now)
        .await?
        .into_iter()
        .map(|c| {
            let revocation = revocations.get(&c.id).cloned();
            (c, revocation)
        })
        .collect();
    let quiz_slugs: HashMap<Uuid, String> = quizzes::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q.slug))
        .collect();
    let attempts = quiz_attempts::Entity::find()
        .filter(quiz_attempts::Column::UserId.eq(user.0))
        .order_by_desc(quiz_attempts::Column::StartedAt)
        .all(db)
        .await?
        .into_iter()
        .map(|a| AttemptRow {
            quiz: quiz_slugs.get(&a.quiz_id).cloned().unwrap_or_default(),
            started_at: a.started_at,
            submitted_at: a.submitted_at,
            score_percent: a.score_percent,
            passed: a.passed,
        })
        .collect();
    let events = audit_rows(
        db,
        audit_events::Entity::find()
            .filter(audit_events::Column::SubjectUserId.eq(user.0))
            .order_by_desc(audit_events::Column::Seq)
            .all(db)
            .await?,
    )
    .await?;
    let mut acknowledgements = history.acknowledgements.clone();
    acknowledgements.sort_by_key(|(_, at)| std::cmp::Reverse(*at));
    Ok(Evidence {
        person,
        personal,
        accounts,
        certificates,
        attempts,
        acknowledgements,
        grants: crate::official_accounts::server::grants_of(db, user).await?,
        suspensions: crate::official_accounts::server::suspensions_of(db, user).await?,
        events,
    })
}

/// A person's evidence as CSV: one line per recorded fact, oldest first.
pub async fn evidence_csv(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
) -> Result<String, DomainError> {
    let evidence = evidence(db, user, Lang::En, now).await?;
    let time = |t: DateTime<Utc>| t.to_rfc3339();
    let mut facts: Vec<(DateTime<Utc>, [String; 3])> = Vec::new();
    for (c, revocation) in &evidence.certificates {
        facts.push((
            c.issued_at,
            [
                "certificate.issued".into(),
                c.certification_slug.clone(),
                format!(
                    "{} valid {} to {}",
                    c.verification_code,
                    time(c.valid_from),
                    time(c.expires_at)
                ),
            ],
        ));
        if let Some(revocation) = revocation {
            facts.push((
                revocation.at,
                [
                    "certificate.revoked".into(),
                    c.certification_slug.clone(),
                    revocation.reason.clone(),
                ],
            ));
        }
    }
    for a in &evidence.attempts {
        let outcome = match (a.submitted_at, a.passed) {
            (Some(_), Some(true)) => {
                format!("passed with {}%", a.score_percent.unwrap_or_default())
            }
            (Some(_), _) => format!("failed with {}%", a.score_percent.unwrap_or_default()),
            (None, _) => "open".to_string(),
        };
        facts.push((
            a.started_at,
            ["quiz.attempt".into(), a.quiz.clone(), outcome],
        ));
    }
    for (version, at) in &evidence.acknowledgements {
        facts.push((
            *at,
            [
                "policy.acknowledged".into(),
                format!("version {version}"),
                String::new(),
            ],
        ));
    }
    for g in &evidence.grants {
        facts.push((
            g.granted_at,
            [
                "grant.given".into(),
                g.account_slug.clone(),
                g.reason.clone(),
            ],
        ));
        if let Some(at) = g.withdrawn_at {
            facts.push((
                at,
                [
                    "grant.withdrawn".into(),
                    g.account_slug.clone(),
                    g.withdrawal_reason.clone().unwrap_or_default(),
                ],
            ));
        }
    }
    for s in &evidence.suspensions {
        facts.push((
            s.suspended_at,
            ["suspension.started".into(), String::new(), s.reason.clone()],
        ));
        if let Some(at) = s.lifted_at {
            facts.push((
                at,
                ["suspension.lifted".into(), String::new(), String::new()],
            ));
        }
    }
    facts.sort_by_key(|(at, _)| *at);
    let mut out = csv_line(&["time", "fact", "subject", "detail", "person"].map(String::from));
    for (at, [fact, subject, detail]) in facts {
        out.push_str(&csv_line(&[
            time(at),
            fact,
            subject,
            detail,
            evidence.person.email.clone(),
        ]));
    }
    Ok(out)
}

/// The audit trail, newest first, filtered by action prefix and by the person acted on.
pub async fn audit_page(
    db: &impl ConnectionTrait,
    action: &str,
    subject_email: &str,
    page: u32,
) -> Result<AuditPage, DomainError> {
    let mut select = audit_events::Entity::find();
    let action = crate::text::clean_text(action, crate::text::Lines::One, 100)?;
    if !action.is_empty() {
        select = select.filter(audit_events::Column::Action.starts_with(action.as_str()));
    }
    if !subject_email.trim().is_empty() {
        let email = crate::accounts::normalize_email(subject_email)?;
        let subject = crate::accounts::server::find_user_by_email(db, &email).await?;
        select = select.filter(
            audit_events::Column::SubjectUserId.eq(subject.map(|s| s.id).unwrap_or_default()),
        );
    }
    let paginator = select
        .order_by_desc(audit_events::Column::Seq)
        .paginate(db, 50);
    let pages = paginator.num_pages().await?.max(1) as u32;
    let page = page.clamp(1, pages);
    let events = paginator.fetch_page(u64::from(page - 1)).await?;
    Ok(AuditPage {
        rows: audit_rows(db, events).await?,
        page,
        pages,
    })
}

/// The audit trail (filtered, every page) as CSV, oldest first, with each entry's hash.
pub async fn audit_csv(db: &impl ConnectionTrait, action: &str) -> Result<String, DomainError> {
    let mut select = audit_events::Entity::find();
    if !action.is_empty() {
        select = select.filter(audit_events::Column::Action.starts_with(action));
    }
    let events = select
        .order_by_asc(audit_events::Column::Seq)
        .all(db)
        .await?;
    let hashes: HashMap<i64, String> = events
        .iter()
        .map(|e| (e.seq, e.hash.clone().unwrap_or_default()))
        .collect();
    let mut out = csv_line(
        &[
            "seq", "time", "actor", "action", "subject", "details", "hash",
        ]
        .map(String::from),
    );
    for row in audit_rows(db, events).await? {
        out.push_str(&csv_line(&[
            row.seq.to_string(),
            row.occurred_at.to_rfc3339(),
            row.actor.unwrap_or_default(),
            row.action,
            row.subject.unwrap_or_default(),
            row.details,
            hashes.get(&row.seq).cloned().unwrap_or_default(),
        ]));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_and_formulas_defused() {
        assert_eq!(field("Ada"), "Ada");
        assert_eq!(field("Lovelace, Ada"), "\"Lovelace, Ada\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("+1"), "'+1");
        assert_eq!(csv_line(&["a".into(), "b\nc".into()]), "a,\"b\nc\"\r\n");
    }
}
