mod error;
mod model;
mod orders;
mod plan;
mod ports;
mod pricing;
mod refunds;
mod sales;
mod settings;

pub use error::{CheckoutError, ORDER};
pub use model::{CardPaid, Order, OrderLine, OrderStatus, Refund, RefundLine};
pub(crate) use orders::code;
pub use orders::{
    CardTender, CommitOrder, LineInput, OrderListing, OrderQuote, OrderReceipt, QuotedCard,
    price_lines,
};
pub(crate) use plan::{CardCharge, Context, Plan, plan};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockOrderRepository;
pub use ports::OrdersTx;
pub use ports::{ORDER_NO_KEY, OrderFilter, OrderPosition, OrderRepository, RefundTotals};
pub use pricing::{
    AppliedCoupon, CouponOffer, MAX_COUPONS, MAX_LINE_GROSS_FEN, MAX_LINES, MAX_QUANTITY,
    PointsAsCash, PricedLine, PricedOrder, PricingError, PricingInput, PricingLine, PricingStep,
    price_order,
};
pub use refunds::{RefundLineInput, RefundOrder, RefundReceipt, points_to_reverse};
pub use sales::{CardSale, SellCard};
pub use settings::{CheckoutSettings, CouponGifts, StoredValueAtCheckout};

crate::engine::service!(
    CheckoutService,
    checkout,
    "Checkout: quotes, orders with coupons and points as cash, refunds."
);
