mod error;
mod identity;
mod identity_port;
mod login_codes_port;
mod member_code;
mod model;
mod ports;
mod sms_login;
mod usecases;

pub use error::{MEMBER, MembersError};
pub use identity::{PhoneBinding, WeChatLogin};
#[cfg(any(test, feature = "mocks"))]
pub use identity_port::MockWeChatAuth;
pub use identity_port::{IdentityError, WeChatAuth, WeChatSession};
pub use login_codes_port::LoginCodesTx;
#[cfg(any(test, feature = "mocks"))]
pub use login_codes_port::MockLoginCodeRepository;
pub use login_codes_port::{LoginCode, LoginCodeRepository};
pub use member_code::{IssuedCode, MemberCodes, STEP_SECONDS};
pub use model::{Member, ProfileChange};
#[cfg(any(test, feature = "mocks"))]
pub use ports::MockMemberRepository;
pub use ports::{
    LOGIN_CODE_MINUTE_KEY, MEMBER_INVITE_CODE_KEY, MEMBER_OPENID_KEY, MEMBER_PHONE_KEY,
    MemberRepository, MembersTx,
};
pub use sms_login::{CODE_LIFE_MINUTES, MAX_WRONG_TRIES, wait_for_next_code};
pub use usecases::{RegisterMember, invite_code_for};
pub(crate) use usecases::{birthdays, member_of};

crate::engine::service!(
    MembersService,
    members,
    "Members: registration, sign-in by WeChat or SMS code, profile, member codes."
);
