mod error;
mod model;
mod ports;
mod staff;
mod stores;
mod usecases;

pub use error::{MERCHANT, MerchantsError, STAFF, STORE};
pub use model::{Merchant, Staff, StaffRole, Store};
pub use ports::{
    MERCHANT_CODE_KEY, MerchantRepository, MerchantsTx, STAFF_USERNAME_KEY, STORE_NAME_KEY,
    StaffRepository, StaffTx, StoreRepository, StoresTx,
};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockMerchantRepository, MockStaffRepository, MockStoreRepository};
pub use staff::{Actor, CreateStaff, UpdateStaff};
pub use stores::{CreateStore, UpdateStore};
pub(crate) use stores::{resolve_store, stores_exist};
pub use usecases::{CreateMerchant, CreatedMerchant, validate_code, validate_name};
pub(crate) use usecases::{merchant_by_code, merchant_of};

crate::engine::service!(
    MerchantsService,
    merchants,
    "Merchants, their stores and staff accounts."
);
