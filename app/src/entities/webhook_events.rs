use sea_orm::entity::prelude::*;

/// The outbox: one event, written in the transaction of the change it announces. `payload`
/// is the JSON body every subscriber receives.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub event_type: String,
    pub occurred_at: DateTimeUtc,
    pub subject_user_id: Option<Uuid>,
    pub payload: String,
    /// Set for clearance changes: type, person, scope and moment; unique.
    pub dedupe_key: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
