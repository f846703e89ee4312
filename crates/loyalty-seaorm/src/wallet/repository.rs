use super::rows::{entry_from, entry_row, wallet_from, withdrawal_from, withdrawal_row};
use crate::errors::StoreResult;
use crate::shared::{KeysetPage, MerchantOwned, money_drifts};
use crate::uow::SeaTransaction;
use crate::wallet::entities::{wallet_entries, wallet_withdrawals, wallets};
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::MoneyDrift;
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, WithdrawalId};
use loyalty_core::wallet::WalletRepository;
use loyalty_core::wallet::{Wallet, WalletEntry, WalletWithdrawal, WithdrawalStatus};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};
use tracing::instrument;
use uuid::Uuid;

impl SeaTransaction {
    /// The wallet after a conditional update, or `None` when its condition refused it.
    async fn update_wallet(
        &self,
        update: sea_orm::UpdateMany<wallets::Entity>,
    ) -> Result<Option<Wallet>, StoreError> {
        let updated = update.exec_with_returning(&self.txn).await.store()?;
        updated.first().map(wallet_from).transpose()
    }
}

#[async_trait]
impl WalletRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn wallet(&mut self, merchant: MerchantId) -> Result<Wallet, StoreError> {
        wallets::Entity::find_by_id(merchant.as_uuid())
            .one(&self.txn)
            .await
            .store()?
            .map_or(Ok(Wallet::empty(merchant)), |w| wallet_from(&w))
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn credit_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
    ) -> Result<Wallet, StoreError> {
        use wallets::Column as C;
        let row = wallets::ActiveModel {
            merchant_id: Set(merchant.as_uuid()),
            available_fen: Set(amount),
            pending_fen: Set(0),
        };
        let after = wallets::Entity::insert(row)
            .on_conflict(
                OnConflict::column(C::MerchantId)
                    .value(
                        C::AvailableFen,
                        Expr::col((wallets::Entity, C::AvailableFen)).add(amount),
                    )
                    .to_owned(),
            )
            .exec_with_returning(&self.txn)
            .await
            .store()?;
        wallet_from(&after)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn hold_in_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
    ) -> Result<Option<Wallet>, StoreError> {
        use wallets::Column as C;
        let update = wallets::Entity::update_of(merchant)
            .col_expr(C::AvailableFen, Expr::col(C::AvailableFen).sub(amount))
            .col_expr(C::PendingFen, Expr::col(C::PendingFen).add(amount))
            .filter(C::AvailableFen.gte(amount));
        self.update_wallet(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn release_from_wallet(
        &mut self,
        merchant: MerchantId,
        amount: i64,
        give_back: bool,
    ) -> Result<Option<Wallet>, StoreError> {
        use wallets::Column as C;
        let back = if give_back { amount } else { 0 };
        let update = wallets::Entity::update_of(merchant)
            .col_expr(C::PendingFen, Expr::col(C::PendingFen).sub(amount))
            .col_expr(C::AvailableFen, Expr::col(C::AvailableFen).add(back))
            .filter(C::PendingFen.gte(amount));
        self.update_wallet(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %e.merchant_id, id = %e.id))]
    async fn insert_wallet_entry(&mut self, e: &WalletEntry) -> Result<(), StoreError> {
        self.insert(entry_row(e)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn wallet_entries(
        &mut self,
        merchant: MerchantId,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<WalletEntry>, StoreError> {
        use wallet_entries::Column as C;
        let query = wallet_entries::Entity::find_of(merchant).newest_first(C::Id, before, limit);
        self.all_as(query, entry_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn wallet_drifts(&mut self) -> Result<Vec<MoneyDrift>, StoreError> {
        const SQL: &str = "SELECT t.merchant_id, NULL, t.available_fen, t.pending_fen, t.available_sum, t.pending_sum FROM (\
            SELECT w.merchant_id, w.available_fen, w.pending_fen, \
              CAST(COALESCE((SELECT SUM(e.available_delta) FROM wallet_entries e WHERE e.merchant_id = w.merchant_id), 0) AS BIGINT) AS available_sum, \
              CAST(COALESCE((SELECT SUM(e.pending_delta) FROM wallet_entries e WHERE e.merchant_id = w.merchant_id), 0) AS BIGINT) AS pending_sum \
            FROM wallets w) t \
            WHERE t.available_fen <> t.available_sum OR t.pending_fen <> t.pending_sum";
        money_drifts(self, SQL, |_| "wallet".to_owned()).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %w.merchant_id, id = %w.id))]
    async fn insert_withdrawal(&mut self, w: &WalletWithdrawal) -> Result<(), StoreError> {
        self.insert(withdrawal_row(w)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn withdrawal(
        &mut self,
        id: WithdrawalId,
    ) -> Result<Option<WalletWithdrawal>, StoreError> {
        wallet_withdrawals::Entity::find_by_id(id.as_uuid())
            .one(&self.txn)
            .await
            .store()?
            .map(withdrawal_from)
            .transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = merchant.map(tracing::field::display)))]
    async fn withdrawals(
        &mut self,
        merchant: Option<MerchantId>,
        status: Option<WithdrawalStatus>,
        before: Option<WithdrawalId>,
        limit: u64,
    ) -> Result<Vec<WalletWithdrawal>, StoreError> {
        use wallet_withdrawals::Column as C;
        let mut query = wallet_withdrawals::Entity::find();
        if let Some(merchant) = merchant {
            query = query.filter(wallet_withdrawals::Entity::merchant_is(merchant));
        }
        if let Some(status) = status {
            query = query.filter(C::Status.eq(status.as_str()));
        }
        let query = query.newest_first(C::Id, before.map(|id| id.as_uuid()), limit);
        self.all_as(query, withdrawal_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn review_withdrawal(
        &mut self,
        id: WithdrawalId,
        status: WithdrawalStatus,
        note: Option<String>,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use wallet_withdrawals::Column as C;
        let update = wallet_withdrawals::Entity::update_many()
            .col_expr(C::Status, Expr::value(status.as_str()))
            .col_expr(C::ReviewedAt, Expr::value(at))
            .col_expr(C::ReviewNote, Expr::value(note))
            .filter(C::Id.eq(id.as_uuid()))
            .filter(C::Status.eq(WithdrawalStatus::Pending.as_str()));
        self.changed_one(update).await
    }
}
