//! JSON request bodies, held to the shape the OpenAPI document declares for them.
//!
//! serde reads a struct from a JSON array as readily as from an object (`[93]` would pass
//! for `{"ttl_seconds": 93}`), and the request types cannot opt out of that. So a body is
//! first read as JSON, then walked against its operation's documented schema (objects where
//! objects are declared with their required fields, arrays where arrays are, the declared
//! scalar types), and only then turned into the request type. Values and bounds stay with the
//! types and the domain, whose messages say more.

use super::ApiDoc;
use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequest, MatchedPath, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::sync::LazyLock;
use utoipa::OpenApi;

/// A JSON body; a malformed one, or one of another shape than documented, is a 400 in the
/// API's error shape.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let schema = req
            .extensions()
            .get::<MatchedPath>()
            .and_then(|path| documented_body(req.method().as_str(), path.as_str()));
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state).await?;
        if let Some(schema) = schema {
            conforms(&value, schema, "body").map_err(invalid)?;
        }
        serde_path_to_error::deserialize(value)
            .map(Body)
            .map_err(|e| invalid(format!("{}: {}", e.path(), e.inner())))
    }
}

fn invalid(problem: String) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        format!("Failed to deserialize the JSON body into the target type: {problem}"),
    )
}

/// The served document, as JSON: walked for each body, built once.
static DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes")
});

/// The schema documented for the body of `method path` (`path` as routed, `{account}` and
/// all).
fn documented_body(method: &str, path: &str) -> Option<&'static Value> {
    DOCUMENT
        .get("paths")?
        .get(path)?
        .get(method.to_ascii_lowercase())?
        .get("requestBody")?
        .get("content")?
        .get("application/json")?
        .get("schema")
}

/// Whether `value` has the shape `schema` declares; if not, where and how it differs.
fn conforms(value: &Value, schema: &Value, at: &str) -> Result<(), String> {
    if let Some(target) = schema.get("$ref").and_then(Value::as_str) {
        let name = target
            .strip_prefix("#/components/schemas/")
            .unwrap_or(target);
        return match DOCUMENT.pointer(&format!("/components/schemas/{name}")) {
            Some(schema) => conforms(value, schema, at),
            // A dangling reference is the document's fault; the request type still decides.
            None => Ok(()),
        };
    }
    if let Some(all) = schema.get("allOf").and_then(Value::as_array) {
        for part in all {
            conforms(value, part, at)?;
        }
    }
    for key in ["oneOf", "anyOf"] {
        if let Some(alternatives) = schema.get(key).and_then(Value::as_array) {
            one_of(value, alternatives, at)?;
        }
    }
    if let Some(types) = schema.get("type") {
        let allowed: Vec<&str> = match types {
            Value::String(one) => vec![one.as_str()],
            Value::Array(many) => many.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !allowed.is_empty() && !allowed.iter().any(|t| is_a(value, t)) {
            return Err(format!(
                "{at}: expected {}, found {}",
                allowed.join(" or "),
                kind(value)
            ));
        }
    }
    match value {
        Value::Object(fields) => {
            let required = schema.get("required").and_then(Value::as_array);
            for name in required.into_iter().flatten().filter_map(Value::as_str) {
                if !fields.contains_key(name) {
                    return Err(format!("{at}: missing field `{name}`"));
                }
            }
            let properties = schema.get("properties").and_then(Value::as_object);
            let others = schema.get("additionalProperties");
            for (name, field) in fields {
                match (properties.and_then(|p| p.get(name)), others) {
                    (Some(declared), _) => conforms(field, declared, &format!("{at}.{name}"))?,
                    (None, Some(Value::Bool(false))) => {
                        return Err(format!("{at}: unknown field `{name}`"));
                    }
                    (None, Some(declared)) if declared.is_object() => {
                        conforms(field, declared, &format!("{at}.{name}"))?
                    }
                    _ => {}
                }
            }
        }
        Value::Array(items) => {
            if let Some(declared) = schema.get("items") {
                for (i, item) in items.iter().enumerate() {
                    conforms(item, declared, &format!("{at}[{i}]"))?;
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// One of the alternatives fits. When none does, the answer names the nearest miss: the
/// first alternative that is not merely `null`.
fn one_of(value: &Value, alternatives: &[Value], at: &str) -> Result<(), String> {
    let mut misses = Vec::new();
    for alternative in alternatives {
        match conforms(value, alternative, at) {
            Ok(()) => return Ok(()),
            Err(miss) => misses.push((alternative.get("type") == Some(&"null".into()), miss)),
        }
    }
    let nearest = misses
        .iter()
        .find(|(null_only, _)| !null_only)
        .or(misses.first());
    match nearest {
        Some((_, miss)) => Err(miss.clone()),
        None => Ok(()),
    }
}

fn is_a(value: &Value, declared: &str) -> bool {
    match declared {
        "object" => value.is_object(),
        "array" => value.is_array(),
        "string" => value.is_string(),
        "boolean" => value.is_boolean(),
        "null" => value.is_null(),
        "integer" => value.is_i64() || value.is_u64(),
        "number" => value.is_number(),
        // A type this walk does not know is left to the request type.
        _ => true,
    }
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Object(_) => "an object",
        Value::Array(_) => "an array",
        Value::String(_) => "a string",
        Value::Bool(_) => "a boolean",
        Value::Null => "null",
        Value::Number(n) if n.is_f64() => "a fraction",
        Value::Number(_) => "a number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn body(method: &str, path: &str) -> &'static Value {
        documented_body(method, path).unwrap_or_else(|| panic!("{method} {path} has a body"))
    }

    #[test]
    fn an_array_is_not_an_object() {
        let embed = body("POST", "/api/v1/accounts/{account}/embed-tokens");
        assert_eq!(
            conforms(&json!([93]), embed, "body"),
            Err("body: expected object, found an array".into())
        );
        assert_eq!(conforms(&json!({"ttl_seconds": 93}), embed, "body"), Ok(()));
    }

    #[test]
    fn nested_objects_and_arrays_are_walked() {
        let usage = body("POST", "/api/v1/accounts/{account}/usage");
        let event = json!({"key": "k", "meter": "credits", "amount": 1});
        assert_eq!(conforms(&json!({"events": [event]}), usage, "body"), Ok(()));
        let positional = json!({"events": [["k", "credits", 1]]});
        assert_eq!(
            conforms(&positional, usage, "body"),
            Err("body.events[0]: expected object, found an array".into())
        );
    }

    #[test]
    fn the_estimate_is_an_array_of_lines() {
        let estimate = body("POST", "/api/v1/accounts/{account}/estimate");
        let line = json!({"feature": "f", "quantity": 1});
        assert_eq!(conforms(&json!([line]), estimate, "body"), Ok(()));
        assert!(conforms(&json!({"lines": [line]}), estimate, "body").is_err());
    }

    #[test]
    fn nullable_references_take_null_or_their_shape() {
        let settings = body("PUT", "/api/v1/accounts/{account}/settings");
        let off = json!({"auto_top_up": {"meter": "credits", "settings": null}});
        assert_eq!(conforms(&off, settings, "body"), Ok(()));
        let positional = json!({"auto_top_up": {"meter": "credits", "settings": [1, 2]}});
        assert!(conforms(&positional, settings, "body").is_err());
    }
}
