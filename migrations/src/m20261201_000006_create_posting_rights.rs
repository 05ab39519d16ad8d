//! Posting rights on the organisation's official accounts, API tokens and the tamper-evident
//! audit chain.
//!
//! Everything that decides clearance keeps its history so that "was X cleared at T?" can be
//! answered later: a grant, a suspension or a token is never deleted, only closed with the time
//! it ended; a person's deactivation is a new status row, not just a changed flag. Partial
//! unique indexes make "one open grant per person and account" and "one open suspension per
//! person" true under concurrent requests on both databases.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

const ONE_OPEN_GRANT: &str = "uq_posting_grants_one_open";
const ONE_OPEN_SUSPENSION: &str = "uq_posting_suspensions_one_open";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OfficialAccounts::Table)
                    .if_not_exists()
                    .col(uuid(OfficialAccounts::Id).primary_key())
                    .col(string_uniq(OfficialAccounts::Slug))
                    .col(string(OfficialAccounts::Platform))
                    .col(string(OfficialAccounts::Handle))
                    .col(string(OfficialAccounts::Purpose))
                    .col(string(OfficialAccounts::OwningTeam))
                    .col(timestamp_with_time_zone(OfficialAccounts::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OfficialAccountRequirements::Table)
                    .if_not_exists()
                    .col(uuid(OfficialAccountRequirements::AccountId))
                    .col(uuid(OfficialAccountRequirements::CertificationId))
                    .primary_key(
                        Index::create()
                            .col(OfficialAccountRequirements::AccountId)
                            .col(OfficialAccountRequirements::CertificationId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OfficialAccountRequirements::Table,
                                OfficialAccountRequirements::AccountId,
                            )
                            .to(OfficialAccounts::Table, OfficialAccounts::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(
                                OfficialAccountRequirements::Table,
                                OfficialAccountRequirements::CertificationId,
                            )
                            .to(Certifications::Table, Certifications::Id),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostingGrants::Table)
                    .if_not_exists()
                    .col(uuid(PostingGrants::Id).primary_key())
                    .col(uuid(PostingGrants::UserId))
                    .col(uuid(PostingGrants::AccountId))
                    .col(timestamp_with_time_zone(PostingGrants::GrantedAt))
                    .col(uuid_null(PostingGrants::GrantedBy))
                    .col(text(PostingGrants::Reason))
                    .col(timestamp_with_time_zone_null(PostingGrants::EndsAt))
                    .col(timestamp_with_time_zone_null(PostingGrants::WithdrawnAt))
                    .col(uuid_null(PostingGrants::WithdrawnBy))
                    .col(text_null(PostingGrants::WithdrawalReason))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostingGrants::Table, PostingGrants::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostingGrants::Table, PostingGrants::AccountId)
                            .to(OfficialAccounts::Table, OfficialAccounts::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_OPEN_GRANT)
                    .table(PostingGrants::Table)
                    .col(PostingGrants::UserId)
                    .col(PostingGrants::AccountId)
                    .unique()
                    .and_where(Expr::col(PostingGrants::WithdrawnAt).is_null())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_posting_grants_account")
                    .table(PostingGrants::Table)
                    .col(PostingGrants::AccountId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PostingSuspensions::Table)
                    .if_not_exists()
                    .col(uuid(PostingSuspensions::Id).primary_key())
                    .col(uuid(PostingSuspensions::UserId))
                    .col(timestamp_with_time_zone(PostingSuspensions::SuspendedAt))
                    .col(uuid_null(PostingSuspensions::SuspendedBy))
                    .col(text(PostingSuspensions::Reason))
                    .col(timestamp_with_time_zone_null(PostingSuspensions::LiftedAt))
                    .col(uuid_null(PostingSuspensions::LiftedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PostingSuspensions::Table, PostingSuspensions::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name(ONE_OPEN_SUSPENSION)
                    .table(PostingSuspensions::Table)
                    .col(PostingSuspensions::UserId)
                    .unique()
                    .and_where(Expr::col(PostingSuspensions::LiftedAt).is_null())
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PersonStatusChanges::Table)
                    .if_not_exists()
                    .col(uuid(PersonStatusChanges::UserId))
                    .col(timestamp_with_time_zone(PersonStatusChanges::ChangedAt))
                    .col(boolean(PersonStatusChanges::Active))
                    .primary_key(
                        Index::create()
                            .col(PersonStatusChanges::UserId)
                            .col(PersonStatusChanges::ChangedAt),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PersonStatusChanges::Table, PersonStatusChanges::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        // What is known of earlier history: everyone was active from their creation; a person
        // deactivated before this table existed is inactive from their last update.
        let db = manager.get_connection();
        db.execute_unprepared(
            "INSERT INTO person_status_changes (user_id, changed_at, active) \
             SELECT id, created_at, TRUE FROM users WHERE active OR updated_at > created_at",
        )
        .await?;
        db.execute_unprepared(
            "INSERT INTO person_status_changes (user_id, changed_at, active) \
             SELECT id, updated_at, FALSE FROM users WHERE NOT active",
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(uuid(ApiTokens::Id).primary_key())
                    .col(string(ApiTokens::Name))
                    .col(string_uniq(ApiTokens::Prefix))
                    .col(string(ApiTokens::SecretHash))
                    .col(string(ApiTokens::Scopes))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(uuid_null(ApiTokens::CreatedBy))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(string_null(AuditEvents::PrevHash))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(AuditEvents::Table)
                    .add_column(string_null(AuditEvents::Hash))
                    .to_owned(),
            )
            .await?;
        // The chain's head: one row that every append locks, so appends are serialised and
        // the chain never forks, on PostgreSQL as on SQLite.
        manager
            .create_table(
                Table::create()
                    .table(AuditChainHead::Table)
                    .if_not_exists()
                    .col(integer(AuditChainHead::Id).primary_key())
                    .col(big_integer(AuditChainHead::LastSeq))
                    .col(string_null(AuditChainHead::LastHash))
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO audit_chain_head (id, last_seq, last_hash) VALUES (1, 0, NULL)",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(AuditChainHead::Table).to_owned())
            .await?;
        for column in [AuditEvents::Hash, AuditEvents::PrevHash] {
            manager
                .alter_table(
                    Table::alter()
                        .table(AuditEvents::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        for table in [
            ApiTokens::Table.into_iden(),
            PersonStatusChanges::Table.into_iden(),
            PostingSuspensions::Table.into_iden(),
            PostingGrants::Table.into_iden(),
            OfficialAccountRequirements::Table.into_iden(),
            OfficialAccounts::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum OfficialAccounts {
    Table,
    Id,
    Slug,
    Platform,
    Handle,
    Purpose,
    OwningTeam,
    CreatedAt,
}

#[derive(DeriveIden)]
enum OfficialAccountRequirements {
    Table,
    AccountId,
    CertificationId,
}

#[derive(DeriveIden)]
enum PostingGrants {
    Table,
    Id,
    UserId,
    AccountId,
    GrantedAt,
    GrantedBy,
    Reason,
    EndsAt,
    WithdrawnAt,
    WithdrawnBy,
    WithdrawalReason,
}

#[derive(DeriveIden)]
enum PostingSuspensions {
    Table,
    Id,
    UserId,
    SuspendedAt,
    SuspendedBy,
    Reason,
    LiftedAt,
    LiftedBy,
}

#[derive(DeriveIden)]
enum PersonStatusChanges {
    Table,
    UserId,
    ChangedAt,
    Active,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    Name,
    Prefix,
    SecretHash,
    Scopes,
    CreatedAt,
    CreatedBy,
    RevokedAt,
    LastUsedAt,
}

#[derive(DeriveIden)]
enum AuditEvents {
    Table,
    PrevHash,
    Hash,
}

#[derive(DeriveIden)]
enum AuditChainHead {
    Table,
    Id,
    LastSeq,
    LastHash,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
}
