mod usecases;
mod model;
mod ports;
mod staff;
mod stores;

pub(crate) use usecases::merchant_of;
pub use usecases::{CreateMerchant, CreatedMerchant, validate_code, validate_name};
pub use model::{Merchant, Staff, StaffRole, Store};
pub use ports::{MerchantRepository, StaffRepository, StoreRepository};
#[cfg(any(test, feature = "mocks"))]
pub use ports::{MockMerchantRepository, MockStaffRepository, MockStoreRepository};
pub use staff::{Actor, CreateStaff, UpdateStaff};
pub use stores::{CreateStore, UpdateStore};
