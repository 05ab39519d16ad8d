use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub seq: i64,
    pub occurred_at: DateTimeUtc,
    pub actor_user_id: Option<Uuid>,
    pub action: String,
    pub subject_user_id: Option<Uuid>,
    /// JSON object with the facts of the event.
    pub details: String,
    /// The previous entry's hash (None for the first entry of the chain).
    pub prev_hash: Option<String>,
    /// SHA-256 of the previous hash and this entry's content, hex; see `audit::server`.
    pub hash: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
