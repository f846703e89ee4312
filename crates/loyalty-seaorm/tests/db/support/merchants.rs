//! Merchants, created with their policies and settings, and their branch stores.

use super::{World, put_setting};
use loyalty_core::checkout::CheckoutSettings;
use loyalty_core::kernel::MerchantTimeZone;
use loyalty_core::merchants::{CreateMerchant, CreateStore, Merchant, Store};
use loyalty_core::notifications::NotificationSettings;
use loyalty_core::points::{EarningPolicy, ExpiryPolicy, ExpiryRule};
use loyalty_core::settings::Setting;
use loyalty_core::tiers::TierPolicy;
use std::future::{Future, IntoFuture};
use std::pin::Pin;

/// A merchant of this code to create: earning by the default policy, points that never
/// expire, no other settings; awaiting it creates it and answers it with its default store.
pub fn merchant<'w>(w: &'w World, code: &str) -> MerchantBuilder<'w> {
    MerchantBuilder {
        w,
        code: code.to_owned(),
        earning: EarningPolicy::default(),
        expiry: ExpiryPolicy {
            rule: ExpiryRule::Never {},
            ..ExpiryPolicy::default()
        },
        settings: Vec::new(),
    }
}

/// A merchant to create, with its policies and settings; see [`merchant`].
pub struct MerchantBuilder<'w> {
    w: &'w World,
    code: String,
    earning: EarningPolicy,
    expiry: ExpiryPolicy,
    /// Saved after the merchant is created, in this order.
    settings: Vec<Setting>,
}

impl<'w> MerchantBuilder<'w> {
    /// Points expire `days` after they are earned.
    pub fn points_valid_for_days(mut self, days: u32) -> Self {
        self.expiry.rule = ExpiryRule::Rolling { days };
        self
    }

    /// The earning policy the merchant is created with (its version 1).
    pub fn earning(mut self, earning: EarningPolicy) -> Self {
        self.earning = earning;
        self
    }

    /// The expiry policy the merchant is created with (its version 1).
    pub fn expiry(mut self, expiry: ExpiryPolicy) -> Self {
        self.expiry = expiry;
        self
    }

    /// A tier ladder, saved once the merchant exists.
    pub fn tiers(self, ladder: TierPolicy) -> Self {
        self.setting(Setting::Tiers(ladder))
    }

    /// Checkout settings, saved once the merchant exists.
    pub fn checkout(self, checkout: CheckoutSettings) -> Self {
        self.setting(Setting::Checkout(checkout))
    }

    /// Notification settings, saved once the merchant exists.
    pub fn notifications(self, notifications: NotificationSettings) -> Self {
        self.setting(Setting::Notifications(notifications))
    }

    fn setting(mut self, setting: Setting) -> Self {
        self.settings.push(setting);
        self
    }

    /// Creates the merchant (with an owner and its default store 总店), then saves its
    /// settings in the order they were given.
    pub async fn create(self) -> (Merchant, Store) {
        let created = self
            .w
            .loyalty
            .merchants()
            .create_merchant(CreateMerchant {
                code: self.code.clone(),
                name: format!("Merchant {}", self.code),
                time_zone: MerchantTimeZone::default(),
                earning: self.earning,
                expiry: self.expiry,
                default_store_name: "总店".into(),
                owner_username: "owner".into(),
                owner_display_name: "Owner".into(),
                owner_password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNo"
                    .into(),
            })
            .await
            .expect("merchant created");
        for setting in self.settings {
            put_setting(self.w, &created.merchant, setting).await;
        }
        (created.merchant, created.default_store)
    }
}

impl<'w> IntoFuture for MerchantBuilder<'w> {
    type Output = (Merchant, Store);
    type IntoFuture = Pin<Box<dyn Future<Output = Self::Output> + Send + 'w>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.create())
    }
}

/// A further store of the merchant, named `name`.
pub async fn branch(w: &World, merchant: &Merchant, name: &str) -> Store {
    w.loyalty
        .merchants()
        .create_store(CreateStore {
            merchant_id: merchant.id,
            name: name.into(),
        })
        .await
        .expect("branch created")
}
