//! Notifications over HTTP with the real Aliyun SMS client against a mock of Aliyun's API: SMS
//! go out through the outbox and are metered, a rejected message waits for HQ, HQ is told of
//! low coupon stock, and members set their consent and WeChat subscriptions.

mod hq_alerts;
mod member_consent;
mod sms_delivery;
