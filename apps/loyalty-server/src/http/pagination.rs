//! Paging through lists, one way for all of them: `limit` and an opaque `cursor` from a
//! previous page's `next_cursor`. A cursor is `<kind>:<position>` in URL-safe base64 (the
//! last id of a page, a ledger's sequence number …); one of another kind, or garbage, is
//! refused as `invalid_cursor` (start again from the first page).

use crate::error::ApiError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Deserialize;
use std::fmt::Display;
use std::str::FromStr;
use utoipa::IntoParams;

/// `limit` (1–100, default 20) and an opaque `cursor` from a previous page.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct PageQuery {
    #[param(minimum = 1, maximum = 100)]
    pub limit: Option<u64>,
    pub cursor: Option<String>,
}

impl PageQuery {
    /// The limit as asked, 20 when absent; lists whose use case bounds it take it so.
    pub fn limit(&self) -> u64 {
        self.limit.unwrap_or(20)
    }
}

/// The cursor standing for `position` in a list of `kind`.
pub fn cursor(kind: &str, position: impl Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}:{position}"))
}

/// The position a cursor of `kind` stands for; none without a cursor.
pub fn position<P: FromStr>(kind: &str, cursor: Option<&str>) -> Result<Option<P>, ApiError> {
    let Some(cursor) = cursor else {
        return Ok(None);
    };
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|raw| String::from_utf8(raw).ok())
        .and_then(|text| {
            text.strip_prefix(kind)
                .and_then(|rest| rest.strip_prefix(':'))
                .and_then(|p| p.parse().ok())
        })
        .map(Some)
        .ok_or_else(|| ApiError::Edge {
            status: actix_web::http::StatusCode::UNPROCESSABLE_ENTITY,
            code: "invalid_cursor",
            detail: "is not a cursor of this list that this server gave out".to_owned(),
            field: Some("cursor".to_owned()),
        })
}

/// 1–100, default 20.
pub fn page_limit(limit: Option<u64>) -> Result<u64, ApiError> {
    match limit.unwrap_or(20) {
        n @ 1..=100 => Ok(n),
        _ => Err(ApiError::invalid("limit", "must be between 1 and 100")),
    }
}

/// A page asked for: at most `limit` items, older than the cursor's position.
#[derive(Debug)]
pub struct Page<P> {
    kind: &'static str,
    pub limit: u64,
    pub before: Option<P>,
}

impl<P: FromStr> Page<P> {
    /// The limit checked (1–100, default 20), then the cursor.
    pub fn checked(
        kind: &'static str,
        limit: Option<u64>,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let limit = page_limit(limit)?;
        Self::with_limit(kind, limit, cursor)
    }

    /// `limit` as given, then the cursor.
    pub fn with_limit(
        kind: &'static str,
        limit: u64,
        cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        Ok(Self {
            kind,
            limit,
            before: position(kind, cursor)?,
        })
    }

    /// The cursor after `items`, the page this asked for: at the last item of a full page,
    /// none after a shorter one (the last).
    pub fn next<T, Q: Display>(&self, items: &[T], position: impl Fn(&T) -> Q) -> Option<String> {
        let full = items.len() as u64 == self.limit;
        items
            .last()
            .filter(|_| full)
            .map(|last| cursor(self.kind, position(last)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let cursor = cursor("seq", 42);
        assert_eq!(
            position::<i64>("seq", Some(&cursor)).expect("valid"),
            Some(42)
        );
        assert!(position::<i64>("seq", Some("nonsense!")).is_err());
        assert!(position::<i64>("member", Some(&cursor)).is_err());
        // Only a full page has a next one.
        let page = Page::<Uuid>::checked("template", Some(2), None).expect("valid");
        let ids = [Uuid::nil(), Uuid::max()];
        let next = page.next(&ids, |id| *id).expect("a full page");
        assert_eq!(
            position::<Uuid>("template", Some(&next)).expect("valid"),
            Some(Uuid::max())
        );
        assert_eq!(page.next(&ids[..1], |id| *id), None);
        assert!(Page::<Uuid>::checked("template", Some(101), None).is_err());
    }
}
