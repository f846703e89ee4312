use crate::checkout::entities::{order_lines, orders, refunds};
use crate::errors::{StoreResult, corrupt};
use crate::shared::{
    IN_LIST_CHUNK, INSERT_CHUNK, KeysetPage, MerchantKeyed, MerchantOwned, money, points, to_json,
};
use crate::uow::SeaTransaction;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use loyalty_core::checkout::{Order, OrderLine, OrderStatus, Refund};
use loyalty_core::checkout::{OrderRepository, RefundTotals};
use loyalty_core::kernel::StoreError;
use loyalty_core::kernel::{MerchantId, OrderId};
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use tracing::instrument;

fn order_from(o: orders::Model) -> Result<Order, StoreError> {
    Ok(Order {
        id: o.id.into(),
        merchant_id: o.merchant_id.into(),
        store_id: o.store_id.into(),
        member_id: o.member_id.into(),
        order_no: o.order_no,
        gross: money(o.gross_fen, "gross")?,
        tier_discount: money(o.tier_discount_fen, "tier discount")?,
        coupon_discount: money(o.coupon_discount_fen, "coupon discount")?,
        points_used: points(o.points_used),
        points_discount: money(o.points_discount_fen, "points discount")?,
        amount_paid: money(o.amount_paid_fen, "amount paid")?,
        amount_refunded: money(o.amount_refunded_fen, "amount refunded")?,
        points_earned: points(o.points_earned),
        points_reversed: points(o.points_reversed),
        points_returned: points(o.points_returned),
        status: OrderStatus::parse(&o.status).ok_or_else(|| corrupt("order status", &o.status))?,
        operator_id: o.operator_id.map(Into::into),
        created_at: o.created_at,
    })
}

#[async_trait]
impl OrderRepository for SeaTransaction {
    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %o.merchant_id, member = %o.member_id, id = %o.id))]
    async fn insert_order(&mut self, o: &Order) -> Result<(), StoreError> {
        let row = orders::ActiveModel {
            id: Set(o.id.as_uuid()),
            merchant_id: Set(o.merchant_id.as_uuid()),
            store_id: Set(o.store_id.as_uuid()),
            member_id: Set(o.member_id.as_uuid()),
            order_no: Set(o.order_no.clone()),
            amount_paid_fen: Set(o.amount_paid.fen()),
            amount_refunded_fen: Set(o.amount_refunded.fen()),
            points_earned: Set(o.points_earned.value()),
            points_reversed: Set(o.points_reversed.value()),
            status: Set(o.status.as_str().to_owned()),
            operator_id: Set(o.operator_id.map(|s| s.as_uuid())),
            created_at: Set(o.created_at),
            gross_fen: Set(o.gross.fen()),
            tier_discount_fen: Set(o.tier_discount.fen()),
            coupon_discount_fen: Set(o.coupon_discount.fen()),
            points_used: Set(o.points_used.value()),
            points_discount_fen: Set(o.points_discount.fen()),
            points_returned: Set(o.points_returned.value()),
        };
        self.insert(row).await
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
            .col_expr(C::Status, Expr::value(status.as_str()))
            .filter(C::Status.ne(OrderStatus::Refunded.as_str()))
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
            let rows = chunk.iter().map(|l| order_lines::ActiveModel {
                merchant_id: Set(l.merchant_id.as_uuid()),
                order_id: Set(l.order_id.as_uuid()),
                line_no: Set(l.line_no),
                sku: Set(l.sku.clone()),
                category: Set(l.category.clone()),
                quantity: Set(l.quantity),
                unit_price_fen: Set(l.unit_price.fen()),
                gross_fen: Set(l.gross.fen()),
                paid_fen: Set(l.paid.fen()),
                tier_discount_fen: Set(l.tier_discount.fen()),
                coupon_discount_fen: Set(l.coupon_discount.fen()),
                points_discount_fen: Set(l.points_discount.fen()),
                points_used: Set(l.points_used.value()),
                points_earned: Set(l.points_earned.value()),
                refunded_quantity: Set(l.refunded_quantity),
            });
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
                lines.push(OrderLine {
                    merchant_id: l.merchant_id.into(),
                    order_id: l.order_id.into(),
                    line_no: l.line_no,
                    sku: l.sku,
                    category: l.category,
                    quantity: l.quantity,
                    unit_price: money(l.unit_price_fen, "unit price")?,
                    gross: money(l.gross_fen, "line gross")?,
                    tier_discount: money(l.tier_discount_fen, "line tier discount")?,
                    coupon_discount: money(l.coupon_discount_fen, "line coupon discount")?,
                    points_discount: money(l.points_discount_fen, "line points discount")?,
                    points_used: points(l.points_used),
                    points_earned: points(l.points_earned),
                    paid: money(l.paid_fen, "line paid")?,
                    refunded_quantity: l.refunded_quantity,
                });
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

    #[instrument(level = "debug", skip_all, err(level = "debug"),
        fields(merchant = %r.merchant_id, order = %r.order_id, id = %r.id))]
    async fn insert_refund(&mut self, r: &Refund) -> Result<(), StoreError> {
        let row = refunds::ActiveModel {
            id: Set(r.id.as_uuid()),
            merchant_id: Set(r.merchant_id.as_uuid()),
            order_id: Set(r.order_id.as_uuid()),
            amount_fen: Set(r.amount.fen()),
            points_reversed: Set(r.points_reversed.value()),
            points_shortfall: Set(r.points_shortfall.value()),
            points_returned: Set(r.points_returned.value()),
            coupons_returned: Set(r.coupons_returned),
            lines: Set(if r.lines.is_empty() {
                None
            } else {
                Some(to_json(&r.lines, "refund lines")?)
            }),
            operator_id: Set(r.operator_id.map(|s| s.as_uuid())),
            created_at: Set(r.created_at),
        };
        self.insert(row).await
    }
}
