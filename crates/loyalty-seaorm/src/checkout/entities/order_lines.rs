use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "order_lines")]
pub struct Model {
    pub merchant_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub order_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub line_no: i32,
    pub sku: Option<String>,
    pub category: Option<String>,
    pub quantity: i64,
    pub unit_price_fen: i64,
    pub gross_fen: i64,
    pub paid_fen: i64,
    pub tier_discount_fen: i64,
    pub coupon_discount_fen: i64,
    pub points_discount_fen: i64,
    pub points_used: i64,
    pub points_earned: i64,
    pub refunded_quantity: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
