//! Strict JSON bodies: serde reads a struct from a JSON array as readily as from an object
//! (by position), so `[]` would pass for a request with every optional field absent. A body,
//! and every struct nested in it, is taken only from a JSON object.
//!
//! [`Strict`] wraps any deserializer and refuses a sequence wherever a struct is asked for,
//! at any depth, and text with a control character other than a tab or a line break (a NUL
//! in a name reached the database). A number with a zero fraction (`2.0`) is read as the
//! integer it is, as JSON Schema counts integers; everything else passes through unchanged.

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};
use std::fmt;

/// A deserializer that takes a struct only from a map (a JSON object).
pub struct Strict<D>(pub D);

/// Deserializes `T` from `deserializer`, taking structs only from JSON objects.
///
/// # Errors
/// What `T`'s deserialization refuses, and a struct given as anything but an object.
pub fn from_deserializer<'de, T, D>(deserializer: D) -> Result<T, D::Error>
where
    T: de::Deserialize<'de>,
    D: Deserializer<'de>,
{
    T::deserialize(Strict(deserializer))
}

/// Passes every call through, wrapping the visitor so that what it reads is strict too.
macro_rules! forward {
    ($($method:ident),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
            self.0.$method(Wrap(visitor))
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strict<D> {
    type Error = D::Error;

    forward!(
        deserialize_any,
        deserialize_bool,
        deserialize_i8,
        deserialize_i16,
        deserialize_i32,
        deserialize_i64,
        deserialize_i128,
        deserialize_u8,
        deserialize_u16,
        deserialize_u32,
        deserialize_u64,
        deserialize_u128,
        deserialize_f32,
        deserialize_f64,
        deserialize_char,
        deserialize_str,
        deserialize_string,
        deserialize_bytes,
        deserialize_byte_buf,
        deserialize_option,
        deserialize_unit,
        deserialize_seq,
        deserialize_map,
        deserialize_identifier,
        deserialize_ignored_any
    );

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_unit_struct(name, Wrap(visitor))
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_newtype_struct(name, Wrap(visitor))
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple(len, Wrap(visitor))
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_tuple_struct(name, len, Wrap(visitor))
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0
            .deserialize_struct(name, fields, ObjectOnly(Wrap(visitor)))
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        self.0.deserialize_enum(name, variants, Wrap(visitor))
    }

    fn is_human_readable(&self) -> bool {
        self.0.is_human_readable()
    }
}

/// `text`, when it holds no control character but tabs and line breaks.
fn printable<E: de::Error>(text: &str) -> Result<&str, E> {
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
    {
        return Err(E::custom("text must not contain control characters"));
    }
    Ok(text)
}

/// A visitor whose nested values are read strictly.
struct Wrap<V>(V);

/// A struct's visitor that refuses a sequence.
struct ObjectOnly<V>(V);

impl<'de, V: Visitor<'de>> Visitor<'de> for ObjectOnly<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(map)
    }
}

/// Passes each `visit_*` of a value through unchanged.
macro_rules! visit {
    ($($method:ident($ty:ty)),*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.0.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Wrap<V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.expecting(f)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<V::Value, E> {
        self.0.visit_str(printable(v)?)
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<V::Value, E> {
        printable::<E>(&v)?;
        self.0.visit_string(v)
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<V::Value, E> {
        self.0.visit_borrowed_str(printable(v)?)
    }

    visit!(
        visit_bool(bool),
        visit_i8(i8),
        visit_i16(i16),
        visit_i32(i32),
        visit_i64(i64),
        visit_i128(i128),
        visit_u8(u8),
        visit_u16(u16),
        visit_u32(u32),
        visit_u64(u64),
        visit_u128(u128),
        visit_f32(f32),
        visit_char(char),
        visit_bytes(&[u8]),
        visit_byte_buf(Vec<u8>)
    );

    /// A number with a fraction of zero is an integer, as JSON Schema counts (`1.0` is `1`),
    /// where it is exact (up to 2^53).
    #[allow(clippy::cast_possible_truncation, clippy::float_cmp)]
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<V::Value, E> {
        const EXACT: f64 = 9_007_199_254_740_992.0;
        if v.fract() == 0.0 && v.abs() <= EXACT {
            if v < 0.0 {
                return self.0.visit_i64(v as i64);
            }
            return self.0.visit_u64(v as u64);
        }
        self.0.visit_f64(v)
    }

    fn visit_borrowed_bytes<E: de::Error>(self, v: &'de [u8]) -> Result<V::Value, E> {
        self.0.visit_borrowed_bytes(v)
    }

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.0.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.0.visit_some(Strict(d))
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, d: D2) -> Result<V::Value, D2::Error> {
        self.0.visit_newtype_struct(Strict(d))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        self.0.visit_seq(Wrap(seq))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        self.0.visit_map(Wrap(map))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        self.0.visit_enum(Wrap(data))
    }
}

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for Wrap<S> {
    type Value = S::Value;

    fn deserialize<D2: Deserializer<'de>>(self, d: D2) -> Result<S::Value, D2::Error> {
        self.0.deserialize(Strict(d))
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        self.0.next_element_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.0.next_key_seed(Wrap(seed))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.0.next_value_seed(Wrap(seed))
    }

    fn size_hint(&self) -> Option<usize> {
        self.0.size_hint()
    }
}

impl<'de, A: EnumAccess<'de>> EnumAccess<'de> for Wrap<A> {
    type Error = A::Error;
    type Variant = Wrap<A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let (value, variant) = self.0.variant_seed(Wrap(seed))?;
        Ok((value, Wrap(variant)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Wrap<A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.0.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        self.0.newtype_variant_seed(Wrap(seed))
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        self.0.tuple_variant(len, Wrap(visitor))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        self.0.struct_variant(fields, ObjectOnly(Wrap(visitor)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        a: Option<i32>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Outer {
        name: Option<String>,
        inner: Option<Inner>,
        list: Option<Vec<Inner>>,
        #[serde(default)]
        pair: Option<(i32, i32)>,
    }

    fn strict(json: &str) -> Result<Outer, serde_json::Error> {
        from_deserializer(&mut serde_json::Deserializer::from_str(json))
    }

    #[test]
    fn a_struct_given_as_an_array_is_refused_at_any_depth() {
        let by_position = "[null, null, null, null]";
        assert!(
            serde_json::from_str::<Outer>(by_position).is_ok(),
            "serde alone takes it"
        );
        let top = strict(by_position).expect_err("not an object");
        assert!(strict("[]").is_err());
        assert!(top.to_string().contains("a JSON object"), "{top}");
        assert!(strict(r#"{"inner": [1]}"#).is_err());
        assert!(strict(r#"{"list": [{"a": 1}, [2]]}"#).is_err());
    }

    #[test]
    fn text_with_a_control_character_is_refused_and_line_breaks_pass() {
        let nul = strict(r#"{"name": "a\u0000b"}"#).expect_err("a NUL");
        assert!(nul.to_string().contains("control characters"), "{nul}");
        assert!(strict(r#"{"name": "bell\u0007"}"#).is_err());
        assert!(strict(r#"{"list": [{"a": 1}], "name": "\u001b[31m"}"#).is_err());
        let kept = strict(r#"{"name": "line\nbreak\ttab"}"#).expect("printable");
        assert_eq!(kept.name.as_deref(), Some("line\nbreak\ttab"));
    }

    #[test]
    fn objects_arrays_of_objects_tuples_and_nulls_read_as_before() {
        let json =
            r#"{"name": "x", "inner": {"a": 1}, "list": [{"a": 2}, {"a": null}], "pair": [3, 4]}"#;
        assert_eq!(
            strict(json).expect("strict"),
            serde_json::from_str::<Outer>(json).expect("serde")
        );
        assert_eq!(
            strict("{}").expect("empty object"),
            Outer {
                name: None,
                inner: None,
                list: None,
                pair: None
            }
        );
    }

    #[test]
    fn an_integer_written_with_a_zero_fraction_is_that_integer() {
        let whole = strict(r#"{"inner": {"a": 2.0}, "list": [{"a": -3.0}]}"#).expect("integers");
        assert_eq!(whole.inner, Some(Inner { a: Some(2) }));
        assert_eq!(whole.list, Some(vec![Inner { a: Some(-3) }]));
        assert!(strict(r#"{"inner": {"a": 2.5}}"#).is_err(), "a fraction");
        assert!(
            strict(r#"{"inner": {"a": 1e300}}"#).is_err(),
            "out of range"
        );
    }
}
