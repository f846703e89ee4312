//! What the points feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Points, refusals};

/// The points feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PointsError {
    #[error("not enough points: {requested} requested, {available} available")]
    InsufficientPoints {
        requested: Points,
        available: Points,
    },
    #[error("the merchant does not award points for this action")]
    ActionNotOffered,
    #[error("the daily cap of points for this is reached")]
    DailyCapReached,
}

impl DomainError for PointsError {
    fn code(&self) -> &str {
        match self {
            Self::InsufficientPoints { .. } => "insufficient_points",
            Self::ActionNotOffered => "action_not_offered",
            Self::DailyCapReached => "daily_cap_reached",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Rejected
    }
}

refusals!(PointsError);
