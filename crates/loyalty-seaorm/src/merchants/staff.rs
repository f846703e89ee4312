use super::rows::{staff_from, staff_row};
use crate::errors::StoreResult;
use crate::merchants::entities::{staff, staff_stores};
use crate::shared::{MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, StaffId, StoreId};
use loyalty_core::merchants::Staff;
use loyalty_core::merchants::StaffRepository;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use tracing::instrument;
use uuid::Uuid;

impl SeaTransaction {
    /// The stores of each of `staff` (one query).
    async fn stores_of(
        &self,
        merchant: MerchantId,
        staff: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<StoreId>>, StoreError> {
        let rows = staff_stores::Entity::find_of(merchant)
            .filter(staff_stores::Column::StaffId.is_in(staff.iter().copied()))
            .order_by_asc(staff_stores::Column::StoreId)
            .all(&self.txn)
            .await
            .store()?;
        let mut by_staff: HashMap<Uuid, Vec<StoreId>> = HashMap::new();
        for row in rows {
            by_staff
                .entry(row.staff_id)
                .or_default()
                .push(row.store_id.into());
        }
        Ok(by_staff)
    }

    async fn with_stores(
        &self,
        merchant: MerchantId,
        rows: Vec<staff::Model>,
    ) -> Result<Vec<Staff>, StoreError> {
        let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
        let mut stores = self.stores_of(merchant, &ids).await?;
        rows.into_iter()
            .map(|r| {
                let store_ids = stores.remove(&r.id).unwrap_or_default();
                staff_from(r, store_ids)
            })
            .collect()
    }

    /// Runs a compare-and-set on the account's token version; contention when it moved.
    async fn staff_changed(
        &mut self,
        update: sea_orm::UpdateMany<staff::Entity>,
        s: &Staff,
    ) -> Result<(), StoreError> {
        if self.changed_one(update).await? {
            // Its tokens' check reads through the lookup cache: drop it once this commits.
            self.forget.push(s.merchant_id);
            Ok(())
        } else {
            Err(StoreError::Contention(format!(
                "staff {} changed meanwhile",
                s.id
            )))
        }
    }

    async fn write_stores(&self, s: &Staff) -> Result<(), StoreError> {
        staff_stores::Entity::delete_of(s.merchant_id)
            .filter(staff_stores::Column::StaffId.eq(s.id.as_uuid()))
            .exec(&self.txn)
            .await
            .store()?;
        if s.store_ids.is_empty() {
            return Ok(());
        }
        let rows = s.store_ids.iter().map(|store| staff_stores::ActiveModel {
            merchant_id: Set(s.merchant_id.as_uuid()),
            staff_id: Set(s.id.as_uuid()),
            store_id: Set(store.as_uuid()),
        });
        staff_stores::Entity::insert_many(rows)
            .exec_without_returning(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    async fn one_staff(
        &self,
        merchant: MerchantId,
        condition: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Option<Staff>, StoreError> {
        let row = staff::Entity::find_of(merchant)
            .filter(condition)
            .one(&self.txn)
            .await
            .store()?;
        Ok(self
            .with_stores(merchant, row.into_iter().collect())
            .await?
            .pop())
    }
}

#[async_trait]
impl StaffRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %s.merchant_id, staff = %s.id))]
    async fn insert_staff(&mut self, s: &Staff) -> Result<(), StoreError> {
        self.insert(staff_row(s)).await?;
        self.write_stores(s).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn staff_by_username(
        &mut self,
        merchant: MerchantId,
        username: &str,
    ) -> Result<Option<Staff>, StoreError> {
        self.one_staff(merchant, staff::Column::Username.eq(username))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn staff_member(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<Staff>, StoreError> {
        self.one_staff(merchant, staff::Column::Id.eq(id.as_uuid()))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn staff_status(
        &mut self,
        merchant: MerchantId,
        id: StaffId,
    ) -> Result<Option<(i64, bool)>, StoreError> {
        let read = staff::Entity::find_in(merchant, id.as_uuid())
            .select_only()
            .columns([staff::Column::TokenVersion, staff::Column::Disabled])
            .into_tuple()
            .one(&self.txn);
        self.token_status(merchant, id.as_uuid(), async { read.await.store() })
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn list_staff(&mut self, merchant: MerchantId) -> Result<Vec<Staff>, StoreError> {
        let rows = staff::Entity::find_of(merchant)
            .order_by_asc(staff::Column::Username)
            .all(&self.txn)
            .await
            .store()?;
        self.with_stores(merchant, rows).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %s.merchant_id, staff = %s.id))]
    async fn update_staff(&mut self, s: &Staff) -> Result<(), StoreError> {
        use staff::Column as C;
        let update = staff::Entity::update_in(s.merchant_id, s.id.as_uuid())
            .col_expr(C::Role, Expr::value(s.role.as_str()))
            .col_expr(C::DisplayName, Expr::value(s.display_name.clone()))
            .col_expr(C::Disabled, Expr::value(s.disabled))
            .col_expr(C::TokenVersion, Expr::col(C::TokenVersion).add(1))
            .filter(C::TokenVersion.eq(s.token_version));
        self.staff_changed(update, s).await?;
        self.write_stores(s).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %s.merchant_id, staff = %s.id))]
    async fn rename_staff(&mut self, s: &Staff) -> Result<(), StoreError> {
        use staff::Column as C;
        let update = staff::Entity::update_in(s.merchant_id, s.id.as_uuid())
            .col_expr(C::DisplayName, Expr::value(s.display_name.clone()))
            .filter(C::TokenVersion.eq(s.token_version));
        self.staff_changed(update, s).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %s.merchant_id, staff = %s.id))]
    async fn set_staff_password(&mut self, s: &Staff) -> Result<(), StoreError> {
        use staff::Column as C;
        let update = staff::Entity::update_in(s.merchant_id, s.id.as_uuid())
            .col_expr(C::PasswordHash, Expr::value(s.password_hash.clone()))
            .col_expr(C::TokenVersion, Expr::col(C::TokenVersion).add(1))
            .filter(C::TokenVersion.eq(s.token_version));
        self.staff_changed(update, s).await
    }
}
