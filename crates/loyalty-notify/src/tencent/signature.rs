//! Tencent Cloud API 3.0 signature `TC3-HMAC-SHA256`, as pure functions, for a JSON `POST` to
//! `/` with no query string, signing the `content-type` and `host` headers.
//!
//! ```text
//! CanonicalRequest = "POST\n/\n\n" "content-type:" ct "\nhost:" host "\n\n"
//!                    "content-type;host\n" hex(sha256(payload))
//! StringToSign     = "TC3-HMAC-SHA256\n" timestamp "\n" date "/" service "/tc3_request\n"
//!                    hex(sha256(CanonicalRequest))
//! SecretSigning    = HMAC(HMAC(HMAC("TC3" SecretKey, date), service), "tc3_request")
//! Signature        = hex(HMAC(SecretSigning, StringToSign))
//! Authorization    = "TC3-HMAC-SHA256 Credential=" SecretId "/" date "/" service
//!                    "/tc3_request, SignedHeaders=content-type;host, Signature=" Signature
//! ```
//!
//! `date` is the UTC date of `timestamp`: a request signed shortly after midnight Beijing time
//! still carries the previous day.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

/// The algorithm name that opens the string to sign and the `Authorization` header.
pub const ALGORITHM: &str = "TC3-HMAC-SHA256";
/// The headers signed, in order.
pub const SIGNED_HEADERS: &str = "content-type;host";
/// The content type of the JSON requests this client sends.
pub const JSON_CONTENT_TYPE: &str = "application/json; charset=utf-8";

/// One request to sign.
#[derive(Debug, Clone, Copy)]
pub struct Tc3Request<'a> {
    /// The SecretId (`AKID…`); named in the header, not signed.
    pub secret_id: &'a str,
    /// The SecretKey.
    pub secret_key: &'a str,
    /// The product (`sms`, `cvm`): the credential scope's service.
    pub service: &'a str,
    /// The `Host` header as sent (`sms.tencentcloudapi.com`, or `host:port`).
    pub host: &'a str,
    /// The `Content-Type` header as sent.
    pub content_type: &'a str,
    /// The request time; its seconds are the `X-TC-Timestamp` header.
    pub timestamp: DateTime<Utc>,
    /// The body, byte for byte as sent.
    pub payload: &'a [u8],
}

/// Lowercase hex SHA-256.
fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn hmac_sha256(key: &[u8], data: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts a key of any length");
    mac.update(data.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

/// The UTC date of `timestamp`, `YYYY-MM-DD`.
fn date_of(timestamp: DateTime<Utc>) -> String {
    timestamp.format("%Y-%m-%d").to_string()
}

/// Step 1: the canonical request.
#[must_use]
pub fn canonical_request(host: &str, content_type: &str, payload: &[u8]) -> String {
    format!(
        "POST\n/\n\ncontent-type:{}\nhost:{}\n\n{SIGNED_HEADERS}\n{}",
        content_type.trim().to_ascii_lowercase(),
        host.trim().to_ascii_lowercase(),
        sha256_hex(payload)
    )
}

/// Step 2: the string to sign, for the canonical request of [`canonical_request`].
#[must_use]
pub fn string_to_sign(timestamp: DateTime<Utc>, service: &str, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}/{service}/tc3_request\n{}",
        timestamp.timestamp(),
        date_of(timestamp),
        sha256_hex(canonical_request.as_bytes())
    )
}

/// Step 3: the hex signature of `string_to_sign` under the key derived from `secret_key`.
#[must_use]
pub fn signature(
    secret_key: &str,
    timestamp: DateTime<Utc>,
    service: &str,
    string_to_sign: &str,
) -> String {
    let secret_date = hmac_sha256(format!("TC3{secret_key}").as_bytes(), &date_of(timestamp));
    let secret_service = hmac_sha256(&secret_date, service);
    let secret_signing = hmac_sha256(&secret_service, "tc3_request");
    hex::encode(hmac_sha256(&secret_signing, string_to_sign))
}

/// Step 4: the `Authorization` header for `request`.
#[must_use]
pub fn authorization(request: &Tc3Request<'_>) -> String {
    let canonical = canonical_request(request.host, request.content_type, request.payload);
    let to_sign = string_to_sign(request.timestamp, request.service, &canonical);
    let signature = signature(
        request.secret_key,
        request.timestamp,
        request.service,
        &to_sign,
    );
    format!(
        "{ALGORITHM} Credential={}/{}/{}/tc3_request, SignedHeaders={SIGNED_HEADERS}, Signature={signature}",
        request.secret_id,
        date_of(request.timestamp),
        request.service
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    // Tencent Cloud's published TC3 example ("Signature v3", API 3.0 documentation, English
    // edition): CVM DescribeInstances in ap-guangzhou, X-TC-Timestamp 1551113065, SecretKey
    // Gu5t9xGARNpq86cd98joQYCN3EXAMPLE, this exact body (with \u escapes), and the hashes and
    // signature below as printed there. The SecretId is not signed; the document shows it
    // masked, so the older editions' AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE stands in for it.
    const DOC_SECRET_ID: &str = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE";
    const DOC_SECRET_KEY: &str = "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE";
    const DOC_HOST: &str = "cvm.tencentcloudapi.com";
    const DOC_PAYLOAD: &str =
        r#"{"Limit": 1, "Filters": [{"Values": ["\u672a\u547d\u540d"], "Name": "instance-name"}]}"#;

    fn doc_time() -> DateTime<Utc> {
        DateTime::from_timestamp(1_551_113_065, 0).expect("timestamp")
    }

    #[test]
    fn the_canonical_request_matches_tencents_published_example_byte_for_byte() {
        let canonical = canonical_request(DOC_HOST, JSON_CONTENT_TYPE, DOC_PAYLOAD.as_bytes());

        assert_eq!(
            canonical,
            "POST\n/\n\ncontent-type:application/json; charset=utf-8\nhost:cvm.tencentcloudapi.com\n\n\
             content-type;host\n35e9c5b0e3ae67532d3c9f17ead6c90222632e5b1ff7f6e89887f1398934f064"
        );
    }

    #[test]
    fn the_string_to_sign_matches_tencents_published_example_byte_for_byte() {
        let canonical = canonical_request(DOC_HOST, JSON_CONTENT_TYPE, DOC_PAYLOAD.as_bytes());

        assert_eq!(
            string_to_sign(doc_time(), "cvm", &canonical),
            "TC3-HMAC-SHA256\n1551113065\n2019-02-25/cvm/tc3_request\n\
             5ffe6a04c0664d6b969fab9a13bdab201d63ee709638e2749d62a09ca18d7031"
        );
    }

    #[test]
    fn the_authorization_matches_tencents_published_example_byte_for_byte() {
        let header = authorization(&Tc3Request {
            secret_id: DOC_SECRET_ID,
            secret_key: DOC_SECRET_KEY,
            service: "cvm",
            host: DOC_HOST,
            content_type: JSON_CONTENT_TYPE,
            timestamp: doc_time(),
            payload: DOC_PAYLOAD.as_bytes(),
        });

        assert_eq!(
            header,
            "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, \
             SignedHeaders=content-type;host, \
             Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
        );
    }

    #[test]
    fn the_credential_date_is_the_utc_date() {
        // 2019-02-26 00:44:25 in Beijing is still 2019-02-25 in UTC.
        let to_sign = string_to_sign(doc_time(), "sms", "x");

        assert!(
            to_sign.contains("\n2019-02-25/sms/tc3_request\n"),
            "{to_sign}"
        );
    }

    #[test]
    fn body_host_and_key_are_all_signed() {
        let base = Tc3Request {
            secret_id: DOC_SECRET_ID,
            secret_key: DOC_SECRET_KEY,
            service: "sms",
            host: "sms.tencentcloudapi.com",
            content_type: JSON_CONTENT_TYPE,
            timestamp: doc_time(),
            payload: b"{}",
        };
        let signed = authorization(&base);

        assert_ne!(
            authorization(&Tc3Request {
                payload: b"{ }",
                ..base
            }),
            signed
        );
        assert_ne!(
            authorization(&Tc3Request {
                host: "127.0.0.1:80",
                ..base
            }),
            signed
        );
        assert_ne!(
            authorization(&Tc3Request {
                secret_key: "other",
                ..base
            }),
            signed
        );
    }
}
