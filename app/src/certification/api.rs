//! Server functions for certificates: the holder's page and the public verification.

use super::{CertificatePage, Verification};
#[cfg(feature = "ssr")]
use crate::accounts::api::{database, request_lang, require_signed_in};
use crate::error::AppError;
use leptos::prelude::*;

#[server(prefix = "/api", endpoint = "certificates/get")]
pub async fn get_certificate(id: String) -> Result<CertificatePage, AppError> {
    let me = require_signed_in()?;
    let id = uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound.with_status())?;
    Ok(
        super::server::certificate_page(
            &database()?,
            me.id,
            id,
            request_lang(),
            chrono::Utc::now(),
        )
        .await?,
    )
}

/// Public: anyone with the code sees the holder's name, the certification, dates and status.
#[server(prefix = "/api", endpoint = "certificates/verify")]
pub async fn verify_certificate(code: String) -> Result<Verification, AppError> {
    Ok(super::server::verify(&database()?, &code, request_lang(), chrono::Utc::now()).await?)
}
