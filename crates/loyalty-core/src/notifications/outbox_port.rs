use crate::kernel::StoreError;
use crate::kernel::{MemberId, MerchantId};
use crate::notifications::OutboxMessage;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use uuid::Uuid;

/// A message a dispatcher has claimed: it holds the lease until `leased_until`, and only the
/// holder of `lease` can settle it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub message: OutboxMessage,
    pub attempts: u32,
    pub lease: Uuid,
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageStatus {
    Pending,
    Sent,
    Failed,
    /// An SMS in reserve for a WeChat message: pending if WeChat refuses that one's first
    /// attempt, dropped when it is sent or fails otherwise.
    Standby,
}

impl MessageStatus {
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Sent => "sent",
            Self::Failed => "failed",
            Self::Standby => "standby",
        }
    }

    #[must_use]
    pub fn parse(s: &str) -> Option<Self> {
        [Self::Pending, Self::Sent, Self::Failed, Self::Standby]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A message as HQ sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    pub message: OutboxMessage,
    pub status: MessageStatus,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub sent_at: Option<DateTime<Utc>>,
}

/// SMS sent in a period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SmsUsage {
    pub messages: u64,
    pub parts: u64,
}

/// The outbox: messages written with the change that causes them, worked off by
/// dispatchers.
#[cfg_attr(any(test, feature = "mocks"), mockall::automock)]
#[async_trait]
pub trait OutboxRepository: Send {
    /// Adds messages; one that exists for its event and channel is left as it is. Returns how
    /// many were added.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn enqueue(&mut self, messages: &[OutboxMessage]) -> Result<u64, StoreError>;

    /// Whether the merchant has a message that tells of `event_id`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn has_event(&mut self, merchant: MerchantId, event_id: Uuid)
    -> Result<bool, StoreError>;

    /// Leases up to `limit` pending messages due at `now` (and not leased by another
    /// dispatcher until later) until `leased_until`, oldest due first. Concurrent dispatchers
    /// never claim the same message while its lease runs.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn claim(
        &mut self,
        now: DateTime<Utc>,
        leased_until: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<Claimed>, StoreError>;

    /// Marks a claimed message sent; `false` when the lease was lost (another dispatcher
    /// took the message over).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn mark_sent(
        &mut self,
        id: Uuid,
        lease: Uuid,
        provider_id: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Hands a claimed message back unsent, as it was (attempts and last error), for any
    /// dispatcher to claim — at `due_at` when given.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn release(
        &mut self,
        id: Uuid,
        lease: Uuid,
        due_at: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;

    /// Puts a claimed message back, due at `due_at`, with its attempts counted.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn mark_retry(
        &mut self,
        id: Uuid,
        lease: Uuid,
        attempts: u32,
        due_at: DateTime<Utc>,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// Gives a claimed message up.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn mark_failed(
        &mut self,
        id: Uuid,
        lease: Uuid,
        attempts: u32,
        error: &str,
    ) -> Result<bool, StoreError>;

    /// The merchant's messages in `status`, newest first, before `before`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn messages(
        &mut self,
        merchant: MerchantId,
        status: MessageStatus,
        before: Option<Uuid>,
        limit: u64,
    ) -> Result<Vec<MessageRecord>, StoreError>;

    /// Settles the SMS in reserve for an event's WeChat message (`event_id` is the reserve's
    /// own, [`fallback_event_id`](crate::notifications::fallback_event_id)): due at `due`
    /// when it is to go in the WeChat message's place, dropped (`None`) otherwise. `false`
    /// when there is no such message in reserve.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn settle_standby(
        &mut self,
        merchant: MerchantId,
        event_id: Uuid,
        due: Option<DateTime<Utc>>,
    ) -> Result<bool, StoreError>;

    /// Sets the member's subscriptions to `template_id` to none (WeChat says none are left).
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn clear_subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_id: &str,
    ) -> Result<(), StoreError>;

    /// The merchant's message of that event, in whatever status.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn message_of_event(
        &mut self,
        merchant: MerchantId,
        event_id: Uuid,
    ) -> Result<Option<MessageRecord>, StoreError>;

    /// The merchant's message with that id, in whatever status.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn message(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
    ) -> Result<Option<MessageRecord>, StoreError>;

    /// Queues a failed message again, due at `due_at`, with no attempts; `false` when the
    /// merchant has no failed message with that id.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn requeue(
        &mut self,
        merchant: MerchantId,
        id: Uuid,
        due_at: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Forgets an erased member: the member's messages not sent yet fail ("member erased"),
    /// every message of the member loses its recipient and parameters (an emptied recipient
    /// is never queued again), and the member's WeChat subscriptions go. Answers how many
    /// messages were emptied.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn forget_member(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<u64, StoreError>;

    /// SMS the merchant sent in `[from, to)`.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn sms_usage(
        &mut self,
        merchant: MerchantId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<SmsUsage, StoreError>;

    /// The member's WeChat one-time subscriptions left, by template.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
    ) -> Result<Vec<(String, u32)>, StoreError>;

    /// Uses one subscription, only if one is left; `false` otherwise.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn take_subscription(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_id: &str,
    ) -> Result<bool, StoreError>;

    /// Adds one subscription per template the member accepted.
    ///
    /// # Errors
    /// [`StoreError::Backend`] on failure.
    async fn add_subscriptions(
        &mut self,
        merchant: MerchantId,
        member: MemberId,
        template_ids: &[String],
    ) -> Result<(), StoreError>;
}

/// A transaction that reaches the notification outbox.
pub trait OutboxTx: crate::kernel::Transaction {
    fn outbox(&mut self) -> &mut dyn OutboxRepository;
}

/// What writing a notification reaches: the member told, the merchant and its settings, and
/// the outbox.
pub trait NotifyTx:
    crate::members::MembersTx + crate::merchants::MerchantsTx + OutboxTx + crate::settings::SettingsTx
{
}

impl<T> NotifyTx for T where
    T: crate::members::MembersTx
        + crate::merchants::MerchantsTx
        + OutboxTx
        + crate::settings::SettingsTx
{
}
