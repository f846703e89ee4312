use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "points_ledger")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub member_id: Uuid,
    pub seq: i64,
    pub kind: String,
    pub delta: i64,
    pub balance_after: i64,
    pub shortfall: i64,
    pub reason_code: String,
    pub title: String,
    pub store_id: Option<Uuid>,
    pub source_type: String,
    pub source_id: String,
    pub operator_id: Option<Uuid>,
    pub created_at: DateTimeUtc,
    pub policy_version: Option<i64>,
    /// The lot holding the points a credit entry added.
    pub lot_id: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
