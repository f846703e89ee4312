//! The core's [`WeChatAuth`] port: [`WeChatClient`] for the real API, and [`DevWeChatAuth`]
//! for development and tests, so both run without WeChat.

use crate::{WeChatClient, WeChatError};
use async_trait::async_trait;
use loyalty_core::kernel::Phone;
use loyalty_core::members::{IdentityError, WeChatAuth, WeChatSession};

fn identity_error(error: WeChatError) -> IdentityError {
    match error {
        WeChatError::InvalidCode | WeChatError::CodeUsed => IdentityError::InvalidCode,
        WeChatError::RateLimited => IdentityError::RateLimited,
        other => IdentityError::Unavailable(other.code().to_owned()),
    }
}

#[async_trait]
impl WeChatAuth for WeChatClient {
    async fn session(&self, login_code: &str) -> Result<WeChatSession, IdentityError> {
        let session = self
            .code_to_session(login_code)
            .await
            .map_err(identity_error)?;
        Ok(WeChatSession {
            openid: session.openid,
            unionid: session.unionid,
        })
    }

    async fn phone_number(&self, phone_code: &str) -> Result<Phone, IdentityError> {
        let info = WeChatClient::phone_number(self, phone_code)
            .await
            .map_err(identity_error)?;
        if info.country_code != "86" {
            return Err(IdentityError::Unavailable(
                "only mainland China numbers are supported".into(),
            ));
        }
        Phone::parse(&info.pure_phone_number).map_err(|e| IdentityError::Unavailable(e.to_string()))
    }
}

/// Development identity: login code `dev-<openid>` is that openid, phone code
/// `dev-<phone>` is that phone; anything else is an invalid code. Never for production: it
/// lets anyone be anyone.
#[derive(Debug, Clone, Copy, Default)]
pub struct DevWeChatAuth;

#[async_trait]
impl WeChatAuth for DevWeChatAuth {
    async fn session(&self, login_code: &str) -> Result<WeChatSession, IdentityError> {
        match login_code.strip_prefix("dev-") {
            Some(openid) if !openid.is_empty() && openid.len() <= 64 => Ok(WeChatSession {
                openid: openid.to_owned(),
                unionid: None,
            }),
            _ => Err(IdentityError::InvalidCode),
        }
    }

    async fn phone_number(&self, phone_code: &str) -> Result<Phone, IdentityError> {
        let phone = phone_code
            .strip_prefix("dev-")
            .ok_or(IdentityError::InvalidCode)?;
        Phone::parse(phone).map_err(|_| IdentityError::InvalidCode)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_dev_adapter_reads_openids_and_phones_from_dev_codes() {
        let dev = DevWeChatAuth;
        assert_eq!(
            dev.session("dev-o123").await.map(|s| s.openid),
            Ok("o123".to_owned())
        );
        assert_eq!(
            dev.session("real-code").await,
            Err(IdentityError::InvalidCode)
        );
        assert_eq!(
            dev.phone_number("dev-13800138000")
                .await
                .map(|p| p.as_str().to_owned()),
            Ok("13800138000".to_owned())
        );
        assert_eq!(
            dev.phone_number("dev-123").await,
            Err(IdentityError::InvalidCode)
        );
    }
}
