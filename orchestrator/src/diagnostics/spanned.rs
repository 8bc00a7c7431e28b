//! A value read from an input file, with the place it was written, so a check can point at
//! the exact line and column of a bad value.

use std::borrow::Cow;

use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde::{Deserialize, Serialize, Serializer};
use serde_saphyr::{Location, Spanned};

/// A value with the place it was written. Defaults carry [`Location::UNKNOWN`].
///
/// A local wrapper rather than bare `Spanned<T>` so the schema and the defaults (which
/// schemars renders by serializing them) describe the plain value.
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub(crate) struct Sp<T>(pub(crate) Spanned<T>);

impl<T> Sp<T> {
    /// A value that did not come from the file (a default).
    pub(crate) const fn unplaced(value: T) -> Self {
        Self(Spanned::new(value, Location::UNKNOWN, Location::UNKNOWN))
    }

    pub(crate) fn value(&self) -> &T {
        &self.0.value
    }

    /// Where the value is used; for an alias that is the alias, which is what a user edits.
    pub(crate) fn at(&self) -> Location {
        self.0.referenced
    }
}

impl<T: Default> Default for Sp<T> {
    fn default() -> Self {
        Self::unplaced(T::default())
    }
}

impl<T: Serialize> Serialize for Sp<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.0.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Sp<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut SchemaGenerator) -> Schema {
        T::json_schema(generator)
    }
}
