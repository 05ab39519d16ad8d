//! Successes a plain form's page confirms: the server function names one, the server sends the
//! browser back with `?notice=<code>`, and the page shows the fixed, translated sentence.
//! Unknown codes show nothing, so a link cannot put words of its own on a page.

use crate::i18n::Lang;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Notice {
    PasswordChanged,
    ChangesSaved,
    PersonCreated,
    GrantGiven,
    GrantWithdrawn,
    Suspended,
    SuspensionLifted,
    CertificateRevoked,
    WebhookRegistered,
    WebhookDisabled,
}

impl Notice {
    const ALL: [Notice; 10] = [
        Notice::PasswordChanged,
        Notice::ChangesSaved,
        Notice::PersonCreated,
        Notice::GrantGiven,
        Notice::GrantWithdrawn,
        Notice::Suspended,
        Notice::SuspensionLifted,
        Notice::CertificateRevoked,
        Notice::WebhookRegistered,
        Notice::WebhookDisabled,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Notice::PasswordChanged => "password_changed",
            Notice::ChangesSaved => "changes_saved",
            Notice::PersonCreated => "person_created",
            Notice::GrantGiven => "grant_given",
            Notice::GrantWithdrawn => "grant_withdrawn",
            Notice::Suspended => "suspended",
            Notice::SuspensionLifted => "suspension_lifted",
            Notice::CertificateRevoked => "certificate_revoked",
            Notice::WebhookRegistered => "webhook_registered",
            Notice::WebhookDisabled => "webhook_disabled",
        }
    }

    pub fn from_code(code: &str) -> Option<Notice> {
        Notice::ALL.into_iter().find(|notice| notice.code() == code)
    }

    pub fn message(self, lang: Lang) -> &'static str {
        let t = lang.texts();
        let console = crate::compliance::texts::console_texts(lang);
        match self {
            Notice::PasswordChanged => t.password_changed,
            Notice::ChangesSaved => t.changes_saved,
            Notice::PersonCreated => t.person_created,
            Notice::GrantGiven => console.notice_grant_given,
            Notice::GrantWithdrawn => console.notice_grant_withdrawn,
            Notice::Suspended => console.notice_suspended,
            Notice::SuspensionLifted => console.notice_suspension_lifted,
            Notice::CertificateRevoked => console.notice_certificate_revoked,
            Notice::WebhookRegistered => t.webhooks.registered,
            Notice::WebhookDisabled => t.webhooks.disabled_notice,
        }
    }

    /// Asks the server to confirm this success on the way back to the form's page (see
    /// [`crate::redirect::FORM_NOTICE_HEADER`]); clients that post without a form ignore it.
    #[cfg(feature = "ssr")]
    pub fn send(self) {
        if let Some(response) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
            response.insert_header(
                http::HeaderName::from_static(crate::redirect::FORM_NOTICE_HEADER),
                http::HeaderValue::from_static(self.code()),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_read_back_and_unknown_codes_are_nothing() {
        for notice in Notice::ALL {
            assert_eq!(Notice::from_code(notice.code()), Some(notice));
        }
        assert_eq!(Notice::from_code("<b>hacked</b>"), None);
    }
}
