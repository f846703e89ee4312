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

/// A `bigint` column defaulting to 0 that can never go below it.
pub(crate) fn non_negative(col: impl IntoIden + Copy + 'static) -> ColumnDef {
    sea_orm_migration::schema::big_integer(col)
        .default(0)
        .check(Expr::col(col).gte(0))
        .to_owned()
}

/// Refuses to go back while any of `checks` (a description and a `SELECT COUNT(*)`) counts
/// rows that going back past `migration` would lose.
pub(crate) async fn refuse_losing(
    m: &SchemaManager<'_>,
    migration: &str,
    checks: &[(&str, &str)],
) -> Result<(), DbErr> {
    for (what, sql) in checks {
        let row = m
            .get_connection()
            .query_one_raw(sea_orm::Statement::from_string(
                m.get_database_backend(),
                *sql,
            ))
            .await?;
        let count: i64 = row.map_or(Ok(0), |r| r.try_get_by_index(0))?;
        if count > 0 {
            return Err(DbErr::Migration(format!(
                "cannot go back before {migration}: {count} {what} would be lost"
            )));
        }
    }
    Ok(())
}

/// Adds one column: SQLite adds no more in one statement.
pub(crate) async fn add_column(
    m: &SchemaManager<'_>,
    table: impl IntoIden,
    col: ColumnDef,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).add_column(col).to_owned())
        .await
}

/// Drops one column: SQLite drops no more in one statement.
pub(crate) async fn drop_column(
    m: &SchemaManager<'_>,
    table: impl IntoIden,
    col: impl IntoIden,
) -> Result<(), DbErr> {
    m.alter_table(Table::alter().table(table).drop_column(col).to_owned())
        .await
}
