//! Real headless Chromium for browser tests, driven over WebDriver by the system
//! `chromedriver` on a free port, with a fresh profile per browser.

use fantoccini::{Client, ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Browser {
    pub client: Client,
    driver: Child,
    profile: std::path::PathBuf,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn find_program(candidates: &[&str]) -> Option<String> {
    candidates
        .iter()
        .find(|c| std::path::Path::new(c).exists())
        .map(|c| c.to_string())
}

impl Browser {
    /// Starts chromedriver and a headless Chromium session; `javascript` false turns scripts
    /// off, to check that pages work before (and without) WebAssembly.
    pub async fn start(javascript: bool) -> Browser {
        let chromedriver =
            find_program(&["/usr/bin/chromedriver", "/usr/lib/chromium/chromedriver"]).expect(
                "chromedriver is not installed: `make test` installs Debian's chromium-driver",
            );
        let chromium = find_program(&["/usr/bin/chromium", "/usr/bin/chromium-browser"])
            .expect("chromium is not installed");
        let port = free_port();
        let driver = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let profile = std::env::temp_dir().join(format!(
            "cleared-chromium-{}",
            uuid::Uuid::new_v4().simple()
        ));
        let mut args = vec![
            "--headless=new".to_string(),
            "--no-sandbox".into(),
            "--disable-gpu".into(),
            "--disable-dev-shm-usage".into(),
            "--disable-quic".into(),
            "--no-first-run".into(),
            "--disable-background-networking".into(),
            "--disable-component-update".into(),
            "--disable-sync".into(),
            "--window-size=1280,900".into(),
            format!("--user-data-dir={}", profile.display()),
        ];
        let mut prefs = serde_json::json!({});
        if !javascript {
            prefs = serde_json::json!({ "profile.managed_default_content_settings.javascript": 2 });
            args.push("--blink-settings=scriptEnabled=false".into());
        }
        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({ "binary": chromium, "args": args, "prefs": prefs }),
        );
        // Two TLS back-ends end up in the build; WebDriver runs over plain HTTP, so just pick one.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let url = format!("http://127.0.0.1:{port}");
        let mut last_error = String::new();
        for _ in 0..100 {
            match ClientBuilder::rustls()
                .expect("tls")
                .capabilities(capabilities.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    return Browser {
                        client,
                        driver,
                        profile,
                    };
                }
                Err(error) => {
                    last_error = error.to_string();
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        }
        panic!("could not start a Chromium session: {last_error}");
    }

    /// Waits (up to 30 s) until the page's islands have hydrated: the last island,
    /// `HydrationMarker`, sets `data-hydrated` on `<body>`.
    pub async fn wait_for_hydration(&self) {
        self.client
            .wait()
            .at_most(Duration::from_secs(30))
            .for_element(Locator::Css("body[data-hydrated]"))
            .await
            .expect("the page hydrates (WebAssembly loaded and ran under the page's CSP)");
    }

    /// Signs in through the form at `base_url/login`.
    pub async fn sign_in(&self, base_url: &str, email: &str, password: &str) {
        self.client
            .goto(&format!("{base_url}/login"))
            .await
            .expect("open /login");
        self.client
            .find(Locator::Id("email"))
            .await
            .expect("email field")
            .send_keys(email)
            .await
            .expect("type");
        self.client
            .find(Locator::Id("password"))
            .await
            .expect("password field")
            .send_keys(password)
            .await
            .expect("type");
        self.client
            .find(Locator::Css("form.stack button[type=submit]"))
            .await
            .expect("submit")
            .click()
            .await
            .expect("click");
    }

    /// Presses the language switch's button for `code` and waits (up to 10 s) for the page to
    /// come back with a first heading that starts with `heading`.
    pub async fn switch_language(&self, code: &str, heading: &str) {
        self.client
            .find(Locator::Css(&format!("button.lang-option[value={code}]")))
            .await
            .expect("the language switch")
            .click()
            .await
            .expect("click");
        self.client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::XPath(&format!(
                "//h1[starts-with(normalize-space(.), '{heading}')]"
            )))
            .await
            .unwrap_or_else(|e| panic!("the page comes back with the heading {heading:?}: {e}"));
    }

    /// Waits (up to 20 s) for an element and returns it.
    pub async fn wait_for(&self, locator: Locator<'_>) -> fantoccini::elements::Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(20))
            .for_element(locator)
            .await
            .unwrap_or_else(|e| panic!("wait for {locator:?}: {e}"))
    }

    /// Clicks the element `css` selects.
    pub async fn click(&self, css: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .click()
            .await
            .expect("click");
    }

    /// Types `text` into the field `css` selects.
    pub async fn fill(&self, css: &str, text: &str) {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .send_keys(text)
            .await
            .expect("type");
    }

    pub async fn text_of(&self, css: &str) -> String {
        self.client
            .find(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("find {css}: {e}"))
            .text()
            .await
            .expect("text")
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_string()
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}
