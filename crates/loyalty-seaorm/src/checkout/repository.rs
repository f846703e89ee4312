use super::rows::{line_from, line_row, order_from, order_row, refund_row};
use crate::checkout::entities::{order_lines, orders};
use crate::errors::StoreResult;
use crate::shared::{IN_LIST_CHUNK, INSERT_CHUNK, KeysetPage, MerchantKeyed, MerchantOwned};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::checkout::{Order, OrderLine, OrderStatus, Refund};
use loyalty_core::checkout::{OrderFilter, OrderPosition, OrderRepository, RefundTotals};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, OrderId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, Condition, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use tracing::instrument;

#[async_trait]
impl OrderRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %o.merchant_id, member = %o.member_id, id = %o.id))]
    async fn insert_order(&mut self, o: &Order) -> Result<(), StoreError> {
        self.insert(order_row(o)).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, id = %id))]
    async fn order(
        &mut self,
        merchant: MerchantId,
        id: OrderId,
    ) -> Result<Option<Order>, StoreError> {
        let row = self
            .lookup::<orders::Entity>(merchant, id.as_uuid())
            .await?;
        row.map(order_from).transpose()
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, order = %order))]
    async fn add_refund_totals(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        totals: RefundTotals,
    ) -> Result<Option<Order>, StoreError> {
        use orders::Column as C;
        let status = if totals.whole {
            OrderStatus::Refunded
        } else {
            OrderStatus::PartiallyRefunded
        };
        let result = orders::Entity::update_in(merchant, order.as_uuid())
            .col_expr(
                C::AmountRefundedFen,
                Expr::col(C::AmountRefundedFen).add(totals.amount.fen()),
            )
            .col_expr(
                C::PointsReversed,
                Expr::col(C::PointsReversed).add(totals.points_reversed.value()),
            )
            .col_expr(
                C::PointsReturned,
                Expr::col(C::PointsReturned).add(totals.points_returned.value()),
            )
            .col_expr(
                C::CardPrincipalReturnedFen,
                Expr::col(C::CardPrincipalReturnedFen).add(totals.card_principal.fen()),
            )
            .col_expr(
                C::CardBonusReturnedFen,
                Expr::col(C::CardBonusReturnedFen).add(totals.card_bonus.fen()),
            )
            .col_expr(C::Status, Expr::value(status.as_str()))
            .filter(C::Status.ne(OrderStatus::Refunded.as_str()))
            .filter(
                Expr::col(C::CardPrincipalReturnedFen)
                    .add(totals.card_principal.fen())
                    .lte(Expr::col(C::CardPrincipalFen)),
            )
            .filter(
                Expr::col(C::CardBonusReturnedFen)
                    .add(totals.card_bonus.fen())
                    .lte(Expr::col(C::CardBonusFen)),
            )
            .filter(
                Expr::col(C::AmountRefundedFen)
                    .add(totals.amount.fen())
                    .lte(Expr::col(C::AmountPaidFen)),
            )
            .filter(
                Expr::col(C::PointsReturned)
                    .add(totals.points_returned.value())
                    .lte(Expr::col(C::PointsUsed)),
            )
            .exec(&self.txn)
            .await
            .store()?;
        if result.rows_affected != 1 {
            return Ok(None);
        }
        self.order(merchant, order).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %merchant, order = %order))]
    async fn refund_units(
        &mut self,
        merchant: MerchantId,
        order: OrderId,
        line_no: i32,
        units: i64,
    ) -> Result<bool, StoreError> {
        use order_lines::Column as C;
        let update = order_lines::Entity::update_of(merchant)
            .col_expr(
                C::RefundedQuantity,
                Expr::col(C::RefundedQuantity).add(units),
            )
            .filter(C::OrderId.eq(order.as_uuid()))
            .filter(C::LineNo.eq(line_no))
            .filter(
                Expr::col(C::RefundedQuantity)
                    .add(units)
                    .lte(Expr::col(C::Quantity)),
            );
        self.changed_one(update).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"))]
    async fn insert_lines(&mut self, lines: &[OrderLine]) -> Result<(), StoreError> {
        for chunk in lines.chunks(INSERT_CHUNK) {
            let rows = chunk.iter().map(line_row);
            order_lines::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await
                .store()?;
        }
        Ok(())
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn lines_of(
        &mut self,
        merchant: MerchantId,
        orders: &[OrderId],
    ) -> Result<Vec<OrderLine>, StoreError> {
        use order_lines::Column as C;
        let mut lines = Vec::new();
        for chunk in orders.chunks(IN_LIST_CHUNK) {
            let rows = order_lines::Entity::find_of(merchant)
                .filter(C::OrderId.is_in(chunk.iter().map(|id| id.as_uuid())))
                .order_by_asc(C::OrderId)
                .order_by_asc(C::LineNo)
                .all(&self.txn)
                .await
                .store()?;
            for l in rows {
                lines.push(line_from(l)?);
            }
        }
        Ok(lines)
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn orders_since(
        &mut self,
        merchant: MerchantId,
        since: DateTime<Utc>,
        after: Option<OrderId>,
        limit: u64,
    ) -> Result<Vec<Order>, StoreError> {
        let query = orders::Entity::find_of(merchant)
            .filter(orders::Column::CreatedAt.gte(since))
            .oldest_first(orders::Column::Id, after.map(|id| id.as_uuid()), limit);
        self.all_as(query, order_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"), fields(merchant = %merchant))]
    async fn orders_page(
        &mut self,
        merchant: MerchantId,
        filter: &OrderFilter,
        after: Option<OrderPosition>,
        limit: u64,
    ) -> Result<Vec<Order>, StoreError> {
        use orders::Column as C;
        let mut query = orders::Entity::find_of(merchant);
        if !filter.stores.is_empty() {
            query = query.filter(C::StoreId.is_in(filter.stores.iter().map(|s| s.as_uuid())));
        }
        if let Some(member) = filter.member {
            query = query.filter(C::MemberId.eq(member.as_uuid()));
        }
        if let Some(from) = filter.from {
            query = query.filter(C::CreatedAt.gte(from));
        }
        if let Some(until) = filter.until {
            query = query.filter(C::CreatedAt.lt(until));
        }
        if let Some(status) = filter.status {
            query = query.filter(C::Status.eq(status.as_str()));
        }
        if let Some(after) = after {
            query = query.filter(
                Condition::any().add(C::CreatedAt.lt(after.created_at)).add(
                    Condition::all()
                        .add(C::CreatedAt.eq(after.created_at))
                        .add(C::Id.lt(after.id.as_uuid())),
                ),
            );
        }
        let query = query
            .order_by_desc(C::CreatedAt)
            .order_by_desc(C::Id)
            .limit(limit);
        self.all_as(query, order_from).await
    }

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %r.merchant_id, order = %r.order_id, id = %r.id))]
    async fn insert_refund(&mut self, r: &Refund) -> Result<(), StoreError> {
        self.insert(refund_row(r)?).await
    }
}
