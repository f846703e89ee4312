use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "coupons")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub template_id: Uuid,
    pub member_id: Uuid,
    pub code: String,
    pub status: String,
    pub source: String,
    pub source_ref: Option<String>,
    pub valid_from: DateTimeUtc,
    pub valid_until: DateTimeUtc,
    pub claimed_at: DateTimeUtc,
    pub used_at: Option<DateTimeUtc>,
    pub used_order_id: Option<Uuid>,
    pub used_store_id: Option<Uuid>,
    /// When the member was told it expires soon (once).
    pub announced_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
