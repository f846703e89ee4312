use super::leases::claim_update;
use super::rows::{attempts, count, last_error, message_from, message_row, record_from};
use crate::errors::StoreResult;
use crate::notifications::entities::{outbox_messages, wechat_subscriptions};
use crate::shared::{KeysetPage, MerchantKeyed, MerchantOwned, count_of};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MemberId, MerchantId};
use loyalty_core::notifications::{Channel, OutboxMessage};
use loyalty_core::notifications::{
    Claimed, MessageRecord, MessageStatus, OutboxRepository, SmsUsage,
};
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult,
    QueryFilter, QueryOrder, QuerySelect,
};
use tracing::instrument;
use uuid::Uuid;

impl SeaTransaction {
    /// The merchant's message whose `key` (its id or its event id) is `value`.
    async fn one_message(
        &self,
        merchant: MerchantId,
        key: outbox_messages::Column,
        value: Uuid,
    ) -> Result<Option<MessageRecord>, StoreError> {
        let row = outbox_messages::Entity::find_of(merchant)
            .filter(key.eq(value))
            .one(&self.txn)
            .await
            .store()?;
        row.as_ref().map(record_from).transpose()
    }
}

#[async_trait]
impl OutboxRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn enqueue(&mut self, messages: &[OutboxMessage]) -> Result<u64, StoreError> {
        use outbox_messages::Column as C;
        let mut added = 0;
        for m in messages {
            let row = message_row(m)?;
            added += outbox_messages::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([C::MerchantId, C::EventId])
                        .do_nothing()
                        .to_owned(),
                )
                .exec_without_returning(&self.txn)
                .await
                .store()?;
        }
        Ok(added)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, event_id = %event_id))]
    async fn has_event(
        &mut self,
        merchant: MerchantId,
        event_id: Uuid,
    ) -> Result<bool, StoreError> {
        let found = outbox_messages::Entity::find_of(merchant)
            .select_only()
            .column(outbox_messages::Column::Id)
            .filter(outbox_messages::Column::EventId.eq(event_id))
            .into_tuple::<Uuid>()
            .one(&self.txn)
            .await
            .store()?;
        Ok(found.is_some())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn claim(
        &mut self,
        now: DateTime<Utc>,
        leased_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Claimed>, StoreError> {
        let lease = Uuid::now_v7();
        let update = claim_update(self.engine, now, leased_until, lease, limit);
        let rows = self.txn.query_all(&update).await.store()?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            let model = outbox_messages::Model::from_query_result(&row, "").store()?;
            claimed.push(Claimed {
                message: message_from(&model)?,
                attempts: attempts(&model),
                lease,
            });
        }
        claimed.sort_by_key(|c| (c.message.due_at, c.message.id));
        Ok(claimed)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn mark_sent(
        &mut self,
        id: Uuid,
        lease: Uuid,
        provider_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        self.settle(
            id,
            lease,
            vec![
                (C::Status, Expr::value(MessageStatus::Sent.as_str())),
                (C::Attempts, Expr::col(C::Attempts).add(1)),
                (C::ProviderId, Expr::value(provider_id)),
                (C::SentAt, Expr::value(now)),
            ],
        )
        .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn release(
        &mut self,
        id: Uuid,
        lease: Uuid,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        let due = due_at.map(|due| (outbox_messages::Column::DueAt, Expr::value(due)));
        self.settle(id, lease, due.into_iter().collect()).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn mark_retry(
        &mut self,
        id: Uuid,
        lease: Uuid,
        attempts: u32,
        due_at: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        self.settle(
            id,
            lease,
            vec![
                (C::Attempts, Expr::value(count(attempts))),
                (C::DueAt, Expr::value(due_at)),
                last_error(error),
            ],
        )
        .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(id = %id))]
    async fn mark_failed(
        &mut self,
        id: Uuid,
        lease: Uuid,
        attempts: u32,
        error: &str,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        self.settle(
            id,
            lease,
            vec![
                (C::Status, Expr::value(MessageStatus::Failed.as_str())),
                (C::Attempts, Expr::value(count(attempts))),
                last_error(error),
            ],
        )
        .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn messages(
        &mut self,
        merchant: MerchantId,
        status: MessageStatus,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<MessageRecord>, StoreError> {
        use outbox_messages::Column as C;
        let rows = outbox_messages::Entity::find_of(merchant)
            .filter(C::Status.eq(status.as_str()))
            .newest_first(C::Id, before, limit)
            .all(&self.txn)
            .await
            .store()?;
        rows.iter().map(record_from).collect()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, event_id = %event_id))]
    async fn settle_standby(
        &mut self,
        merchant: MerchantId,
        event_id: Uuid,
        due: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        let standby = || {
            Condition::all()
                .add(outbox_messages::Entity::merchant_is(merchant))
                .add(C::EventId.eq(event_id))
                .add(C::Status.eq(MessageStatus::Standby.as_str()))
        };
        let affected = match due {
            Some(due) => {
                outbox_messages::Entity::update_many()
                    .col_expr(C::Status, Expr::value(MessageStatus::Pending.as_str()))
                    .col_expr(C::DueAt, Expr::value(due))
                    .filter(standby())
                    .exec(&self.txn)
                    .await
                    .store()?
                    .rows_affected
            }
            None => {
                outbox_messages::Entity::delete_many()
                    .filter(standby())
                    .exec(&self.txn)
                    .await
                    .store()?
                    .rows_affected
            }
        };
        Ok(affected == 1)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, event_id = %event_id))]
    async fn message_of_event(
        &mut self,
        merchant: MerchantId,
        event_id: Uuid,
    ) -> Result<Option<MessageRecord>, StoreError> {
        self.one_message(merchant, outbox_messages::Column::EventId, event_id)
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn message(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
    ) -> Result<Option<MessageRecord>, StoreError> {
        self.one_message(merchant, outbox_messages::Column::Id, id)
            .await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn requeue(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        due_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        let update = outbox_messages::Entity::update_in(merchant, id)
            .col_expr(C::Status, Expr::value(MessageStatus::Pending.as_str()))
            .col_expr(C::Attempts, Expr::value(0))
            .col_expr(C::DueAt, Expr::value(due_at))
            .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::Lease, Expr::value(Option::<Uuid>::None))
            .filter(C::Status.eq(MessageStatus::Failed.as_str()))
            .filter(C::Recipient.ne(""));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn forget_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<u64, StoreError> {
        use outbox_messages::Column as C;
        let unsent = [MessageStatus::Pending, MessageStatus::Standby].map(MessageStatus::as_str);
        outbox_messages::Entity::update_of(merchant)
            .col_expr(C::Status, Expr::value(MessageStatus::Failed.as_str()))
            .col_expr(C::LastError, Expr::value("member erased"))
            .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::Lease, Expr::value(Option::<Uuid>::None))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::Status.is_in(unsent))
            .exec(&self.txn)
            .await
            .store()?;
        let emptied = outbox_messages::Entity::update_of(merchant)
            .col_expr(C::Recipient, Expr::value(""))
            .col_expr(C::Params, Expr::value("[]"))
            .col_expr(C::Extra, Expr::value(Option::<String>::None))
            .filter(C::MemberId.eq(member.as_uuid()))
            .exec(&self.txn)
            .await
            .store()?;
        wechat_subscriptions::Entity::delete_of(merchant)
            .filter(wechat_subscriptions::Column::MemberId.eq(member.as_uuid()))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(emptied.rows_affected)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn sms_usage(
        &mut self,
        merchant: MerchantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SmsUsage, StoreError> {
        use outbox_messages::Column as C;
        let row: Option<(Option<i64>, Option<i64>)> = outbox_messages::Entity::find_of(merchant)
            .select_only()
            .expr(Expr::cust("CAST(COUNT(*) AS BIGINT)"))
            .expr(Expr::cust("CAST(COALESCE(SUM(parts), 0) AS BIGINT)"))
            .filter(C::Channel.eq(Channel::Sms.as_str()))
            .filter(C::Status.eq(MessageStatus::Sent.as_str()))
            .filter(C::SentAt.gte(from))
            .filter(C::SentAt.lt(to))
            .into_tuple()
            .one(&self.txn)
            .await
            .store()?;
        let (messages, parts) = row.unwrap_or((Some(0), Some(0)));
        Ok(SmsUsage {
            messages: count_of(messages),
            parts: count_of(parts),
        })
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<(String, u32)>, StoreError> {
        use wechat_subscriptions::Column as C;
        let rows = wechat_subscriptions::Entity::find_of(merchant)
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::Remaining.gt(0))
            .order_by_asc(C::TemplateId)
            .all(&self.txn)
            .await
            .store()?;
        Ok(rows
            .into_iter()
            .map(|r| (r.template_id, u32::try_from(r.remaining).unwrap_or(0)))
            .collect())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn take_subscription(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_id: &str,
    ) -> Result<bool, StoreError> {
        use wechat_subscriptions::Column as C;
        let update = wechat_subscriptions::Entity::update_of(merchant)
            .col_expr(C::Remaining, Expr::col(C::Remaining).sub(1))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::TemplateId.eq(template_id))
            .filter(C::Remaining.gt(0));
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn clear_subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_id: &str,
    ) -> Result<(), StoreError> {
        use wechat_subscriptions::Column as C;
        wechat_subscriptions::Entity::update_of(merchant)
            .col_expr(C::Remaining, Expr::value(0))
            .filter(C::MemberId.eq(member.as_uuid()))
            .filter(C::TemplateId.eq(template_id))
            .exec(&self.txn)
            .await
            .store()?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, member = %member))]
    async fn add_subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_ids: &[String],
    ) -> Result<(), StoreError> {
        use wechat_subscriptions::Column as C;
        for template_id in template_ids {
            let row = wechat_subscriptions::ActiveModel {
                merchant_id: Set(merchant.as_uuid()),
                member_id: Set(member.as_uuid()),
                template_id: Set(template_id.clone()),
                remaining: Set(1),
            };
            wechat_subscriptions::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([C::MerchantId, C::MemberId, C::TemplateId])
                        .value(
                            C::Remaining,
                            Expr::col((wechat_subscriptions::Entity, C::Remaining)).add(1),
                        )
                        .to_owned(),
                )
                .exec_without_returning(&self.txn)
                .await
                .store()?;
        }
        Ok(())
    }
}
