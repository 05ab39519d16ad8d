//! Webhooks: the endpoints an admin registers, the durable outbox of events written in the
//! same transaction as the change they announce, one delivery per endpoint and event with its
//! retry state and lease, every attempt as a log row, and the expiries the scheduler has
//! announced (their primary key is what makes "exactly once" hold with several app servers).

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Webhooks::Table)
                    .if_not_exists()
                    .col(uuid(Webhooks::Id).primary_key())
                    .col(text(Webhooks::Url))
                    .col(text(Webhooks::Secret))
                    .col(string(Webhooks::Events))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(uuid_null(Webhooks::CreatedBy))
                    .col(timestamp_with_time_zone_null(Webhooks::DisabledAt))
                    .col(uuid_null(Webhooks::DisabledBy))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookEvents::Table)
                    .if_not_exists()
                    .col(uuid(WebhookEvents::Id).primary_key())
                    .col(string(WebhookEvents::EventType))
                    .col(timestamp_with_time_zone(WebhookEvents::OccurredAt))
                    .col(uuid_null(WebhookEvents::SubjectUserId))
                    .col(text(WebhookEvents::Payload))
                    // The same change of clearance, found by two paths (two certificates that
                    // expire at the same moment, two app servers), is announced once.
                    .col(string_null(WebhookEvents::DedupeKey).unique_key())
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(uuid(WebhookDeliveries::Id).primary_key())
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(string(WebhookDeliveries::Status))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LockedUntil,
                    ))
                    .col(uuid_null(WebhookDeliveries::ClaimToken))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::LastAttemptAt,
                    ))
                    .col(integer_null(WebhookDeliveries::LastStatusCode))
                    .col(text_null(WebhookDeliveries::LastError))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookDeliveries::Table, WebhookDeliveries::EventId)
                            .to(WebhookEvents::Table, WebhookEvents::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_webhook_deliveries_event")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::WebhookId)
                    .col(WebhookDeliveries::EventId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_deliveries_due")
                    .table(WebhookDeliveries::Table)
                    .col(WebhookDeliveries::Status)
                    .col(WebhookDeliveries::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookAttempts::Table)
                    .if_not_exists()
                    .col(uuid(WebhookAttempts::Id).primary_key())
                    .col(uuid(WebhookAttempts::DeliveryId))
                    .col(integer(WebhookAttempts::Attempt))
                    .col(timestamp_with_time_zone(WebhookAttempts::AttemptedAt))
                    .col(integer_null(WebhookAttempts::StatusCode))
                    .col(text_null(WebhookAttempts::Error))
                    .col(big_integer(WebhookAttempts::DurationMs))
                    .foreign_key(
                        ForeignKey::create()
                            .from(WebhookAttempts::Table, WebhookAttempts::DeliveryId)
                            .to(WebhookDeliveries::Table, WebhookDeliveries::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_webhook_attempts_delivery")
                    .table(WebhookAttempts::Table)
                    .col(WebhookAttempts::DeliveryId)
                    .to_owned(),
            )
            .await?;
        // One row per certificate expiry or grant end the scheduler has dealt with. Inserting
        // it is the claim: a second scheduler's insert of the same key does nothing, so the
        // events fire once however many app servers scan at the same time.
        manager
            .create_table(
                Table::create()
                    .table(ProcessedExpiries::Table)
                    .if_not_exists()
                    .col(string(ProcessedExpiries::Kind))
                    .col(uuid(ProcessedExpiries::SubjectId))
                    .col(timestamp_with_time_zone(ProcessedExpiries::EndedAt))
                    .col(timestamp_with_time_zone(ProcessedExpiries::ProcessedAt))
                    .primary_key(
                        Index::create()
                            .col(ProcessedExpiries::Kind)
                            .col(ProcessedExpiries::SubjectId),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_expires_at")
                    .table(Certificates::Table)
                    .col(Certificates::ExpiresAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_posting_grants_ends_at")
                    .table(PostingGrants::Table)
                    .col(PostingGrants::EndsAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_index(
                Index::drop()
                    .name("idx_posting_grants_ends_at")
                    .table(PostingGrants::Table)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("idx_certificates_expires_at")
                    .table(Certificates::Table)
                    .to_owned(),
            )
            .await?;
        for table in [
            ProcessedExpiries::Table.into_iden(),
            WebhookAttempts::Table.into_iden(),
            WebhookDeliveries::Table.into_iden(),
            WebhookEvents::Table.into_iden(),
            Webhooks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Webhooks {
    Table,
    Id,
    Url,
    Secret,
    Events,
    CreatedAt,
    CreatedBy,
    DisabledAt,
    DisabledBy,
}

#[derive(DeriveIden)]
enum WebhookEvents {
    Table,
    Id,
    EventType,
    OccurredAt,
    SubjectUserId,
    Payload,
    DedupeKey,
}

#[derive(DeriveIden)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    EventId,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    ClaimToken,
    LastAttemptAt,
    LastStatusCode,
    LastError,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum WebhookAttempts {
    Table,
    Id,
    DeliveryId,
    Attempt,
    AttemptedAt,
    StatusCode,
    Error,
    DurationMs,
}

#[derive(DeriveIden)]
enum ProcessedExpiries {
    Table,
    Kind,
    SubjectId,
    EndedAt,
    ProcessedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum PostingGrants {
    Table,
    EndsAt,
}
