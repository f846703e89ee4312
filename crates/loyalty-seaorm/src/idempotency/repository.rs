use crate::errors::{StoreResult, corrupt};
use crate::idempotency::entities::idempotency_keys;
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::{
    IdempotencyKey, IdempotencyRecord, IdempotencyRepository, Refusal, StoreError, StoredOutcome,
};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use tracing::instrument;

/// `response_status` of a record that holds a result (its JSON in `response_body`).
const DONE: i32 = 0;
/// `response_status` of a record that holds a refusal (its JSON in `response_body`).
const REFUSED: i32 = 1;
// Records written by versions that kept the HTTP answer hold its status (100 and up): they
// read back as unreadable, and are purged within a day of the upgrade.

fn outcome_of(status: i32, body: String) -> Result<StoredOutcome, StoreError> {
    Ok(match status {
        DONE => StoredOutcome::Done(body),
        REFUSED => StoredOutcome::Refused(
            serde_json::from_str::<Refusal>(&body).map_err(|e| corrupt("kept refusal", e))?,
        ),
        _ => StoredOutcome::Unreadable,
    })
}

fn columns_of(outcome: &StoredOutcome) -> Result<(i32, String), StoreError> {
    Ok(match outcome {
        StoredOutcome::Done(json) => (DONE, json.clone()),
        StoredOutcome::Refused(refusal) => (
            REFUSED,
            serde_json::to_string(refusal).map_err(|e| corrupt("refusal to keep", e))?,
        ),
        StoredOutcome::Unreadable => {
            return Err(corrupt(
                "idempotency record",
                "an unreadable outcome is never written",
            ));
        }
    })
}

#[async_trait]
impl IdempotencyRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %key.merchant_id))]
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
        .store()?;
        row.map(|r| {
            Ok(IdempotencyRecord {
                key: key.clone(),
                fingerprint: r.fingerprint,
                outcome: outcome_of(r.response_status, r.response_body)?,
                created_at: r.created_at,
            })
        })
        .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %record.key.merchant_id))]
    async fn insert_idempotency(&mut self, record: &IdempotencyRecord) -> Result<(), StoreError> {
        let (status, body) = columns_of(&record.outcome)?;
        let row = idempotency_keys::ActiveModel {
            merchant_id: Set(record.key.merchant_id.as_uuid()),
            scope: Set(record.key.scope.clone()),
            key: Set(record.key.key.clone()),
            fingerprint: Set(record.fingerprint.clone()),
            response_status: Set(status),
            response_body: Set(body),
            created_at: Set(record.created_at),
        };
        idempotency_keys::Entity::insert(row)
            .exec_without_returning(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn purge_idempotency(&mut self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        let result = idempotency_keys::Entity::delete_many()
            .filter(idempotency_keys::Column::CreatedAt.lt(before))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(result.rows_affected)
    }
}
