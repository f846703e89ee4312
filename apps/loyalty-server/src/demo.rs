//! The demo merchant seeded on a first start (and by `loyalty-server seed-demo`), so a fresh
//! install has something to sign in to.

use crate::auth::{hash_password, random_password};
use crate::error::ApiError;
use crate::state::Engine;
use loyalty_core::types::{Money, Phone};
use loyalty_core::usecases::{CommitOrder, CreateMerchant, CreateStore, RegisterMember};

/// How to sign in to what was seeded.
pub struct DemoLogin {
    pub merchant_code: String,
    pub username: String,
    pub password: String,
}

/// Seeds merchant `demo` (or `demo-2`, … when taken) with two stores, an owner, three
/// members and an order each.
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
            earning: Default::default(),
            default_store_name: "总店".into(),
            owner_username: "owner".into(),
            owner_display_name: "店主".into(),
            owner_password_hash: hash.clone(),
        };
        match loyalty.create_merchant(cmd).await {
            Err(loyalty_core::Error::Taken(_)) if attempt < 20 => attempt += 1,
            other => break other?,
        }
    };
    let merchant = &created.merchant;
    loyalty
        .create_store(CreateStore {
            merchant_id: merchant.id,
            name: "人民广场店".into(),
        })
        .await?;
    for (phone, name, paid) in [
        ("13800138000", "张三", "128.80"),
        ("13900139000", "李四", "56.00"),
        ("13700137000", "王五", "9.90"),
    ] {
        let member = loyalty
            .register_member(RegisterMember {
                merchant_id: merchant.id,
                phone: Phone::parse(phone)?,
                name: Some(name.into()),
                birthday: None,
                store_id: None,
            })
            .await?;
        let amount: Money = paid.parse()?;
        loyalty
            .commit_order(
                CommitOrder {
                    merchant_id: merchant.id,
                    store_id: None,
                    member_id: member.id,
                    order_no: None,
                    amount_paid: amount,
                    operator_id: None,
                },
                None,
            )
            .await?;
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
