//! The demo merchant seeded on a first start (and by `loyalty-server seed-demo`), so a fresh
//! install has something to sign in to.

use crate::auth::{hash_password, random_password};
use crate::error::ApiError;
use crate::state::Engine;
use loyalty_core::cards::{CardTemplate, NewServiceItem, OpenCard, ServiceItem, TopUpCard};
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::checkout::CommitOrder;
use loyalty_core::checkout::PointsAsCash;
use loyalty_core::checkout::SellCard;
use loyalty_core::coupons::{CouponBenefit, CouponRules, CouponScope, CouponValidity, Stacking};
use loyalty_core::kernel::{MerchantId, Money, Phone, Points};
use loyalty_core::members::RegisterMember;
use loyalty_core::merchants::{CreateMerchant, CreateStore};
use loyalty_core::points::{ActionRule, ActionRules, EarningPolicy, MemberDay, Multiplier};
use loyalty_core::settings::Setting;
use loyalty_core::tiers::{
    DowngradeMode, GrowthBasis, GrowthWindow, TierBenefits, TierLevel, TierPolicy,
};
use rust_decimal::Decimal;

/// 1 point per yuan; member day on the 8th (×2); 50 points for registering.
fn demo_earning() -> EarningPolicy {
    EarningPolicy {
        member_day: Some(MemberDay {
            days_of_month: vec![8],
            days_of_week: Vec::new(),
            multiplier: Multiplier::new(Decimal::TWO).unwrap_or(Multiplier::ONE),
        }),
        actions: ActionRules {
            registration: Some(ActionRule {
                points: Points::new(50),
                daily_cap: None,
            }),
            ..ActionRules::default()
        },
        ..EarningPolicy::default()
    }
}

/// 普通 / 银卡 / 金卡 by spend over the last 12 months.
fn demo_tiers() -> TierPolicy {
    let level =
        |code: &str, name: &str, yuan: i64, multiplier: Decimal, discount: Decimal| TierLevel {
            code: code.into(),
            name: name.into(),
            threshold: yuan * 100,
            benefits: TierBenefits {
                earning_multiplier: Multiplier::new(multiplier).unwrap_or(Multiplier::ONE),
                discount_rate: discount,
                ..TierBenefits::default()
            },
        };
    TierPolicy {
        basis: GrowthBasis::Spend,
        window: GrowthWindow::RollingMonths { months: 12 },
        levels: vec![
            level("normal", "普通会员", 0, Decimal::ONE, Decimal::ONE),
            level(
                "silver",
                "银卡",
                500,
                Decimal::new(12, 1),
                Decimal::new(98, 2),
            ),
            level(
                "gold",
                "金卡",
                2000,
                Decimal::new(15, 1),
                Decimal::new(95, 2),
            ),
        ],
        protection_months: 3,
        downgrade: DowngradeMode::OneStep,
    }
}

/// How to sign in to what was seeded.
pub struct DemoLogin {
    pub merchant_code: String,
    pub username: String,
    pub password: String,
}

/// Seeds merchant `demo` (or `demo-2`, … when taken) with two stores, an owner, three
/// members and an order each.
/// A card template of the demo merchant from its rules as HQ would post them.
async fn card_template(
    loyalty: &Engine,
    merchant: MerchantId,
    rules: serde_json::Value,
) -> Result<CardTemplate, ApiError> {
    let rules =
        serde_json::from_value(rules).map_err(|e| ApiError::invalid("card", e.to_string()))?;
    Ok(loyalty
        .cards()
        .create_template(merchant, rules, None)
        .await?)
}

/// A service item of the demo merchant.
async fn service_item(
    loyalty: &Engine,
    merchant: MerchantId,
    code: &str,
    name: &str,
    price: Option<Money>,
) -> Result<ServiceItem, ApiError> {
    Ok(loyalty
        .cards()
        .create_service_item(
            merchant,
            NewServiceItem {
                code: code.into(),
                name: name.into(),
                price,
            },
        )
        .await?)
}

pub async fn seed(loyalty: &Engine) -> Result<DemoLogin, ApiError> {
    let password = random_password();
    let hash = hash_password(password.clone()).await?;
    let mut attempt = 1;
    let created = loop {
        let code = if attempt == 1 {
            "demo".to_owned()
        } else {
            format!("demo-{attempt}")
        };
        let cmd = CreateMerchant {
            code,
            name: "演示茶饮 Demo Tea".into(),
            time_zone: Default::default(),
            earning: demo_earning(),
            expiry: Default::default(),
            default_store_name: "总店".into(),
            owner_username: "owner".into(),
            owner_display_name: "店主".into(),
            owner_password_hash: hash.clone(),
        };
        match loyalty.merchants().create_merchant(cmd).await {
            Err(loyalty_core::Error::Taken(_)) if attempt < 20 => attempt += 1,
            other => break other?,
        }
    };
    let merchant = &created.merchant;
    loyalty
        .settings()
        .put(merchant.id, Setting::Tiers(demo_tiers()), None)
        .await?;
    // A coupon to claim in the mini-program, and points as cash at the till.
    let coupon = CouponRules {
        name: "满100减20".into(),
        description: "全场通用，每人限领一张".into(),
        benefit: CouponBenefit::AmountOff {
            threshold: "100.00".parse()?,
            amount: "20.00".parse()?,
        },
        scope: CouponScope::default(),
        stacking: Stacking::Stackable,
        validity: CouponValidity::AfterClaim {
            days: 30,
            from_next_day: false,
        },
        claim_from: None,
        claim_until: None,
        stock: Some(1000),
        low_stock_alert: Some(100),
        per_member_limit: Some(1),
        per_day_limit: None,
        claimable: true,
        points_price: None,
    };
    loyalty
        .coupons()
        .create_template(merchant.id, coupon, None)
        .await?;
    let checkout = CheckoutSettings {
        points_as_cash: Some(PointsAsCash {
            points: Points::new(100),
            money: "1.00".parse()?,
            max_share: rust_decimal::Decimal::new(5, 1),
            min_points: Points::ZERO,
        }),
        ..CheckoutSettings::default()
    };
    loyalty
        .settings()
        .put(merchant.id, Setting::Checkout(checkout), None)
        .await?;
    // A stored-value card with bonus plans (充100送20, 充500送150).
    let card = card_template(
        loyalty,
        merchant.id,
        serde_json::json!({
            "kind": "stored_value", "name": "储值卡", "theme_colour": "#C8A060",
            "plans": [{"pay": "100.00", "bonus": "20.00"}, {"pay": "500.00", "bonus": "150.00"}],
            "custom_top_up": {"min": "10.00", "max": "2000.00"},
            "max_balance": "10000.00"
        }),
    )
    .await?;
    // A count card of ten haircuts (洗剪吹10次卡), with its service item.
    let haircut = service_item(
        loyalty,
        merchant.id,
        "HAIRCUT",
        "洗剪吹",
        Some("38.00".parse()?),
    )
    .await?;
    let count_card = card_template(
        loyalty,
        merchant.id,
        serde_json::json!({
            "kind": "count", "name": "洗剪吹10次卡", "theme_colour": "#4A90E2",
            "count": {"items": [haircut.id], "uses": 10, "valid_days": 365, "price": "298.00"}
        }),
    )
    .await?;
    // A swimming month card (游泳月卡), once a day, starting at the first swim.
    let swim = service_item(loyalty, merchant.id, "SWIM", "游泳", None).await?;
    let period_card = card_template(
        loyalty,
        merchant.id,
        serde_json::json!({
            "kind": "period", "name": "游泳月卡", "theme_colour": "#2BB3A3",
            "description": "每日限一次，首次使用起一个月",
            "period": {"items": [swim.id], "length": {"unit": "month"},
                       "starts": "on_first_use", "uses_per_day": 1, "price": "199.00"}
        }),
    )
    .await?;
    loyalty
        .merchants()
        .create_store(CreateStore {
            merchant_id: merchant.id,
            name: "人民广场店".into(),
        })
        .await?;
    let mut first = true;
    for (phone, name, paid) in [
        ("13800138000", "张三", "128.80"),
        ("13900139000", "李四", "56.00"),
        ("13700137000", "王五", "9.90"),
    ] {
        let member = loyalty
            .members()
            .register(RegisterMember {
                merchant_id: merchant.id,
                phone: Phone::parse(phone)?,
                name: Some(name.into()),
                birthday: None,
                store_id: None,
            })
            .await?;
        let amount: Money = paid.parse()?;
        loyalty
            .checkout()
            .commit(
                CommitOrder {
                    merchant_id: merchant.id,
                    store_id: None,
                    member_id: member.id,
                    order_no: None,
                    amount_paid: Some(amount),
                    lines: Vec::new(),
                    coupon_codes: Vec::new(),
                    points_to_use: Points::ZERO,
                    card: None,
                    operator_id: None,
                },
                None,
            )
            .await?;
        if std::mem::take(&mut first) {
            let held = loyalty
                .cards()
                .open(OpenCard {
                    merchant_id: merchant.id,
                    member_id: member.id,
                    template_id: card.id,
                    store_id: None,
                    operator_id: None,
                })
                .await?;
            let top_up = TopUpCard {
                merchant_id: merchant.id,
                member_id: member.id,
                card_id: held.card.id,
                amount: "100.00".parse()?,
                payment_ref: None,
                store_id: None,
                operator_id: None,
            };
            loyalty.cards().top_up(top_up, None).await?;
            for template_id in [count_card.id, period_card.id] {
                let sale = SellCard {
                    merchant_id: merchant.id,
                    member_id: member.id,
                    template_id,
                    store_id: None,
                    order_no: None,
                    pay_from: None,
                    operator_id: None,
                };
                loyalty.checkout().sell_card(sale, None).await?;
            }
        }
    }
    Ok(DemoLogin {
        merchant_code: merchant.code.clone(),
        username: created.owner.username,
        password,
    })
}

impl DemoLogin {
    pub fn print(&self, base_url: &str) {
        println!(
            "Demo merchant seeded. Sign in as staff:\n  curl -s -X POST {base_url}/api/v1/merchant/auth/login -H 'content-type: application/json' \\\n    -d '{{\"merchant_code\":\"{}\",\"username\":\"{}\",\"password\":\"{}\"}}'\n  (the password is shown only now; API docs at {base_url}/docs/)",
            self.merchant_code, self.username, self.password
        );
    }
}
