use super::rows::{member_from, member_row};
use crate::checkout::entities::orders;
use crate::connect::Engine;
use crate::errors::StoreResult;
use crate::members::entities::members;
use crate::shared::{IN_LIST_CHUNK, KeysetPage, MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MemberId, MerchantId, Phone};
use loyalty_core::members::MemberRepository;
use loyalty_core::members::{Member, ProfileChange};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, QueryFilter, QueryOrder, QuerySelect};
use tracing::instrument;

#[async_trait]
impl MemberRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %m.merchant_id, member = %m.id))]
    async fn insert_member(&mut self, m: &Member) -> Result<(), StoreError> {
        self.insert(member_row(m)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError> {
        self.member_where(merchant, members::Column::Id.eq(id.as_uuid()))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn member_token_status(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<(i64, bool)>, StoreError> {
        let read = members::Entity::find_in(merchant, id.as_uuid())
            .select_only()
            .columns([members::Column::TokenVersion, members::Column::ErasedAt])
            .into_tuple::<(i64, Option<DateTime<Utc>>)>()
            .one(&self.txn);
        let read = async {
            let row = read.await.store()?;
            Ok(row.map(|(version, erased_at)| (version, erased_at.is_some())))
        };
        self.token_status(merchant, id.as_uuid(), read).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn lock_member(
        &mut self,
        merchant: MerchantId,
        id: MemberId,
    ) -> Result<Option<Member>, StoreError> {
        let mut query = members::Entity::find_in(merchant, id.as_uuid());
        // SQLite has no row locks: its write transactions hold the database lock already.
        if self.engine == Engine::Postgres {
            query = query.lock_exclusive();
        }
        let row = query.one(&self.txn).await.store()?;
        row.map(member_from).transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn lock_members(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<MemberId>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        let mut sorted = ids.to_vec();
        sorted.sort_unstable();
        for chunk in sorted.chunks(IN_LIST_CHUNK) {
            let mut query = members::Entity::find_of(merchant)
                .select_only()
                .column(members::Column::Id)
                .filter(members::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
                .order_by_asc(members::Column::Id);
            // SQLite's write transaction holds the database lock already.
            if self.engine == Engine::Postgres {
                query = query.lock_exclusive();
            }
            let rows: Vec<uuid::Uuid> = query.into_tuple().all(&self.txn).await.store()?;
            found.extend(rows.into_iter().map(MemberId::from_uuid));
        }
        Ok(found)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn members_by_ids(
        &mut self,
        merchant: MerchantId,
        ids: &[MemberId],
    ) -> Result<Vec<Member>, StoreError> {
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(IN_LIST_CHUNK) {
            let rows = members::Entity::find_of(merchant)
                .filter(members::Column::Id.is_in(chunk.iter().map(|id| id.as_uuid())))
                .all(&self.txn)
                .await
                .store()?;
            for row in rows {
                found.push(member_from(row)?);
            }
        }
        Ok(found)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn update_profile(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        change: &ProfileChange,
    ) -> Result<Option<Member>, StoreError> {
        use members::Column as C;
        let this = || members::Entity::update_in(merchant, member.as_uuid());
        let mut update = this();
        let mut any = false;
        if let Some(name) = &change.name {
            update = update.col_expr(C::Name, Expr::value(name.clone()));
            any = true;
        }
        if let Some(sms) = change.sms_consent {
            update = update.col_expr(C::SmsConsent, Expr::value(sms));
            any = true;
        }
        if let Some(wechat) = change.wechat_consent {
            update = update.col_expr(C::WechatConsent, Expr::value(wechat));
            any = true;
        }
        if any {
            update.exec(&self.txn).await.store()?;
        }
        if let Some(birthday) = change.birthday {
            this()
                .col_expr(C::Birthday, Expr::value(birthday))
                .filter(C::Birthday.is_null())
                .exec(&self.txn)
                .await
                .store()?;
        }
        self.member(merchant, member).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn set_tier(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        from: Option<String>,
        to: String,
        protected_until: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let still = match from {
            Some(code) => members::Column::TierCode.eq(code),
            None => members::Column::TierCode.is_null(),
        };
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(members::Column::TierCode, Expr::value(to))
            .col_expr(
                members::Column::TierProtectedUntil,
                Expr::value(protected_until),
            )
            .filter(still);
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn member_by_phone(
        &mut self,
        merchant: MerchantId,
        phone: &Phone,
    ) -> Result<Option<Member>, StoreError> {
        self.member_where(merchant, members::Column::Phone.eq(phone.as_str()))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn member_by_openid(
        &mut self,
        merchant: MerchantId,
        openid: &str,
    ) -> Result<Option<Member>, StoreError> {
        self.member_where(merchant, members::Column::Openid.eq(openid))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn member_by_invite_code(
        &mut self,
        merchant: MerchantId,
        code: &str,
    ) -> Result<Option<Member>, StoreError> {
        self.member_where(merchant, members::Column::InviteCode.eq(code))
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn list_members(
        &mut self,
        merchant: MerchantId,
        after: Option<MemberId>,
        limit: u64,
    ) -> Result<Vec<Member>, StoreError> {
        let rows = members::Entity::find_of(merchant)
            .oldest_first(members::Column::Id, after.map(|id| id.as_uuid()), limit)
            .all(&self.txn)
            .await
            .store()?;
        rows.into_iter().map(member_from).collect()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn set_phone(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        phone: &Phone,
    ) -> Result<bool, StoreError> {
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(members::Column::Phone, Expr::value(phone.as_str()))
            .filter(members::Column::Phone.is_null());
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn set_openid(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        openid: &str,
        unionid: Option<String>,
    ) -> Result<bool, StoreError> {
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(members::Column::Openid, Expr::value(openid))
            .col_expr(members::Column::Unionid, Expr::value(unionid))
            .filter(members::Column::Openid.is_null());
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn claim_code_step(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        step: i64,
    ) -> Result<bool, StoreError> {
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(members::Column::CodeStep, Expr::value(step))
            .filter(
                members::Column::CodeStep
                    .is_null()
                    .or(members::Column::CodeStep.lt(step)),
            );
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn delete_unused_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<bool, StoreError> {
        let orders = Query::select()
            .expr(Expr::val(1))
            .from(orders::Entity)
            .and_where(orders::Entity::bare_merchant_is(merchant))
            .and_where(Expr::col(orders::Column::MemberId).eq(member.as_uuid()))
            .to_owned();
        let result = members::Entity::delete_of(merchant)
            .filter(members::Column::Id.eq(member.as_uuid()))
            .filter(members::Column::PointsSeq.eq(0))
            .filter(Expr::exists(orders).not())
            .exec(&self.txn)
            .await
            .store()?;
        // A member gone takes its tokens with it, cached status included.
        self.forget.push(merchant);
        Ok(result.rows_affected == 1)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn raise_token_version(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<bool, StoreError> {
        use members::Column as C;
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(C::TokenVersion, Expr::col(C::TokenVersion).add(1));
        // Token checks read through the lookup cache: drop it once this commits.
        self.forget.push(merchant);
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn erase_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use members::Column as C;
        let none = || Expr::value(Option::<String>::None);
        let update = members::Entity::update_in(merchant, member.as_uuid())
            .col_expr(C::Phone, none())
            .col_expr(C::Openid, none())
            .col_expr(C::Unionid, none())
            .col_expr(C::Name, none())
            .col_expr(C::Birthday, Expr::value(Option::<chrono::NaiveDate>::None))
            .col_expr(C::SmsConsent, Expr::value(false))
            .col_expr(C::WechatConsent, Expr::value(false))
            .col_expr(C::TokenVersion, Expr::col(C::TokenVersion).add(1))
            .col_expr(C::ErasedAt, Expr::value(at))
            .filter(C::ErasedAt.is_null());
        self.forget.push(merchant);
        self.changed_one(update).await
    }
}

impl SeaTransaction {
    async fn member_where(
        &self,
        merchant: MerchantId,
        condition: sea_orm::sea_query::SimpleExpr,
    ) -> Result<Option<Member>, StoreError> {
        let row = members::Entity::find_of(merchant)
            .filter(condition)
            .one(&self.txn)
            .await
            .store()?;
        row.map(member_from).transpose()
    }
}
