//! Constraints behind rules that were only checked in code: one open attempt per person and
//! quiz, and one unbroken chain of certificates per person and certification (a first
//! certificate, then at most one renewal of each). Concurrent requests on PostgreSQL could
//! otherwise both pass the check and both insert.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_OPEN_ATTEMPT: &str = "uq_quiz_attempts_one_open";
const ONE_FIRST_CERTIFICATE: &str = "uq_certificates_first_of_chain";
const ONE_RENEWAL: &str = "uq_certificates_one_renewal";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name(ONE_OPEN_ATTEMPT)
                    .table(QuizAttempts::Table)
                    .col(QuizAttempts::UserId)
                    .col(QuizAttempts::QuizId)
                    .unique()
                    .and_where(Expr::col(QuizAttempts::SubmittedAt).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_FIRST_CERTIFICATE)
                    .table(Certificates::Table)
                    .col(Certificates::UserId)
                    .col(Certificates::CertificationId)
                    .unique()
                    .and_where(Expr::col(Certificates::RenewedFrom).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_RENEWAL)
                    .table(Certificates::Table)
                    .col(Certificates::RenewedFrom)
                    .unique()
                    .and_where(Expr::col(Certificates::RenewedFrom).is_not_null())
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for (name, table) in [
            (ONE_RENEWAL, Certificates::Table.into_iden()),
            (ONE_FIRST_CERTIFICATE, Certificates::Table.into_iden()),
            (ONE_OPEN_ATTEMPT, QuizAttempts::Table.into_iden()),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    UserId,
    QuizId,
    SubmittedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    UserId,
    CertificationId,
    RenewedFrom,
}
