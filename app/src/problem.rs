//! What went wrong with a request, as a code and small numbers: rules report a `Problem`, and
//! every page words it in the reader's language. Only codes and numbers cross to the browser
//! and into URLs, never text that someone typed, so an `?error=` link cannot put words of its
//! own on a page.

use crate::i18n::Lang;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "snake_case")]
pub enum Problem {
    InvalidEmail,
    EmailTaken,
    EmployeeNumberTaken,
    PasswordTooShort {
        min: u32,
    },
    PasswordTooLong {
        max: u32,
    },
    DisplayNameMissing,
    TextTooLong {
        max: u32,
    },
    ControlCharacters,
    InvalidCountry,
    UnknownLanguage,
    UnknownRole,
    WrongCurrentPassword,
    LastAdminRole,
    LastAdminDeactivation,
    CannotDeactivateSelf,
    SearchTooLong {
        max: u32,
    },
    QuestionUnanswered {
        question: u32,
    },
    AnswerNotOffered {
        question: u32,
    },
    AnswerRepeated {
        question: u32,
    },
    OneAnswerOnly {
        question: u32,
    },
    QuestionNotInAttempt {
        question: u32,
    },
    AnswersMalformed,
    NoAttemptsLeft,
    CoolingDown,
    PolicyReplaced,
    ReadTooFast {
        seconds: u32,
    },
    ChangedConcurrently,
    ReferenceGone,
    MalformedRequest,
    ReasonMissing,
    AlreadyGranted,
    NoOpenGrant,
    AlreadySuspended,
    NotSuspended,
    AlreadyRevoked,
    EndInPast,
    InvalidDate,
    WebhookUrlInvalid,
    WebhookSecretTooShort {
        min: u32,
    },
    WebhookEventsMissing,
    UnknownWebhookEvent,
    WebhookAlreadyDisabled,
    /// Authored content (courses, quizzes, policy, certifications) that cannot be published;
    /// the detail is for the author and stays on the server side of the wire.
    InvalidContent {
        #[serde(skip)]
        detail: String,
    },
}

impl Problem {
    /// The stable code, as it appears in `?error=` and in JSON.
    pub fn code(&self) -> &'static str {
        use Problem::*;
        match self {
            InvalidEmail => "invalid_email",
            EmailTaken => "email_taken",
            EmployeeNumberTaken => "employee_number_taken",
            PasswordTooShort { .. } => "password_too_short",
            PasswordTooLong { .. } => "password_too_long",
            DisplayNameMissing => "display_name_missing",
            TextTooLong { .. } => "text_too_long",
            ControlCharacters => "control_characters",
            InvalidCountry => "invalid_country",
            UnknownLanguage => "unknown_language",
            UnknownRole => "unknown_role",
            WrongCurrentPassword => "wrong_current_password",
            LastAdminRole => "last_admin_role",
            LastAdminDeactivation => "last_admin_deactivation",
            CannotDeactivateSelf => "cannot_deactivate_self",
            SearchTooLong { .. } => "search_too_long",
            QuestionUnanswered { .. } => "question_unanswered",
            AnswerNotOffered { .. } => "answer_not_offered",
            AnswerRepeated { .. } => "answer_repeated",
            OneAnswerOnly { .. } => "one_answer_only",
            QuestionNotInAttempt { .. } => "question_not_in_attempt",
            AnswersMalformed => "answers_malformed",
            NoAttemptsLeft => "no_attempts_left",
            CoolingDown => "cooling_down",
            PolicyReplaced => "policy_replaced",
            ReadTooFast { .. } => "read_too_fast",
            ChangedConcurrently => "changed_concurrently",
            ReferenceGone => "reference_gone",
            MalformedRequest => "malformed_request",
            ReasonMissing => "reason_missing",
            AlreadyGranted => "already_granted",
            NoOpenGrant => "no_open_grant",
            AlreadySuspended => "already_suspended",
            NotSuspended => "not_suspended",
            AlreadyRevoked => "already_revoked",
            EndInPast => "end_in_past",
            InvalidDate => "invalid_date",
            WebhookUrlInvalid => "webhook_url_invalid",
            WebhookSecretTooShort { .. } => "webhook_secret_too_short",
            WebhookEventsMissing => "webhook_events_missing",
            UnknownWebhookEvent => "unknown_webhook_event",
            WebhookAlreadyDisabled => "webhook_already_disabled",
            InvalidContent { .. } => "invalid_content",
        }
    }

    /// The number the problem carries, if any (a question, a length).
    pub fn number(&self) -> Option<u32> {
        use Problem::*;
        match self {
            PasswordTooShort { min: n }
            | PasswordTooLong { max: n }
            | TextTooLong { max: n }
            | SearchTooLong { max: n }
            | QuestionUnanswered { question: n }
            | AnswerNotOffered { question: n }
            | AnswerRepeated { question: n }
            | OneAnswerOnly { question: n }
            | QuestionNotInAttempt { question: n }
            | ReadTooFast { seconds: n }
            | WebhookSecretTooShort { min: n } => Some(*n),
            _ => None,
        }
    }

    /// The problem behind a code and its number, as read back from a URL. Unknown codes and
    /// missing numbers give `None`: the page then shows nothing rather than guessing.
    pub fn from_code(code: &str, number: Option<u32>) -> Option<Problem> {
        use Problem::*;
        let simple = match code {
            "invalid_email" => Some(InvalidEmail),
            "email_taken" => Some(EmailTaken),
            "employee_number_taken" => Some(EmployeeNumberTaken),
            "display_name_missing" => Some(DisplayNameMissing),
            "control_characters" => Some(ControlCharacters),
            "invalid_country" => Some(InvalidCountry),
            "unknown_language" => Some(UnknownLanguage),
            "unknown_role" => Some(UnknownRole),
            "wrong_current_password" => Some(WrongCurrentPassword),
            "last_admin_role" => Some(LastAdminRole),
            "last_admin_deactivation" => Some(LastAdminDeactivation),
            "cannot_deactivate_self" => Some(CannotDeactivateSelf),
            "answers_malformed" => Some(AnswersMalformed),
            "no_attempts_left" => Some(NoAttemptsLeft),
            "cooling_down" => Some(CoolingDown),
            "policy_replaced" => Some(PolicyReplaced),
            "changed_concurrently" => Some(ChangedConcurrently),
            "reference_gone" => Some(ReferenceGone),
            "malformed_request" => Some(MalformedRequest),
            "reason_missing" => Some(ReasonMissing),
            "already_granted" => Some(AlreadyGranted),
            "no_open_grant" => Some(NoOpenGrant),
            "already_suspended" => Some(AlreadySuspended),
            "not_suspended" => Some(NotSuspended),
            "already_revoked" => Some(AlreadyRevoked),
            "end_in_past" => Some(EndInPast),
            "invalid_date" => Some(InvalidDate),
            "webhook_url_invalid" => Some(WebhookUrlInvalid),
            "webhook_events_missing" => Some(WebhookEventsMissing),
            "unknown_webhook_event" => Some(UnknownWebhookEvent),
            "webhook_already_disabled" => Some(WebhookAlreadyDisabled),
            "invalid_content" => Some(InvalidContent {
                detail: String::new(),
            }),
            _ => None,
        };
        if simple.is_some() {
            return simple;
        }
        let n = number?;
        match code {
            "password_too_short" => Some(PasswordTooShort { min: n }),
            "password_too_long" => Some(PasswordTooLong { max: n }),
            "text_too_long" => Some(TextTooLong { max: n }),
            "search_too_long" => Some(SearchTooLong { max: n }),
            "question_unanswered" => Some(QuestionUnanswered { question: n }),
            "answer_not_offered" => Some(AnswerNotOffered { question: n }),
            "answer_repeated" => Some(AnswerRepeated { question: n }),
            "one_answer_only" => Some(OneAnswerOnly { question: n }),
            "question_not_in_attempt" => Some(QuestionNotInAttempt { question: n }),
            "read_too_fast" => Some(ReadTooFast { seconds: n }),
            "webhook_secret_too_short" => Some(WebhookSecretTooShort { min: n }),
            _ => None,
        }
    }

    /// The problem in the reader's language.
    pub fn message(&self, lang: Lang) -> String {
        use Problem::*;
        let de = lang == Lang::De;
        let text = |en: &str, german: &str| if de { german } else { en }.to_string();
        match self {
            InvalidEmail => text(
                "This is not a valid email address.",
                "Das ist keine gültige E-Mail-Adresse.",
            ),
            EmailTaken => text(
                "A person with this email address already exists.",
                "Es gibt bereits eine Person mit dieser E-Mail-Adresse.",
            ),
            EmployeeNumberTaken => text(
                "This employee number is already taken.",
                "Diese Personalnummer ist bereits vergeben.",
            ),
            PasswordTooShort { min } => {
                if de {
                    format!("Das Passwort muss mindestens {min} Zeichen lang sein.")
                } else {
                    format!("The password must have at least {min} characters.")
                }
            }
            PasswordTooLong { max } => {
                if de {
                    format!("Das Passwort darf höchstens {max} Zeichen lang sein.")
                } else {
                    format!("The password must have at most {max} characters.")
                }
            }
            DisplayNameMissing => text("Please enter a name.", "Bitte geben Sie einen Namen ein."),
            TextTooLong { max } => {
                if de {
                    format!("Ein Feld ist zu lang: höchstens {max} Zeichen.")
                } else {
                    format!("A field is too long: at most {max} characters.")
                }
            }
            ControlCharacters => text(
                "A field contains invisible control characters; please type it again.",
                "Ein Feld enthält unsichtbare Steuerzeichen; bitte geben Sie es neu ein.",
            ),
            InvalidCountry => text(
                "The country must be a two-letter code such as DE or US.",
                "Das Land muss ein Code aus zwei Buchstaben sein, etwa DE oder US.",
            ),
            UnknownLanguage => text(
                "This language is not offered.",
                "Diese Sprache wird nicht angeboten.",
            ),
            UnknownRole => text("This role does not exist.", "Diese Rolle gibt es nicht."),
            WrongCurrentPassword => text(
                "The current password is not correct, or there were too many attempts.",
                "Das aktuelle Passwort ist nicht korrekt, oder es gab zu viele Versuche.",
            ),
            LastAdminRole => text(
                "The last active administrator cannot lose the admin role.",
                "Die letzte aktive Administratorin oder der letzte aktive Administrator kann die Admin-Rolle nicht verlieren.",
            ),
            LastAdminDeactivation => text(
                "The last active administrator cannot be deactivated.",
                "Die letzte aktive Administratorin oder der letzte aktive Administrator kann nicht deaktiviert werden.",
            ),
            CannotDeactivateSelf => text(
                "You cannot deactivate your own account.",
                "Sie können Ihr eigenes Konto nicht deaktivieren.",
            ),
            SearchTooLong { max } => {
                if de {
                    format!("Der Suchtext ist zu lang: höchstens {max} Zeichen.")
                } else {
                    format!("The search text is too long: at most {max} characters.")
                }
            }
            QuestionUnanswered { question } => {
                if de {
                    format!("Frage {question} ist nicht beantwortet.")
                } else {
                    format!("Question {question} has no answer.")
                }
            }
            AnswerNotOffered { question } => {
                if de {
                    format!("Frage {question} hat eine Antwort, die nicht angeboten wurde.")
                } else {
                    format!("Question {question} has an answer that was not offered.")
                }
            }
            AnswerRepeated { question } => {
                if de {
                    format!("Frage {question} nennt eine Antwort doppelt.")
                } else {
                    format!("Question {question} names an answer twice.")
                }
            }
            OneAnswerOnly { question } => {
                if de {
                    format!("Frage {question} erlaubt genau eine Antwort.")
                } else {
                    format!("Question {question} takes exactly one answer.")
                }
            }
            QuestionNotInAttempt { question } => {
                if de {
                    format!("Frage {question} gehört nicht zu diesem Versuch.")
                } else {
                    format!("Question {question} is not part of this attempt.")
                }
            }
            AnswersMalformed => text(
                "The answers could not be read; please choose them again.",
                "Die Antworten konnten nicht gelesen werden; bitte wählen Sie sie erneut.",
            ),
            NoAttemptsLeft => text(
                "No attempts are left for this quiz; please contact your trainer.",
                "Für dieses Quiz sind keine Versuche mehr übrig; bitte wenden Sie sich an Ihre Trainerin oder Ihren Trainer.",
            ),
            CoolingDown => text(
                "The next attempt cannot start yet; the quiz page shows when it can.",
                "Der nächste Versuch kann noch nicht beginnen; die Quiz-Seite zeigt, ab wann.",
            ),
            ReadTooFast { seconds } => {
                let wait = match (de, *seconds) {
                    (false, 1) => "1 second".to_string(),
                    (false, n) => format!("{n} seconds"),
                    (true, 1) => "1 Sekunde".to_string(),
                    (true, n) => format!("{n} Sekunden"),
                };
                if de {
                    format!(
                        "Diese Lektion ist erst kurz geöffnet. Lesen Sie sie in Ruhe zu Ende – als gelesen markieren können Sie sie in {wait}."
                    )
                } else {
                    format!(
                        "You opened this lesson only a moment ago. Take the time to read it – you can mark it as read in {wait}."
                    )
                }
            }
            PolicyReplaced => text(
                "This policy version has been replaced; please read the current policy.",
                "Diese Fassung der Richtlinie wurde ersetzt; bitte lesen Sie die aktuelle Fassung.",
            ),
            ChangedConcurrently => text(
                "This was changed at the same time elsewhere; please reload the page.",
                "Das wurde gleichzeitig an anderer Stelle geändert; bitte laden Sie die Seite neu.",
            ),
            ReferenceGone => text(
                "Something this refers to no longer exists; please reload the page.",
                "Etwas, worauf sich das bezieht, gibt es nicht mehr; bitte laden Sie die Seite neu.",
            ),
            MalformedRequest => text(
                "The request could not be read; please reload the page and try again.",
                "Die Anfrage konnte nicht gelesen werden; bitte laden Sie die Seite neu und versuchen Sie es erneut.",
            ),

            ReasonMissing => text(
                "Please give a reason; it goes into the audit trail.",
                "Bitte geben Sie einen Grund an; er wird im Prüfprotokoll festgehalten.",
            ),
            AlreadyGranted => text(
                "This person may already post on this account.",
                "Diese Person darf auf diesem Konto bereits posten.",
            ),
            NoOpenGrant => text(
                "This person has no posting right on this account to withdraw.",
                "Diese Person hat auf diesem Konto kein Posting-Recht, das entzogen werden könnte.",
            ),
            AlreadySuspended => text(
                "This person is already suspended from posting.",
                "Diese Person ist bereits vom Posten ausgeschlossen.",
            ),
            NotSuspended => text(
                "This person is not suspended.",
                "Diese Person ist nicht ausgeschlossen.",
            ),
            AlreadyRevoked => text(
                "This certificate has already been revoked.",
                "Dieses Zertifikat wurde bereits widerrufen.",
            ),
            EndInPast => text(
                "The end date must lie in the future.",
                "Das Enddatum muss in der Zukunft liegen.",
            ),
            InvalidDate => text(
                "This is not a valid date; use the form YYYY-MM-DD.",
                "Das ist kein gültiges Datum; verwenden Sie die Form JJJJ-MM-TT.",
            ),
            WebhookUrlInvalid => text(
                "The address must be a complete http:// or https:// URL, without a user name or password.",
                "Die Adresse muss eine vollständige http://- oder https://-URL sein, ohne Benutzername oder Passwort.",
            ),
            WebhookSecretTooShort { min } => {
                if de {
                    format!("Das Geheimnis muss mindestens {min} Zeichen lang sein.")
                } else {
                    format!("The secret must have at least {min} characters.")
                }
            }
            WebhookEventsMissing => text(
                "Please choose at least one event.",
                "Bitte wählen Sie mindestens ein Ereignis.",
            ),
            UnknownWebhookEvent => text(
                "This event does not exist; the events are clearance.granted, clearance.lost, certificate.issued, certificate.revoked and certificate.expired.",
                "Dieses Ereignis gibt es nicht; die Ereignisse sind clearance.granted, clearance.lost, certificate.issued, certificate.revoked und certificate.expired.",
            ),
            WebhookAlreadyDisabled => text(
                "This webhook is already disabled.",
                "Dieser Webhook ist bereits abgeschaltet.",
            ),
            InvalidContent { .. } => text(
                "This content cannot be published as it is.",
                "Dieser Inhalt kann so nicht veröffentlicht werden.",
            ),
        }
    }
}

/// English, for logs and the command line; the author's detail is included for content.
impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::InvalidContent { detail } if !detail.is_empty() => f.write_str(detail),
            other => f.write_str(&other.message(Lang::En)),
        }
    }
}

/// Content that cannot be published, with the detail for its author.
pub fn invalid_content(detail: impl Into<String>) -> Problem {
    Problem::InvalidContent {
        detail: detail.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_reads_back_from_a_url() {
        let all = [
            Problem::InvalidEmail,
            Problem::PasswordTooShort { min: 10 },
            Problem::QuestionUnanswered { question: 3 },
            Problem::CoolingDown,
            Problem::ChangedConcurrently,
            Problem::SearchTooLong { max: 200 },
        ];
        for problem in all {
            assert_eq!(
                Problem::from_code(problem.code(), problem.number()),
                Some(problem.clone()),
                "{problem:?}"
            );
        }
        assert_eq!(Problem::from_code("question_unanswered", None), None);
        assert_eq!(
            Problem::from_code("Your account was compromised", None),
            None
        );
    }

    #[test]
    fn messages_exist_in_both_languages() {
        let problem = Problem::QuestionUnanswered { question: 2 };
        assert_eq!(problem.message(Lang::En), "Question 2 has no answer.");
        assert_eq!(problem.message(Lang::De), "Frage 2 ist nicht beantwortet.");
    }

    #[test]
    fn author_detail_never_crosses_the_wire() {
        let json = serde_json::to_string(&invalid_content("secret path /etc/x")).unwrap();
        assert_eq!(json, r#"{"code":"invalid_content"}"#);
    }
}
