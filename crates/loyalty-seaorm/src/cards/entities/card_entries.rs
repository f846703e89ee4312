use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "card_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub card_id: Uuid,
    pub member_id: Uuid,
    pub kind: String,
    pub principal_delta: i64,
    pub bonus_delta: i64,
    pub principal_after: i64,
    pub bonus_after: i64,
    pub source_ref: String,
    pub store_id: Option<Uuid>,
    pub operator_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub uses_delta: i64,
    pub uses_after: Option<i64>,
    pub item_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
