//! Dispatchers claim due messages by lease: a claim writes a fresh lease id and its end, and
//! settling a message (sent, retried, failed, released) only takes effect while the message
//! still carries that lease, so a dispatcher whose lease ran out cannot overwrite the work of
//! the one that claimed the message after it.

use crate::connect::Engine;
use crate::notifications::entities::outbox_messages;
use crate::uow::SeaTransaction;
use chrono::{DateTime, Utc};
use loyalty_core::kernel::StoreError;
use loyalty_core::notifications::MessageStatus;
use sea_orm::sea_query::{
    Expr, ExprTrait, LockBehavior, LockType, Order, Query, SimpleExpr, UpdateStatement,
};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

/// Leases at most `limit` pending messages that are due and not leased (or whose lease ran
/// out), the earliest due first, `RETURNING` them.
pub(super) fn claim_update(
    engine: Engine,
    now: DateTime<Utc>,
    leased_until: DateTime<Utc>,
    lease: Uuid,
    limit: u64,
) -> UpdateStatement {
    use outbox_messages::Column as C;
    let mut due = Query::select();
    due.column(C::Id)
        .from(outbox_messages::Entity)
        .and_where(Expr::col(C::Status).eq(MessageStatus::Pending.as_str()))
        .and_where(Expr::col(C::DueAt).lte(now))
        .and_where(
            Expr::col(C::LeasedUntil)
                .is_null()
                .or(Expr::col(C::LeasedUntil).lte(now)),
        )
        .order_by(C::DueAt, Order::Asc)
        .limit(limit);
    // PostgreSQL: concurrent dispatchers skip each other's rows instead of queueing on
    // them. SQLite: the write transaction holds the database.
    if engine == Engine::Postgres {
        due.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
    }
    let mut update = Query::update();
    update
        .table(outbox_messages::Entity)
        .value(C::LeasedUntil, leased_until)
        .value(C::Lease, lease)
        .and_where(Expr::col(C::Id).in_subquery(due))
        .returning_all();
    update
}

impl SeaTransaction {
    /// Settles a claimed message only while the claim is still this one's.
    pub(super) async fn settle(
        &self,
        id: Uuid,
        lease: Uuid,
        values: Vec<(outbox_messages::Column, SimpleExpr)>,
    ) -> Result<bool, StoreError> {
        use outbox_messages::Column as C;
        let mut update = outbox_messages::Entity::update_many()
            .col_expr(C::LeasedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .col_expr(C::Lease, Expr::value(Option::<Uuid>::None))
            .filter(C::Id.eq(id))
            .filter(C::Lease.eq(lease))
            .filter(C::Status.eq(MessageStatus::Pending.as_str()));
        for (column, value) in values {
            update = update.col_expr(column, value);
        }
        self.changed_one(update).await
    }
}
