//! What the notifications feature refuses, and what it does not find.

use crate::kernel::{DomainError, ErrorKind, Subject, refusals};

/// A message this request named does not exist for the caller.
pub const MESSAGE: Subject = Subject::new("message", "message_not_found");

/// The notifications feature's refusals.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotificationsError {
    #[error(
        "the member was told by the SMS kept in reserve for this WeChat message; queue that one instead"
    )]
    MessageReplaced,
}

impl DomainError for NotificationsError {
    fn code(&self) -> &str {
        match self {
            Self::MessageReplaced => "message_replaced",
        }
    }

    fn kind(&self) -> ErrorKind {
        ErrorKind::Conflict
    }
}

refusals!(NotificationsError);
