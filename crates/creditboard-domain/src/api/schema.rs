//! A call's request and answer in the API document (with the `openapi` feature): named types
//! by reference to their component, lists as lists of references, as utoipa's own `path`
//! macro writes them.

/// A schema, or a reference to one in the document's components.
pub type SchemaRef = utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>;

/// Named schemas for the document's components.
pub type Schemas = Vec<(String, SchemaRef)>;

/// `T` in an API document: a reference to its named schema, added to `components` with the
/// ones it refers to. A list (`Vec<X>`) is a list of references to `X`'s.
pub fn schema_of<T: utoipa::ToSchema>(components: &mut Schemas) -> SchemaRef {
    use utoipa::openapi::schema::{ArrayItems, Schema};
    use utoipa::openapi::{Ref, RefOr};
    T::schemas(components);
    let mut schema = T::schema();
    if let RefOr::T(Schema::Array(list)) = &mut schema {
        // utoipa names a type by the last segment of its path, as `ToSchema::name` does.
        let full = std::any::type_name::<T>();
        let item = full
            .split_once('<')
            .and_then(|(_, rest)| rest.strip_suffix('>'))
            .and_then(|inner| inner.rsplit("::").next())
            .map(str::to_string);
        if let (Some(name), ArrayItems::RefOrSchema(items)) = (item, &mut list.items)
            && let RefOr::T(item_schema) = items.as_ref()
        {
            components.push((name.clone(), RefOr::T(item_schema.clone())));
            **items = Ref::from_schema_name(name).into();
        }
        return schema;
    }
    let name = T::name().into_owned();
    components.push((name.clone(), schema));
    Ref::from_schema_name(name).into()
}

impl utoipa::PartialSchema for super::EstimateRequest {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let line = <crate::ratecard::EstimateLine as utoipa::ToSchema>::name();
        utoipa::openapi::schema::ArrayBuilder::new()
            .items(utoipa::openapi::Ref::from_schema_name(line))
            .into()
    }
}

impl utoipa::ToSchema for super::EstimateRequest {
    fn schemas(
        schemas: &mut Vec<(
            String,
            utoipa::openapi::RefOr<utoipa::openapi::schema::Schema>,
        )>,
    ) {
        <crate::ratecard::EstimateLine as utoipa::ToSchema>::schemas(schemas);
        schemas.push((
            <crate::ratecard::EstimateLine as utoipa::ToSchema>::name().into_owned(),
            <crate::ratecard::EstimateLine as utoipa::PartialSchema>::schema(),
        ));
    }
}
