//! Server functions of the compliance console. Each checks the compliance role first; the
//! rules are in `official_accounts::server`, `certification::server` and `compliance::server`.

use super::{AuditPage, Evidence, Roster, RosterFilter};
#[cfg(feature = "ssr")]
use crate::accounts::Role;
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, parse_user_id, request_lang, require_role};
use crate::audit::ChainCheck;
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::notice::Notice;
use crate::official_accounts::OfficialAccount;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "compliance/roster")]
pub async fn get_roster(filter: RosterFilter) -> Result<Roster, AppError> {
    require_role(Role::Compliance)?;
    Ok(super::server::roster(&database()?, &filter, chrono::Utc::now()).await?)
}

#[server(prefix = "/api", endpoint = "compliance/evidence")]
pub async fn get_evidence(user_id: String) -> Result<Evidence, AppError> {
    require_role(Role::Compliance)?;
    let user = parse_user_id(&user_id)?;
    Ok(super::server::evidence(&database()?, user, request_lang(), chrono::Utc::now()).await?)
}

#[server(prefix = "/api", endpoint = "compliance/accounts")]
pub async fn get_official_accounts() -> Result<Vec<OfficialAccount>, AppError> {
    require_role(Role::Compliance)?;
    Ok(crate::official_accounts::server::list_accounts(&database()?).await?)
}

#[server(prefix = "/api", endpoint = "compliance/audit")]
pub async fn get_audit(action: String, subject: String, page: u32) -> Result<AuditPage, AppError> {
    require_role(Role::Compliance)?;
    Ok(super::server::audit_page(&database()?, &action, &subject, page).await?)
}

#[server(prefix = "/api", endpoint = "compliance/verify_audit")]
pub async fn verify_audit() -> Result<ChainCheck, AppError> {
    require_role(Role::Compliance)?;
    crate::audit::server::verify_chain(&database()?)
        .await
        .map_err(|e| crate::error::DomainError::from(e).into())
}

/// An end date typed as `YYYY-MM-DD`: the grant holds through that day (UTC).
#[cfg(feature = "ssr")]
fn end_of_day(raw: &str) -> Result<Option<chrono::DateTime<chrono::Utc>>, AppError> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .ok()
        .and_then(|day| day.succ_opt())
        .and_then(|next| next.and_hms_opt(0, 0, 0))
        .map(|t| Some(t.and_utc()))
        .ok_or_else(|| AppError::Invalid(crate::problem::Problem::InvalidDate).with_status())
}

#[cfg(feature = "ssr")]
async fn account_id(db: &sea_orm::DatabaseConnection, key: &str) -> Result<uuid::Uuid, AppError> {
    Ok(
        crate::official_accounts::server::find_account(db, key.trim())
            .await?
            .id,
    )
}

#[server(prefix = "/api", endpoint = "compliance/grant")]
pub async fn grant_account(
    user_id: String,
    account: String,
    reason: String,
    ends_on: String,
) -> Result<(), AppError> {
    let me = require_role(Role::Compliance)?;
    let user = parse_user_id(&user_id)?;
    let ends_at = end_of_day(&ends_on)?;
    let db = database()?;
    let account = account_id(&db, &account).await?;
    crate::official_accounts::server::grant_posting(
        &db,
        Some(me.id),
        user,
        account,
        &reason,
        ends_at,
        chrono::Utc::now(),
    )
    .await?;
    Notice::GrantGiven.send();
    Ok(())
}

#[server(prefix = "/api", endpoint = "compliance/withdraw")]
pub async fn withdraw_account(
    user_id: String,
    account: String,
    reason: String,
) -> Result<(), AppError> {
    let me = require_role(Role::Compliance)?;
    let user = parse_user_id(&user_id)?;
    let db = database()?;
    let account = account_id(&db, &account).await?;
    crate::official_accounts::server::withdraw_posting(
        &db,
        Some(me.id),
        user,
        account,
        &reason,
        chrono::Utc::now(),
    )
    .await?;
    Notice::GrantWithdrawn.send();
    Ok(())
}

#[server(prefix = "/api", endpoint = "compliance/suspend")]
pub async fn suspend_person(user_id: String, reason: String) -> Result<(), AppError> {
    let me = require_role(Role::Compliance)?;
    let user = parse_user_id(&user_id)?;
    crate::official_accounts::server::suspend(
        &database()?,
        Some(me.id),
        user,
        &reason,
        chrono::Utc::now(),
    )
    .await?;
    Notice::Suspended.send();
    Ok(())
}

#[server(prefix = "/api", endpoint = "compliance/lift")]
pub async fn lift_suspension(user_id: String) -> Result<(), AppError> {
    let me = require_role(Role::Compliance)?;
    let user = parse_user_id(&user_id)?;
    crate::official_accounts::server::lift_suspension(
        &database()?,
        Some(me.id),
        user,
        chrono::Utc::now(),
    )
    .await?;
    Notice::SuspensionLifted.send();
    Ok(())
}

#[server(prefix = "/api", endpoint = "compliance/revoke")]
pub async fn revoke_certificate(certificate_id: String, reason: String) -> Result<(), AppError> {
    let me = require_role(Role::Compliance)?;
    let certificate = uuid::Uuid::parse_str(certificate_id.trim())
        .map_err(|_| AppError::NotFound.with_status())?;
    crate::certification::server::revoke_certificate(
        &database()?,
        Some(me.id),
        certificate,
        &reason,
        chrono::Utc::now(),
    )
    .await?;
    Notice::CertificateRevoked.send();
    Ok(())
}
