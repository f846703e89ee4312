//! The command line as an operator uses it: invalid configuration, migrate, seed-demo and
//! verify-ledger, which must find a drift planted behind the engine's back.

use loyalty_seaorm::testing::TestDatabase;
use std::process::{Command, Output};

fn run(args: &[&str], envs: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_loyalty-server"));
    command
        .args(args)
        .env_remove("RUST_LOG")
        .env("LOYALTY__LOG__FILTER", "warn");
    for (key, value) in envs {
        command.env(key, value);
    }
    command.output().expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

#[test]
fn invalid_configuration_is_reported_with_a_non_zero_exit() {
    let output = run(&["migrate"], &[("LOYALTY__SERVER__PORT", "not-a-port")]);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("port"), "{}", text(&output));

    let output = run(
        &["migrate"],
        &[("LOYALTY__DATABASE__URL", "mysql://nowhere/db")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("database.url"), "{}", text(&output));

    let output = run(
        &["migrate"],
        &[("LOYALTY__AUTH__TOKEN_SECRET", "too-short")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(text(&output).contains("token_secret"), "{}", text(&output));
}

async fn migrate_seed_and_verify(db: &TestDatabase) {
    let env = [("LOYALTY__DATABASE__URL", db.url.as_str())];
    let migrated = run(&["migrate"], &env);
    assert!(migrated.status.success(), "{}", text(&migrated));

    let seeded = run(&["seed-demo"], &env);
    assert!(seeded.status.success(), "{}", text(&seeded));
    assert!(
        text(&seeded).contains("\"merchant_code\":\"demo\""),
        "{}",
        text(&seeded)
    );

    let clean = run(&["verify-ledger"], &env);
    assert_eq!(clean.status.code(), Some(0), "{}", text(&clean));

    // Plant a drift: a lot loses a point that no ledger entry took.
    let planted = db.execute("UPDATE points_lots SET remaining = remaining - 1 WHERE id IN (SELECT id FROM points_lots ORDER BY earned_at LIMIT 1)").await;
    assert_eq!(planted.expect("planted"), 1);

    let drifted = run(&["verify-ledger"], &env);
    assert_eq!(drifted.status.code(), Some(1), "{}", text(&drifted));
    assert!(
        text(&drifted).contains("1 account(s) drift"),
        "{}",
        text(&drifted)
    );

    // And a card gains bonus that no card ledger entry gave (the demo tops one up).
    let planted = db
        .execute("UPDATE member_cards SET bonus_fen = bonus_fen + 1 WHERE principal_fen > 0")
        .await;
    assert_eq!(planted.expect("planted"), 1);
    let drifted = run(&["verify-ledger"], &env);
    assert_eq!(drifted.status.code(), Some(1), "{}", text(&drifted));
    assert!(
        text(&drifted).contains("card ") && text(&drifted).contains("2 account(s) drift"),
        "{}",
        text(&drifted)
    );

    // And a count card gains a use no entry gave (the demo sells one).
    let planted = db
        .execute("UPDATE member_cards SET uses_left = uses_left + 1 WHERE uses_left IS NOT NULL")
        .await;
    assert_eq!(planted.expect("planted"), 1);
    let drifted = run(&["verify-ledger"], &env);
    assert_eq!(drifted.status.code(), Some(1), "{}", text(&drifted));
    assert!(
        text(&drifted).contains(" uses") && text(&drifted).contains("3 account(s) drift"),
        "{}",
        text(&drifted)
    );
}

loyalty_seaorm::on_both_databases! {
    migrate_seed_demo_and_verify_ledger_find_a_planted_drift => crate::migrate_seed_and_verify;
}
