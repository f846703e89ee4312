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
    #[error("{0} is not a WeChat template of the merchant's notifications")]
    TemplateNotOffered(String),
}

impl DomainError for NotificationsError {
    fn code(&self) -> &str {
        match self {
            Self::MessageReplaced => "message_replaced",
            Self::TemplateNotOffered(_) => "template_not_offered",
        }
    }

    fn kind(&self) -> ErrorKind {
        match self {
            Self::MessageReplaced => ErrorKind::Conflict,
            Self::TemplateNotOffered(_) => ErrorKind::Rejected,
        }
    }

    fn field(&self) -> Option<&'static str> {
        matches!(self, Self::TemplateNotOffered(_)).then_some("template_ids")
    }
}

refusals!(NotificationsError);
