//! Integration tests against a wiremock server that answers in WeChat's shapes.

mod access_token;
mod code_to_session;
mod helpers;
mod phone_number;
mod redaction;
mod subscribe_message;
