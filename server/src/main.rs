//! `cleared`: serve the app, migrate the database, load demo data, manage people.

use app::accounts::{NewPerson, parse_roles, server as accounts};
use clap::{Parser, Subcommand};
use server::config::Config;
use std::io::Read;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "cleared",
    version,
    about = "Social media training and clearance"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app (the default).
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Load data into the database.
    Seed {
        /// The demo data set: the four demo accounts, a few dozen employees, 200 synthetic
        /// employees with histories and a few posting rights on the official accounts.
        #[arg(long)]
        demo: bool,
        /// Also create this many synthetic employees with realistic histories (for the
        /// console and benchmarks).
        #[arg(long)]
        people: Option<usize>,
    },
    /// Manage people.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens for other tools.
    #[command(subcommand)]
    Token(TokenCommand),
    /// The audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Webhooks: endpoints told when clearance or a certificate changes.
    #[command(subcommand)]
    Webhook(WebhookCommand),
    /// Check course files before publishing: the bank checks and the blind-learner table.
    /// Without files, the built-in demo curriculum is checked. Exits non-zero on a problem.
    CheckContent {
        /// Course files (TOML, the format of app/demo/FORMAT.md).
        files: Vec<std::path::PathBuf>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create a token and print its secret (shown this once only).
    Create {
        #[arg(long)]
        name: String,
        /// Scopes, comma-separated: clearance:read, people:write.
        #[arg(long)]
        scope: String,
    },
    /// List the tokens (never their secrets).
    List,
    /// Revoke a token by its id.
    Revoke {
        #[arg(long)]
        id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum WebhookCommand {
    /// Register an endpoint.
    Add {
        #[arg(long)]
        url: String,
        /// Signs every delivery (HMAC-SHA256); at least 16 characters.
        #[arg(long)]
        secret: String,
        /// Comma-separated: clearance.granted, clearance.lost, certificate.issued,
        /// certificate.revoked, certificate.expired.
        #[arg(long)]
        events: String,
    },
    /// List the endpoints (never their secrets) with their deliveries.
    List,
    /// Disable an endpoint by its id.
    Disable {
        #[arg(long)]
        id: uuid::Uuid,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the whole hash chain; exits non-zero and names the first broken entry.
    Verify,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a person; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Comma-separated roles: employee, trainer, compliance, admin.
        #[arg(long, default_value = "employee")]
        role: String,
    },
    /// Replace a person's roles.
    Roles {
        #[arg(long)]
        email: String,
        /// Comma-separated roles: employee, trainer, compliance, admin.
        #[arg(long)]
        set: String,
    },
    /// Deactivate a person: they are signed out everywhere and cannot sign in.
    Deactivate {
        #[arg(long)]
        email: String,
    },
    /// Reactivate a deactivated person.
    Reactivate {
        #[arg(long)]
        email: String,
    },
}

/// Synthetic employees the demo adds, so the console shows a living organisation.
const DEMO_SYNTHETIC_PEOPLE: usize = 200;

/// Prints a line of command output. A closed pipe (`cleared seed --demo | head -1`) is not
/// an error worth a panic.
fn say(text: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let _ = writeln!(std::io::stdout().lock(), "{text}");
}

fn read_password_from_stdin() -> anyhow::Result<String> {
    let mut input = String::new();
    std::io::stdin().read_to_string(&mut input)?;
    let password = input.lines().next().unwrap_or_default().to_string();
    if password.is_empty() {
        anyhow::bail!(
            "no password given on standard input (try: echo 'a long password' | cleared user add ...)"
        );
    }
    Ok(password)
}

async fn person_id(
    db: &sea_orm::DatabaseConnection,
    email: &str,
) -> anyhow::Result<app::accounts::UserId> {
    Ok(accounts::person_by_email(db, email)
        .await
        .map_err(|_| anyhow::anyhow!("no person with the email {email}"))?
        .id)
}

async fn execute(command: Command, config: Config) -> anyhow::Result<()> {
    let now = chrono::Utc::now();
    match command {
        Command::Serve => server::process::serve_command(config).await,
        Command::Migrate => {
            app::db::connect_and_migrate(&config.database_url).await?;
            say(format_args!("The database is up to date."));
            Ok(())
        }
        Command::CheckContent { files } => {
            let sources = if files.is_empty() {
                app::demo::demo_course_sources()
            } else {
                files
                    .iter()
                    .map(|path| {
                        std::fs::read_to_string(path)
                            .map(|text| (path.display().to_string(), text))
                            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))
                    })
                    .collect::<anyhow::Result<Vec<_>>>()?
            };
            let report = app::demo::check_course_sources(&sources).map_err(anyhow::Error::msg)?;
            say(format_args!(
                "{}",
                app::quizzes::integrity::blind_table(&report.blind)
            ));
            if report.passed() {
                say(format_args!("All banks pass the checks."));
                Ok(())
            } else {
                for failure in report.failures() {
                    say(format_args!("- {failure}"));
                }
                anyhow::bail!("{} problems in the question banks", report.failures().len())
            }
        }
        Command::Seed { demo, people } => {
            if !demo && people.is_none() {
                anyhow::bail!("say which data to load: cleared seed --demo and/or --people N");
            }
            let db = app::db::connect_and_migrate(&config.database_url).await?;
            if let Some(count) = people {
                app::demo::seed_curriculum(&db, now).await?;
                let created = app::synthetic::seed_people(&db, count, now).await?;
                say(format_args!("Synthetic people: {created} created."));
                if !demo {
                    return Ok(());
                }
            }
            let report = app::demo::seed_demo(&db, now).await?;
            say(format_args!(
                "Demo data: {} people created, {} already present; {} course versions published.",
                report.created, report.already_present, report.course_versions_published
            ));
            say(format_args!(
                "Demo accounts (password '{}'):",
                app::demo::DEMO_PASSWORD
            ));
            for (email, name, role) in app::demo::DEMO_ACCOUNTS {
                say(format_args!("  {email:<24} {name} ({})", role.code()));
            }
            if people.is_none() && !app::synthetic::has_synthetic_people(&db).await? {
                let created = app::synthetic::seed_people(&db, DEMO_SYNTHETIC_PEOPLE, now).await?;
                say(format_args!(
                    "Synthetic people with histories: {created} created."
                ));
            }
            let grants = app::synthetic::grant_demo_accounts(&db, now).await?;
            if grants > 0 {
                say(format_args!(
                    "Posting rights on the official accounts: {grants} given."
                ));
            }
            Ok(())
        }
        Command::Token(command) => {
            let db = app::db::connect_and_migrate(&config.database_url).await?;
            match command {
                TokenCommand::Create { name, scope } => {
                    let (token, secret) =
                        app::api_tokens::server::create_token(&db, None, &name, &scope, now)
                            .await?;
                    say(format_args!("{secret}"));
                    tracing::info!(token = %token.id, prefix = %token.prefix, "API token created");
                }
                TokenCommand::List => {
                    for token in app::api_tokens::server::list_tokens(&db).await? {
                        let scopes: Vec<&str> = token.scopes.iter().map(|s| s.code()).collect();
                        let state = if token.revoked_at.is_some() {
                            "revoked"
                        } else {
                            "active"
                        };
                        say(format_args!(
                            "{}  {:<8} {:<24} {}  last used {}",
                            token.id,
                            state,
                            token.name,
                            scopes.join(","),
                            token
                                .last_used_at
                                .map_or("never".to_string(), |t| t.to_rfc3339())
                        ));
                    }
                }
                TokenCommand::Revoke { id } => {
                    app::api_tokens::server::revoke_token(&db, None, id, now).await?;
                    say(format_args!("Revoked {id}."));
                }
            }
            Ok(())
        }
        Command::Webhook(command) => {
            let db = app::db::connect_and_migrate(&config.database_url).await?;
            match command {
                WebhookCommand::Add {
                    url,
                    secret,
                    events,
                } => {
                    let id = app::webhooks::server::register_webhook(
                        &db,
                        None,
                        &url,
                        &secret,
                        &[events],
                        now,
                    )
                    .await?;
                    say(format_args!("{id}"));
                }
                WebhookCommand::List => {
                    for hook in app::webhooks::server::list_webhooks(&db).await? {
                        let state = if hook.disabled_at.is_some() {
                            "disabled"
                        } else {
                            "active"
                        };
                        say(format_args!(
                            "{}  {:<8} {}  {}  pending {} delivered {} failed {}",
                            hook.id,
                            state,
                            hook.url,
                            hook.events.join(","),
                            hook.pending,
                            hook.delivered,
                            hook.failed
                        ));
                    }
                }
                WebhookCommand::Disable { id } => {
                    app::webhooks::server::disable_webhook(&db, None, id, now).await?;
                    say(format_args!("Disabled {id}."));
                }
            }
            Ok(())
        }
        Command::Audit(AuditCommand::Verify) => {
            let db = app::db::connect_and_migrate(&config.database_url).await?;
            let check = app::audit::server::verify_chain(&db).await?;
            if let Some(seq) = check.first_broken {
                anyhow::bail!(
                    "the audit chain is broken at entry {seq} ({} entries before it are intact)",
                    check.checked
                );
            }
            if check.truncated {
                anyhow::bail!(
                    "the audit chain ends early: entries after {} were removed",
                    check.checked
                );
            }
            say(format_args!(
                "The audit chain is intact: {} entries.",
                check.checked
            ));
            Ok(())
        }
        Command::User(user) => {
            let db = app::db::connect_and_migrate(&config.database_url).await?;
            match user {
                UserCommand::Add { email, name, role } => {
                    let roles = parse_roles(&role).map_err(anyhow::Error::msg)?;
                    let password = read_password_from_stdin()?;
                    let person = NewPerson {
                        email: email.clone(),
                        display_name: name,
                        roles,
                        ..Default::default()
                    };
                    accounts::create_person(&db, None, person, Some(&password), now).await?;
                    say(format_args!("Created {email}."));
                }
                UserCommand::Roles { email, set } => {
                    let roles = parse_roles(&set).map_err(anyhow::Error::msg)?;
                    let id = person_id(&db, &email).await?;
                    accounts::set_roles(&db, None, id, roles, now).await?;
                    say(format_args!("Roles of {email} set to {set}."));
                }
                UserCommand::Deactivate { email } => {
                    let id = person_id(&db, &email).await?;
                    accounts::set_active(&db, None, id, false, now).await?;
                    say(format_args!("Deactivated {email}."));
                }
                UserCommand::Reactivate { email } => {
                    let id = person_id(&db, &email).await?;
                    accounts::set_active(&db, None, id, true, now).await?;
                    say(format_args!("Reactivated {email}."));
                }
            }
            Ok(())
        }
    }
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let config = match Config::from_env() {
        Ok(config) => config,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::from(2);
        }
    };
    server::process::init_logging(&config);
    match execute(cli.command.unwrap_or(Command::Serve), config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => server::process::exit_code(&error),
    }
}
