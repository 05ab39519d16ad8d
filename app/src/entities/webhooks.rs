use sea_orm::entity::prelude::*;

/// An endpoint an admin registered, with the events it receives (comma-separated). The secret
/// signs every delivery; it never leaves the server again and is never logged.
#[derive(Clone, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub url: String,
    pub secret: String,
    pub events: String,
    pub created_at: DateTimeUtc,
    pub created_by: Option<Uuid>,
    pub disabled_at: Option<DateTimeUtc>,
    pub disabled_by: Option<Uuid>,
}

/// Without the secret.
impl std::fmt::Debug for Model {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Webhook")
            .field("id", &self.id)
            .field("url", &self.url)
            .field("events", &self.events)
            .field("disabled_at", &self.disabled_at)
            .finish_non_exhaustive()
    }
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
