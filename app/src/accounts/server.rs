//! Account rules: creating people, signing in, sessions, roles and deactivation.
//! Plain functions over a connection; every rule that depends on time takes `now`.

use super::{Me, NewPerson, PersonSummary, Role, UserId, normalize_email, validate_password};
use crate::audit::server::record_event;
use crate::entities::{person_status_changes, sessions, user_roles, users, users::PasswordHash};
use crate::error::DomainError;
use crate::i18n::Lang;
use crate::problem::Problem;
use argon2::password_hash::{PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Argon2, PasswordHash as ParsedHash};
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use sea_orm::sea_query::{Expr, ExprTrait, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use uuid::Uuid;

/// The random secret in the session cookie. Its `Debug` is redacted.
#[derive(Clone, PartialEq, Eq)]
pub struct SessionToken(pub String);

impl std::fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionToken(<redacted>)")
    }
}

impl SessionToken {
    fn generate() -> SessionToken {
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        SessionToken(hex::encode(bytes))
    }

    /// What the database keeps: a stolen database copy cannot be replayed as a cookie.
    pub fn hash(&self) -> String {
        hex::encode(Sha256::digest(self.0.as_bytes()))
    }
}

/// A resolved, unexpired session of an active person.
#[derive(Debug, Clone)]
pub struct CurrentSession {
    pub me: Me,
    pub preferred_language: Option<Lang>,
    pub token_hash: String,
    pub expires_at: DateTime<Utc>,
}

/// Hashes a password with argon2id and a fresh salt.
pub fn hash_password(password: &str) -> Result<PasswordHash, DomainError> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|hash| PasswordHash(hash.to_string()))
        .map_err(|e| DomainError::Corrupt(format!("the password could not be hashed: {e}")))
}

/// Checks a password against a stored hash; a malformed hash never matches.
pub fn verify_password(hash: &PasswordHash, password: &str) -> bool {
    ParsedHash::new(&hash.0)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Spends the time a real verification would, so response times do not tell which email
/// addresses have accounts.
pub(super) fn verify_against_dummy(password: &str) {
    static DUMMY: std::sync::OnceLock<Option<PasswordHash>> = std::sync::OnceLock::new();
    if let Some(hash) = DUMMY.get_or_init(|| hash_password("dummy password for timing").ok()) {
        let _ = verify_password(hash, password);
    }
}

async fn roles_of(
    db: &impl ConnectionTrait,
    user_ids: &[Uuid],
) -> Result<HashMap<Uuid, Vec<Role>>, sea_orm::DbErr> {
    let rows = user_roles::Entity::find()
        .filter(user_roles::Column::UserId.is_in(user_ids.iter().copied()))
        .all(db)
        .await?;
    let mut by_user: HashMap<Uuid, Vec<Role>> = HashMap::new();
    for row in rows {
        if let Some(role) = Role::from_code(&row.role) {
            by_user.entry(row.user_id).or_default().push(role);
        }
    }
    for roles in by_user.values_mut() {
        roles.sort();
    }
    Ok(by_user)
}

fn to_me(user: &users::Model, roles: Vec<Role>) -> Me {
    Me {
        id: UserId(user.id),
        email: user.email.clone(),
        display_name: user.display_name.clone(),
        roles,
    }
}

fn to_summary(user: users::Model, roles: Vec<Role>) -> PersonSummary {
    PersonSummary {
        id: UserId(user.id),
        preferred_language: user.preferred_language.as_deref().and_then(Lang::from_code),
        email: user.email,
        display_name: user.display_name,
        employee_number: user.employee_number,
        department: user.department,
        country: user.country,
        roles,
        active: user.active,
    }
}

async fn insert_roles(
    db: &impl ConnectionTrait,
    user: Uuid,
    roles: &[Role],
) -> Result<(), sea_orm::DbErr> {
    if roles.is_empty() {
        return Ok(());
    }
    user_roles::Entity::insert_many(roles.iter().map(|role| user_roles::ActiveModel {
        user_id: Set(user),
        role: Set(role.code().to_string()),
    }))
    .exec(db)
    .await?;
    Ok(())
}

pub async fn find_user_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<users::Model>, sea_orm::DbErr> {
    let Ok(email) = normalize_email(email) else {
        return Ok(None);
    };
    users::Entity::find()
        .filter(users::Column::Email.eq(email))
        .one(db)
        .await
}

async fn find_user(db: &impl ConnectionTrait, id: UserId) -> Result<users::Model, DomainError> {
    users::Entity::find_by_id(id.0)
        .one(db)
        .await?
        .ok_or(DomainError::NotFound)
}

/// Creates a person with their roles, and records it. Email and employee number must be free.
pub async fn create_person<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    person: NewPerson,
    password: Option<&str>,
    now: DateTime<Utc>,
) -> Result<UserId, DomainError> {
    let person = person.validated().map_err(DomainError::Invalid)?;
    let password_hash = match password.filter(|p| !p.is_empty()) {
        Some(password) => {
            validate_password(password).map_err(DomainError::Invalid)?;
            Some(super::sign_in::hash_password(password).await?)
        }
        None => None,
    };
    let txn = crate::db::begin_write(db).await?;
    if users::Entity::find()
        .filter(users::Column::Email.eq(&person.email))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(DomainError::Conflict(Problem::EmailTaken));
    }
    if let Some(number) = &person.employee_number
        && users::Entity::find()
            .filter(users::Column::EmployeeNumber.eq(number))
            .one(&txn)
            .await?
            .is_some()
    {
        return Err(DomainError::Conflict(Problem::EmployeeNumberTaken));
    }
    let id = Uuid::new_v4();
    users::ActiveModel {
        id: Set(id),
        email: Set(person.email.clone()),
        display_name: Set(person.display_name.clone()),
        employee_number: Set(person.employee_number.clone()),
        department: Set(person.department.clone()),
        country: Set(person.country.clone()),
        preferred_language: Set(person.preferred_language.map(|l| l.code().to_string())),
        password_hash: Set(password_hash),
        active: Set(true),
        failed_login_count: Set(0),
        locked_until: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(&txn)
    .await?;
    record_status(&txn, UserId(id), true, now).await?;
    insert_roles(&txn, id, &person.roles).await?;
    let roles: Vec<&str> = person.roles.iter().map(|r| r.code()).collect();
    record_event(
        &txn,
        actor,
        "user.created",
        Some(UserId(id)),
        json!({ "email": person.email, "roles": roles }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(UserId(id))
}

/// Starts a session and returns the token for the cookie.
pub async fn open_session(
    db: &impl ConnectionTrait,
    user: UserId,
    now: DateTime<Utc>,
    lifetime: Duration,
) -> Result<SessionToken, sea_orm::DbErr> {
    let token = SessionToken::generate();
    sessions::ActiveModel {
        token_hash: Set(token.hash()),
        user_id: Set(user.0),
        created_at: Set(now),
        expires_at: Set(now + lifetime),
    }
    .insert(db)
    .await?;
    Ok(token)
}

/// The session behind a cookie token, if it exists, has not expired and its person is active.
pub async fn resolve_session(
    db: &impl ConnectionTrait,
    token: &SessionToken,
    now: DateTime<Utc>,
) -> Result<Option<CurrentSession>, sea_orm::DbErr> {
    let token_hash = token.hash();
    let Some(session) = sessions::Entity::find_by_id(token_hash.clone())
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now {
        sessions::Entity::delete_by_id(token_hash).exec(db).await?;
        return Ok(None);
    }
    let Some(user) = users::Entity::find_by_id(session.user_id).one(db).await? else {
        return Ok(None);
    };
    if !user.active {
        return Ok(None);
    }
    let roles = roles_of(db, &[user.id])
        .await?
        .remove(&user.id)
        .unwrap_or_default();
    Ok(Some(CurrentSession {
        me: to_me(&user, roles),
        preferred_language: user.preferred_language.as_deref().and_then(Lang::from_code),
        token_hash,
        expires_at: session.expires_at,
    }))
}

/// Ends one session (sign-out).
pub async fn close_session(
    db: &impl ConnectionTrait,
    token_hash: &str,
) -> Result<(), sea_orm::DbErr> {
    sessions::Entity::delete_by_id(token_hash.to_string())
        .exec(db)
        .await?;
    Ok(())
}

/// Replaces a person's roles. The last active administrator cannot lose the role, so the
/// organisation can never lock itself out.
pub async fn set_roles<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    roles: Vec<Role>,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let mut roles = roles;
    roles.sort();
    roles.dedup();
    let txn = crate::db::begin_write(db).await?;
    let target = find_user(&txn, user).await?;
    let before = roles_of(&txn, &[target.id])
        .await?
        .remove(&target.id)
        .unwrap_or_default();
    if before == roles {
        return Ok(());
    }
    if before.contains(&Role::Admin)
        && !roles.contains(&Role::Admin)
        && target.active
        && count_active_admins(&txn).await? <= 1
    {
        return Err(DomainError::Conflict(Problem::LastAdminRole));
    }
    user_roles::Entity::delete_many()
        .filter(user_roles::Column::UserId.eq(target.id))
        .exec(&txn)
        .await?;
    insert_roles(&txn, target.id, &roles).await?;
    let codes = |list: &[Role]| list.iter().map(|r| r.code()).collect::<Vec<_>>();
    record_event(
        &txn,
        actor,
        "user.roles_changed",
        Some(user),
        json!({ "before": codes(&before), "after": codes(&roles) }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

async fn count_active_admins(db: &impl ConnectionTrait) -> Result<usize, sea_orm::DbErr> {
    let admin_ids: Vec<Uuid> = user_roles::Entity::find()
        .filter(user_roles::Column::Role.eq(Role::Admin.code()))
        .all(db)
        .await?
        .into_iter()
        .map(|row| row.user_id)
        .collect();
    Ok(users::Entity::find()
        .filter(users::Column::Id.is_in(admin_ids))
        .filter(users::Column::Active.eq(true))
        .all(db)
        .await?
        .len())
}

/// Keeps the history behind `users.active`, which the clearance rule reads at any time.
async fn record_status(
    db: &impl ConnectionTrait,
    user: UserId,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    // Two changes at the same instant: the later one is what holds from then on.
    person_status_changes::Entity::insert(person_status_changes::ActiveModel {
        user_id: Set(user.0),
        changed_at: Set(now),
        active: Set(active),
    })
    .on_conflict(
        sea_orm::sea_query::OnConflict::columns([
            person_status_changes::Column::UserId,
            person_status_changes::Column::ChangedAt,
        ])
        .update_column(person_status_changes::Column::Active)
        .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// Deactivates or reactivates a person. Deactivation ends all their sessions at once.
pub async fn set_active<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    active: bool,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let target = find_user(&txn, user).await?;
    if target.active == active {
        return Ok(());
    }
    if !active {
        if actor == Some(user) {
            return Err(DomainError::Conflict(Problem::CannotDeactivateSelf));
        }
        let is_admin = roles_of(&txn, &[target.id])
            .await?
            .remove(&target.id)
            .unwrap_or_default()
            .contains(&Role::Admin);
        if is_admin && count_active_admins(&txn).await? <= 1 {
            return Err(DomainError::Conflict(Problem::LastAdminDeactivation));
        }
        sessions::Entity::delete_many()
            .filter(sessions::Column::UserId.eq(target.id))
            .exec(&txn)
            .await?;
    }
    let mut model: users::ActiveModel = target.into();
    model.active = Set(active);
    model.updated_at = Set(now);
    model.update(&txn).await?;
    record_status(&txn, user, active, now).await?;
    let action = if active {
        "user.reactivated"
    } else {
        "user.deactivated"
    };
    record_event(&txn, actor, action, Some(user), json!({}), now).await?;
    crate::webhooks::server::announce_clearance_changes(&txn, user, now).await?;
    txn.commit().await?;
    Ok(())
}

/// Sets a new password after checking the current one (counted and throttled like a
/// sign-in from `source`). Every session of the person ends, the one in use included; the
/// caller gets a fresh session token for it, so a stolen session cannot outlive the change.
#[allow(clippy::too_many_arguments)]
pub async fn change_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    user: UserId,
    current: &str,
    new: &str,
    source: &super::sign_in::Source,
    now: DateTime<Utc>,
    session_lifetime: Duration,
) -> Result<SessionToken, DomainError> {
    let target = find_user(db, user).await?;
    validate_password(new).map_err(DomainError::Invalid)?;
    match super::sign_in::confirm_password(
        db,
        &target,
        current,
        source,
        now,
        super::sign_in::SignInPolicy::default(),
    )
    .await
    {
        Ok(()) => {}
        Err(super::sign_in::SignInError::Db(error)) => return Err(error.into()),
        Err(_) => return Err(DomainError::Invalid(Problem::WrongCurrentPassword)),
    }
    set_password(db, Some(user), user, new, now).await?;
    Ok(open_session(db, user, now, session_lifetime).await?)
}

/// Sets a person's password without asking for the old one (administration, command line).
pub async fn set_password<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    user: UserId,
    new: &str,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    validate_password(new).map_err(DomainError::Invalid)?;
    let hash = super::sign_in::hash_password(new).await?;
    let txn = crate::db::begin_write(db).await?;
    let target = find_user(&txn, user).await?;
    let mut model: users::ActiveModel = target.into();
    model.password_hash = Set(Some(hash));
    model.updated_at = Set(now);
    model.update(&txn).await?;
    // Whoever held a session with the old password loses it.
    sessions::Entity::delete_many()
        .filter(sessions::Column::UserId.eq(user.0))
        .exec(&txn)
        .await?;
    record_event(
        &txn,
        actor,
        "user.password_changed",
        Some(user),
        json!({}),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Stores the interface language a person chose.
pub async fn set_preferred_language(
    db: &impl ConnectionTrait,
    user: UserId,
    lang: Lang,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let target = find_user(db, user).await?;
    let mut model: users::ActiveModel = target.into();
    model.preferred_language = Set(Some(lang.code().to_string()));
    model.updated_at = Set(now);
    model.update(db).await?;
    Ok(())
}

/// The longest search text: longer ones are refused, not run (a long LIKE pattern is
/// expensive, and SQLite refuses very long ones).
pub const MAX_SEARCH_LEN: usize = 200;

/// The condition "name, email, employee number, department or country contains `query`"
/// (case-insensitive), or `None` for an empty query; too long a query is refused.
pub fn people_matching(query: &str) -> Result<Option<Condition>, DomainError> {
    let query = crate::text::clean_text(query, crate::text::Lines::One, usize::MAX)?.to_lowercase();
    if query.chars().count() > MAX_SEARCH_LEN {
        return Err(DomainError::Invalid(Problem::SearchTooLong {
            max: MAX_SEARCH_LEN as u32,
        }));
    }
    if query.is_empty() {
        return Ok(None);
    }
    let escaped = query
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    let pattern = format!("%{escaped}%");
    let mut any = Condition::any();
    for column in [
        users::Column::Email,
        users::Column::DisplayName,
        users::Column::EmployeeNumber,
        users::Column::Department,
        users::Column::Country,
    ] {
        any = any.add(
            Expr::expr(Func::lower(Expr::col(column)))
                .like(sea_orm::sea_query::LikeExpr::new(pattern.clone()).escape('\\')),
        );
    }
    Ok(Some(any))
}

/// People matching `query` (see [`people_matching`]), sorted by name, at most `limit`.
pub async fn search_people(
    db: &impl ConnectionTrait,
    query: &str,
    limit: u64,
) -> Result<Vec<PersonSummary>, DomainError> {
    let mut select = users::Entity::find();
    if let Some(condition) = people_matching(query)? {
        select = select.filter(condition);
    }
    let people = select
        .order_by_asc(users::Column::DisplayName)
        .order_by_asc(users::Column::Email)
        .limit(limit)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let mut roles = roles_of(db, &ids).await?;
    Ok(people
        .into_iter()
        .map(|user| {
            let user_roles = roles.remove(&user.id).unwrap_or_default();
            to_summary(user, user_roles)
        })
        .collect())
}

/// One person as the admin list shows them.
pub async fn person_summary(
    db: &impl ConnectionTrait,
    user: UserId,
) -> Result<PersonSummary, DomainError> {
    let person = find_user(db, user).await?;
    let roles = roles_of(db, &[person.id])
        .await?
        .remove(&person.id)
        .unwrap_or_default();
    Ok(to_summary(person, roles))
}

/// The person with this email, as the admin list shows them.
pub async fn person_by_email(
    db: &impl ConnectionTrait,
    email: &str,
) -> Result<PersonSummary, DomainError> {
    let user = find_user_by_email(db, email)
        .await?
        .ok_or(DomainError::NotFound)?;
    let roles = roles_of(db, &[user.id])
        .await?
        .remove(&user.id)
        .unwrap_or_default();
    Ok(to_summary(user, roles))
}

/// The people whose `column` is one of `values`, in one query per 500.
async fn people_where<V>(
    db: &impl ConnectionTrait,
    column: users::Column,
    values: &[V],
) -> Result<Vec<users::Model>, DomainError>
where
    V: Clone + Into<sea_orm::Value>,
{
    let mut found = Vec::new();
    for batch in values.chunks(500) {
        found.extend(
            users::Entity::find()
                .filter(column.is_in(batch.to_vec()))
                .all(db)
                .await?,
        );
    }
    Ok(found)
}

/// The people with these (normalised) emails, by email.
pub async fn people_by_email(
    db: &impl ConnectionTrait,
    emails: &[String],
) -> Result<HashMap<String, users::Model>, DomainError> {
    Ok(people_where(db, users::Column::Email, emails)
        .await?
        .into_iter()
        .map(|p| (p.email.clone(), p))
        .collect())
}

/// The people with these ids, by id.
pub async fn people_by_ids(
    db: &impl ConnectionTrait,
    ids: &[Uuid],
) -> Result<HashMap<Uuid, users::Model>, DomainError> {
    Ok(people_where(db, users::Column::Id, ids)
        .await?
        .into_iter()
        .map(|p| (p.id, p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::connect_memory;

    fn person(email: &str, roles: Vec<Role>) -> NewPerson {
        NewPerson {
            email: email.into(),
            display_name: email.into(),
            roles,
            ..Default::default()
        }
    }

    fn at(minutes: i64) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-01-01T09:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
            + Duration::minutes(minutes)
    }

    #[tokio::test]
    async fn session_expires_and_ends_on_deactivation() {
        let db = connect_memory().await;
        let admin = create_person(
            &db,
            None,
            person("admin@example.com", vec![Role::Admin]),
            None,
            at(0),
        )
        .await
        .unwrap();
        let user = create_person(&db, None, person("u@example.com", vec![]), None, at(0))
            .await
            .unwrap();
        let token = open_session(&db, user, at(0), Duration::minutes(30))
            .await
            .unwrap();
        assert!(
            resolve_session(&db, &token, at(29))
                .await
                .unwrap()
                .is_some()
        );
        assert!(
            resolve_session(&db, &token, at(30))
                .await
                .unwrap()
                .is_none()
        );

        let token = open_session(&db, user, at(40), Duration::minutes(30))
            .await
            .unwrap();
        set_active(&db, Some(admin), user, false, at(41))
            .await
            .unwrap();
        assert!(
            resolve_session(&db, &token, at(42))
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn last_admin_keeps_admin_role() {
        let db = connect_memory().await;
        let admin = create_person(
            &db,
            None,
            person("admin@example.com", vec![Role::Admin]),
            None,
            at(0),
        )
        .await
        .unwrap();
        assert!(matches!(
            set_roles(&db, Some(admin), admin, vec![Role::Employee], at(1)).await,
            Err(DomainError::Conflict(_))
        ));
        let second = create_person(
            &db,
            None,
            person("b@example.com", vec![Role::Admin]),
            None,
            at(0),
        )
        .await
        .unwrap();
        set_roles(&db, Some(second), admin, vec![Role::Employee], at(2))
            .await
            .unwrap();
        assert!(matches!(
            set_roles(&db, Some(second), second, vec![Role::Trainer], at(3)).await,
            Err(DomainError::Conflict(_))
        ));
    }

    #[tokio::test]
    async fn duplicate_email_is_a_conflict_regardless_of_case() {
        let db = connect_memory().await;
        create_person(&db, None, person("dup@example.com", vec![]), None, at(0))
            .await
            .unwrap();
        let again = create_person(&db, None, person("DUP@Example.com", vec![]), None, at(0)).await;
        assert!(matches!(again, Err(DomainError::Conflict(_))));
    }

    #[tokio::test]
    async fn search_is_case_insensitive_across_fields() {
        let db = connect_memory().await;
        let mut p = person("jo@example.com", vec![]);
        p.department = Some("Customer Support".into());
        create_person(&db, None, p, None, at(0)).await.unwrap();
        create_person(&db, None, person("other@example.com", vec![]), None, at(0))
            .await
            .unwrap();
        let found = search_people(&db, "SUPPORT", 50).await.unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].email, "jo@example.com");
        assert_eq!(search_people(&db, "100%", 50).await.unwrap().len(), 0);
    }
}
