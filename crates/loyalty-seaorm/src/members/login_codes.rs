use super::rows::{login_code_from, login_code_row};
use crate::errors::StoreResult;
use crate::members::entities::login_codes;
use crate::shared::{MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, Phone};
use loyalty_core::members::{LoginCode, LoginCodeRepository};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use tracing::instrument;
use uuid::Uuid;

#[async_trait]
impl LoginCodeRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %c.merchant_id, id = %c.id))]
    async fn insert_login_code(&mut self, c: &LoginCode) -> Result<(), StoreError> {
        self.insert(login_code_row(c)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn login_codes_since(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
        since: DateTime<Utc>,
    ) -> Result<Vec<DateTime<Utc>>, StoreError> {
        use login_codes::Column as C;
        login_codes::Entity::find_of(merchant)
            .select_only()
            .column(C::CreatedAt)
            .filter(C::Phone.eq(phone.as_str()))
            .filter(C::CreatedAt.gt(since))
            .order_by_asc(C::CreatedAt)
            .into_tuple()
            .all(&self.txn)
            .await
            .store()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn latest_login_code(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<LoginCode>, StoreError> {
        use login_codes::Column as C;
        let row = login_codes::Entity::find_of(merchant)
            .filter(C::Phone.eq(phone.as_str()))
            .order_by_desc(C::CreatedAt)
            .one(&self.txn)
            .await
            .store()?;
        row.map(login_code_from).transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn count_wrong_try(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        max_tries: i32,
    ) -> Result<bool, StoreError> {
        use login_codes::Column as C;
        let update = login_codes::Entity::update_in(merchant, id)
            .col_expr(C::Attempts, Expr::col(C::Attempts).add(1))
            .filter(C::Consumed.eq(false))
            .filter(C::Attempts.lt(max_tries));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn consume_login_code(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        max_tries: i32,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use login_codes::Column as C;
        let update = login_codes::Entity::update_in(merchant, id)
            .col_expr(C::Consumed, Expr::value(true))
            .filter(C::Consumed.eq(false))
            .filter(C::Attempts.lt(max_tries))
            .filter(C::ExpiresAt.gt(now));
        self.changed_one(update).await
    }
}
