use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "orders")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub store_id: Uuid,
    pub member_id: Uuid,
    pub order_no: Option<String>,
    pub amount_paid_fen: i64,
    pub amount_refunded_fen: i64,
    pub points_earned: i64,
    pub points_reversed: i64,
    pub status: String,
    pub operator_id: Option<Uuid>,
    pub gross_fen: i64,
    pub tier_discount_fen: i64,
    pub coupon_discount_fen: i64,
    pub points_used: i64,
    pub points_discount_fen: i64,
    pub points_returned: i64,
    pub created_at: DateTimeUtc,
    /// The stored-value card part of the order paid, and what refunds gave back to it.
    pub card_id: Option<Uuid>,
    pub card_principal_fen: i64,
    pub card_bonus_fen: i64,
    pub card_principal_returned_fen: i64,
    pub card_bonus_returned_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
