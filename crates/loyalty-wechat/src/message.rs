//! Subscribe messages (`subscribeMessage.send`).

use std::collections::BTreeMap;

use serde::Serialize;

/// Which build of the mini-program a tap on the message opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum MiniProgramState {
    /// `developer`: the development build.
    Developer,
    /// `trial`: the trial build.
    Trial,
    /// `formal`: the released build (WeChat's default).
    Formal,
}

/// The language the message is shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Lang {
    /// `zh_CN` (WeChat's default).
    #[serde(rename = "zh_CN")]
    ZhCn,
    /// `en_US`.
    #[serde(rename = "en_US")]
    EnUs,
    /// `zh_HK`.
    #[serde(rename = "zh_HK")]
    ZhHk,
    /// `zh_TW`.
    #[serde(rename = "zh_TW")]
    ZhTw,
}

/// A one-time subscribe message to one user.
///
/// The client does not check values against the template's rules (e.g. a `thing` value is at
/// most 20 characters); WeChat answers errcode 47003 when one is broken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubscribeMessage {
    /// The recipient's openid (`touser`).
    pub to_user: String,
    /// The template id from the mini-program admin console.
    pub template_id: String,
    /// The page a tap opens, with query string, e.g. `pages/points/index?from=msg`.
    pub page: Option<String>,
    /// Template keyword → value, e.g. `thing1` → `"Points earned"`; sent as
    /// `{"thing1": {"value": "Points earned"}}`.
    pub data: BTreeMap<String, String>,
    /// Which build a tap opens; WeChat defaults to the released one.
    pub miniprogram_state: Option<MiniProgramState>,
    /// Display language; WeChat defaults to `zh_CN`.
    pub lang: Option<Lang>,
}

impl SubscribeMessage {
    /// A message with no data, page, state or language yet.
    #[must_use]
    pub fn new(to_user: impl Into<String>, template_id: impl Into<String>) -> Self {
        Self {
            to_user: to_user.into(),
            template_id: template_id.into(),
            page: None,
            data: BTreeMap::new(),
            miniprogram_state: None,
            lang: None,
        }
    }

    /// Sets one template keyword, replacing an earlier value for it.
    #[must_use]
    pub fn field(mut self, keyword: impl Into<String>, value: impl Into<String>) -> Self {
        self.data.insert(keyword.into(), value.into());
        self
    }

    /// Sets the page a tap opens.
    #[must_use]
    pub fn page(mut self, page: impl Into<String>) -> Self {
        self.page = Some(page.into());
        self
    }

    /// Sets which build a tap opens.
    #[must_use]
    pub fn state(mut self, state: MiniProgramState) -> Self {
        self.miniprogram_state = Some(state);
        self
    }

    /// Sets the display language.
    #[must_use]
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }

    /// The body WeChat expects.
    pub(crate) fn wire(&self) -> Wire<'_> {
        Wire {
            touser: &self.to_user,
            template_id: &self.template_id,
            page: self.page.as_deref(),
            data: self
                .data
                .iter()
                .map(|(k, v)| (k.as_str(), Value { value: v }))
                .collect(),
            miniprogram_state: self.miniprogram_state,
            lang: self.lang,
        }
    }
}

#[derive(Serialize)]
pub(crate) struct Wire<'a> {
    touser: &'a str,
    template_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    page: Option<&'a str>,
    data: BTreeMap<&'a str, Value<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    miniprogram_state: Option<MiniProgramState>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lang: Option<Lang>,
}

#[derive(Serialize)]
struct Value<'a> {
    value: &'a str,
}
