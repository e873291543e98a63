//! The two languages of the portal and the strings of its chrome (navigation, buttons, notices).
//!
//! Page content comes translated from `content/`; only what the portal itself prints lives here,
//! as one [`Ui`] table per language, so a missing translation is a compile error.

use leptos::prelude::*;

/// A language of the portal: its content bundle, its UI strings and `<html lang>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Lang {
    En,
    ZhHk,
}

/// Where the reader's choice is remembered.
const STORAGE_KEY: &str = "iams.lang";

impl Lang {
    /// Both languages, in the order the switch shows them.
    pub(crate) const ALL: [Lang; 2] = [Lang::En, Lang::ZhHk];

    /// The BCP 47 code: the `lang` of `content/`, of the search index and of `<html>`.
    pub(crate) fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhHk => "zh-HK",
        }
    }

    /// What the language switch shows, in the language itself.
    pub(crate) fn label(self) -> &'static str {
        match self {
            Lang::En => "EN",
            Lang::ZhHk => "繁中",
        }
    }

    pub(crate) fn ui(self) -> &'static Ui {
        match self {
            Lang::En => &EN,
            Lang::ZhHk => &ZH_HK,
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        Lang::ALL.into_iter().find(|l| l.code().eq_ignore_ascii_case(code))
    }

    /// The remembered choice; else Chinese if the browser prefers any Chinese; else English.
    pub(crate) fn initial() -> Lang {
        let stored = window()
            .local_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(STORAGE_KEY).ok().flatten())
            .and_then(|code| Lang::from_code(&code));
        if let Some(lang) = stored {
            return lang;
        }
        let preferred = window().navigator().language().unwrap_or_default();
        if preferred.to_ascii_lowercase().starts_with("zh") { Lang::ZhHk } else { Lang::En }
    }

    /// Remembers the choice and sets `<html lang>`. Storage may be unavailable (private mode):
    /// then the choice lasts until the page is reloaded.
    pub(crate) fn apply(self) {
        if let Ok(Some(storage)) = window().local_storage() {
            let _ = storage.set_item(STORAGE_KEY, self.code());
        }
        if let Some(html) = document().document_element() {
            let _ = html.set_attribute("lang", self.code());
        }
    }
}

/// A UI string that follows the language switch: `{tr(|ui| ui.faq)}` in a view.
///
/// Every call returns the same closure type, so the views share one compiled copy of the code
/// that renders and updates reactive text (one closure type per string would each add some).
pub(crate) fn tr(pick: fn(&Ui) -> &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync {
    let lang = crate::kb::use_kb().lang;
    move || pick(lang.get().ui())
}

/// Every string the portal prints outside the content, in one language.
#[derive(Debug)]
pub(crate) struct Ui {
    pub(crate) home: &'static str,
    pub(crate) things_to_know: &'static str,
    pub(crate) use_cases: &'static str,
    pub(crate) apis: &'static str,
    pub(crate) helpdesk: &'static str,
    pub(crate) faq: &'static str,
    pub(crate) about: &'static str,
    pub(crate) guides: &'static str,
    pub(crate) terms: &'static str,
    pub(crate) sign_in: &'static str,
    pub(crate) sections_label: &'static str,
    pub(crate) language_label: &'static str,

    pub(crate) search_label: &'static str,
    pub(crate) search_placeholder: &'static str,
    pub(crate) search_loading: &'static str,
    pub(crate) search_none: &'static str,
    pub(crate) search_failed: &'static str,

    pub(crate) loading: &'static str,
    pub(crate) load_failed: &'static str,
    pub(crate) on_this_page: &'static str,
    pub(crate) previous: &'static str,
    pub(crate) next: &'static str,
    /// `{n}` and `{total}` are replaced.
    pub(crate) slide_counter: &'static str,
    pub(crate) slides_hint: &'static str,

    pub(crate) home_try: &'static str,
    pub(crate) home_try_link: &'static str,
    pub(crate) home_families: &'static str,
    pub(crate) home_more: &'static str,
    pub(crate) things_intro: &'static str,
    pub(crate) use_cases_intro: &'static str,
    pub(crate) faq_title: &'static str,
    pub(crate) faq_intro: &'static str,
    pub(crate) guides_intro: &'static str,
    pub(crate) terms_intro: &'static str,
    pub(crate) apis_intro: &'static str,
    pub(crate) apis_signature: &'static str,
    pub(crate) apis_sdk: &'static str,
    pub(crate) helpdesk_intro: &'static str,
    pub(crate) sign_in_intro: &'static str,
    pub(crate) not_found_title: &'static str,
    pub(crate) not_found_text: &'static str,
    pub(crate) back_home: &'static str,
    pub(crate) footer: &'static str,
}

impl Ui {
    /// The navigation label of a content section (`content::SECTIONS`), for search results.
    pub(crate) fn section(&self, id: &str) -> &'static str {
        match id {
            "home" => self.home,
            "things-to-know" => self.things_to_know,
            "use-cases" => self.use_cases,
            "faq" => self.faq,
            "about" => self.about,
            "guides" => self.guides,
            "terms" => self.terms,
            _ => "",
        }
    }
}

const EN: Ui = Ui {
    home: "Home",
    things_to_know: "Things to Know",
    use_cases: "Use Cases",
    apis: "APIs",
    helpdesk: "Helpdesk",
    faq: "FAQ",
    about: "About",
    guides: "Guides",
    terms: "Terms",
    sign_in: "Sign in",
    sections_label: "Sections",
    language_label: "Language",

    search_label: "Search the knowledge base",
    search_placeholder: "Search  ( / )",
    search_loading: "Loading search…",
    search_none: "No results.",
    search_failed: "Search is unavailable right now.",

    loading: "Loading…",
    load_failed: "This page could not be loaded. Check your connection and reload.",
    on_this_page: "On this page",
    previous: "Previous",
    next: "Next",
    slide_counter: "Slide {n} of {total}",
    slides_hint: "Use the ← and → keys to move between slides.",

    home_try: "Every call is signed with HMAC-SHA256. Try it now: ",
    home_try_link: "compute a request signature in your browser",
    home_families: "Start with a guide",
    home_more: "More about the sandbox",
    things_intro: "Before you call the APIs: how iAM Smart identifies a user to your service, the two kinds of account, the profile and e-ME data you may ask for, and how requests are signed and encrypted.",
    use_cases_intro: "Each API family works in four set-ups: a website or an app, on the same phone as iAM Smart or on a different device. The walkthroughs show who calls whom at every step.",
    faq_title: "Frequently Asked Questions",
    faq_intro: "Answers to the questions developers ask most about tokens, signatures, callbacks and error codes.",
    guides_intro: "Step-by-step guides: one per API family, from the first request to a verified result.",
    terms_intro: "The terms that apply to invitees of the sandbox.",
    apis_intro: "The reference of every iAM Smart endpoint, with samples and a console that signs requests in your browser.",
    apis_signature: "Request signature calculator",
    apis_sdk: "JavaScript SDK: an npm package that signs, encrypts and calls every API",
    helpdesk_intro: "Stuck on an integration? Sign in to raise an enquiry and follow its replies here.",
    sign_in_intro: "Accounts are by invitation. Sign-in opens with the account features of the sandbox.",
    not_found_title: "Page not found",
    not_found_text: "No page lives at this address. ",
    back_home: "Back to the home page",
    footer: "iAM Smart Sandbox is an independent developer sandbox. It simulates the iAM Smart platform for testing and is not the government's service; no real identity data is used.",
};

const ZH_HK: Ui = Ui {
    home: "主頁",
    things_to_know: "須知事項",
    use_cases: "用例",
    apis: "API",
    helpdesk: "服務台",
    faq: "常見問題",
    about: "關於",
    guides: "指南",
    terms: "條款",
    sign_in: "登入",
    sections_label: "網站分區",
    language_label: "語言",

    search_label: "搜尋知識庫",
    search_placeholder: "搜尋  ( / )",
    search_loading: "正在載入搜尋…",
    search_none: "找不到結果。",
    search_failed: "暫時未能搜尋。",

    loading: "載入中…",
    load_failed: "未能載入此頁。請檢查網絡連線後重新載入。",
    on_this_page: "本頁內容",
    previous: "上一張",
    next: "下一張",
    slide_counter: "第 {n} 張，共 {total} 張",
    slides_hint: "可用 ← 及 → 鍵切換投影片。",

    home_try: "每個請求都以 HMAC-SHA256 簽名。立即試試：",
    home_try_link: "在瀏覽器中計算請求簽名",
    home_families: "由指南開始",
    home_more: "進一步了解沙盒",
    things_intro: "呼叫 API 之前：智方便如何向你的網上服務識別用戶、兩類帳戶、你可索取的個人資料及 e-ME 資料，以及請求如何簽名和加密。",
    use_cases_intro: "每個 API 系列都有四種情況：網站或應用程式，與智方便在同一部手機或在另一部裝置上。流程圖列出每一步由誰呼叫誰。",
    faq_title: "常見問題",
    faq_intro: "開發人員最常問的問題：權杖、請求簽名、回調及錯誤碼。",
    guides_intro: "逐步指南：每個 API 系列一份，由第一個請求到驗證結果。",
    terms_intro: "適用於沙盒獲邀人士的條款。",
    apis_intro: "每個智方便端點的參考資料，附範例，以及在瀏覽器中為請求簽名的主控台。",
    apis_signature: "請求簽名計算器",
    apis_sdk: "JavaScript SDK：為每個 API 簽名、加密及發出呼叫的 npm 套件",
    helpdesk_intro: "接駁時遇到問題？登入後可提出查詢，並在此查看回覆。",
    sign_in_intro: "帳戶只供獲邀人士使用。沙盒的帳戶功能推出後即可登入。",
    not_found_title: "找不到網頁",
    not_found_text: "此網址沒有網頁。",
    back_home: "返回主頁",
    footer: "智方便沙盒是獨立的開發人員沙盒，模擬智方便平台以供測試，並非政府的服務；不使用任何真實身份資料。",
};
