use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use uuid::Uuid;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name(Uuid);

        impl $name {
            /// A new time-ordered (UUID v7) id.
            #[must_use]
            pub fn new() -> Self {
                Self(Uuid::now_v7())
            }

            #[must_use]
            pub const fn from_uuid(id: Uuid) -> Self {
                Self(id)
            }

            #[must_use]
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.0)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = super::InvalidValue;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s)
                    .map(Self)
                    .map_err(|_| super::InvalidValue::new("id", "is not a UUID"))
            }
        }

        impl From<Uuid> for $name {
            fn from(id: Uuid) -> Self {
                Self(id)
            }
        }
    };
}

id_type!(
    /// A merchant (tenant). Every record carries one.
    MerchantId
);
id_type!(
    /// A store (门店) of a merchant.
    StoreId
);
id_type!(
    /// A member (会员) of a merchant.
    MemberId
);
id_type!(
    /// A staff account (店员 / 总部).
    StaffId
);
id_type!(
    /// An immutable points ledger entry.
    EntryId
);
id_type!(
    /// A lot of earned points with its own expiry.
    LotId
);
id_type!(
    /// An order committed at the till.
    OrderId
);
id_type!(
    /// A refund of an order.
    RefundId
);
id_type!(
    /// A coupon template (券模板): what a coupon gives and who may have it.
    CouponTemplateId
);
id_type!(
    /// One coupon held by a member, with its own code.
    CouponId
);
id_type!(
    /// A verification (核销) of a coupon at a store.
    VerificationId
);
id_type!(
    /// A card template (会员卡模板): what a member card holds and how it is topped up.
    CardTemplateId
);
id_type!(
    /// One member card (a stored-value card, 储值卡), with its balance.
    CardId
);
id_type!(
    /// A withdrawal (提现) from a merchant's wallet, for the platform to review.
    WithdrawalId
);
id_type!(
    /// A service item (项目) a count card serves: a haircut, a class, a massage.
    ServiceItemId
);
