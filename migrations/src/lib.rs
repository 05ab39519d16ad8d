//! Database migrations: append-only history, written with sea-query builders so the same
//! files serve SQLite and PostgreSQL. Never edit a released migration; add a new one.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_accounts;
mod m20261123_000002_create_learning;
mod m20261201_000003_add_uniqueness;
mod m20261201_000004_create_login_throttles;
mod m20261201_000005_add_lesson_reading;
mod m20261201_000006_create_posting_rights;
mod m20261201_000007_create_webhooks;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_accounts::Migration),
            Box::new(m20261123_000002_create_learning::Migration),
            Box::new(m20261201_000003_add_uniqueness::Migration),
            Box::new(m20261201_000004_create_login_throttles::Migration),
            Box::new(m20261201_000005_add_lesson_reading::Migration),
            Box::new(m20261201_000006_create_posting_rights::Migration),
            Box::new(m20261201_000007_create_webhooks::Migration),
        ]
    }
}
