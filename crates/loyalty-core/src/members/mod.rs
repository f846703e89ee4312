mod identity;
mod identity_port;
mod login_codes_port;
mod model;
mod ports;
mod sms_login;
mod usecases;

pub use identity::{PhoneBinding, WeChatLogin};
#[cfg(any(test, feature = "mocks"))]
pub use identity_port::MockWeChatAuth;
pub use identity_port::{IdentityError, WeChatAuth, WeChatSession};
#[cfg(any(test, feature = "mocks"))]
pub use login_codes_port::MockLoginCodeRepository;
pub use login_codes_port::{LoginCode, LoginCodeRepository};
pub use model::{Member, ProfileChange};
pub use ports::MemberRepository;
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockMemberRepository;
pub use sms_login::{CODE_LIFE_MINUTES, MAX_WRONG_TRIES, wait_for_next_code};
pub(crate) use usecases::member_of;
pub use usecases::{RegisterMember, invite_code_for};
