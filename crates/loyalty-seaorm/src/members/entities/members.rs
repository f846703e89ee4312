use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "members")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub phone: Option<String>,
    pub openid: Option<String>,
    pub unionid: Option<String>,
    pub invited_by: Option<Uuid>,
    pub name: Option<String>,
    pub birthday: Option<Date>,
    pub registered_store_id: Option<Uuid>,
    pub invite_code: String,
    pub points_balance: i64,
    pub points_seq: i64,
    pub points_debt: i64,
    pub code_step: Option<i64>,
    pub tier_code: Option<String>,
    pub tier_protected_until: Option<DateTimeUtc>,
    pub sms_consent: bool,
    pub wechat_consent: bool,
    pub created_at: DateTimeUtc,
    pub token_version: i64,
    pub erased_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
