//! The OpenAPI 3.1 document. Paths and schemas are collected from the handlers themselves
//! (utoipa-actix-web); this adds the title and the security schemes, and [`complete`] adds
//! what every handler answers alike, so the document says what the server does.

use serde_json::{Value, json};
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme};
use utoipa::openapi::{Content, Ref, RefOr, Response};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Loyalty engine API", description = "Members, points and coupons for chain merchants (会员积分系统)."),
    modifiers(&SecuritySchemes),
    components(schemas(crate::error::Problem, crate::error::FieldError)),
    tags(
        (name = "platform", description = "The platform operator (platform API key)"),
        (name = "merchant", description = "Staff of a merchant: HQ and stores (staff token)"),
        (name = "member", description = "Members in the mini-program (member token)"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            STAFF_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some("A staff token from POST /api/v1/merchant/auth/login"))
                    .build(),
            ),
        );
        components.add_security_scheme(
            MEMBER_TOKEN,
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "A member token from POST /api/v1/member/auth/wechat or …/auth/sms",
                    ))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "platform_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("The platform API key from configuration"))
                    .build(),
            ),
        );
    }
}

const STAFF_TOKEN: &str = "staff_token";
const MEMBER_TOKEN: &str = "member_token";
const PROBLEM: &str = "application/problem+json";

/// Completes the collected document: the handlers' `bearer` becomes the staff or the member
/// token by audience, every problem is `application/problem+json`, and the answers every
/// handler of a kind can give are listed where they are missing — 401 where a credential is
/// needed, 403 for staff roles, 404 for an id in the path or a reference in a body,
/// 413/415/422 for a body, 422 for a
/// query, 409/422 for an `Idempotency-Key`, 503 when the database stays busy.
pub fn complete(api: &mut utoipa::openapi::OpenApi) {
    for (path, item) in &mut api.paths.paths {
        let token = if path.starts_with("/api/v1/member") {
            Some(MEMBER_TOKEN)
        } else if path.starts_with("/api/v1/merchant") {
            Some(STAFF_TOKEN)
        } else {
            None
        };
        for operation in [
            &mut item.get,
            &mut item.post,
            &mut item.put,
            &mut item.patch,
            &mut item.delete,
        ]
        .into_iter()
        .flatten()
        {
            complete_operation(path, token, operation);
        }
    }
    state_limits(api);
}

fn complete_operation(path: &str, token: Option<&str>, operation: &mut Operation) {
    let secured = operation.security.as_ref().is_some_and(|s| !s.is_empty());
    if let (true, Some(token)) = (secured, token) {
        operation.security = Some(vec![SecurityRequirement::new(token, Vec::<String>::new())]);
    }
    let responses = &mut operation.responses.responses;
    for response in responses.values_mut() {
        if let RefOr::T(response) = response {
            let problem = response
                .content
                .get("application/json")
                .is_some_and(|c| matches!(c, RefOr::T(Content { schema: Some(RefOr::Ref(r)), .. }) if r.ref_location.ends_with("/Problem")));
            if problem && let Some(content) = response.content.shift_remove("application/json") {
                response.content.insert(PROBLEM.to_owned(), content);
            }
        }
    }
    let parameters = operation.parameters.as_deref().unwrap_or_default();
    let has = |place: ParameterIn| {
        parameters
            .iter()
            .any(|p| matches!(p, RefOr::T(p) if p.parameter_in == place))
    };
    let idempotent = parameters
        .iter()
        .any(|p| matches!(p, RefOr::T(p) if p.name.eq_ignore_ascii_case("Idempotency-Key")));
    let mut add = |status: &str, description: &str| {
        responses
            .entry(status.to_owned())
            .or_insert_with(|| RefOr::T(problem(description)));
    };
    if secured {
        add(
            "401",
            "unauthenticated: no credential, or a wrong, expired or revoked one",
        );
    }
    if secured && token == Some(STAFF_TOKEN) {
        add("403", "forbidden: this role may not do it");
    }
    if path.contains('{') || has(ParameterIn::Path) {
        add(
            "404",
            "not found for the caller (another merchant's, or none)",
        );
    }
    if operation.request_body.is_some() {
        add(
            "404",
            "a reference in the body names nothing of the caller's merchant",
        );
        add("413", "payload_too_large");
        add("415", "unsupported_media_type: send application/json");
        add("422", "validation_failed");
    }
    if has(ParameterIn::Query) {
        add("422", "validation_failed");
    }
    if idempotent {
        add("409", "idempotency_in_flight");
        add("422", "validation_failed, idempotency_key_reused");
    }
    if path != "/healthz" {
        add("503", "the database stayed busy; retry after Retry-After");
    }
}

fn problem(description: &str) -> Response {
    let mut response = Response::new(description);
    response.content.insert(
        PROBLEM.to_owned(),
        RefOr::T(Content::new(Some(Ref::from_schema_name("Problem")))),
    );
    response
}

/// What no `#[schema]` attribute says: text in a body holds no control character but tabs and
/// line breaks (as [`crate::http::strict`] reads it), an object takes no property it does not
/// name, and text marked `pattern = r"\S"` (the
/// server trims it and refuses it blank) holds something besides blanks; a `time_zone` is
/// one of the IANA names; an `Idempotency-Key` is 1 to 255 visible ASCII characters, and a
/// `cursor` is URL-safe base64. Done on the document as JSON, for every string a request body
/// can carry however deeply it is nested.
fn state_limits(api: &mut utoipa::openapi::OpenApi) {
    let Ok(mut doc) = serde_json::to_value(&*api) else {
        return;
    };
    let mut in_requests = std::collections::BTreeSet::new();
    let mut pending = Vec::new();
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for operation in paths
            .values_mut()
            .filter_map(Value::as_object_mut)
            .flat_map(|item| item.values_mut())
        {
            if let Some(body) = operation.get_mut("requestBody") {
                collect_refs(body, &mut pending);
                patterned_text(body);
            }
            for parameter in operation
                .get_mut("parameters")
                .and_then(Value::as_array_mut)
                .into_iter()
                .flatten()
            {
                let limit = match parameter.get("name").and_then(Value::as_str) {
                    Some(name) if name.eq_ignore_ascii_case("Idempotency-Key") => {
                        json!({"type": "string", "pattern": "^[!-~]{1,255}$"})
                    }
                    Some("cursor") => json!({"type": "string", "pattern": CURSOR}),
                    _ => continue,
                };
                parameter["schema"] = limit;
            }
        }
    }
    let schemas = doc
        .pointer_mut("/components/schemas")
        .and_then(Value::as_object_mut);
    let Some(schemas) = schemas else {
        return;
    };
    while let Some(name) = pending.pop() {
        if in_requests.insert(name.clone())
            && let Some(schema) = schemas.get(&name)
        {
            collect_refs(schema, &mut pending);
        }
    }
    for name in &in_requests {
        if let Some(schema) = schemas.get_mut(name) {
            patterned_text(schema);
        }
    }
    if let Ok(completed) = serde_json::from_value(doc) {
        *api = completed;
    }
}

/// Text without control characters other than tab, line feed and carriage return.
const TEXT: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$";
/// [`TEXT`] with at least one character that is neither blank nor a control character.
const NOT_BLANK: &str = concat!(
    r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*",
    r"[^\s\u0000-\u001F\u007F-\u009F]",
    r"[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]*$"
);
/// A cursor as the server gives them out: URL-safe base64 without padding.
const CURSOR: &str = "^[A-Za-z0-9_-]{1,200}$";

/// The component names `value` refers to.
fn collect_refs(value: &Value, into: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(name) = map
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix("#/components/schemas/"))
            {
                into.push(name.to_owned());
            }
            map.values().for_each(|v| collect_refs(v, into));
        }
        Value::Array(items) => items.iter().for_each(|v| collect_refs(v, into)),
        _ => {}
    }
}

/// Every string schema in `value` with no pattern, format or set of values gets [`TEXT`].
fn patterned_text(value: &mut Value) {
    match value {
        Value::Object(map) => {
            let string = match map.get("type") {
                Some(Value::String(t)) => t == "string",
                Some(Value::Array(types)) => types.iter().any(|t| t == "string"),
                _ => false,
            };
            let open = ["pattern", "format", "enum", "const"]
                .iter()
                .all(|k| !map.contains_key(*k));
            if string && open {
                map.insert("pattern".to_owned(), Value::String(TEXT.to_owned()));
            } else if string && map.get("pattern").is_some_and(|p| p == r"\S") {
                map.insert("pattern".to_owned(), Value::String(NOT_BLANK.to_owned()));
            }
            // Every body refuses unknown fields, variants of a tagged enum included.
            let object = map.get("type").is_some_and(|t| t == "object");
            if object && map.contains_key("properties") && !map.contains_key("additionalProperties")
            {
                map.insert("additionalProperties".to_owned(), Value::Bool(false));
            }
            if let Some(Value::Object(zone)) = map
                .get_mut("properties")
                .and_then(|p| p.get_mut("time_zone"))
            {
                let nullable = matches!(zone.get("type"), Some(Value::Array(t)) if t.iter().any(|t| t == "null"));
                let names = chrono_tz::TZ_VARIANTS
                    .iter()
                    .map(|tz| Value::String(tz.name().to_owned()));
                let values = names.chain(nullable.then_some(Value::Null)).collect();
                zone.insert("enum".to_owned(), values);
            }
            map.values_mut().for_each(patterned_text);
        }
        Value::Array(items) => items.iter_mut().for_each(patterned_text),
        _ => {}
    }
}
