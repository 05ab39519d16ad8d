use sea_orm::entity::prelude::*;

/// A suspension from all posting, from `suspended_at` until it is lifted. Never deleted.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "posting_suspensions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub suspended_at: DateTimeUtc,
    pub suspended_by: Option<Uuid>,
    pub reason: String,
    pub lifted_at: Option<DateTimeUtc>,
    pub lifted_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
