mod code;
mod error;
mod issue;
mod jobs;
mod model;
mod ports;
mod rules;
#[cfg(test)]
mod usecase_tests;
mod usecases;
mod verification;

pub use code::CouponCode;
pub use error::{COUPON, COUPON_TEMPLATE, CouponsError, VERIFICATION};
pub use issue::{ISSUE_BATCH, IssueCoupons, IssueReport, IssueTarget};
pub(crate) use jobs::give_gifts;
pub use model::{Coupon, CouponSource, CouponStatus, CouponTemplate, Verification};
pub use ports::CouponsTx;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockCouponRepository;
pub use ports::{COUPON_CODE_KEY, COUPON_SOURCE_KEY, CouponRepository, MemberSegment};
pub use rules::{CouponBenefit, CouponRules, CouponScope, CouponValidity, Stacking};
pub use usecases::{ClaimCoupon, HeldCoupon};
pub(crate) use usecases::{
    Grant, grant, insert, issued_event, member_tier, new_coupon, take_stock, template_of,
    with_templates,
};
pub use verification::{VerifiedCoupon, VerifyCoupon};
pub(crate) use verification::{coupon_by_code, refusal};

crate::engine::service!(
    CouponsService,
    coupons,
    "Coupons: templates, claims, exchanges, sends, verification (核销) and their jobs."
);
