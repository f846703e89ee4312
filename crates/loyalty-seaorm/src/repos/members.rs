use crate::entities::members;
use crate::errors::{corrupt, store_error};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use loyalty_core::model::Member;
use loyalty_core::ports::{MemberRepository, StoreError};
use loyalty_core::types::{MemberId, MerchantId, Phone};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

fn member_from(m: members::Model) -> Result<Member, StoreError> {
    Ok(Member {
        id: m.id.into(),
        merchant_id: m.merchant_id.into(),
        phone: Phone::parse(&m.phone).map_err(|e| corrupt("phone", e))?,
        name: m.name,
        birthday: m.birthday,
        registered_store_id: m.registered_store_id.map(Into::into),
        invite_code: m.invite_code,
        points_balance: super::points(m.points_balance),
        created_at: m.created_at,
    })
}

#[async_trait]
impl MemberRepository for SeaTransaction {
    async fn insert_member(&mut self, m: &Member) -> Result<(), StoreError> {
        let row = members::ActiveModel {
            id: Set(m.id.as_uuid()),
            merchant_id: Set(m.merchant_id.as_uuid()),
            phone: Set(m.phone.as_str().to_owned()),
            name: Set(m.name.clone()),
            birthday: Set(m.birthday),
            registered_store_id: Set(m.registered_store_id.map(|s| s.as_uuid())),
            invite_code: Set(m.invite_code.clone()),
            points_balance: Set(0),
            points_seq: Set(0),
            created_at: Set(m.created_at),
        };
        members::Entity::insert(row)
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError> {
        let row = members::Entity::find()
            .filter(members::Column::MerchantId.eq(merchant.as_uuid()))
            .filter(members::Column::Id.eq(id.as_uuid()))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        row.map(member_from).transpose()
    }

    async fn member_by_phone(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<Member>, StoreError> {
        let row = members::Entity::find()
            .filter(members::Column::MerchantId.eq(merchant.as_uuid()))
            .filter(members::Column::Phone.eq(phone.as_str()))
            .one(&self.txn)
            .await
            .map_err(store_error)?;
        row.map(member_from).transpose()
    }
}
