//! Whether a question bank measures knowledge rather than test-taking skill. Run before any
//! bank is published (the demo loader, `make test`, and later the editor and importers):
//!
//! - the bank checks: answer keys that cannot be spotted by their length, balanced true/false
//!   keys, unique item ids, complete translations, a bank at least twice the draw;
//! - the blind learner: the real draw, shuffle and grading, answered by strategies that need
//!   no reading. None may pass one attempt with more than 5 % probability, nor all allowed
//!   attempts together with more than 20 %.

use super::QuestionKind;
use super::server::{PresentedQuestion, QuizContent, draw_questions, grade};
use crate::i18n::Lang;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// At most this share of single-answer and scenario items may have the correct option as the
/// unique longest.
pub const MAX_LONGEST_CORRECT_SHARE: f64 = 0.35;
/// The correct options' mean length may differ from the wrong ones' by at most this share.
pub const MAX_MEAN_LENGTH_GAP: f64 = 0.25;
/// The highest chance a blind strategy may have to pass one attempt …
pub const MAX_BLIND_PASS_ONE: f64 = 0.05;
/// … and to pass within all allowed attempts.
pub const MAX_BLIND_PASS_ALL: f64 = 0.20;
/// Simulated attempts per strategy and language.
pub const BLIND_TRIALS: u32 = 10_000;

fn chars(text: &str) -> usize {
    text.chars().count()
}

/// The problems of one bank in the languages given, in words for its author. Empty when the
/// bank may be published.
pub fn check_bank(quiz: &QuizContent, langs: &[Lang]) -> Vec<String> {
    let mut problems = Vec::new();
    let name = &quiz.slug;
    let draw = quiz.settings.draw as usize;
    if quiz.questions.len() < 2 * draw {
        problems.push(format!(
            "{name}: the bank has {} items; an attempt draws {draw}, so it needs at least {}",
            quiz.questions.len(),
            2 * draw
        ));
    }
    let mut seen = HashMap::new();
    for question in &quiz.questions {
        if seen.insert(question.slug.as_str(), ()).is_some() {
            problems.push(format!(
                "{name}: the item id {} is used twice",
                question.slug
            ));
        }
        for lang in langs {
            let complete = question.prompt.has(*lang)
                && question.explanation.has(*lang)
                && question.options.iter().all(|o| o.text.has(*lang))
                && question.scenario.as_ref().is_none_or(|s| s.text.has(*lang));
            if !complete {
                problems.push(format!(
                    "{name}: item {} lacks text in {}",
                    question.slug,
                    lang.code()
                ));
            }
        }
    }
    for lang in langs {
        problems.extend(check_key_lengths(quiz, *lang));
    }
    let true_false: Vec<bool> = quiz
        .questions
        .iter()
        .filter(|q| q.kind == QuestionKind::TrueFalse)
        .map(|q| q.options.first().is_some_and(|o| o.correct))
        .collect();
    let (trues, n) = (true_false.iter().filter(|t| **t).count(), true_false.len());
    let share_ok = n == 0 || (0.4..=0.6).contains(&(trues as f64 / n as f64));
    let near_half = (2 * trues).abs_diff(n) <= 2;
    if !(share_ok || near_half) {
        problems.push(format!(
            "{name}: {trues} of {n} true/false items are keyed \"true\"; keep it between 40 and 60 %"
        ));
    }
    problems
}

/// Length tells in one language: how often the correct option is the unique longest, and
/// how far the correct options' mean length is from the wrong ones'.
fn check_key_lengths(quiz: &QuizContent, lang: Lang) -> Vec<String> {
    let one_answer: Vec<_> = quiz
        .questions
        .iter()
        .filter(|q| matches!(q.kind, QuestionKind::Single | QuestionKind::Scenario))
        .collect();
    if one_answer.is_empty() {
        return Vec::new();
    }
    let mut longest = 0;
    let (mut correct_total, mut correct_n, mut wrong_total, mut wrong_n) = (0, 0, 0, 0);
    for question in &one_answer {
        let lengths: Vec<(bool, usize)> = question
            .options
            .iter()
            .map(|o| (o.correct, chars(&o.text.text(lang))))
            .collect();
        let right = lengths.iter().find(|(c, _)| *c).map_or(0, |(_, l)| *l);
        if lengths.iter().filter(|(c, _)| !c).all(|(_, l)| *l < right) {
            longest += 1;
        }
        for (correct, length) in lengths {
            if correct {
                correct_total += length;
                correct_n += 1;
            } else {
                wrong_total += length;
                wrong_n += 1;
            }
        }
    }
    let mut problems = Vec::new();
    let share = longest as f64 / one_answer.len() as f64;
    if share > MAX_LONGEST_CORRECT_SHARE {
        problems.push(format!(
            "{} ({}): the correct option is the unique longest in {longest} of {} single-answer items ({:.0} %; at most {:.0} %)",
            quiz.slug,
            lang.code(),
            one_answer.len(),
            share * 100.0,
            MAX_LONGEST_CORRECT_SHARE * 100.0
        ));
    }
    let mean_correct = correct_total as f64 / correct_n.max(1) as f64;
    let mean_wrong = wrong_total as f64 / wrong_n.max(1) as f64;
    if (mean_correct - mean_wrong).abs() > MAX_MEAN_LENGTH_GAP * mean_wrong {
        problems.push(format!(
            "{} ({}): correct options average {mean_correct:.0} characters, wrong ones {mean_wrong:.0}; keep them within {:.0} %",
            quiz.slug,
            lang.code(),
            MAX_MEAN_LENGTH_GAP * 100.0
        ));
    }
    problems
}

/// The languages a bank is written in: every language any of its texts uses. Each must be
/// complete.
pub fn bank_languages(quiz: &QuizContent) -> Vec<Lang> {
    Lang::ALL
        .into_iter()
        .filter(|lang| {
            quiz.questions
                .iter()
                .any(|q| q.prompt.has(*lang) || q.options.iter().any(|o| o.text.has(*lang)))
        })
        .collect()
}

/// Item ids used by more than one bank of a curriculum.
pub fn check_curriculum(quizzes: &[&QuizContent]) -> Vec<String> {
    let mut owners: HashMap<&str, Vec<&str>> = HashMap::new();
    for quiz in quizzes {
        for question in &quiz.questions {
            owners
                .entry(question.slug.as_str())
                .or_default()
                .push(quiz.slug.as_str());
        }
    }
    let mut problems: Vec<String> = owners
        .into_iter()
        .filter(|(_, banks)| banks.len() > 1)
        .map(|(id, banks)| format!("the item id {id} is used in {}", banks.join(", ")))
        .collect();
    problems.sort();
    problems
}

/// Ways to answer without having read anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlindStrategy {
    Longest,
    Shortest,
    AlwaysFalse,
    TickAll,
    Keyword,
    Random,
}

impl BlindStrategy {
    pub const ALL: [BlindStrategy; 6] = [
        BlindStrategy::Longest,
        BlindStrategy::Shortest,
        BlindStrategy::AlwaysFalse,
        BlindStrategy::TickAll,
        BlindStrategy::Keyword,
        BlindStrategy::Random,
    ];

    pub fn name(self) -> &'static str {
        match self {
            BlindStrategy::Longest => "longest option",
            BlindStrategy::Shortest => "shortest option",
            BlindStrategy::AlwaysFalse => "always \"false\"",
            BlindStrategy::TickAll => "tick every box",
            BlindStrategy::Keyword => "process keywords",
            BlindStrategy::Random => "uniform random",
        }
    }
}

/// Words that sound like the "process" answer, which a blind learner would bet on.
fn keywords(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => &[
            "listening",
            "route",
            "legal",
            "disclose",
            "governance",
            "escalat",
            "social media team",
            "report",
            "privacy",
            "security",
            "policy",
        ],
        Lang::De => &[
            "listening",
            "weiterleiten",
            "rechtsabteilung",
            "offen",
            "governance",
            "eskal",
            "social-media-team",
            "meld",
            "datenschutz",
            "sicherheit",
            "richtlinie",
        ],
    }
}

/// What a blind learner can see of an option without reading it: its length and how many
/// process keywords it contains. Indexed by question, then bank option.
type Surface = Vec<Vec<(usize, usize)>>;

fn surface(quiz: &QuizContent, lang: Lang) -> Surface {
    quiz.questions
        .iter()
        .map(|q| {
            q.options
                .iter()
                .map(|o| {
                    let text = o.text.text(lang).to_lowercase();
                    let hits = keywords(lang).iter().filter(|k| text.contains(*k)).count();
                    (chars(&text), hits)
                })
                .collect()
        })
        .collect()
}

/// The page positions a blind learner picks for one presented question.
fn blind_answer(
    quiz: &QuizContent,
    surface: &Surface,
    shown: &PresentedQuestion,
    strategy: BlindStrategy,
    rng: &mut impl Rng,
) -> Vec<usize> {
    let question = &quiz.questions[shown.question];
    let seen: Vec<(usize, usize)> = shown
        .options
        .iter()
        .map(|o| surface[shown.question][*o])
        .collect();
    let positions: Vec<usize> = (0..seen.len()).collect();
    let multiple = question.kind == QuestionKind::Multiple;
    let pick_best = |score: &dyn Fn(usize) -> usize, rng: &mut dyn rand::RngCore| {
        let best = positions.iter().map(|p| score(*p)).max().unwrap_or(0);
        let ties: Vec<usize> = positions
            .iter()
            .copied()
            .filter(|p| score(*p) == best)
            .collect();
        vec![*ties.choose(rng).unwrap_or(&0)]
    };
    match strategy {
        BlindStrategy::Longest => pick_best(&|p| seen[p].0, rng),
        BlindStrategy::Shortest => pick_best(&|p| usize::MAX - seen[p].0, rng),
        BlindStrategy::AlwaysFalse if question.kind == QuestionKind::TrueFalse => {
            // The bank keeps "true" first and "false" second, as shown.
            vec![1]
        }
        BlindStrategy::TickAll if multiple => positions,
        BlindStrategy::Keyword if multiple && seen.iter().any(|(_, hits)| *hits > 0) => {
            positions.into_iter().filter(|p| seen[*p].1 > 0).collect()
        }
        BlindStrategy::Keyword => pick_best(&|p| seen[p].1, rng),
        BlindStrategy::Random if multiple => loop {
            let chosen: Vec<usize> = positions
                .iter()
                .copied()
                .filter(|_| rng.gen_bool(0.5))
                .collect();
            if !chosen.is_empty() {
                break chosen;
            }
        },
        _ => vec![*positions.choose(rng).unwrap_or(&0)],
    }
}

/// How one blind strategy fares on one bank in one language.
#[derive(Debug, Clone, PartialEq)]
pub struct BlindResult {
    pub quiz: String,
    pub lang: Lang,
    pub strategy: BlindStrategy,
    /// The chance to pass one attempt.
    pub pass_one: f64,
    /// The chance to pass within all allowed attempts (independent draws).
    pub pass_all: f64,
}

impl BlindResult {
    pub fn acceptable(&self) -> bool {
        self.pass_one <= MAX_BLIND_PASS_ONE && self.pass_all <= MAX_BLIND_PASS_ALL
    }
}

/// Simulates `trials` attempts per strategy with the real draw, shuffle and grading.
/// Seeded, so the same bank always gives the same table.
pub fn blind_learner(quiz: &QuizContent, lang: Lang, trials: u32) -> Vec<BlindResult> {
    let surface = surface(quiz, lang);
    BlindStrategy::ALL
        .into_iter()
        .map(|strategy| {
            let mut rng = rand::rngs::StdRng::seed_from_u64(0x5eed);
            let passes = (0..trials)
                .filter(|_| {
                    let presented = draw_questions(quiz, &mut rng);
                    let answers: Vec<Vec<usize>> = presented
                        .iter()
                        .map(|shown| blind_answer(quiz, &surface, shown, strategy, &mut rng))
                        .collect();
                    grade(quiz, &presented, &answers) >= quiz.settings.pass_percent
                })
                .count();
            let pass_one = passes as f64 / f64::from(trials.max(1));
            let pass_all = 1.0 - (1.0 - pass_one).powi(quiz.settings.max_attempts as i32);
            BlindResult {
                quiz: quiz.slug.clone(),
                lang,
                strategy,
                pass_one,
                pass_all,
            }
        })
        .collect()
}

/// The blind-learner results as a plain-text table, worst first.
pub fn blind_table(results: &[BlindResult]) -> String {
    let mut rows: Vec<&BlindResult> = results.iter().collect();
    rows.sort_by(|a, b| b.pass_all.total_cmp(&a.pass_all));
    let mut table = format!(
        "{:<34} {:<4} {:<18} {:>9} {:>9}  {}\n",
        "bank", "lang", "strategy", "one try", "all tries", "ok"
    );
    for r in rows {
        table.push_str(&format!(
            "{:<34} {:<4} {:<18} {:>8.2}% {:>8.2}%  {}\n",
            r.quiz,
            r.lang.code(),
            r.strategy.name(),
            r.pass_one * 100.0,
            r.pass_all * 100.0,
            if r.acceptable() { "yes" } else { "NO" }
        ));
    }
    table
}

/// Everything the checks found about a set of banks.
#[derive(Debug, Clone, Default)]
pub struct IntegrityReport {
    pub problems: Vec<String>,
    pub blind: Vec<BlindResult>,
}

impl IntegrityReport {
    pub fn passed(&self) -> bool {
        self.problems.is_empty() && self.blind.iter().all(BlindResult::acceptable)
    }

    /// Problems and blind-learner failures as one list, for a refusal message.
    pub fn failures(&self) -> Vec<String> {
        let mut failures = self.problems.clone();
        failures.extend(self.blind.iter().filter(|r| !r.acceptable()).map(|r| {
            format!(
                "{} ({}): answering by \"{}\" passes one attempt with {:.1} % and all attempts with {:.1} % (at most {:.0} % and {:.0} %)",
                r.quiz,
                r.lang.code(),
                r.strategy.name(),
                r.pass_one * 100.0,
                r.pass_all * 100.0,
                MAX_BLIND_PASS_ONE * 100.0,
                MAX_BLIND_PASS_ALL * 100.0
            )
        }));
        failures
    }
}

/// Runs every check on the banks of a curriculum, in both languages.
pub fn check_banks(quizzes: &[&QuizContent]) -> IntegrityReport {
    let mut report = IntegrityReport {
        problems: check_curriculum(quizzes),
        blind: Vec::new(),
    };
    for quiz in quizzes {
        report.problems.extend(check_bank(quiz, &Lang::ALL));
        for lang in Lang::ALL {
            report.blind.extend(blind_learner(quiz, lang, BLIND_TRIALS));
        }
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Localized;
    use crate::quizzes::Scoring;
    use crate::quizzes::server::{OptionContent, QuestionContent, QuizSettings};

    fn text(en: &str) -> Localized {
        Localized(
            [
                ("en".to_string(), en.to_string()),
                ("de".to_string(), en.to_string()),
            ]
            .into_iter()
            .collect(),
        )
    }

    fn single(slug: &str, right: &str, wrong: [&str; 3]) -> QuestionContent {
        let mut options = vec![OptionContent {
            correct: true,
            text: text(right),
        }];
        options.extend(wrong.iter().map(|w| OptionContent {
            correct: false,
            text: text(w),
        }));
        QuestionContent {
            slug: slug.into(),
            kind: QuestionKind::Single,
            scoring: Scoring::AllOrNothing,
            prompt: text("?"),
            explanation: text("because"),
            scenario: None,
            options,
        }
    }

    fn true_false(slug: &str, answer: bool) -> QuestionContent {
        QuestionContent {
            slug: slug.into(),
            kind: QuestionKind::TrueFalse,
            scoring: Scoring::AllOrNothing,
            prompt: text("?"),
            explanation: text("because"),
            scenario: None,
            options: vec![
                OptionContent {
                    correct: answer,
                    text: text("True"),
                },
                OptionContent {
                    correct: !answer,
                    text: text("False"),
                },
            ],
        }
    }

    fn bank(questions: Vec<QuestionContent>) -> QuizContent {
        QuizContent {
            slug: "bank".into(),
            title: text("Bank"),
            settings: QuizSettings {
                draw: 5,
                pass_percent: 80,
                max_attempts: 3,
                cooldown_minutes: 0,
                time_limit_minutes: None,
            },
            questions,
        }
    }

    /// Like today's demo content: the key is the longest, explained option.
    fn telltale_bank() -> QuizContent {
        bank(
            (0..12)
                .map(|i| {
                    single(
                        &format!("q{i}"),
                        "Report it to the listening center and disclose your role",
                        ["Ignore it", "Delete it", "Reply angrily"],
                    )
                })
                .chain((0..4).map(|i| true_false(&format!("tf{i}"), false)))
                .collect(),
        )
    }

    /// Options of similar length; the key cannot be seen from the outside.
    fn fair_bank() -> QuizContent {
        let lines = [
            "Send it to the support team",
            "Answer it yourself in public",
            "Forward it to your manager",
            "Leave it for the night shift",
        ];
        bank(
            (0..12)
                .map(|i| {
                    let right = lines[i % 4];
                    let wrong: Vec<&str> = lines.iter().copied().filter(|l| *l != right).collect();
                    single(&format!("q{i}"), right, [wrong[0], wrong[1], wrong[2]])
                })
                .chain((0..4).map(|i| true_false(&format!("tf{i}"), i % 2 == 0)))
                .collect(),
        )
    }

    #[test]
    fn a_bank_whose_key_is_the_longest_option_is_refused() {
        let problems = check_bank(&telltale_bank(), &[Lang::En]);
        assert!(
            problems.iter().any(|p| p.contains("unique longest")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("average")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("true/false")),
            "{problems:?}"
        );
        let blind = blind_learner(&telltale_bank(), Lang::En, 2_000);
        let longest = blind
            .iter()
            .find(|r| r.strategy == BlindStrategy::Longest)
            .unwrap();
        assert!(longest.pass_one > 0.9, "{longest:?}");
        assert!(!longest.acceptable());
    }

    #[test]
    fn a_fair_bank_passes_the_checks_and_the_blind_learner() {
        assert_eq!(
            check_bank(&fair_bank(), &[Lang::En, Lang::De]),
            Vec::<String>::new()
        );
        for result in blind_learner(&fair_bank(), Lang::En, 2_000) {
            assert!(result.acceptable(), "{result:?}");
        }
    }

    #[test]
    fn small_banks_duplicate_ids_and_missing_translations_are_refused() {
        let mut small = fair_bank();
        small.questions.truncate(8);
        small.questions[1].slug = small.questions[0].slug.clone();
        small.questions[2].prompt =
            Localized([("en".to_string(), "?".to_string())].into_iter().collect());
        let problems = check_bank(&small, &[Lang::En, Lang::De]);
        assert!(
            problems.iter().any(|p| p.contains("needs at least 10")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("used twice")),
            "{problems:?}"
        );
        assert!(
            problems.iter().any(|p| p.contains("lacks text in de")),
            "{problems:?}"
        );
        let other = fair_bank();
        assert_eq!(check_curriculum(&[&small, &other]).len(), 7);
    }
}
