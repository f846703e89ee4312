//! Shapes requests write that have no type of their own in the engine, named for the OpenAPI
//! document so that its schemas say exactly what the server accepts (`value_type = …`).

use utoipa::ToSchema;

/// An amount that must be more than zero: a [`Money`](super::Money) string other than zero
/// (a top-up, a withdrawal, a payment, a unit of spend).
#[derive(ToSchema)]
#[schema(
    value_type = String,
    example = "100.00",
    pattern = r"^([1-9][0-9]{0,9}(\.[0-9]{1,2}0*)?|0\.([1-9][0-9]?|0[1-9])0*)$"
)]
pub struct PositiveMoney(pub String);

/// An item's, a category's or a flag's code: 1 to 64 visible ASCII characters.
#[derive(ToSchema)]
#[schema(pattern = "^[!-~]{1,64}$")]
pub struct Code(pub String);

/// A reference from outside (a till's or a payment provider's transaction id, a send's
/// batch): 1 to 64 visible ASCII characters, as [`check_reference`](super::check_reference)
/// takes it.
#[derive(ToSchema)]
#[schema(pattern = "^[!-~]{1,64}$", example = "POS-20261205-0001")]
pub struct Reference(pub String);

/// A day of the month, 1 to 31.
#[derive(ToSchema)]
#[schema(minimum = 1, maximum = 31)]
pub struct DayOfMonth(pub u32);

/// A day of the week, 1 (Monday) to 7 (Sunday).
#[derive(ToSchema)]
#[schema(minimum = 1, maximum = 7)]
pub struct DayOfWeek(pub u32);

/// A tier's code or a benefit flag: 1 to 32 of a-z, 0-9, _ and -.
#[derive(ToSchema)]
#[schema(pattern = "^[a-z0-9_-]{1,32}$")]
pub struct TierCode(pub String);

/// A coupon's 12-digit code as typed or scanned: blanks and dashes between the digits are
/// taken.
#[derive(ToSchema)]
#[schema(pattern = "^[ -]*([0-9][ -]*){12}$", example = "1234 5678 9012")]
pub struct CouponCodeText(pub String);

/// A manual change of points: up to 100,000,000 either way, never zero.
pub struct PointsDelta(pub i64);

impl utoipa::PartialSchema for PointsDelta {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, OneOfBuilder, Type};
        let range = |min: i64, max: i64| {
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .format(Some(utoipa::openapi::SchemaFormat::KnownFormat(
                    utoipa::openapi::KnownFormat::Int64,
                )))
                .minimum(Some(min))
                .maximum(Some(max))
        };
        OneOfBuilder::new()
            .item(range(-100_000_000, -1))
            .item(range(1, 100_000_000))
            .description(Some(
                "Points to add (positive) or take (negative), never 0.",
            ))
            .into()
    }
}

impl ToSchema for PointsDelta {}

/// A WeChat subscription-message template id: 1 to 128 visible ASCII characters.
#[derive(ToSchema)]
#[schema(pattern = "^[!-~]{1,128}$")]
pub struct WechatTemplateId(pub String);

/// A share of a whole, more than 0 and at most 1, at most four decimal places, as a plain
/// decimal string (a tier's price share: `"0.95"` = 9.5 折; the most of an order points pay).
#[derive(ToSchema)]
#[schema(
    value_type = String,
    example = "0.95",
    pattern = r"^(0\.([1-9][0-9]{0,3}|0[1-9][0-9]{0,2}|00[1-9][0-9]?|000[1-9])0*|1(\.0+)?)$"
)]
pub struct ShareOfOne(pub String);
