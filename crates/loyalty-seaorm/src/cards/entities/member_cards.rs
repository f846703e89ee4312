use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_cards")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub member_id: Uuid,
    pub template_id: Uuid,
    pub principal_fen: i64,
    pub bonus_fen: i64,
    pub opened_at: DateTimeUtc,
    pub opened_by: Option<Uuid>,
    pub store_id: Option<Uuid>,
    pub uses_left: Option<i64>,
    pub expires_at: Option<DateTimeUtc>,
    pub starts_at: Option<DateTimeUtc>,
    pub periods_pending: i64,
    pub expiry_announced_for: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
