use crate::errors::store_error;
use crate::idempotency::entities::idempotency_keys;
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{
    IdempotencyKey, IdempotencyRecord, IdempotencyRepository, StoreError, StoredResponse,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

#[async_trait]
impl IdempotencyRepository for SeaTransaction {
    async fn find_idempotency(
        &mut self,
        key: &IdempotencyKey,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        let row = idempotency_keys::Entity::find_by_id((
            key.merchant_id.as_uuid(),
            key.scope.clone(),
            key.key.clone(),
        ))
        .one(&self.txn)
        .await
        .map_err(store_error)?;
        Ok(row.map(|r| IdempotencyRecord {
            key: key.clone(),
            fingerprint: r.fingerprint,
            response: StoredResponse {
                status: u16::try_from(r.response_status).unwrap_or(500),
                body: r.response_body,
            },
            created_at: r.created_at,
        }))
    }

    async fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<(), StoreError> {
        let row = idempotency_keys::ActiveModel {
            merchant_id: Set(record.key.merchant_id.as_uuid()),
            scope: Set(record.key.scope.clone()),
            key: Set(record.key.key.clone()),
            fingerprint: Set(record.fingerprint.clone()),
            response_status: Set(i32::from(record.response.status)),
            response_body: Set(record.response.body.clone()),
            created_at: Set(record.created_at),
        };
        idempotency_keys::Entity::insert(row)
            .exec_without_returning(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreatedAt.lt(before))
            .exec(&self.txn)
            .await
            .map_err(store_error)?;
        Ok(result.rows_affected)
    }
}
