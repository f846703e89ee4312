//! The world a test runs use cases in: the engine on the test's database, a manual clock and a
//! notifier that records every event.

use chrono::{DateTime, TimeZone, Utc};
use loyalty_core::engine::Loyalty;
use loyalty_core::testing::{ManualClock, RecordingNotifier};
use loyalty_seaorm::SeaUnitOfWork;
use loyalty_seaorm::testing::TestDatabase;

/// The engine on a real database, with the test clock and notifier.
pub type Engine = Loyalty<SeaUnitOfWork, ManualClock, RecordingNotifier>;

/// The engine a test drives, with its clock to move and its notifier to read.
pub struct World {
    pub loyalty: Engine,
    pub clock: ManualClock,
    pub notifier: RecordingNotifier,
}

impl World {
    /// The time the engine sees.
    pub fn clock_now(&self) -> DateTime<Utc> {
        loyalty_core::kernel::Clock::now(&self.clock)
    }

    /// How many events of this name the notifier was given.
    pub fn events_named(&self, name: &str) -> usize {
        self.notifier
            .events()
            .iter()
            .filter(|e| e.name() == name)
            .count()
    }
}

/// When every world starts: 23 November 2026, 02:00 UTC (10:00 in Shanghai).
pub fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 2, 0, 0)
        .single()
        .expect("valid time")
}

/// The engine on `db`, its clock at [`start`].
pub fn world(db: &TestDatabase) -> World {
    let clock = ManualClock::at(start());
    let notifier = RecordingNotifier::default();
    let loyalty = Loyalty::new(
        SeaUnitOfWork::new(db.db.clone()),
        clock.clone(),
        notifier.clone(),
    );
    World {
        loyalty,
        clock,
        notifier,
    }
}
