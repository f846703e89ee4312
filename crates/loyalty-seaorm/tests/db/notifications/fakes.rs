//! SMS and WeChat providers that record what they take and answer as a test scripts them.

use async_trait::async_trait;
use chrono::Duration;
use loyalty_core::notifications::{
    DeliveryError, OutgoingSms, OutgoingWechat, SmsGateway, WechatGateway,
};
use std::collections::HashMap;
use std::sync::Mutex;
use uuid::Uuid;

/// An SMS as the provider took it: the dedup key, the phone, the template params.
pub type Taken = (Uuid, String, Vec<(String, String)>);

/// What a provider answers, per phone, in order; then `Ok`.
#[derive(Default)]
pub struct FakeSms {
    pub sent: Mutex<Vec<Taken>>,
    pub script: Mutex<HashMap<String, Vec<DeliveryError>>>,
    /// After this many sends, the next one waits for ever (a dispatcher stuck mid-batch).
    pub stall_after: Option<usize>,
    pub stalled: tokio::sync::Notify,
    /// Each send takes this long on the world's clock (a slow provider).
    pub slow: Option<(loyalty_core::testing::ManualClock, Duration)>,
}

impl FakeSms {
    /// The messages taken so far.
    pub fn taken(&self) -> Vec<Taken> {
        self.sent.lock().expect("lock").clone()
    }

    /// The dedup keys (event ids) of the messages taken so far.
    pub fn events(&self) -> Vec<Uuid> {
        self.taken()
            .into_iter()
            .map(|(event, _, _)| event)
            .collect()
    }
}

#[async_trait]
impl SmsGateway for FakeSms {
    async fn send_sms(&self, sms: &OutgoingSms<'_>) -> Result<Option<String>, DeliveryError> {
        if let Some(limit) = self.stall_after
            && self.sent.lock().expect("lock").len() >= limit
        {
            self.stalled.notify_one();
            std::future::pending::<()>().await;
        }
        let scripted = {
            let mut script = self.script.lock().expect("lock");
            script
                .get_mut(sms.phone)
                .and_then(|errors| (!errors.is_empty()).then(|| errors.remove(0)))
        };
        if let Some(error) = scripted {
            return Err(error);
        }
        if let Some((clock, step)) = &self.slow {
            clock.advance(*step);
        }
        self.sent.lock().expect("lock").push((
            sms.dedup_key,
            sms.phone.to_owned(),
            sms.params.to_vec(),
        ));
        Ok(Some(format!("biz-{}", sms.dedup_key)))
    }
}

#[derive(Default)]
pub struct FakeWechat {
    pub sent: Mutex<Vec<(String, String)>>,
    /// What WeChat answers the first sends with, in order; then it takes them.
    pub script: Mutex<Vec<DeliveryError>>,
}

impl FakeWechat {
    /// The messages taken so far: (openid, template id).
    pub fn taken(&self) -> Vec<(String, String)> {
        self.sent.lock().expect("lock").clone()
    }

    pub fn answering(errors: Vec<DeliveryError>) -> Self {
        Self {
            script: Mutex::new(errors),
            ..Self::default()
        }
    }
}

#[async_trait]
impl WechatGateway for FakeWechat {
    async fn send_subscribe(&self, msg: &OutgoingWechat<'_>) -> Result<(), DeliveryError> {
        let scripted = {
            let mut script = self.script.lock().expect("lock");
            (!script.is_empty()).then(|| script.remove(0))
        };
        if let Some(error) = scripted {
            return Err(error);
        }
        self.sent
            .lock()
            .expect("lock")
            .push((msg.openid.to_owned(), msg.template_id.to_owned()));
        Ok(())
    }
}
