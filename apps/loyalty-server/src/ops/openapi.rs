//! The OpenAPI 3.1 document. Paths and schemas are collected from the handlers themselves
//! (utoipa-actix-web); this adds the title and the security schemes.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
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
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
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
