//! Members on real databases: registered at the till within their merchant, signing in with
//! WeChat, signing in with an SMS code.

mod registration;
mod sms_login;
mod wechat;
