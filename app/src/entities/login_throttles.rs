use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "login_throttles")]
pub struct Model {
    /// `source:<address>` or `account:<sha256 of the normalised email>@<address>`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub key: String,
    /// Sign-in attempts counted against this key and not refunded by a success.
    pub failures: i32,
    pub blocked_until: Option<DateTimeUtc>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
