//! Creating, checking and revoking API tokens.
//!
//! A token reads `clr_<prefix>_<secret>`. The prefix finds the row; only the SHA-256 of the
//! secret is stored (the secret has 160 random bits, so a fast hash is enough and a
//! stolen table reveals no usable token). The secret is shown once, at creation.

use super::{Scope, TokenSummary, parse_scopes};
use crate::accounts::UserId;
use crate::audit::server::record_event;
use crate::entities::api_tokens;
use crate::error::DomainError;
use crate::problem::Problem;
use crate::text::{Lines, clean_text};
use chrono::{DateTime, Duration, Utc};
use rand::Rng;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter,
    QueryOrder, Set, TransactionSession, TransactionTrait,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

const PREFIX_CHARS: usize = 12;
const SECRET_CHARS: usize = 32;
const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyz23456789";
/// Last use is written at most this often per token, so busy integrations do not turn every
/// read into a write.
const LAST_USE_RESOLUTION: Duration = Duration::seconds(60);

/// Why a presented token is refused. Each gets its own answer from the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenRefusal {
    Malformed,
    Unknown,
    Revoked,
}

/// A token that checked out.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidToken {
    pub id: Uuid,
    pub name: String,
    pub scopes: Vec<Scope>,
}

impl ValidToken {
    pub fn allows(&self, scope: Scope) -> bool {
        self.scopes.contains(&scope)
    }
}

fn random(chars: usize) -> String {
    let mut rng = rand::rngs::OsRng;
    (0..chars)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Splits `clr_<prefix>_<secret>` into its parts, or `None` when it is not shaped like one.
fn parse(presented: &str) -> Option<(&str, &str)> {
    let rest = presented.strip_prefix("clr_")?;
    let (prefix, secret) = rest.split_once('_')?;
    let valid =
        |part: &str, len: usize| part.len() == len && part.bytes().all(|b| ALPHABET.contains(&b));
    (valid(prefix, PREFIX_CHARS) && valid(secret, SECRET_CHARS)).then_some((prefix, secret))
}

/// Creates a token and returns it with its secret, the only time the secret is seen.
pub async fn create_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    name: &str,
    scopes: &str,
    now: DateTime<Utc>,
) -> Result<(TokenSummary, String), DomainError> {
    let name = clean_text(name, Lines::One, 100)?;
    if name.is_empty() {
        return Err(DomainError::Invalid(Problem::DisplayNameMissing));
    }
    let scopes = parse_scopes(scopes)
        .map_err(|detail| DomainError::Invalid(crate::problem::invalid_content(detail)))?;
    let prefix = random(PREFIX_CHARS);
    let secret = random(SECRET_CHARS);
    let codes: Vec<&str> = scopes.iter().map(|s| s.code()).collect();
    let txn = crate::db::begin_write(db).await?;
    let row = api_tokens::ActiveModel {
        id: Set(Uuid::new_v4()),
        name: Set(name.clone()),
        prefix: Set(prefix.clone()),
        secret_hash: Set(secret_hash(&secret)),
        scopes: Set(codes.join(" ")),
        created_at: Set(now),
        created_by: Set(actor.map(|a| a.0)),
        revoked_at: Set(None),
        last_used_at: Set(None),
    }
    .insert(&txn)
    .await?;
    record_event(
        &txn,
        actor,
        "token.created",
        None,
        json!({ "token": row.id, "name": name, "prefix": prefix, "scopes": codes }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok((summary(row), format!("clr_{prefix}_{secret}")))
}

fn summary(row: api_tokens::Model) -> TokenSummary {
    TokenSummary {
        id: row.id.to_string(),
        name: row.name,
        prefix: row.prefix,
        scopes: row.scopes.split(' ').filter_map(Scope::from_code).collect(),
        created_at: row.created_at,
        revoked_at: row.revoked_at,
        last_used_at: row.last_used_at,
    }
}

/// Checks a presented token and records its use.
pub async fn authenticate_token(
    db: &impl ConnectionTrait,
    presented: &str,
    now: DateTime<Utc>,
) -> Result<Result<ValidToken, TokenRefusal>, DomainError> {
    let Some((prefix, secret)) = parse(presented) else {
        return Ok(Err(TokenRefusal::Malformed));
    };
    let Some(row) = api_tokens::Entity::find()
        .filter(api_tokens::Column::Prefix.eq(prefix))
        .one(db)
        .await?
    else {
        return Ok(Err(TokenRefusal::Unknown));
    };
    if row.secret_hash != secret_hash(secret) {
        return Ok(Err(TokenRefusal::Unknown));
    }
    if row.revoked_at.is_some_and(|r| r <= now) {
        return Ok(Err(TokenRefusal::Revoked));
    }
    if row
        .last_used_at
        .is_none_or(|last| now - last >= LAST_USE_RESOLUTION)
    {
        api_tokens::Entity::update_many()
            .col_expr(api_tokens::Column::LastUsedAt, Expr::value(now))
            .filter(api_tokens::Column::Id.eq(row.id))
            .filter(
                Condition::any()
                    .add(api_tokens::Column::LastUsedAt.is_null())
                    .add(api_tokens::Column::LastUsedAt.lt(now - LAST_USE_RESOLUTION)),
            )
            .exec(db)
            .await?;
    }
    Ok(Ok(ValidToken {
        id: row.id,
        name: row.name.clone(),
        scopes: summary(row).scopes,
    }))
}

/// Revokes a token at once; revoking twice is a conflict.
pub async fn revoke_token<C: ConnectionTrait + TransactionTrait>(
    db: &C,
    actor: Option<UserId>,
    token: Uuid,
    now: DateTime<Utc>,
) -> Result<(), DomainError> {
    let txn = crate::db::begin_write(db).await?;
    let revoked = api_tokens::Entity::update_many()
        .col_expr(api_tokens::Column::RevokedAt, Expr::value(now))
        .filter(api_tokens::Column::Id.eq(token))
        .filter(api_tokens::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if revoked.rows_affected == 0 {
        return Err(
            match api_tokens::Entity::find_by_id(token).one(&txn).await? {
                None => DomainError::NotFound,
                Some(_) => DomainError::Conflict(Problem::AlreadyRevoked),
            },
        );
    }
    record_event(
        &txn,
        actor,
        "token.revoked",
        None,
        json!({ "token": token }),
        now,
    )
    .await?;
    txn.commit().await?;
    Ok(())
}

/// Every token, newest first.
pub async fn list_tokens(db: &impl ConnectionTrait) -> Result<Vec<TokenSummary>, DomainError> {
    Ok(api_tokens::Entity::find()
        .order_by_desc(api_tokens::Column::CreatedAt)
        .all(db)
        .await?
        .into_iter()
        .map(summary)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_token_works_until_revoked_and_only_its_exact_secret_does() {
        let db = crate::db::connect_memory().await;
        let now = Utc::now();
        let (created, secret) = create_token(&db, None, "Publisher", "clearance:read", now)
            .await
            .unwrap();
        assert_eq!(created.scopes, vec![Scope::ClearanceRead]);
        let valid = authenticate_token(&db, &secret, now)
            .await
            .unwrap()
            .unwrap();
        assert!(valid.allows(Scope::ClearanceRead));
        assert!(!valid.allows(Scope::PeopleWrite));
        assert!(
            list_tokens(&db).await.unwrap()[0].last_used_at.is_some(),
            "last use is recorded"
        );

        let mut wrong = secret.clone();
        wrong.pop();
        wrong.push(if secret.ends_with('a') { 'b' } else { 'a' });
        assert_eq!(
            authenticate_token(&db, &wrong, now).await.unwrap(),
            Err(TokenRefusal::Unknown)
        );
        for malformed in [
            "",
            "Bearer x",
            "clr_",
            "clr_abc_def",
            &secret.to_uppercase(),
        ] {
            assert_eq!(
                authenticate_token(&db, malformed, now).await.unwrap(),
                Err(TokenRefusal::Malformed),
                "{malformed}"
            );
        }
        revoke_token(&db, None, created.id.parse().unwrap(), now)
            .await
            .unwrap();
        assert_eq!(
            authenticate_token(&db, &secret, now).await.unwrap(),
            Err(TokenRefusal::Revoked)
        );
        assert!(matches!(
            revoke_token(&db, None, created.id.parse().unwrap(), now).await,
            Err(DomainError::Conflict(Problem::AlreadyRevoked))
        ));
    }

    #[tokio::test]
    async fn unknown_scopes_and_empty_names_are_refused() {
        let db = crate::db::connect_memory().await;
        for (name, scopes) in [("x", "clearance:write"), ("x", ""), ("", "clearance:read")] {
            assert!(
                create_token(&db, None, name, scopes, Utc::now())
                    .await
                    .is_err(),
                "{name:?} {scopes:?}"
            );
        }
        assert!(list_tokens(&db).await.unwrap().is_empty());
    }
}
