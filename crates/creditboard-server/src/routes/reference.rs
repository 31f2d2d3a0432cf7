//! The API reference for integrators at `/api/docs`: the OpenAPI document rendered by Swagger
//! UI, which the app's build copies from npm (`swagger-ui-dist`) into `api-docs/` beside the
//! app; nothing is fetched from elsewhere.

use crate::state::AppState;
use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};

/// Starts Swagger UI on the document (a file, not inline, so a strict CSP can allow it).
const INIT: &str = "window.addEventListener('load', () => {\n  window.ui = SwaggerUIBundle({\n    url: '/api/openapi.json',\n    dom_id: '#reference',\n    deepLinking: true,\n    validatorUrl: null,\n    tryItOutEnabled: false,\n  });\n});\n";

pub async fn page(State(s): State<AppState>) -> Html<String> {
    let installed = s
        .app_dir()
        .is_some_and(|d| d.join("api-docs/swagger-ui-bundle.js").is_file());
    let body = if installed {
        "<div id=\"reference\"></div>\n<script src=\"/api-docs/swagger-ui-bundle.js\"></script>\n<script src=\"/api/docs/init.js\"></script>"
    } else {
        "<main><h1>Creditboard API</h1><p>The reference is shown with the built app \
         (<code>--app dist</code>, which <code>cargo xtask build</code> makes). The document \
         itself is at <a href=\"/api/openapi.json\">/api/openapi.json</a>.</p></main>"
    };
    Html(format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Creditboard API reference</title>\n<link rel=\"icon\" href=\"data:,\">\n\
         {}</head>\n<body>\n{body}\n</body>\n</html>\n",
        if installed {
            "<link rel=\"stylesheet\" href=\"/api-docs/swagger-ui.css\">\n"
        } else {
            ""
        }
    ))
}

pub async fn init() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        INIT,
    )
        .into_response()
}
