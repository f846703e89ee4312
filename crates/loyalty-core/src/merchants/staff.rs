//! Staff accounts: owners and admins (HQ) manage them; store managers and cashiers work in
//! the stores they are given. A change of role, stores or status raises the account's token
//! version, which revokes every token issued before.

use super::MerchantsService;
use crate::events::Notifier;
use crate::kernel::Transaction;
use crate::kernel::{Clock, TxMode, UnitOfWork};
use crate::kernel::{InvalidValue, MerchantId, StaffId, StoreId};
use crate::merchants::StaffTx;
use crate::merchants::StoresTx;
use crate::merchants::{Staff, StaffRole};
use crate::merchants::{validate_code, validate_name};
use crate::{Error, Result};

/// Who is asking: the signed-in staff member.
#[derive(Debug, Clone, Copy)]
pub struct Actor {
    pub merchant_id: MerchantId,
    pub staff_id: StaffId,
    pub role: StaffRole,
}

#[derive(Debug, Clone)]
pub struct CreateStaff {
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
    pub store_ids: Vec<StoreId>,
    pub password_hash: String,
}

/// Fields to change; `None` leaves one as it is.
#[derive(Debug, Clone, Default)]
pub struct UpdateStaff {
    pub role: Option<StaffRole>,
    pub display_name: Option<String>,
    pub store_ids: Option<Vec<StoreId>>,
    pub disabled: Option<bool>,
}

/// Owners manage everyone; admins manage store managers and cashiers; nobody else manages.
fn may_manage(actor: StaffRole, role: StaffRole) -> bool {
    match actor {
        StaffRole::Owner => true,
        StaffRole::Admin => matches!(role, StaffRole::StoreManager | StaffRole::Cashier),
        StaffRole::StoreManager | StaffRole::Cashier => false,
    }
}

impl<U, C, N> MerchantsService<'_, U, C, N>
where
    U: UnitOfWork<Tx: StaffTx + StoresTx>,
    C: Clock,
    N: Notifier,
{
    /// # Errors
    /// `forbidden` (the actor may not give that role), `validation_failed`, `store_not_found`,
    /// `username_taken`.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn create_staff(self, actor: Actor, cmd: CreateStaff) -> Result<Staff> {
        if !may_manage(actor.role, cmd.role) {
            return Err(Error::Forbidden("this role may not create that role"));
        }
        let mut staff = Staff {
            id: StaffId::new(),
            merchant_id: actor.merchant_id,
            username: validate_code("username", &cmd.username)?,
            display_name: validate_name("display_name", &cmd.display_name, 50)?,
            role: cmd.role,
            password_hash: cmd.password_hash,
            disabled: false,
            store_ids: cmd.store_ids,
            token_version: 0,
            created_at: self.clock.now(),
        };
        let mut tx = self.uow.begin(TxMode::Write).await?;
        check_stores(&mut tx, actor.merchant_id, staff.role, &mut staff.store_ids).await?;
        tx.staff().insert_staff(&staff).await?;
        tx.commit().await?;
        Ok(staff)
    }

    /// # Errors
    /// Storage failures.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant))]
    pub async fn list_staff(self, merchant: MerchantId) -> Result<Vec<Staff>> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        Ok(tx.staff().list_staff(merchant).await?)
    }

    /// Changes an account and revokes its tokens. The last active owner stays an active owner.
    ///
    /// # Errors
    /// `not_found` (another merchant's or no such account), `forbidden`, `validation_failed`,
    /// `store_not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    pub async fn update_staff(
        self,
        actor: Actor,
        id: StaffId,
        change: UpdateStaff,
    ) -> Result<Staff> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let mut staff = tx
            .staff()
            .staff_member(actor.merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STAFF))?;
        let new_role = change.role.unwrap_or(staff.role);
        if !may_manage(actor.role, staff.role) || !may_manage(actor.role, new_role) {
            return Err(Error::Forbidden("this role may not manage that account"));
        }
        let stays_active_owner =
            new_role == StaffRole::Owner && !change.disabled.unwrap_or(staff.disabled);
        if staff.role == StaffRole::Owner && !staff.disabled && !stays_active_owner {
            let owners = tx.staff().list_staff(actor.merchant_id).await?;
            let active_owners = owners
                .iter()
                .filter(|s| s.role == StaffRole::Owner && !s.disabled)
                .count();
            if active_owners <= 1 {
                return Err(InvalidValue::new(
                    "role",
                    "the last active owner must stay an active owner",
                )
                .into());
            }
        }
        if let Some(name) = &change.display_name {
            staff.display_name = validate_name("display_name", name, 50)?;
        }
        let before = (staff.role, staff.disabled, staff.store_ids.clone());
        if let Some(stores) = change.store_ids {
            staff.store_ids = stores;
        }
        staff.role = new_role;
        staff.disabled = change.disabled.unwrap_or(staff.disabled);
        check_stores(&mut tx, actor.merchant_id, staff.role, &mut staff.store_ids).await?;
        let mut stores_before = before.2;
        stores_before.sort_unstable();
        stores_before.dedup();
        // What a token carries (role, stores) or allows (an active account) changed: its
        // tokens go. A new display name, or nothing, leaves them.
        let revokes = (before.0, before.1, stores_before)
            != (staff.role, staff.disabled, staff.store_ids.clone());
        if revokes {
            tx.staff().update_staff(&staff).await?;
            staff.token_version += 1;
        } else {
            tx.staff().rename_staff(&staff).await?;
        }
        tx.commit().await?;
        Ok(staff)
    }

    /// The account (with its password hash, for the edge to check a password against).
    ///
    /// # Errors
    /// `not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant, id = %id))]
    pub async fn staff_account(self, merchant: MerchantId, id: StaffId) -> Result<Staff> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        tx.staff()
            .staff_member(merchant, id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STAFF))
    }

    /// Gives the account `staff` (as read, at its token version) a new password hash and signs
    /// it out everywhere; refused when the account changed since it was read (its own old
    /// password was checked against that reading).
    ///
    /// # Errors
    /// `not_found`; contention when the account changed meanwhile.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %staff.merchant_id, id = %staff.id))]
    pub async fn change_own_password(self, staff: &Staff, password_hash: String) -> Result<()> {
        let tx = self.uow.begin(TxMode::Write).await?;
        new_password(tx, staff.clone(), password_hash).await?;
        Ok(())
    }

    /// HQ sets another account's password (a forgotten one): owners for everyone, admins for
    /// store managers and cashiers. The account is signed out everywhere.
    ///
    /// # Errors
    /// `not_found`, `forbidden`.
    #[tracing::instrument(level = "debug", skip_all, fields(id = %id))]
    pub async fn reset_staff_password(
        self,
        actor: Actor,
        id: StaffId,
        password_hash: String,
    ) -> Result<Staff> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let staff = tx
            .staff()
            .staff_member(actor.merchant_id, id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STAFF))?;
        if !may_manage(actor.role, staff.role) {
            return Err(Error::Forbidden("this role may not manage that account"));
        }
        new_password(tx, staff, password_hash).await
    }

    /// The platform resets the password of the merchant's first active owner (an owner who
    /// lost theirs and has no other owner to ask). The account is signed out everywhere.
    ///
    /// # Errors
    /// `merchant_not_found`; `not_found` when the merchant has no active owner.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant))]
    pub async fn reset_owner_password(
        self,
        merchant: MerchantId,
        password_hash: String,
    ) -> Result<Staff> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let owner = tx
            .staff()
            .list_staff(merchant)
            .await?
            .into_iter()
            .filter(|s| s.role == StaffRole::Owner && !s.disabled)
            .min_by_key(|s| (s.created_at, s.id))
            .ok_or(Error::NotFound(crate::merchants::STAFF))?;
        new_password(tx, owner, password_hash).await
    }

    /// Revokes every token of the account (sign out everywhere).
    ///
    /// # Errors
    /// `not_found`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant, id = %id))]
    pub async fn revoke_staff_tokens(self, merchant: MerchantId, id: StaffId) -> Result<()> {
        let mut tx = self.uow.begin(TxMode::Write).await?;
        let staff = tx
            .staff()
            .staff_member(merchant, id)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STAFF))?;
        tx.staff().update_staff(&staff).await?;
        Ok(tx.commit().await?)
    }

    /// Whether a staff token is still good: the account is active and its token version is
    /// the token's (role and stores in the token are then current too, since changing them
    /// raises the version). One indexed lookup per request.
    ///
    /// # Errors
    /// `invalid_credentials` for a revoked token or an unknown account; `account_disabled`.
    #[tracing::instrument(level = "debug", skip_all, fields(merchant = %merchant, id = %id))]
    pub async fn check_staff_token(
        self,
        merchant: MerchantId,
        id: StaffId,
        token_version: i64,
    ) -> Result<()> {
        let mut tx = self.uow.begin(TxMode::Lookup).await?;
        match tx.staff().staff_status(merchant, id).await? {
            Some((_, true)) => Err(crate::merchants::MerchantsError::AccountDisabled.into()),
            Some((version, false)) if version == token_version => Ok(()),
            _ => Err(crate::merchants::MerchantsError::InvalidCredentials.into()),
        }
    }
}

/// Gives `staff` (as read) a new password hash, revoking its tokens, and commits; answers the
/// account as it is after.
async fn new_password<T: StaffTx>(mut tx: T, staff: Staff, password_hash: String) -> Result<Staff> {
    let mut changed = Staff {
        password_hash,
        ..staff
    };
    tx.staff().set_staff_password(&changed).await?;
    tx.commit().await?;
    changed.token_version += 1;
    Ok(changed)
}

/// Checks that the stores exist for the merchant and suit the role: HQ roles have none
/// (they work everywhere), store roles at least one.
async fn check_stores(
    tx: &mut impl crate::merchants::StoresTx,
    merchant: MerchantId,
    role: StaffRole,
    stores: &mut Vec<StoreId>,
) -> Result<()> {
    stores.sort_unstable();
    stores.dedup();
    if role.is_headquarters() {
        stores.clear();
        return Ok(());
    }
    if stores.is_empty() {
        return Err(InvalidValue::new(
            "store_ids",
            "a store manager or cashier needs at least one store",
        )
        .into());
    }
    for store in stores.iter() {
        tx.stores()
            .store(merchant, *store)
            .await?
            .ok_or(Error::NotFound(crate::merchants::STORE))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn owners_manage_everyone_admins_only_store_staff_and_store_staff_no_one() {
        use StaffRole::{Admin, Cashier, Owner, StoreManager};
        let table = [
            (Owner, Owner, true),
            (Owner, Admin, true),
            (Admin, Admin, false),
            (Admin, Owner, false),
            (Admin, StoreManager, true),
            (Admin, Cashier, true),
            (StoreManager, Cashier, false),
            (Cashier, Cashier, false),
        ];
        for (actor, role, allowed) in table {
            assert_eq!(may_manage(actor, role), allowed, "{actor:?} → {role:?}");
        }
    }
}
