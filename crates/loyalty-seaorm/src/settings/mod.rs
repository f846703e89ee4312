//! Merchants' rule settings and the history of their versions.

pub(crate) mod entities;
mod repository;
mod rows;
