//! The OpenAPI 3.1 document. Paths and schemas are collected from the handlers themselves
//! (utoipa-actix-web); this adds the title and the security schemes, and [`complete`] adds
//! what every handler answers alike, so the document says what the server does.

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
