//! Orders as HQ, store staff and the member see them, and the list they page through (newest
//! first, by creation time then id).

use crate::error::ApiError;
use crate::http::pagination::{Page, page_limit};
use crate::state::AppState;
use actix_web::HttpResponse;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use loyalty_core::checkout::{CardPaid, Order, OrderListing, OrderPosition, OrderStatus};
use loyalty_core::kernel::MerchantId;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

#[derive(Debug, Serialize, ToSchema)]
pub struct OrderView {
    pub id: Uuid,
    pub order_no: Option<String>,
    pub store_id: Uuid,
    pub member_id: Uuid,
    /// What the lines cost before any discount.
    pub gross: String,
    pub tier_discount: String,
    pub coupon_discount: String,
    /// Points used as cash, and what they took off.
    pub points_used: i64,
    pub points_discount: String,
    /// What the member paid.
    #[schema(example = "128.80")]
    pub amount_paid: String,
    pub amount_refunded: String,
    pub points_earned: i64,
    pub points_reversed: i64,
    /// Spent points given back by refunds.
    pub points_returned: i64,
    /// What was paid from a stored-value card, when part of it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card: Option<CardPaidView>,
    /// What was paid otherwise (cash, a payment terminal): `amount_paid` less the card's part.
    #[schema(example = "28.80")]
    pub paid_otherwise: String,
    /// `paid`, `partially_refunded` or `refunded`.
    pub status: String,
    pub created_at: DateTime<Utc>,
}

/// The part of an order a stored-value card paid, principal and bonus apart, and what
/// refunds gave back to the card.
#[derive(Debug, Serialize, ToSchema)]
pub struct CardPaidView {
    pub card_id: Uuid,
    #[schema(example = "100.00")]
    pub amount: String,
    pub principal: String,
    pub bonus: String,
    pub returned: String,
    pub principal_returned: String,
    pub bonus_returned: String,
}

impl From<&CardPaid> for CardPaidView {
    fn from(c: &CardPaid) -> Self {
        Self {
            card_id: c.card_id.as_uuid(),
            amount: c.amount().to_string(),
            principal: c.principal.to_string(),
            bonus: c.bonus.to_string(),
            returned: c.returned().to_string(),
            principal_returned: c.principal_returned.to_string(),
            bonus_returned: c.bonus_returned.to_string(),
        }
    }
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        Self {
            id: o.id.as_uuid(),
            order_no: o.order_no.clone(),
            store_id: o.store_id.as_uuid(),
            member_id: o.member_id.as_uuid(),
            gross: o.gross.to_string(),
            tier_discount: o.tier_discount.to_string(),
            coupon_discount: o.coupon_discount.to_string(),
            points_used: o.points_used.value(),
            points_discount: o.points_discount.to_string(),
            amount_paid: o.amount_paid.to_string(),
            amount_refunded: o.amount_refunded.to_string(),
            points_earned: o.points_earned.value(),
            points_reversed: o.points_reversed.value(),
            points_returned: o.points_returned.value(),
            card: o.card.as_ref().map(Into::into),
            paid_otherwise: o.paid_otherwise().to_string(),
            status: o.status.as_str().to_owned(),
            created_at: o.created_at,
        }
    }
}

/// A page of orders, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct OrderList {
    pub items: Vec<OrderView>,
    /// Where the next page starts (`?cursor=`); absent on the last page.
    pub next_cursor: Option<String>,
}

/// The filters of a list of orders, and its page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct OrdersQuery {
    /// Only this store's orders (store staff: one of their stores; they see only theirs).
    pub store_id: Option<Uuid>,
    /// Only this member's orders (staff lists only).
    pub member_id: Option<Uuid>,
    /// The first day, `YYYY-MM-DD` in the merchant's time zone.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-01")]
    pub from: Option<String>,
    /// The last day, included (not before `from`).
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
    /// `paid`, `partially_refunded` or `refunded`.
    #[param(pattern = "^(paid|partially_refunded|refunded)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

fn day(field: &'static str, text: Option<&str>) -> Result<Option<NaiveDate>, ApiError> {
    text.map(|t| {
        NaiveDate::parse_from_str(t, "%Y-%m-%d")
            .map_err(|_| ApiError::invalid(field, "must be a day, YYYY-MM-DD"))
    })
    .transpose()
}

/// A member's own orders: the days, the status and the page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct MyOrdersQuery {
    /// The first day, `YYYY-MM-DD` in the merchant's time zone.
    #[param(value_type = Option<String>, format = Date, example = "2026-12-01")]
    pub from: Option<String>,
    /// The last day, included (not before `from`).
    #[param(value_type = Option<String>, format = Date, example = "2026-12-31")]
    pub to: Option<String>,
    /// `paid`, `partially_refunded` or `refunded`.
    #[param(pattern = "^(paid|partially_refunded|refunded)$")]
    pub status: Option<String>,
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

/// The days and status of a listing, and its page.
pub struct ListingQuery<'a> {
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub status: Option<&'a str>,
    pub limit: Option<u64>,
    pub cursor: Option<&'a str>,
}

impl ListingQuery<'_> {
    /// The listing asked for, of every store and member until the caller narrows it.
    pub fn listing(&self) -> Result<OrderListing, ApiError> {
        Ok(OrderListing {
            stores: Vec::new(),
            member: None,
            from: day("from", self.from)?,
            to: day("to", self.to)?,
            status: self
                .status
                .map(|s| {
                    OrderStatus::parse(s).ok_or_else(|| {
                        ApiError::invalid("status", "must be paid, partially_refunded or refunded")
                    })
                })
                .transpose()?,
        })
    }
}

impl OrdersQuery {
    pub fn query(&self) -> ListingQuery<'_> {
        ListingQuery {
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            status: self.status.as_deref(),
            limit: self.limit,
            cursor: self.cursor.as_deref(),
        }
    }
}

impl MyOrdersQuery {
    pub fn query(&self) -> ListingQuery<'_> {
        ListingQuery {
            from: self.from.as_deref(),
            to: self.to.as_deref(),
            status: self.status.as_deref(),
            limit: self.limit,
            cursor: self.cursor.as_deref(),
        }
    }
}

/// A cursor's position: the last order's creation time and id.
struct Position(OrderPosition);

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}_{}",
            self.0
                .created_at
                .to_rfc3339_opts(SecondsFormat::AutoSi, true),
            self.0.id.as_uuid()
        )
    }
}

impl FromStr for Position {
    type Err = ();

    fn from_str(s: &str) -> Result<Self, ()> {
        let (at, id) = s.split_once('_').ok_or(())?;
        Ok(Self(OrderPosition {
            created_at: DateTime::parse_from_rfc3339(at)
                .map_err(|_| ())?
                .with_timezone(&Utc),
            id: Uuid::parse_str(id).map_err(|_| ())?.into(),
        }))
    }
}

/// A page of the merchant's orders that `listing` lets through.
pub async fn orders_of(
    state: &AppState,
    merchant: MerchantId,
    listing: OrderListing,
    query: &ListingQuery<'_>,
) -> Result<HttpResponse, ApiError> {
    let limit = page_limit(query.limit)?;
    let page = Page::<Position>::with_limit("orders", limit, query.cursor)?;
    let orders = state
        .loyalty
        .checkout()
        .orders(merchant, listing, page.before.as_ref().map(|p| p.0), limit)
        .await?;
    let next_cursor = page.next(&orders, |o| {
        Position(OrderPosition {
            created_at: o.created_at,
            id: o.id,
        })
    });
    Ok(HttpResponse::Ok().json(OrderList {
        items: orders.iter().map(OrderView::from).collect(),
        next_cursor,
    }))
}
