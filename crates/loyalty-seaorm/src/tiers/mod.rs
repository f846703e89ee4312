//! Members' growth and the history of their tier changes.

pub(crate) mod entities;
mod repository;
