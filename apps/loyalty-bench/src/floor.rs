//! The engine's own floor: the statements one earn sends, recorded from the use case the
//! server runs for `POST /merchant/orders` (the same adapter, on the benchmark's database,
//! its lookups cached as a running server's are), then replayed with fresh ids as fast as
//! the database takes them: through pgbench on PostgreSQL, in a raw loop on SQLite. The
//! report can then tell what the schema costs (floor against reference) from what the
//! server adds (earn over HTTP against floor).

use crate::large::Quiet;
use crate::refs::{PgbenchRun, psql, run_pgbench};
use anyhow::{Context, bail};
use chrono::{DateTime, Utc};
use loyalty_core::checkout::CommitOrder;
use loyalty_core::engine::Loyalty;
use loyalty_core::kernel::{
    IdempotencyKey, Idempotent, MemberId, MerchantId, Money, Points, StaffId, StoreId, SystemClock,
};
use loyalty_seaorm::{ConnectSettings, Recorded, SeaUnitOfWork, StatementLog, Value, connect};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Who the recorded earn is for and by, as a sample order over HTTP answered.
#[derive(Debug, Clone, Copy)]
pub struct Ids {
    pub merchant: Uuid,
    pub store: Uuid,
    pub operator: Uuid,
    pub member: Uuid,
}

/// The idempotency key of the recorded earn; each replay sends one of its own instead.
const KEY: &str = "bench-floor-capture";

/// One earn's statements and what a replay must make fresh in them.
pub struct Capture {
    pub statements: Vec<Recorded>,
    /// Ids the earn created (entry, lot, order): new ones in every replay.
    fresh: Vec<Uuid>,
    member: Uuid,
}

impl Capture {
    /// Statements sent, lookups included.
    pub fn round_trips(&self) -> usize {
        self.statements.len()
    }
}

/// Records the statements of one earn of 88.00 by `ids`, after a first one that fills the
/// lookup cache as a running server's is.
pub async fn capture(url: &str, ids: Ids) -> anyhow::Result<Capture> {
    let db = connect(&ConnectSettings::new(url)).await?;
    let log = StatementLog::default();
    let engine = Loyalty::new(
        SeaUnitOfWork::new(db).recording(log.clone()),
        SystemClock,
        Quiet,
    );
    let order = || -> anyhow::Result<CommitOrder> {
        Ok(CommitOrder {
            merchant_id: MerchantId::from_uuid(ids.merchant),
            store_id: Some(StoreId::from_uuid(ids.store)),
            member_id: MemberId::from_uuid(ids.member),
            order_no: None,
            amount_paid: Some(Money::from_fen(8_800)?),
            lines: Vec::new(),
            coupon_codes: Vec::new(),
            points_to_use: Points::ZERO,
            card: None,
            operator_id: Some(StaffId::from_uuid(ids.operator)),
        })
    };
    let idem = |key: &str| Idempotent {
        key: IdempotencyKey {
            merchant_id: MerchantId::from_uuid(ids.merchant),
            scope: format!("staff:{}", ids.operator),
            key: key.to_owned(),
        },
        fingerprint: "0".repeat(64),
    };
    let warm_up = format!("bench-floor-warm-up-{}", Uuid::now_v7());
    engine
        .checkout()
        .commit(order()?, Some(&idem(&warm_up)))
        .await?;
    log.take();
    let started = Utc::now() - chrono::Duration::milliseconds(1);
    engine.checkout().commit(order()?, Some(&idem(KEY))).await?;
    let statements = log.take();
    let mut fresh = Vec::new();
    for value in statements.iter().flat_map(values) {
        if let Value::Uuid(Some(u)) = value
            && created_since(u, started)
            && !fresh.contains(u)
        {
            fresh.push(*u);
        }
    }
    if statements.is_empty() || fresh.is_empty() {
        bail!("the recorded earn sent no statements or created nothing");
    }
    Ok(Capture {
        statements,
        fresh,
        member: ids.member,
    })
}

fn values(r: &Recorded) -> impl Iterator<Item = &Value> {
    r.statement.values.iter().flat_map(|v| v.0.iter())
}

/// A v7 id made at or after `since`: one the recorded earn created.
fn created_since(id: &Uuid, since: DateTime<Utc>) -> bool {
    id.get_version_num() == 7
        && id.get_timestamp().is_some_and(|t| {
            let (secs, nanos) = t.to_unix();
            DateTime::from_timestamp(i64::try_from(secs).unwrap_or(i64::MAX), nanos)
                .is_some_and(|at| at >= since)
        })
}

/// The statements as a pgbench script: lookups, then the transaction; each created id
/// becomes a fresh one per transaction (`:u`), the member one of the merchant's
/// (`bench_floor_members`, `:n`), the idempotency key a new one.
pub fn pgbench_script(capture: &Capture) -> anyhow::Result<String> {
    let mut script =
        String::from("\\set n random(1, :members)\n\\set u random(1, 1000000000000000000)\n");
    let (lookups, writes): (Vec<_>, Vec<_>) =
        capture.statements.iter().partition(|r| !r.in_transaction);
    for r in lookups {
        let _ = writeln!(script, "{};", pg_statement(capture, r)?);
    }
    script.push_str("BEGIN;\n");
    for r in writes {
        let _ = writeln!(script, "{};", pg_statement(capture, r)?);
    }
    script.push_str("END;\n");
    Ok(script)
}

/// The SQL with each `$n` replaced by its value as a typed expression.
fn pg_statement(capture: &Capture, r: &Recorded) -> anyhow::Result<String> {
    let params: Vec<&Value> = values(r).collect();
    let sql = &r.statement.sql;
    if sql.contains('\n') {
        bail!("a statement spans lines: pgbench takes one per line");
    }
    let mut out = String::with_capacity(sql.len() * 2);
    let mut chars = sql.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if c != '$' || !chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) {
            out.push(c);
            continue;
        }
        let mut end = i + 1;
        while let Some((j, d)) = chars.peek().copied() {
            if !d.is_ascii_digit() {
                break;
            }
            end = j + d.len_utf8();
            chars.next();
        }
        let n: usize = sql[i + 1..end].parse()?;
        let value = params
            .get(n.checked_sub(1).context("$0")?)
            .with_context(|| format!("${n} has no value"))?;
        out.push_str(&pg_value(capture, value)?);
    }
    Ok(out)
}

fn pg_uuid(capture: &Capture, u: &Uuid) -> String {
    if *u == capture.member {
        "(SELECT id FROM bench_floor_members WHERE n = :n)".to_owned()
    } else if let Some(k) = capture.fresh.iter().position(|f| f == u) {
        format!("('{k:016x}' || lpad(to_hex(:u::bigint), 16, '0'))::uuid")
    } else {
        format!("'{u}'::uuid")
    }
}

/// Text as pgbench passes it through untouched: a quoted literal, or hex-decoded where a
/// colon would read as one of pgbench's variables.
fn pg_literal(text: &str) -> String {
    if text.contains(':') || text.contains('\\') {
        let hex: String = text.bytes().map(|b| format!("{b:02x}")).collect();
        format!("convert_from(decode('{hex}', 'hex'), 'UTF8')")
    } else {
        format!("'{}'", text.replace('\'', "''"))
    }
}

/// Text with the created ids, the member and the key in it made fresh as in the statement.
fn pg_text(capture: &Capture, text: &str) -> String {
    let mut marks: Vec<(String, String)> = capture
        .fresh
        .iter()
        .chain(std::iter::once(&capture.member))
        .map(|u| (u.to_string(), format!("({})::text", pg_uuid(capture, u))))
        .collect();
    marks.push((KEY.to_owned(), "('floor-' || :u)".to_owned()));
    let mut parts = Vec::new();
    let mut rest = text;
    while let Some((at, (found, expr))) = marks
        .iter()
        .filter_map(|m| rest.find(&m.0).map(|at| (at, m)))
        .min_by_key(|(at, _)| *at)
    {
        if at > 0 {
            parts.push(pg_literal(&rest[..at]));
        }
        parts.push(expr.clone());
        rest = &rest[at + found.len()..];
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(pg_literal(rest));
    }
    format!("({})::text", parts.join(" || "))
}

fn pg_value(capture: &Capture, value: &Value) -> anyhow::Result<String> {
    Ok(match value {
        Value::Uuid(Some(u)) => pg_uuid(capture, u),
        Value::String(Some(s)) => pg_text(capture, s),
        Value::Json(Some(j)) => format!("({})::jsonb", pg_text(capture, &j.to_string())),
        Value::BigInt(Some(n)) => format!("{n}::int8"),
        Value::Int(Some(n)) => format!("{n}::int4"),
        Value::SmallInt(Some(n)) => format!("{n}::int2"),
        Value::Bool(Some(b)) => b.to_string(),
        Value::Double(Some(f)) => format!("{f}::float8"),
        Value::ChronoDateTimeUtc(Some(t)) => format!(
            "to_timestamp({}.{:06})",
            t.timestamp(),
            t.timestamp_subsec_micros()
        ),
        Value::Uuid(None) => "NULL::uuid".to_owned(),
        Value::String(None) => "NULL::text".to_owned(),
        Value::Json(None) => "NULL::jsonb".to_owned(),
        Value::BigInt(None) => "NULL::int8".to_owned(),
        Value::Int(None) => "NULL::int4".to_owned(),
        Value::SmallInt(None) => "NULL::int2".to_owned(),
        Value::Bool(None) => "NULL::bool".to_owned(),
        Value::Double(None) => "NULL::float8".to_owned(),
        Value::ChronoDateTimeUtc(None) => "NULL::timestamptz".to_owned(),
        other => bail!("the recorded earn sent a value the replay cannot write: {other:?}"),
    })
}

/// pgbench over the recorded statements on `url` (the benchmark's database, its members in
/// it): transactions per second and PostgreSQL's cores meanwhile.
pub fn pgbench(
    url: &str,
    capture: &Capture,
    ids: Ids,
    clients: usize,
    duration: Duration,
) -> anyhow::Result<PgbenchRun> {
    psql(
        url,
        &format!(
            "DROP TABLE IF EXISTS bench_floor_members; \
             CREATE TABLE bench_floor_members AS SELECT (row_number() OVER (ORDER BY id))::int AS n, id \
             FROM members WHERE merchant_id = '{}'; \
             ALTER TABLE bench_floor_members ADD PRIMARY KEY (n);",
            ids.merchant
        ),
    )?;
    let members = crate::refs::psql_value(url, "SELECT count(*) FROM bench_floor_members")?;
    let run = run_pgbench(
        url,
        &pgbench_script(capture)?,
        &[("members", members.as_str())],
        clients,
        duration,
    );
    psql(url, "DROP TABLE IF EXISTS bench_floor_members")?;
    run
}

/// The statements of one capture, split where SQLite needs one call each (several sent as
/// one call are separated by `;`), with their parameters.
fn sqlite_parts(r: &Recorded) -> anyhow::Result<Vec<(String, Vec<Value>)>> {
    let mut params = values(r).cloned();
    let mut parts = Vec::new();
    let (mut current, mut count, mut quoted) = (String::new(), 0, None::<char>);
    for c in r.statement.sql.chars() {
        match (c, quoted) {
            ('\'' | '"', None) => quoted = Some(c),
            (q, Some(open)) if q == open => quoted = None,
            ('?', None) => count += 1,
            (';', None) => {
                parts.push((std::mem::take(&mut current), count));
                count = 0;
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    parts.push((current, count));
    parts
        .into_iter()
        .filter(|(sql, _)| !sql.trim().is_empty())
        .map(|(sql, n)| {
            let taken: Vec<Value> = params.by_ref().take(n).collect();
            if taken.len() == n {
                Ok((sql.trim().to_owned(), taken))
            } else {
                bail!("a statement has more placeholders than values")
            }
        })
        .collect()
}

/// Text with the created ids, the member and the key replaced as `fresh` says.
fn sqlite_text(text: &str, fresh: &[(String, String)]) -> String {
    fresh
        .iter()
        .fold(text.to_owned(), |t, (from, to)| t.replace(from, to))
}

fn sqlite_value(
    value: &Value,
    ids: &HashMap<Uuid, Uuid>,
    texts: &[(String, String)],
) -> anyhow::Result<rusqlite::types::Value> {
    use rusqlite::types::Value as V;
    Ok(match value {
        Value::Uuid(Some(u)) => V::Blob(ids.get(u).unwrap_or(u).as_bytes().to_vec()),
        Value::String(Some(s)) => V::Text(sqlite_text(s, texts)),
        Value::Json(Some(j)) => V::Text(sqlite_text(&j.to_string(), texts)),
        Value::BigInt(Some(n)) => V::Integer(*n),
        Value::Int(Some(n)) => V::Integer(i64::from(*n)),
        Value::SmallInt(Some(n)) => V::Integer(i64::from(*n)),
        Value::Bool(Some(b)) => V::Integer(i64::from(*b)),
        Value::Double(Some(f)) => V::Real(*f),
        Value::ChronoDateTimeUtc(Some(t)) => {
            V::Text(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false))
        }
        Value::Uuid(None)
        | Value::String(None)
        | Value::Json(None)
        | Value::BigInt(None)
        | Value::Int(None)
        | Value::SmallInt(None)
        | Value::Bool(None)
        | Value::Double(None)
        | Value::ChronoDateTimeUtc(None) => V::Null,
        other => bail!("the recorded earn sent a value the replay cannot write: {other:?}"),
    })
}

/// Runs one statement with its values made fresh, reading any rows it returns.
fn run_part(
    conn: &rusqlite::Connection,
    sql: &str,
    params: &[Value],
    ids: &HashMap<Uuid, Uuid>,
    texts: &[(String, String)],
) -> anyhow::Result<()> {
    let mut statement = conn.prepare_cached(sql)?;
    for (i, p) in params.iter().enumerate() {
        statement.raw_bind_parameter(i + 1, sqlite_value(p, ids, texts)?)?;
    }
    let mut rows = statement.raw_query();
    while rows.next()?.is_some() {}
    Ok(())
}

/// The recorded statements in a loop on the SQLite file at `path` (WAL, `synchronous=FULL`
/// as the engine opens it, one writer, prepared statements): each transaction for one of
/// `members`, with fresh ids and key; transactions per second.
pub fn sqlite_loop(
    path: &std::path::Path,
    capture: &Capture,
    members: &[Uuid],
    duration: Duration,
) -> anyhow::Result<f64> {
    let conn = rusqlite::Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let mut lookups = Vec::new();
    let mut writes = Vec::new();
    for r in &capture.statements {
        let into = if r.in_transaction {
            &mut writes
        } else {
            &mut lookups
        };
        into.extend(sqlite_parts(r)?);
    }
    for (sql, _) in lookups.iter().chain(&writes) {
        conn.prepare_cached(sql)?;
    }
    let start = Instant::now();
    let mut done = 0_u64;
    while start.elapsed() < duration {
        let member = members[(done as usize) % members.len()];
        let mut ids: HashMap<Uuid, Uuid> =
            capture.fresh.iter().map(|u| (*u, Uuid::now_v7())).collect();
        ids.insert(capture.member, member);
        let mut texts: Vec<(String, String)> = ids
            .iter()
            .map(|(from, to)| (from.to_string(), to.to_string()))
            .collect();
        texts.push((KEY.to_owned(), format!("floor-{done}")));
        for (sql, params) in &lookups {
            run_part(&conn, sql, params, &ids, &texts)?;
        }
        conn.execute_batch("BEGIN IMMEDIATE")?;
        for (sql, params) in &writes {
            run_part(&conn, sql, params, &ids, &texts)?;
        }
        conn.execute_batch("COMMIT")?;
        done += 1;
    }
    Ok(done as f64 / start.elapsed().as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;
    use loyalty_seaorm::Statement;

    fn capture(sql: &str, values: Vec<Value>, fresh: Vec<Uuid>, member: Uuid) -> Capture {
        Capture {
            statements: vec![Recorded {
                statement: Statement::from_sql_and_values(
                    sea_orm_backend(),
                    sql.to_owned(),
                    values,
                ),
                in_transaction: true,
            }],
            fresh,
            member,
        }
    }

    fn sea_orm_backend() -> loyalty_seaorm::DbBackend {
        loyalty_seaorm::DbBackend::Postgres
    }

    #[test]
    fn a_pgbench_script_makes_created_ids_member_and_key_fresh() {
        let (created, member, merchant) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let body = format!("{{\"id\":\"{created}\",\"key\":\"{KEY}\",\"it's\":1}}");
        let c = capture(
            "INSERT INTO t (a, b, c, d, e, f) VALUES ($1, $2, $3, $4, $5, $6)",
            vec![
                Value::Uuid(Some(created)),
                Value::Uuid(Some(member)),
                Value::Uuid(Some(merchant)),
                Value::String(Some(body)),
                Value::BigInt(Some(88)),
                Value::String(None),
            ],
            vec![created],
            member,
        );
        let script = pgbench_script(&c).expect("script");
        let fresh = "('0000000000000000' || lpad(to_hex(:u::bigint), 16, '0'))::uuid";
        assert!(script.starts_with("\\set n random(1, :members)\n"));
        assert!(script.contains(&format!("VALUES ({fresh}, (SELECT id FROM bench_floor_members WHERE n = :n), '{merchant}'::uuid, ")));
        // The body keeps its text, with the created id and the key made fresh, and its
        // colons out of pgbench's sight.
        assert!(script.contains(&format!("|| ({fresh})::text || ")));
        assert!(script.contains("('floor-' || :u)"));
        assert!(!script.contains("\":"));
        assert!(script.contains(", 88::int8, NULL::text);\nEND;\n"));
        assert!(script.contains("BEGIN;\nINSERT INTO t"));
    }

    #[test]
    fn statements_sent_together_split_with_their_values() {
        let c = Capture {
            statements: vec![Recorded {
                statement: Statement::from_sql_and_values(
                    loyalty_seaorm::DbBackend::Sqlite,
                    "UPDATE m SET a = ? WHERE b = ';?'; INSERT INTO e SELECT ?, ? FROM m",
                    vec![
                        Value::BigInt(Some(1)),
                        Value::BigInt(Some(2)),
                        Value::BigInt(Some(3)),
                    ],
                ),
                in_transaction: true,
            }],
            fresh: Vec::new(),
            member: Uuid::nil(),
        };
        let parts = sqlite_parts(&c.statements[0]).expect("parts");
        assert_eq!(
            parts,
            vec![
                (
                    "UPDATE m SET a = ? WHERE b = ';?'".to_owned(),
                    vec![Value::BigInt(Some(1))]
                ),
                (
                    "INSERT INTO e SELECT ?, ? FROM m".to_owned(),
                    vec![Value::BigInt(Some(2)), Value::BigInt(Some(3))]
                ),
            ]
        );
    }
}
