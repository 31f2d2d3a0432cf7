//! JSON request bodies, held to the shape the OpenAPI document declares for them.
//!
//! serde reads a struct from a JSON array as readily as from an object (`[93]` would pass
//! for `{"ttl_seconds": 93}`), and the request types cannot opt out of that. So a body is
//! first read as JSON, then walked against its operation's documented schema (objects where
//! objects are declared with their required fields, arrays where arrays are, the declared
//! scalar types), and only then turned into the request type. Values and bounds stay with the
//! types and the domain, whose messages say more. The schemas are compiled once, so the walk
//! looks nothing up by name: a 1,000-event usage batch takes about 0.4 ms more.

use super::ApiDoc;
use crate::error::{ApiError, ApiResult};
use axum::extract::{FromRequest, MatchedPath, Request};
use axum::http::StatusCode;
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::fmt;
use std::sync::LazyLock;
use utoipa::OpenApi;

/// A JSON body; a malformed one, or one of another shape than documented, is a 400 in the
/// API's error shape.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> ApiResult<Self> {
        let shape = req
            .extensions()
            .get::<MatchedPath>()
            .and_then(|path| documented_body(req.method().as_str(), path.as_str()));
        let axum::Json(value) = axum::Json::<Value>::from_request(req, state).await?;
        if let Some(problem) = shape.and_then(|shape| misfit(&value, shape)) {
            return Err(invalid(problem));
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

/// The document's request bodies, compiled once into shapes a body is checked against
/// without looking anything up by name.
static SHAPES: LazyLock<Shapes> = LazyLock::new(|| {
    let document =
        serde_json::to_value(ApiDoc::openapi()).expect("the OpenAPI document serializes");
    Shapes::of(&document)
});

/// The shape documented for the body of `method path` (`path` as routed, `{account}` and
/// all), if it has one.
fn documented_body(method: &str, path: &str) -> Option<usize> {
    SHAPES
        .bodies
        .get(&(method.to_ascii_uppercase(), path.to_string()))
        .copied()
}

/// Where and how `value` differs from the documented shape `id`, if it does.
fn misfit(value: &Value, id: usize) -> Option<String> {
    SHAPES.conforms(value, id, &At::Body, true).err().flatten()
}

/// A JSON type a schema may declare.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Object,
    Array,
    String,
    Boolean,
    Null,
    Integer,
    Number,
}

impl Kind {
    fn named(name: &str) -> Option<Kind> {
        Some(match name {
            "object" => Kind::Object,
            "array" => Kind::Array,
            "string" => Kind::String,
            "boolean" => Kind::Boolean,
            "null" => Kind::Null,
            "integer" => Kind::Integer,
            "number" => Kind::Number,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Kind::Object => "object",
            Kind::Array => "array",
            Kind::String => "string",
            Kind::Boolean => "boolean",
            Kind::Null => "null",
            Kind::Integer => "integer",
            Kind::Number => "number",
        }
    }

    fn fits(self, value: &Value) -> bool {
        match self {
            Kind::Object => value.is_object(),
            Kind::Array => value.is_array(),
            Kind::String => value.is_string(),
            Kind::Boolean => value.is_boolean(),
            Kind::Null => value.is_null(),
            Kind::Integer => value.is_i64() || value.is_u64(),
            Kind::Number => value.is_number(),
        }
    }
}

/// Fields an object schema does not name.
#[derive(Default)]
enum Others {
    #[default]
    Allowed,
    Refused,
    Shaped(usize),
}

/// One schema node: what the walk checks there (types it does not know are left to the
/// request type).
#[derive(Default)]
struct Shape {
    /// The declared types; empty for any.
    kinds: Vec<Kind>,
    all_of: Vec<usize>,
    /// `oneOf` and `anyOf` alike: one alternative has to fit.
    one_of: Vec<usize>,
    required: Vec<String>,
    properties: HashMap<String, usize>,
    others: Others,
    items: Option<usize>,
}

struct Shapes {
    nodes: Vec<Shape>,
    /// `(METHOD, path)` → its body's shape.
    bodies: HashMap<(String, String), usize>,
}

impl Shapes {
    fn of(document: &Value) -> Shapes {
        let mut compiler = Compiler {
            document,
            nodes: Vec::new(),
            seen: HashMap::new(),
        };
        let mut bodies = HashMap::new();
        for (path, item) in document["paths"].as_object().into_iter().flatten() {
            for (method, op) in item.as_object().into_iter().flatten() {
                if let Some(schema) = op.pointer("/requestBody/content/application~1json/schema") {
                    let id = compiler.compile(schema);
                    bodies.insert((method.to_ascii_uppercase(), path.clone()), id);
                }
            }
        }
        Shapes {
            nodes: compiler.nodes,
            bodies,
        }
    }

    /// Whether `value` has shape `id`; `say`: with a message if not.
    fn conforms(&self, value: &Value, id: usize, at: &At<'_>, say: bool) -> Result<(), Misfit> {
        let shape = &self.nodes[id];
        for &part in &shape.all_of {
            self.conforms(value, part, at, say)?;
        }
        self.one_of(value, &shape.one_of, at, say)?;
        if !shape.kinds.is_empty() && !shape.kinds.iter().any(|k| k.fits(value)) {
            return Err(say.then(|| {
                let names: Vec<&str> = shape.kinds.iter().map(|k| k.name()).collect();
                format!(
                    "{at}: expected {}, found {}",
                    names.join(" or "),
                    kind(value)
                )
            }));
        }
        match value {
            Value::Object(fields) => {
                if let Some(name) = shape.required.iter().find(|n| !fields.contains_key(*n)) {
                    return Err(say.then(|| format!("{at}: missing field `{name}`")));
                }
                for (name, field) in fields {
                    let declared = match (shape.properties.get(name), &shape.others) {
                        (Some(&id), _) | (None, &Others::Shaped(id)) => id,
                        (None, Others::Refused) => {
                            return Err(say.then(|| format!("{at}: unknown field `{name}`")));
                        }
                        (None, Others::Allowed) => continue,
                    };
                    self.conforms(field, declared, &At::Field(at, name), say)?;
                }
            }
            Value::Array(items) => {
                if let Some(declared) = shape.items {
                    for (i, item) in items.iter().enumerate() {
                        self.conforms(item, declared, &At::Item(at, i), say)?;
                    }
                }
            }
            _ => {}
        }
        Ok(())
    }

    /// One of the alternatives fits (none to choose from: nothing to check). When none
    /// does, the message is the nearest miss's: the first alternative that is not merely
    /// `null`.
    fn one_of(
        &self,
        value: &Value,
        alternatives: &[usize],
        at: &At<'_>,
        say: bool,
    ) -> Result<(), Misfit> {
        if alternatives.is_empty()
            || alternatives
                .iter()
                .any(|&a| self.conforms(value, a, at, false).is_ok())
        {
            return Ok(());
        }
        if !say {
            return Err(None);
        }
        let nearest = alternatives
            .iter()
            .copied()
            .find(|&a| self.nodes[a].kinds != [Kind::Null])
            .unwrap_or(alternatives[0]);
        self.conforms(value, nearest, at, true)
    }
}

/// Compiles schema nodes once each (by address: the document does not move while it
/// compiles), references resolved to the node they name, so a recursive schema is a cycle
/// of indices.
struct Compiler<'d> {
    document: &'d Value,
    nodes: Vec<Shape>,
    seen: HashMap<*const Value, usize>,
}

impl<'d> Compiler<'d> {
    fn compile(&mut self, schema: &'d Value) -> usize {
        let schema = self.resolve(schema);
        if let Some(&id) = self.seen.get(&(schema as *const Value)) {
            return id;
        }
        let id = self.nodes.len();
        self.nodes.push(Shape::default());
        self.seen.insert(schema, id);
        let list = |key: &str| {
            schema
                .get(key)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        };
        let kinds = match schema.get("type") {
            Some(Value::String(one)) => Kind::named(one).into_iter().collect(),
            Some(Value::Array(many)) => {
                let kinds: Vec<Kind> = many
                    .iter()
                    .filter_map(Value::as_str)
                    .filter_map(Kind::named)
                    .collect();
                // A type this walk does not know: any, as far as it is concerned.
                if kinds.len() == many.len() {
                    kinds
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        };
        let all_of = list("allOf").map(|s| self.compile(s)).collect();
        let one_of = list("oneOf")
            .chain(list("anyOf"))
            .map(|s| self.compile(s))
            .collect();
        let required = list("required")
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        let properties = schema
            .get("properties")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(name, s)| (name.clone(), self.compile(s)))
            .collect();
        let others = match schema.get("additionalProperties") {
            Some(Value::Bool(false)) => Others::Refused,
            Some(s) if s.is_object() => Others::Shaped(self.compile(s)),
            _ => Others::Allowed,
        };
        let items = schema.get("items").map(|s| self.compile(s));
        self.nodes[id] = Shape {
            kinds,
            all_of,
            one_of,
            required,
            properties,
            others,
            items,
        };
        id
    }

    /// The schema a `$ref` names (a dangling one is the document's fault: it checks
    /// nothing, the request type still decides).
    fn resolve(&self, schema: &'d Value) -> &'d Value {
        static NOTHING: Value = Value::Null;
        match schema.get("$ref").and_then(Value::as_str) {
            Some(target) => {
                let name = target
                    .strip_prefix("#/components/schemas/")
                    .unwrap_or(target);
                self.document
                    .get("components")
                    .and_then(|c| c.get("schemas"))
                    .and_then(|s| s.get(name))
                    .map_or(&NOTHING, |s| self.resolve(s))
            }
            None => schema,
        }
    }
}

/// Where in the body a value sits, written out only for a message.
enum At<'a> {
    Body,
    Field(&'a At<'a>, &'a str),
    Item(&'a At<'a>, usize),
}

impl fmt::Display for At<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            At::Body => f.write_str("body"),
            At::Field(up, name) => write!(f, "{up}.{name}"),
            At::Item(up, i) => write!(f, "{up}[{i}]"),
        }
    }
}

/// Why a value does not fit: the message when one was asked for, `None` when the walk was
/// only trying an alternative (so a fitting body allocates nothing along the way).
type Misfit = Option<String>;

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

    fn body(method: &str, path: &str) -> usize {
        documented_body(method, path).unwrap_or_else(|| panic!("{method} {path} has a body"))
    }

    #[test]
    fn an_array_is_not_an_object() {
        let embed = body("POST", "/api/v1/accounts/{account}/embed-tokens");
        assert_eq!(
            misfit(&json!([93]), embed),
            Some("body: expected object, found an array".into())
        );
        assert_eq!(misfit(&json!({"ttl_seconds": 93}), embed), None);
    }

    #[test]
    fn nested_objects_and_arrays_are_walked() {
        let usage = body("POST", "/api/v1/accounts/{account}/usage");
        let event = json!({"key": "k", "meter": "credits", "amount": 1});
        assert_eq!(misfit(&json!({"events": [event]}), usage), None);
        let positional = json!({"events": [["k", "credits", 1]]});
        assert_eq!(
            misfit(&positional, usage),
            Some("body.events[0]: expected object, found an array".into())
        );
    }

    #[test]
    fn the_estimate_is_an_array_of_lines() {
        let estimate = body("POST", "/api/v1/accounts/{account}/estimate");
        let line = json!({"feature": "f", "quantity": 1});
        assert_eq!(misfit(&json!([line]), estimate), None);
        assert_eq!(
            misfit(&json!({"lines": [line]}), estimate),
            Some("body: expected array, found an object".into())
        );
    }

    #[test]
    fn nullable_references_take_null_or_their_shape() {
        let settings = body("PUT", "/api/v1/accounts/{account}/settings");
        let off = json!({"auto_top_up": {"meter": "credits", "settings": null}});
        assert_eq!(misfit(&off, settings), None);
        let positional = json!({"auto_top_up": {"meter": "credits", "settings": [1, 2]}});
        assert_eq!(
            misfit(&positional, settings),
            Some("body.auto_top_up.settings: expected object, found an array".into())
        );
    }
}
