use loyalty_notify::{LogSmsProvider, SmsError, SmsMessage, SmsProvider};

#[tokio::test]
async fn the_log_provider_accepts_a_valid_message_without_a_receipt_id() {
    let message = SmsMessage::new("13800138000", "SMS_1", "evt-1").param("code", "123456");

    let receipt = LogSmsProvider.send(&message).await.expect("logged");

    assert_eq!(receipt.provider_message_id, None);
}

#[tokio::test]
async fn the_log_provider_rejects_what_a_real_provider_would() {
    let message = SmsMessage::new("0755-1234567", "SMS_1", "evt-1");

    let err = LogSmsProvider.send(&message).await.expect_err("invalid");

    assert!(matches!(err, SmsError::Rejected { .. }), "{err:?}");
    assert_eq!(err.provider(), "log");
}
