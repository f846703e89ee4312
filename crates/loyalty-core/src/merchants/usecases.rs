use super::MerchantsService;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MerchantId, MerchantTimeZone, StaffId, StoreId};
use crate::merchants::MerchantsTx;
use crate::merchants::StaffTx;
use crate::merchants::StoresTx;
use crate::merchants::{Merchant, Staff, StaffRole, Store};
use crate::points::EarningPolicy;
use crate::points::ExpiryPolicy;
use crate::settings::Setting;
use crate::settings::SettingsTx;
use crate::{Error, Result};

/// A new tenant with its default store and its owner's account.
#[derive(Debug, Clone)]
pub struct CreateMerchant {
    pub code: String,
    pub name: String,
    pub time_zone: MerchantTimeZone,
    pub earning: EarningPolicy,
    pub expiry: ExpiryPolicy,
    pub default_store_name: String,
    pub owner_username: String,
    pub owner_display_name: String,
    /// An argon2id PHC string made by the caller (hashing is slow and belongs off the
    /// async workers).
    pub owner_password_hash: String,
}

#[derive(Debug, Clone)]
pub struct CreatedMerchant {
    pub merchant: Merchant,
    pub default_store: Store,
    pub owner: Staff,
}

/// `a-z`, `0-9` and `-`, 3 to 32 characters: a merchant number staff can type.
///
/// # Errors
/// When the code does not have that shape.
pub fn validate_code(field: &'static str, code: &str) -> Result<String, InvalidValue> {
    let ok = (3..=32).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(code.to_owned())
    } else {
        Err(InvalidValue::new(
            field,
            "must be 3 to 32 of a-z, 0-9 and -",
        ))
    }
}

/// A trimmed, non-empty name of at most `max` characters.
///
/// # Errors
/// When the name is blank or too long.
pub fn validate_name(field: &'static str, name: &str, max: usize) -> Result<String, InvalidValue> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > max {
        return Err(InvalidValue::new(
            field,
            format!("is required (1 to {max} characters)"),
        ));
    }
    Ok(name.to_owned())
}

impl<U, C, N> MerchantsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: MerchantsTx + SettingsTx + StaffTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// Creates the merchant, its default store and its owner in one transaction.
    ///
    /// # Errors
    /// `validation_failed`; `merchant_code_taken`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_merchant(self, cmd: CreateMerchant) -> Result<CreatedMerchant> {
        let now = self.clock.now();
        let merchant = Merchant {
            id: MerchantId::new(),
            code: validate_code("code", &cmd.code)?,
            name: validate_name("name", &cmd.name, 100)?,
            time_zone: cmd.time_zone,
            created_at: now,
        };
        let earning = Setting::Earning(cmd.earning);
        let expiry = Setting::Expiry(cmd.expiry);
        earning.validate()?;
        expiry.validate()?;
        let default_store = Store {
            id: StoreId::new(),
            merchant_id: merchant.id,
            name: validate_name("default_store_name", &cmd.default_store_name, 100)?,
            is_default: true,
            active: true,
            created_at: now,
        };
        let owner = Staff {
            id: StaffId::new(),
            merchant_id: merchant.id,
            username: validate_code("owner_username", &cmd.owner_username)?,
            display_name: validate_name("owner_display_name", &cmd.owner_display_name, 50)?,
            role: StaffRole::Owner,
            password_hash: cmd.owner_password_hash,
            disabled: false,
            store_ids: Vec::new(),
            token_version: 0,
            created_at: now,
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        tx.merchants().insert_merchant(&merchant).await?;
        tx.stores().insert_store(&default_store).await?;
        tx.staff().insert_staff(&owner).await?;
        tx.settings()
            .put_setting(merchant.id, &earning, None, None, now)
            .await?;
        tx.settings()
            .put_setting(merchant.id, &expiry, None, None, now)
            .await?;
        tx.commit().await?;
        Ok(CreatedMerchant {
            merchant,
            default_store,
            owner,
        })
    }

    /// # Errors
    /// `merchant_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    pub async fn merchant(self, id: MerchantId) -> Result<Merchant> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.merchants()
            .merchant(id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::MERCHANT))
    }

    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn by_code(self, code: &str) -> Result<Option<Merchant>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.merchants().merchant_by_code(code).await?)
    }

    /// Whether the platform has no merchant yet (first start: seed the demo).
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn is_empty(self) -> Result<bool> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.merchants().count_merchants().await? == 0)
    }

    /// The merchant and the staff account a login names; `None` for either unknown.
    ///
    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn staff_for_login(
        self,
        merchant_code: &str,
        username: &str,
    ) -> Result<Option<(Merchant, Staff)>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        let Some(merchant) = tx.merchants().merchant_by_code(merchant_code).await? else {
            return Ok(None);
        };
        let staff = tx.staff().staff_by_username(merchant.id, username).await?;
        Ok(staff.map(|s| (merchant, s)))
    }
}

/// The merchant, or `merchant_not_found`.
pub(crate) async fn merchant_of(
    tx: &mut impl crate::merchants::MerchantsTx,
    id: crate::kernel::MerchantId,
) -> crate::Result<crate::merchants::Merchant> {
    tx.merchants()
        .merchant(id)
        .await?
        .ok_or(crate::Error::NotFound(crate::merchants::MERCHANT))
}

/// The merchant with this code, or `merchant_not_found`.
pub(crate) async fn merchant_by_code(
    tx: &mut impl crate::merchants::MerchantsTx,
    code: &str,
) -> crate::Result<crate::merchants::Merchant> {
    tx.merchants()
        .merchant_by_code(code)
        .await?
        .ok_or(crate::Error::NotFound(crate::merchants::MERCHANT))
}
