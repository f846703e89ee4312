//! Aliyun's answer codes, sorted into the three classes of [`SmsError`] as the table in the
//! module documentation of `aliyun` says.

use std::time::Duration;

use reqwest::StatusCode;

use crate::error::SmsError;

use super::PROVIDER;

/// Flow-control answers.
const THROTTLED: &[&str] = &["isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL"];
/// `isp.*` answers that are not transient.
const ISP_FINAL: &[&str] = &["isp.RAM_PERMISSION_DENY"];
/// Gateway answers that are transient.
const TRANSIENT: &[&str] = &["InternalError", "ServiceUnavailable", "SignatureNonceUsed"];

/// The error for a non-`OK` `code` answered with `status`.
pub(super) fn classify(
    code: &str,
    message: String,
    status: StatusCode,
    retry_after: Option<Duration>,
) -> SmsError {
    if THROTTLED.contains(&code) || code == "Throttling" || code.starts_with("Throttling.") {
        let hint = retry_after.or_else(|| window_of(&message));
        SmsError::throttled(PROVIDER, code, message, hint)
    } else if (code.starts_with("isp.") && !ISP_FINAL.contains(&code))
        || TRANSIENT.contains(&code)
        || status.is_server_error()
    {
        SmsError::retryable(PROVIDER, code, message)
    } else {
        SmsError::rejected(PROVIDER, code, message)
    }
}

/// The window a `isv.BUSINESS_LIMIT_CONTROL` message names: "触发分钟级流控" (the per-minute
/// limit) lets go after a minute, "触发小时级流控" after an hour; the daily limit is left to the
/// dispatcher.
fn window_of(message: &str) -> Option<Duration> {
    if message.contains("分钟级") {
        Some(Duration::from_secs(60))
    } else if message.contains("小时级") {
        Some(Duration::from_secs(3600))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str) -> &'static str {
        classify(code, "msg".to_owned(), StatusCode::OK, None).kind()
    }

    #[test]
    fn flow_control_codes_are_throttled() {
        for code in [
            "isv.BUSINESS_LIMIT_CONTROL",
            "isv.DAY_LIMIT_CONTROL",
            "Throttling",
            "Throttling.User",
            "Throttling.Api",
        ] {
            assert_eq!(kind(code), "throttled", "{code}");
        }
    }

    #[test]
    fn the_minute_and_hour_limits_say_when_to_come_back() {
        let minute = classify(
            "isv.BUSINESS_LIMIT_CONTROL",
            "触发分钟级流控Permits:1".to_owned(),
            StatusCode::OK,
            None,
        );
        let hour = classify(
            "isv.BUSINESS_LIMIT_CONTROL",
            "触发小时级流控Permits:5".to_owned(),
            StatusCode::OK,
            None,
        );
        let day = classify(
            "isv.BUSINESS_LIMIT_CONTROL",
            "触发天级流控Permits:10".to_owned(),
            StatusCode::OK,
            None,
        );

        assert_eq!(minute.retry_after(), Some(Duration::from_secs(60)));
        assert_eq!(hour.retry_after(), Some(Duration::from_secs(3600)));
        assert_eq!(day.retry_after(), None);
    }

    #[test]
    fn aliyun_side_failures_are_retryable() {
        for code in [
            "isp.SYSTEM_ERROR",
            "isp.GATEWAY_ERROR",
            "isp.UNKNOWN",
            "InternalError",
            "ServiceUnavailable",
            "SignatureNonceUsed",
        ] {
            assert_eq!(kind(code), "retryable", "{code}");
        }
    }

    #[test]
    fn permanent_codes_are_rejected() {
        for code in [
            "isv.MOBILE_NUMBER_ILLEGAL",
            "isv.SMS_TEMPLATE_ILLEGAL",
            "isv.SMS_SIGNATURE_ILLEGAL",
            "isv.TEMPLATE_MISSING_PARAMETERS",
            "isv.AMOUNT_NOT_ENOUGH",
            "isv.OUT_OF_SERVICE",
            "isp.RAM_PERMISSION_DENY",
            "InvalidAccessKeyId.NotFound",
            "SignatureDoesNotMatch",
            "InvalidTimeStamp.Expired",
            "isv.SOMETHING_NEW",
        ] {
            assert_eq!(kind(code), "rejected", "{code}");
        }
    }

    #[test]
    fn an_unknown_code_with_a_server_error_status_is_retryable() {
        let err = classify(
            "SomethingNew",
            "msg".to_owned(),
            StatusCode::SERVICE_UNAVAILABLE,
            None,
        );

        assert_eq!(err.kind(), "retryable");
        assert_eq!(err.code(), "SomethingNew");
    }
}
