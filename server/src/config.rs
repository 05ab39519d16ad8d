//! Configuration: one struct, read once from `CLEARED_*` environment variables. Every
//! variable and its default is listed in the README.

use std::net::SocketAddr;
use std::time::Duration;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/cleared.db?mode=rwc";
pub const DEFAULT_ADDR: &str = "127.0.0.1:3000";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone)]
pub struct Config {
    /// `sqlite://…` (default) or `postgres://…`. May contain a password: never logged.
    pub database_url: String,
    pub addr: SocketAddr,
    /// A `tracing` filter such as `info` or `server=debug,info`.
    pub log_filter: String,
    pub log_format: LogFormat,
    pub session_hours: i64,
    /// Where the built site (`pkg/cleared.js`, `.wasm`, `.css`) is served from.
    pub site_root: String,
    /// Mark cookies `Secure`; turn on when serving over HTTPS.
    pub secure_cookies: bool,
    /// A connection must deliver a complete request head within this time, and an idle
    /// keep-alive connection is closed after it.
    pub header_timeout: Duration,
    /// After a shutdown signal, requests in flight get this long; then the remaining
    /// connections are dropped and the process exits.
    pub shutdown_timeout: Duration,
    /// At most this many connections at once; `None`: derived from the open-files limit.
    pub max_connections: Option<usize>,
    /// At start-up, wait (retrying with a growing delay) for a database that cannot be
    /// reached; `false` stops the program at once instead.
    pub wait_for_database: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed: behind them, the client's own
    /// address (not the proxy's) is what sign-in throttling counts.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Requests one API token may make per minute on this server (429 beyond).
    pub api_requests_per_minute: u32,
    /// How often this server delivers due webhooks and scans for expiries; `None` (the
    /// variable set to 0): never, another server does it.
    pub webhook_poll: Option<Duration>,
}

impl Config {
    /// How sessions are kept: lifetime and HTTPS-only cookies.
    pub fn session_settings(&self) -> app::accounts::cookies::SessionSettings {
        app::accounts::cookies::SessionSettings {
            lifetime: chrono::Duration::hours(self.session_hours),
            secure_cookies: self.secure_cookies,
        }
    }
}

/// Shows the database URL without its password.
fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let credentials = &url[scheme_end + 3..at];
            let user = credentials.split(':').next().unwrap_or_default();
            format!(
                "{}{}:<redacted>{}",
                &url[..scheme_end + 3],
                user,
                &url[at..]
            )
        }
        _ => url.to_string(),
    }
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("database_url", &redact_url(&self.database_url))
            .field("addr", &self.addr)
            .field("log_filter", &self.log_filter)
            .field("log_format", &self.log_format)
            .field("session_hours", &self.session_hours)
            .field("site_root", &self.site_root)
            .field("secure_cookies", &self.secure_cookies)
            .field("header_timeout", &self.header_timeout)
            .field("shutdown_timeout", &self.shutdown_timeout)
            .field("max_connections", &self.max_connections)
            .field("wait_for_database", &self.wait_for_database)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("api_requests_per_minute", &self.api_requests_per_minute)
            .field("webhook_poll", &self.webhook_poll)
            .finish()
    }
}

impl Config {
    /// Reads the configuration from the process environment.
    pub fn from_env() -> Result<Config, String> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, String> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let addr_text = get("CLEARED_ADDR").unwrap_or_else(|| DEFAULT_ADDR.to_string());
        let addr = addr_text.parse().map_err(|_| {
            format!("CLEARED_ADDR: '{addr_text}' is not an address like 127.0.0.1:3000")
        })?;
        let log_format = match get("CLEARED_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(format!(
                    "CLEARED_LOG_FORMAT: '{other}' is neither 'text' nor 'json'"
                ));
            }
        };
        let session_hours = match get("CLEARED_SESSION_HOURS") {
            None => 12,
            Some(text) => text
                .parse::<i64>()
                .ok()
                .filter(|h| (1..=24 * 90).contains(h))
                .ok_or_else(|| format!("CLEARED_SESSION_HOURS: '{text}' is not a number of hours between 1 and 2160"))?,
        };
        let secure_cookies = match get("CLEARED_SECURE_COOKIES").as_deref() {
            None | Some("false") | Some("0") => false,
            Some("true") | Some("1") => true,
            Some(other) => {
                return Err(format!(
                    "CLEARED_SECURE_COOKIES: '{other}' is neither true nor false"
                ));
            }
        };
        let number =
            |name: &str, default: u64, range: std::ops::RangeInclusive<u64>| match get(name) {
                None => Ok(default),
                Some(text) => text
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or_else(|| {
                        format!(
                            "{name}: '{text}' is not a whole number between {} and {}",
                            range.start(),
                            range.end()
                        )
                    }),
            };
        let header_timeout =
            Duration::from_secs(number("CLEARED_HEADER_TIMEOUT_SECS", 15, 1..=300)?);
        let shutdown_timeout = Duration::from_secs(number("CLEARED_SHUTDOWN_SECS", 30, 0..=3600)?);
        let max_connections = match get("CLEARED_MAX_CONNECTIONS") {
            None => None,
            Some(_) => Some(number("CLEARED_MAX_CONNECTIONS", 0, 1..=1_000_000)? as usize),
        };
        let wait_for_database = match get("CLEARED_WAIT_FOR_DATABASE").as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(format!(
                    "CLEARED_WAIT_FOR_DATABASE: '{other}' is neither true nor false"
                ));
            }
        };
        let trusted_proxies = get("CLEARED_TRUSTED_PROXIES")
            .unwrap_or_default()
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<std::net::IpAddr>()
                    .map_err(|_| format!("CLEARED_TRUSTED_PROXIES: '{s}' is not an IP address"))
            })
            .collect::<Result<Vec<_>, String>>()?;
        let api_requests_per_minute =
            number("CLEARED_API_REQUESTS_PER_MINUTE", 1200, 1..=1_000_000)? as u32;
        let webhook_poll = match number("CLEARED_WEBHOOK_POLL_MS", 2000, 0..=3_600_000)? {
            0 => None,
            ms => Some(Duration::from_millis(ms)),
        };
        let database_url =
            get("CLEARED_DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        if !(database_url.starts_with("sqlite:")
            || database_url.starts_with("postgres://")
            || database_url.starts_with("postgresql://"))
        {
            return Err(
                "CLEARED_DATABASE_URL: expected a sqlite:// or postgres:// URL".to_string(),
            );
        }
        Ok(Config {
            webhook_poll,
            trusted_proxies,
            api_requests_per_minute,
            database_url,
            addr,
            log_filter: get("CLEARED_LOG").unwrap_or_else(|| "info".to_string()),
            log_format,
            session_hours,
            site_root: get("CLEARED_SITE_ROOT")
                .or_else(|| get("LEPTOS_SITE_ROOT"))
                .unwrap_or_else(|| "target/site".to_string()),
            secure_cookies,
            header_timeout,
            shutdown_timeout,
            max_connections,
            wait_for_database,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_the_database_password() {
        let config = Config::from_lookup(|name| {
            (name == "CLEARED_DATABASE_URL")
                .then(|| "postgres://app:s3cret@db.internal:5432/cleared".to_string())
        })
        .unwrap();
        let shown = format!("{config:?}");
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(
            shown.contains("postgres://app:<redacted>@db.internal:5432/cleared"),
            "{shown}"
        );
    }

    #[test]
    fn defaults_and_bad_values() {
        let config = Config::from_lookup(|_| None).unwrap();
        assert_eq!(config.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(config.addr.to_string(), DEFAULT_ADDR);
        for (name, value) in [
            ("CLEARED_ADDR", "nowhere"),
            ("CLEARED_LOG_FORMAT", "xml"),
            ("CLEARED_SESSION_HOURS", "0"),
            ("CLEARED_DATABASE_URL", "mysql://x"),
            ("CLEARED_HEADER_TIMEOUT_SECS", "0"),
            ("CLEARED_SHUTDOWN_SECS", "soon"),
            ("CLEARED_MAX_CONNECTIONS", "0"),
            ("CLEARED_WAIT_FOR_DATABASE", "maybe"),
        ] {
            let result = Config::from_lookup(|n| (n == name).then(|| value.to_string()));
            assert!(result.is_err(), "{name}={value} should be rejected");
        }
    }
}
