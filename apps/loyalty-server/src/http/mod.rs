//! The HTTP plumbing every audience shares: how lists are paged, `Idempotency-Key`, the
//! extractor configuration that answers malformed requests as problem+json, and reading
//! the values requests carry. The problems themselves are [`crate::error`]'s.

pub mod extract;
pub mod idempotency;
pub mod input;
pub mod json;
pub mod pagination;
pub mod strict;
