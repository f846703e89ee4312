//! Orders, order lines and refunds as stored, and back: a row that does not decode is corrupt
//! data.

use crate::checkout::entities::{order_lines, orders, refunds};
use crate::errors::corrupt;
use crate::shared::{money, points, to_json};
use loyalty_core::checkout::{CardPaid, Order, OrderLine, OrderStatus, Refund};
use loyalty_core::kernel::StoreError;
use sea_orm::ActiveValue::Set;

pub(super) fn order_from(o: orders::Model) -> Result<Order, StoreError> {
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
        card: match o.card_id {
            Some(card) => Some(CardPaid {
                card_id: card.into(),
                principal: money(o.card_principal_fen, "card principal")?,
                bonus: money(o.card_bonus_fen, "card bonus")?,
                principal_returned: money(
                    o.card_principal_returned_fen,
                    "card principal returned",
                )?,
                bonus_returned: money(o.card_bonus_returned_fen, "card bonus returned")?,
            }),
            None => None,
        },
        status: OrderStatus::parse(&o.status).ok_or_else(|| corrupt("order status", &o.status))?,
        operator_id: o.operator_id.map(Into::into),
        created_at: o.created_at,
    })
}

pub(super) fn order_row(o: &Order) -> orders::ActiveModel {
    orders::ActiveModel {
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
        card_id: Set(o.card.map(|c| c.card_id.as_uuid())),
        card_principal_fen: Set(o.card.map_or(0, |c| c.principal.fen())),
        card_bonus_fen: Set(o.card.map_or(0, |c| c.bonus.fen())),
        card_principal_returned_fen: Set(o.card.map_or(0, |c| c.principal_returned.fen())),
        card_bonus_returned_fen: Set(o.card.map_or(0, |c| c.bonus_returned.fen())),
    }
}

pub(super) fn line_row(l: &OrderLine) -> order_lines::ActiveModel {
    order_lines::ActiveModel {
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
    }
}

pub(super) fn refund_row(r: &Refund) -> Result<refunds::ActiveModel, StoreError> {
    Ok(refunds::ActiveModel {
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
        card_principal_fen: Set(r.card_principal_returned.fen()),
        card_bonus_fen: Set(r.card_bonus_returned.fen()),
    })
}

pub(super) fn line_from(l: order_lines::Model) -> Result<OrderLine, StoreError> {
    Ok(OrderLine {
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
    })
}
