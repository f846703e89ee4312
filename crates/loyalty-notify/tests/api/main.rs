//! Integration tests against wiremock servers that answer in the providers' shapes.

mod aliyun;
mod helpers;
mod log_provider;
mod tencent;
