//! Reading as evidence: when a person first opened each lesson, and how long they had it
//! open before marking it read. A lesson counts as read only after a time it could have been
//! read in.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LessonViews::Table)
                    .if_not_exists()
                    .col(uuid(LessonViews::UserId))
                    .col(uuid(LessonViews::CourseId))
                    .col(string(LessonViews::LessonSlug))
                    .col(timestamp_with_time_zone(LessonViews::FirstViewedAt))
                    .primary_key(
                        Index::create()
                            .col(LessonViews::UserId)
                            .col(LessonViews::CourseId)
                            .col(LessonViews::LessonSlug),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_lesson_views_user")
                            .from(LessonViews::Table, LessonViews::UserId)
                            .to(Users::Table, Users::Id),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(LessonCompletions::Table)
                    .add_column(integer_null(LessonCompletions::SecondsSpent))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(LessonCompletions::Table)
                    .drop_column(LessonCompletions::SecondsSpent)
                    .to_owned(),
            )
            .await?;
        manager
            .drop_table(
                Table::drop()
                    .table(LessonViews::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum LessonViews {
    Table,
    UserId,
    CourseId,
    LessonSlug,
    FirstViewedAt,
}

#[derive(DeriveIden)]
enum LessonCompletions {
    Table,
    SecondsSpent,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}
