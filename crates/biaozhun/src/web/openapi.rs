//! The OpenAPI document, generated from the handlers' annotations. A test checks that
//! every `/api/v1` route in the router appears here and nothing else does.

use axum::Json;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

#[derive(OpenApi)]
#[openapi(
    info(title = "biaozhun API", description = "Public and member data of the standardization platform. \
        Authenticate scripts with a personal token (`Authorization: Bearer bz_…`); browser sessions must send `X-CSRF-Token` on changes."),
    paths(
        crate::auth::captcha::api_new,
        crate::auth::routes::api_login,
        crate::auth::routes::api_logout,
        crate::auth::routes::api_register,
        crate::auth::routes::api_forgot,
        crate::auth::routes::api_me,
        crate::auth::routes::api_tokens,
        crate::auth::routes::api_token_create,
        crate::auth::routes::api_token_revoke,
        crate::auth::routes::api_notifications,
        crate::auth::routes::api_set_roles,
        crate::auth::routes::api_audit,
        crate::auth::membership::routes::api_districts,
        crate::auth::membership::routes::api_mine,
        crate::auth::membership::routes::api_apply,
        crate::auth::membership::routes::api_queue,
        crate::auth::membership::routes::api_decide,
        crate::content::routes::api_list,
        crate::content::routes::api_get,
        crate::content::routes::api_create,
        crate::content::routes::api_update,
        crate::jobs::routes::api_get,
    ),
    modifiers(&TokenAuth),
)]
pub struct ApiDoc;

struct TokenAuth;

impl utoipa::Modify for TokenAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The whole document: the shared paths above, merged with each domain's own `ApiDoc`.
pub fn spec() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::standards::routes::ApiDoc::openapi());
    doc.merge(crate::tbt::routes::ApiDoc::openapi());
    doc
}

pub async fn document() -> Json<utoipa::openapi::OpenApi> {
    Json(spec())
}
