//! Tencent Cloud's error codes, sorted into the three classes of [`SmsError`] as the table in
//! the module documentation of `tencent` says. The same rules serve `Response.Error.Code` and a
//! number's `SendStatusSet[].Code`.

use std::time::Duration;

use crate::error::SmsError;

use super::PROVIDER;

/// `LimitExceeded.*` codes that are not flow control.
const LIMIT_FINAL: &[&str] = &[
    "LimitExceeded.PhoneNumberCountLimit",
    "LimitExceeded.AppCountryOrRegionInBlacklist",
];
/// `InternalError.*` codes that a retry from the same host cannot fix.
const INTERNAL_FINAL: &[&str] = &["InternalError.RequestTimeException"];

/// The error for a code other than `Ok`.
pub(super) fn classify(code: &str, message: String) -> SmsError {
    let family = code.split('.').next().unwrap_or(code);
    match family {
        "RequestLimitExceeded" => SmsError::throttled(PROVIDER, code, message, None),
        "LimitExceeded" if !LIMIT_FINAL.contains(&code) => {
            SmsError::throttled(PROVIDER, code, message, window_of(code))
        }
        "InternalError" if !INTERNAL_FINAL.contains(&code) => {
            SmsError::retryable(PROVIDER, code, message)
        }
        "RequestTimeout" | "ServiceUnavailable" => SmsError::retryable(PROVIDER, code, message),
        _ => SmsError::rejected(PROVIDER, code, message),
    }
}

/// The window a per-number limit names; daily and account-wide limits are left to the
/// dispatcher.
fn window_of(code: &str) -> Option<Duration> {
    match code {
        "LimitExceeded.PhoneNumberThirtySecondLimit" => Some(Duration::from_secs(30)),
        "LimitExceeded.PhoneNumberOneHourLimit" => Some(Duration::from_secs(3600)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kind(code: &str) -> &'static str {
        classify(code, "msg".to_owned()).kind()
    }

    #[test]
    fn flow_control_codes_are_throttled() {
        for code in [
            "RequestLimitExceeded",
            "RequestLimitExceeded.UinLimitExceeded",
            "LimitExceeded.PhoneNumberThirtySecondLimit",
            "LimitExceeded.PhoneNumberOneHourLimit",
            "LimitExceeded.PhoneNumberDailyLimit",
            "LimitExceeded.PhoneNumberSameContentDailyLimit",
            "LimitExceeded.DeliveryFrequencyLimit",
            "LimitExceeded.AppDailyLimit",
        ] {
            assert_eq!(kind(code), "throttled", "{code}");
        }
    }

    #[test]
    fn per_number_windows_become_retry_after() {
        let thirty = classify("LimitExceeded.PhoneNumberThirtySecondLimit", String::new());
        let hour = classify("LimitExceeded.PhoneNumberOneHourLimit", String::new());
        let day = classify("LimitExceeded.PhoneNumberDailyLimit", String::new());

        assert_eq!(thirty.retry_after(), Some(Duration::from_secs(30)));
        assert_eq!(hour.retry_after(), Some(Duration::from_secs(3600)));
        assert_eq!(day.retry_after(), None);
    }

    #[test]
    fn tencent_side_failures_are_retryable() {
        for code in [
            "InternalError",
            "InternalError.Timeout",
            "InternalError.SendAndRecvFail",
            "InternalError.OtherError",
            "RequestTimeout",
            "ServiceUnavailable",
        ] {
            assert_eq!(kind(code), "retryable", "{code}");
        }
    }

    #[test]
    fn permanent_codes_are_rejected() {
        for code in [
            "FailedOperation.TemplateIncorrectOrUnapproved",
            "FailedOperation.SignatureIncorrectOrUnapproved",
            "FailedOperation.InsufficientBalanceInSmsPackage",
            "FailedOperation.PhoneNumberInBlacklist",
            "InvalidParameterValue.IncorrectPhoneNumber",
            "InvalidParameterValue.TemplateParameterFormatError",
            "AuthFailure.SignatureFailure",
            "AuthFailure.SecretIdNotFound",
            "UnauthorizedOperation.SmsSdkAppIdVerifyFail",
            "LimitExceeded.PhoneNumberCountLimit",
            "LimitExceeded.AppCountryOrRegionInBlacklist",
            "InternalError.RequestTimeException",
            "SomethingNew.Entirely",
        ] {
            assert_eq!(kind(code), "rejected", "{code}");
        }
    }
}
