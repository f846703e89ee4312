use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "refunds")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub order_id: Uuid,
    pub amount_fen: i64,
    pub points_reversed: i64,
    pub points_shortfall: i64,
    pub points_returned: i64,
    pub coupons_returned: i64,
    /// The lines refunded, as JSON; `None` for a refund by amount or of the whole order.
    pub lines: Option<String>,
    pub operator_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub card_principal_fen: i64,
    pub card_bonus_fen: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
