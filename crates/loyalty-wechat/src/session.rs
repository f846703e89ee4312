//! What the login and phone-number calls return.

use std::fmt;

/// The key WeChat shares with this server for one login session; it decrypts the user's
/// encrypted data and signs `wx.getUserInfo` payloads.
///
/// It must never leave the server: it implements no `Serialize`, its `Debug` and `Display`
/// print `<redacted>`, and the value is reachable only through [`SessionKey::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct SessionKey(String);

impl SessionKey {
    pub(crate) fn new(value: String) -> Self {
        Self(value)
    }

    /// The raw (base64) key, for decrypting data on this server.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

impl fmt::Display for SessionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The result of exchanging a `wx.login` code.
#[derive(Debug, Clone)]
pub struct Session {
    /// The user's id within this mini-program.
    pub openid: String,
    /// The user's id across the WeChat Open Platform account, present only when the
    /// mini-program is bound to one.
    pub unionid: Option<String>,
    /// The session key; redacted in `Debug`.
    pub session_key: SessionKey,
}

/// The phone number a user agreed to share (`getPhoneNumber` button).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PhoneInfo {
    /// The number as WeChat shows it; numbers outside mainland China carry their country code.
    pub phone_number: String,
    /// The number without country code.
    pub pure_phone_number: String,
    /// The country calling code without `+`, e.g. `"86"`.
    pub country_code: String,
}
