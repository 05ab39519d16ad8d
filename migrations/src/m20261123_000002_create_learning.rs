//! The learning side: published course, quiz and policy versions (immutable JSON snapshots),
//! lesson completions, quiz attempts, acknowledgements, certifications and certificates.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Courses::Table)
                    .if_not_exists()
                    .col(pk_uuid(Courses::Id))
                    .col(string_uniq(Courses::Slug))
                    .col(timestamp_with_time_zone(Courses::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(CourseVersions::Table)
                    .if_not_exists()
                    .col(pk_uuid(CourseVersions::Id))
                    .col(uuid(CourseVersions::CourseId))
                    .col(integer(CourseVersions::Version))
                    .col(timestamp_with_time_zone(CourseVersions::PublishedAt))
                    .col(text(CourseVersions::Content))
                    .foreign_key(&mut fk(
                        "fk_course_versions_course",
                        (CourseVersions::Table, CourseVersions::CourseId),
                        (Courses::Table, Courses::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_course_versions")
                    .table(CourseVersions::Table)
                    .col(CourseVersions::CourseId)
                    .col(CourseVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Quizzes::Table)
                    .if_not_exists()
                    .col(pk_uuid(Quizzes::Id))
                    .col(string_uniq(Quizzes::Slug))
                    .col(uuid(Quizzes::CourseId))
                    .col(timestamp_with_time_zone(Quizzes::CreatedAt))
                    .foreign_key(&mut fk(
                        "fk_quizzes_course",
                        (Quizzes::Table, Quizzes::CourseId),
                        (Courses::Table, Courses::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(QuizVersions::Table)
                    .if_not_exists()
                    .col(pk_uuid(QuizVersions::Id))
                    .col(uuid(QuizVersions::QuizId))
                    .col(integer(QuizVersions::Version))
                    .col(timestamp_with_time_zone(QuizVersions::PublishedAt))
                    .col(text(QuizVersions::Content))
                    .foreign_key(&mut fk(
                        "fk_quiz_versions_quiz",
                        (QuizVersions::Table, QuizVersions::QuizId),
                        (Quizzes::Table, Quizzes::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_quiz_versions")
                    .table(QuizVersions::Table)
                    .col(QuizVersions::QuizId)
                    .col(QuizVersions::Version)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LessonCompletions::Table)
                    .if_not_exists()
                    .col(uuid(LessonCompletions::UserId))
                    .col(uuid(LessonCompletions::CourseId))
                    .col(string(LessonCompletions::LessonSlug))
                    .col(uuid(LessonCompletions::CourseVersionId))
                    .col(timestamp_with_time_zone(LessonCompletions::CompletedAt))
                    .primary_key(
                        Index::create()
                            .col(LessonCompletions::UserId)
                            .col(LessonCompletions::CourseId)
                            .col(LessonCompletions::LessonSlug),
                    )
                    .foreign_key(&mut fk(
                        "fk_lesson_completions_user",
                        (LessonCompletions::Table, LessonCompletions::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_lesson_completions_version",
                        (LessonCompletions::Table, LessonCompletions::CourseVersionId),
                        (CourseVersions::Table, CourseVersions::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(QuizAttempts::Table)
                    .if_not_exists()
                    .col(pk_uuid(QuizAttempts::Id))
                    .col(uuid(QuizAttempts::UserId))
                    .col(uuid(QuizAttempts::QuizId))
                    .col(uuid(QuizAttempts::QuizVersionId))
                    .col(timestamp_with_time_zone(QuizAttempts::StartedAt))
                    .col(timestamp_with_time_zone_null(QuizAttempts::Deadline))
                    .col(text(QuizAttempts::Presented))
                    .col(timestamp_with_time_zone_null(QuizAttempts::SubmittedAt))
                    .col(text_null(QuizAttempts::Answers))
                    .col(integer_null(QuizAttempts::ScorePercent))
                    .col(boolean_null(QuizAttempts::Passed))
                    .col(boolean(QuizAttempts::Late).default(false))
                    .foreign_key(&mut fk(
                        "fk_quiz_attempts_user",
                        (QuizAttempts::Table, QuizAttempts::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_quiz_attempts_version",
                        (QuizAttempts::Table, QuizAttempts::QuizVersionId),
                        (QuizVersions::Table, QuizVersions::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_quiz_attempts_user_quiz")
                    .table(QuizAttempts::Table)
                    .col(QuizAttempts::UserId)
                    .col(QuizAttempts::QuizId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PolicyVersions::Table)
                    .if_not_exists()
                    .col(pk_uuid(PolicyVersions::Id))
                    .col(integer_uniq(PolicyVersions::Version))
                    .col(timestamp_with_time_zone(PolicyVersions::PublishedAt))
                    .col(boolean(PolicyVersions::RequiresReacknowledgement))
                    .col(text(PolicyVersions::Content))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(PolicyAcknowledgements::Table)
                    .if_not_exists()
                    .col(uuid(PolicyAcknowledgements::UserId))
                    .col(uuid(PolicyAcknowledgements::PolicyVersionId))
                    .col(timestamp_with_time_zone(
                        PolicyAcknowledgements::AcknowledgedAt,
                    ))
                    .primary_key(
                        Index::create()
                            .col(PolicyAcknowledgements::UserId)
                            .col(PolicyAcknowledgements::PolicyVersionId),
                    )
                    .foreign_key(&mut fk(
                        "fk_policy_ack_user",
                        (
                            PolicyAcknowledgements::Table,
                            PolicyAcknowledgements::UserId,
                        ),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_policy_ack_version",
                        (
                            PolicyAcknowledgements::Table,
                            PolicyAcknowledgements::PolicyVersionId,
                        ),
                        (PolicyVersions::Table, PolicyVersions::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Certifications::Table)
                    .if_not_exists()
                    .col(pk_uuid(Certifications::Id))
                    .col(string_uniq(Certifications::Slug))
                    .col(text(Certifications::Content))
                    .col(timestamp_with_time_zone(Certifications::CreatedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Certificates::Table)
                    .if_not_exists()
                    .col(pk_uuid(Certificates::Id))
                    .col(uuid(Certificates::UserId))
                    .col(uuid(Certificates::CertificationId))
                    .col(timestamp_with_time_zone(Certificates::IssuedAt))
                    .col(timestamp_with_time_zone(Certificates::ValidFrom))
                    .col(timestamp_with_time_zone(Certificates::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Certificates::RevokedAt))
                    .col(text_null(Certificates::RevokedReason))
                    .col(string_uniq(Certificates::VerificationCode))
                    .col(uuid_null(Certificates::RenewedFrom))
                    .col(text(Certificates::Evidence))
                    .foreign_key(&mut fk(
                        "fk_certificates_user",
                        (Certificates::Table, Certificates::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .foreign_key(&mut fk(
                        "fk_certificates_certification",
                        (Certificates::Table, Certificates::CertificationId),
                        (Certifications::Table, Certifications::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificates_user")
                    .table(Certificates::Table)
                    .col(Certificates::UserId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            Certificates::Table.into_iden(),
            Certifications::Table.into_iden(),
            PolicyAcknowledgements::Table.into_iden(),
            PolicyVersions::Table.into_iden(),
            QuizAttempts::Table.into_iden(),
            LessonCompletions::Table.into_iden(),
            QuizVersions::Table.into_iden(),
            Quizzes::Table.into_iden(),
            CourseVersions::Table.into_iden(),
            Courses::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Courses {
    Table,
    Id,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
enum CourseVersions {
    Table,
    Id,
    CourseId,
    Version,
    PublishedAt,
    Content,
}

#[derive(DeriveIden)]
enum Quizzes {
    Table,
    Id,
    Slug,
    CourseId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum QuizVersions {
    Table,
    Id,
    QuizId,
    Version,
    PublishedAt,
    Content,
}

#[derive(DeriveIden)]
enum LessonCompletions {
    Table,
    UserId,
    CourseId,
    LessonSlug,
    CourseVersionId,
    CompletedAt,
}

#[derive(DeriveIden)]
enum QuizAttempts {
    Table,
    Id,
    UserId,
    QuizId,
    QuizVersionId,
    StartedAt,
    Deadline,
    Presented,
    SubmittedAt,
    Answers,
    ScorePercent,
    Passed,
    Late,
}

#[derive(DeriveIden)]
enum PolicyVersions {
    Table,
    Id,
    Version,
    PublishedAt,
    RequiresReacknowledgement,
    Content,
}

#[derive(DeriveIden)]
enum PolicyAcknowledgements {
    Table,
    UserId,
    PolicyVersionId,
    AcknowledgedAt,
}

#[derive(DeriveIden)]
enum Certifications {
    Table,
    Id,
    Slug,
    Content,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Certificates {
    Table,
    Id,
    UserId,
    CertificationId,
    IssuedAt,
    ValidFrom,
    ExpiresAt,
    RevokedAt,
    RevokedReason,
    VerificationCode,
    RenewedFrom,
    Evidence,
}
