use super::MerchantsService;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MerchantId, StoreId};
use crate::merchants::Store;
use crate::merchants::StoresTx;
use crate::merchants::validate_name;
use crate::{Error, Result};

#[derive(Debug, Clone)]
pub struct CreateStore {
    pub merchant_id: MerchantId,
    pub name: String,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Debug, Clone)]
pub struct UpdateStore {
    pub merchant_id: MerchantId,
    pub store_id: StoreId,
    pub name: Option<String>,
    pub active: Option<bool>,
}

impl<U, C, N> MerchantsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// # Errors
    /// `validation_failed`, `store_name_taken`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn create_store(self, cmd: CreateStore) -> Result<Store> {
        let store = Store {
            id: StoreId::new(),
            merchant_id: cmd.merchant_id,
            name: validate_name("name", &cmd.name, 100)?,
            is_default: false,
            active: true,
            created_at: self.clock.now(),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        tx.stores().insert_store(&store).await?;
        tx.commit().await?;
        Ok(store)
    }

    /// # Errors
    /// `store_not_found`, `default_store_stays_open`,
    /// `store_name_taken`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %cmd.merchant_id))]
    pub async fn update_store(self, cmd: UpdateStore) -> Result<Store> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let mut store = tx
            .stores()
            .store(cmd.merchant_id, cmd.store_id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STORE))?;
        if let Some(name) = &cmd.name {
            store.name = validate_name("name", name, 100)?;
        }
        if let Some(active) = cmd.active {
            if store.is_default && !active {
                return Err(crate::merchants::MerchantsError::DefaultStoreStaysOpen.into());
            }
            store.active = active;
        }
        tx.stores().update_store(&store).await?;
        tx.commit().await?;
        Ok(store)
    }

    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant_id))]
    pub async fn stores(self, merchant_id: MerchantId) -> Result<Vec<Store>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.stores().stores(merchant_id).await?)
    }
}

/// The store named, or the merchant's default store when none is named; it must be open.
pub(crate) async fn resolve_store(
    tx: &mut impl crate::merchants::StoresTx,
    merchant_id: MerchantId,
    store_id: Option<StoreId>,
) -> Result<Store> {
    let store = match store_id {
        Some(id) => tx.stores().store(merchant_id, id).await?,
        None => tx.stores().default_store(merchant_id).await?,
    };
    match store {
        Some(store) if store.active => Ok(store),
        Some(_) => Err(InvalidValue::new("store_id", "the store is closed").into()),
        None => Err(Error::NotFound(crate::merchants::STORE)),
    }
}

/// `store_not_found` unless every store named is the merchant's (open or closed): the one
/// check of store references in requests.
pub(crate) async fn stores_exist(
    tx: &mut impl StoresTx,
    merchant_id: MerchantId,
    ids: impl IntoIterator<Item = StoreId>,
) -> Result<()> {
    for id in ids {
        tx.stores()
            .store(merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STORE))?;
    }
    Ok(())
}
