use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_messages")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub merchant_id: Uuid,
    pub member_id: Option<Uuid>,
    pub event_id: Uuid,
    pub scene: String,
    pub channel: String,
    pub recipient: String,
    pub template: String,
    pub extra: Option<String>,
    pub params: String,
    pub parts: i32,
    pub status: String,
    pub attempts: i32,
    pub due_at: DateTimeUtc,
    pub leased_until: Option<DateTimeUtc>,
    pub lease: Option<Uuid>,
    pub last_error: Option<String>,
    pub provider_id: Option<String>,
    pub created_at: DateTimeUtc,
    pub sent_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
