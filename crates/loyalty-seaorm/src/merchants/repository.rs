use super::rows::{merchant_from, merchant_row, store_from, store_row};
use crate::errors::StoreResult;
use crate::merchants::entities::{merchants, stores};
use crate::shared::{MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, StoreId};
use loyalty_core::merchants::{Merchant, Store};
use loyalty_core::merchants::{MerchantRepository, StoreRepository};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use tracing::instrument;

#[async_trait]
impl MerchantRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %m.id))]
    async fn insert_merchant(&mut self, m: &Merchant) -> Result<(), StoreError> {
        self.insert(merchant_row(m)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %id))]
    async fn merchant(&mut self, id: MerchantId) -> Result<Option<Merchant>, StoreError> {
        if self.cached_reads
            && let Some(merchant) = self.cache.merchant(id)
        {
            return Ok(Some(merchant));
        }
        let generation = self.cache.generation(id);
        let row = merchants::Entity::find_by_id(id.as_uuid())
            .one(&self.txn)
            .await
            .store()?;
        let merchant = row.map(merchant_from).transpose()?;
        if let (true, Some(m)) = (self.cached_reads, &merchant) {
            self.cache.put_merchant(generation, m);
        }
        Ok(merchant)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn merchant_by_code(&mut self, code: &str) -> Result<Option<Merchant>, StoreError> {
        let row = merchants::Entity::find()
            .filter(merchants::Column::Code.eq(code))
            .one(&self.txn)
            .await
            .store()?;
        row.map(merchant_from).transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn count_merchants(&mut self) -> Result<u64, StoreError> {
        merchants::Entity::find().count(&self.txn).await.store()
    }
}

#[async_trait]
impl StoreRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %store.merchant_id, store = %store.id))]
    async fn insert_store(&mut self, store: &Store) -> Result<(), StoreError> {
        self.forget.push(store.merchant_id);
        self.insert(store_row(store)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %store.merchant_id, store = %store.id))]
    async fn update_store(&mut self, store: &Store) -> Result<(), StoreError> {
        self.forget.push(store.merchant_id);
        stores::Entity::update_in(store.merchant_id, store.id.as_uuid())
            .set(store_row(store))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn store(
        &mut self,
        merchant: MerchantId,
        id: StoreId,
    ) -> Result<Option<Store>, StoreError> {
        self.store_where(merchant, Some(id)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn default_store(&mut self, merchant: MerchantId) -> Result<Option<Store>, StoreError> {
        self.store_where(merchant, None).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn stores(&mut self, merchant: MerchantId) -> Result<Vec<Store>, StoreError> {
        let rows = stores::Entity::find_of(merchant)
            .order_by_desc(stores::Column::IsDefault)
            .order_by_asc(stores::Column::CreatedAt)
            .order_by_asc(stores::Column::Id)
            .all(&self.txn)
            .await
            .store()?;
        Ok(rows.into_iter().map(store_from).collect())
    }
}

impl SeaTransaction {
    /// A store by id, or the default store (`None`), through the lookup cache.
    async fn store_where(
        &self,
        merchant: MerchantId,
        id: Option<StoreId>,
    ) -> Result<Option<Store>, StoreError> {
        if self.cached_reads
            && let Some(store) = self.cache.store(merchant, id)
        {
            return Ok(Some(store));
        }
        let generation = self.cache.generation(merchant);
        let which = match id {
            Some(id) => stores::Column::Id.eq(id.as_uuid()),
            None => stores::Column::IsDefault.eq(true),
        };
        let row = stores::Entity::find_of(merchant)
            .filter(which)
            .one(&self.txn)
            .await
            .store()?;
        let store = row.map(store_from);
        if let (true, Some(s)) = (self.cached_reads, &store) {
            self.cache.put_store(generation, merchant, id, s);
        }
        Ok(store)
    }
}
