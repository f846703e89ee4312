//! Aliyun's RPC signature (`SignatureMethod=HMAC-SHA1`, `SignatureVersion=1.0`), as pure
//! functions.
//!
//! ```text
//! CanonicalizedQueryString = the parameters (all but Signature), sorted by name, each
//!                            percentEncode(name) "=" percentEncode(value), joined by "&"
//! StringToSign             = HTTPMethod "&" percentEncode("/") "&"
//!                            percentEncode(CanonicalizedQueryString)
//! Signature                = Base64(HMAC-SHA1(AccessKeySecret "&", StringToSign))
//! ```

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use sha1::Sha1;

/// Everything but `A–Z a–z 0–9 - _ . ~` is escaped: space becomes `%20` (not `+`), `*` becomes
/// `%2A`, `~` stays as it is. Non-ASCII text is escaped byte by byte in UTF-8.
const ALIYUN_ESCAPED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// Aliyun's percent-encoding (RFC 3986 unreserved characters kept, uppercase hex).
#[must_use]
pub fn percent_encode(value: &str) -> String {
    utf8_percent_encode(value, ALIYUN_ESCAPED).to_string()
}

/// The canonicalized query string: `params` sorted by name (byte order), encoded and joined.
/// A parameter named `Signature` is left out.
#[must_use]
pub fn canonicalized_query(params: &[(&str, &str)]) -> String {
    let mut sorted: Vec<&(&str, &str)> = params
        .iter()
        .filter(|(name, _)| *name != "Signature")
        .collect();
    sorted.sort_by(|a, b| a.0.cmp(b.0).then_with(|| a.1.cmp(b.1)));
    sorted
        .iter()
        .map(|(name, value)| format!("{}={}", percent_encode(name), percent_encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The string to sign for a request sent with `http_method` (`GET` or `POST`).
#[must_use]
pub fn string_to_sign(http_method: &str, params: &[(&str, &str)]) -> String {
    format!(
        "{http_method}&{}&{}",
        percent_encode("/"),
        percent_encode(&canonicalized_query(params))
    )
}

/// The `Signature` parameter for `params` sent with `http_method`, signed with
/// `access_key_secret` (the key is the secret followed by `&`).
#[must_use]
pub fn rpc_signature(
    http_method: &str,
    params: &[(&str, &str)],
    access_key_secret: &str,
) -> String {
    let key = format!("{access_key_secret}&");
    let mut mac =
        Hmac::<Sha1>::new_from_slice(key.as_bytes()).expect("HMAC accepts a key of any length");
    mac.update(string_to_sign(http_method, params).as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The request of Aliyun's published RPC signing example (ECS `DescribeRegions`,
    /// AccessKeyId `testid`, AccessKeySecret `testsecret`), "Request signatures" in the ECS API
    /// reference (Getting started), in URL order.
    const DOC_PARAMS: [(&str, &str); 8] = [
        ("Timestamp", "2016-02-23T12:46:24Z"),
        ("Format", "XML"),
        ("AccessKeyId", "testid"),
        ("Action", "DescribeRegions"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf"),
        ("Version", "2014-05-26"),
        ("SignatureVersion", "1.0"),
    ];

    #[test]
    fn the_string_to_sign_matches_aliyuns_published_example_byte_for_byte() {
        assert_eq!(
            string_to_sign("GET", &DOC_PARAMS),
            "GET&%2F&AccessKeyId%3Dtestid%26Action%3DDescribeRegions%26Format%3DXML\
             %26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf\
             %26SignatureVersion%3D1.0%26Timestamp%3D2016-02-23T12%253A46%253A24Z\
             %26Version%3D2014-05-26"
        );
    }

    #[test]
    fn the_signature_matches_aliyuns_published_example_byte_for_byte() {
        assert_eq!(
            rpc_signature("GET", &DOC_PARAMS, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    /// The older edition of the same example spelled the parameter `TimeStamp` and published
    /// the signature `CT9X0VtwR86fNWSnsc6v8YGOjuE=` (the value still shown in the overview of
    /// Aliyun's "Signature mechanism" pages): a second published value from the same algorithm.
    #[test]
    fn the_older_timestamp_spelling_gives_the_older_published_signature() {
        let mut params = DOC_PARAMS;
        params[0].0 = "TimeStamp";

        assert_eq!(
            rpc_signature("GET", &params, "testsecret"),
            "CT9X0VtwR86fNWSnsc6v8YGOjuE="
        );
    }

    #[test]
    fn the_http_method_and_the_secret_are_signed() {
        let get = rpc_signature("GET", &DOC_PARAMS, "testsecret");

        assert_ne!(rpc_signature("POST", &DOC_PARAMS, "testsecret"), get);
        assert_ne!(rpc_signature("GET", &DOC_PARAMS, "testsecreT"), get);
    }

    #[test]
    fn an_existing_signature_parameter_is_not_signed() {
        let mut params = DOC_PARAMS.to_vec();
        params.push(("Signature", "OLeaidS1JvxuMvnyHOwuJ+uX5qY="));

        assert_eq!(
            rpc_signature("GET", &params, "testsecret"),
            "OLeaidS1JvxuMvnyHOwuJ+uX5qY="
        );
    }

    #[test]
    fn percent_encoding_follows_aliyuns_rules() {
        assert_eq!(percent_encode("a b"), "a%20b");
        assert_eq!(percent_encode("a*b"), "a%2Ab");
        assert_eq!(percent_encode("a~b-c_d.e"), "a~b-c_d.e");
        assert_eq!(percent_encode("a+b/c=d&e"), "a%2Bb%2Fc%3Dd%26e");
        assert_eq!(
            percent_encode("{\"code\":\"1\"}"),
            "%7B%22code%22%3A%221%22%7D"
        );
        assert_eq!(percent_encode("积分"), "%E7%A7%AF%E5%88%86");
    }
}
