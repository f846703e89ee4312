//! Helpers of the migrations after the foundation (which keeps its own copy: a shipped
//! migration is never edited).

use sea_orm_migration::prelude::*;

/// An index named `name` on `cols` of `table`.
pub(crate) fn index(
    name: &str,
    table: impl IntoIden,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(table);
    for col in cols {
        index.col(Alias::new(*col));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}
