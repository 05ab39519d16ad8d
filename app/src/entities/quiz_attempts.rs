use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "quiz_attempts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub user_id: Uuid,
    pub quiz_id: Uuid,
    pub quiz_version_id: Uuid,
    pub started_at: DateTimeUtc,
    pub deadline: Option<DateTimeUtc>,
    pub presented: String,
    pub submitted_at: Option<DateTimeUtc>,
    pub answers: Option<String>,
    pub score_percent: Option<i32>,
    pub passed: Option<bool>,
    pub late: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
