//! A headless Chromium driven over the DevTools protocol: one WebSocket to the browser, one page attached to it
//! as a flattened session. Enough for the run page's tests: navigate, evaluate, screenshot, and collect every
//! console error, uncaught exception and error log entry (a Content-Security-Policy violation is one).
//!
//! Chromium is started with `--remote-debugging-port=0` and says on stderr which port it took, so tests never
//! race for a port. The process and its profile are removed on drop.

use std::io::{BufRead, BufReader};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tungstenite::stream::MaybeTlsStream;
use tungstenite::{Message, WebSocket};

/// One browser with one page.
pub struct Browser {
    child: Child,
    profile: PathBuf,
    socket: WebSocket<MaybeTlsStream<TcpStream>>,
    session: String,
    next_id: u64,
    /// Console errors, exceptions and error log entries, in arrival order.
    pub errors: Vec<String>,
}

impl Browser {
    /// Starts `chromium` headless with a fresh profile under `work`, a `width` × `height` viewport, and attaches
    /// to its first page.
    pub fn start(chromium: &Path, work: &Path, width: u32, height: u32) -> Self {
        let profile = work.join("chromium-profile");
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        let mut child = Command::new(chromium)
            .args([
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--remote-debugging-port=0",
                "--remote-allow-origins=*",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(format!("--window-size={width},{height}"))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("starting chromium");
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let started = Instant::now();
        let url = loop {
            let mut line = String::new();
            let read = stderr
                .read_line(&mut line)
                .expect("reading chromium's stderr");
            assert!(read > 0, "chromium exited before listening");
            if let Some(at) = line.find("ws://") {
                break line[at..].trim().to_owned();
            }
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "chromium did not start"
            );
        };
        // Keep draining stderr so chromium never blocks on a full pipe.
        std::thread::spawn(move || for _ in stderr.lines() {});
        let (socket, _) = tungstenite::connect(url.as_str()).expect("connecting to DevTools");
        if let MaybeTlsStream::Plain(stream) = socket.get_ref() {
            stream
                .set_read_timeout(Some(Duration::from_secs(120)))
                .unwrap();
        }
        let mut browser = Self {
            child,
            profile,
            socket,
            session: String::new(),
            next_id: 0,
            errors: Vec::new(),
        };
        let targets = browser.browser_call("Target.getTargets", json!({}));
        let page = targets["targetInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["type"] == "page")
            .expect("a page target")["targetId"]
            .clone();
        let attached = browser.browser_call(
            "Target.attachToTarget",
            json!({"targetId": page, "flatten": true}),
        );
        browser.session = attached["sessionId"].as_str().unwrap().to_owned();
        for domain in ["Runtime.enable", "Log.enable", "Page.enable"] {
            browser.call(domain, json!({}));
        }
        browser.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        browser
    }

    fn send(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let mut message = json!({"id": id, "method": method, "params": params});
        if let Some(session) = session {
            message["sessionId"] = json!(session);
        }
        self.socket
            .send(Message::text(message.to_string()))
            .expect("sending to DevTools");
        loop {
            let reply = self.socket.read().expect("reading from DevTools");
            let Ok(text) = reply.to_text() else { continue };
            let Ok(value) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if value["id"] == id {
                assert!(value.get("error").is_none(), "{method}: {value}");
                return value["result"].clone();
            }
            self.observe(&value);
        }
    }

    fn browser_call(&mut self, method: &str, params: Value) -> Value {
        self.send(None, method, params)
    }

    /// Calls `method` on the page.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.send(Some(&session), method, params)
    }

    /// Keeps what a person would call an error on the page.
    fn observe(&mut self, event: &Value) {
        let params = &event["params"];
        match event["method"].as_str() {
            Some("Runtime.consoleAPICalled")
                if matches!(
                    params["type"].as_str(),
                    Some("error" | "assert" | "warning")
                ) =>
            {
                let args: Vec<String> = params["args"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|a| {
                        a["value"]
                            .as_str()
                            .map_or_else(|| a.to_string(), str::to_owned)
                    })
                    .collect();
                self.errors
                    .push(format!("console.{}: {}", params["type"], args.join(" ")));
            }
            Some("Runtime.exceptionThrown") => {
                let details = &params["exceptionDetails"];
                self.errors.push(format!(
                    "exception: {} {}",
                    details["text"], details["exception"]["description"]
                ));
            }
            Some("Log.entryAdded")
                if matches!(params["entry"]["level"].as_str(), Some("error" | "warning")) =>
            {
                self.errors.push(format!(
                    "log ({}): {}",
                    params["entry"]["source"], params["entry"]["text"]
                ));
            }
            _ => {}
        }
    }

    /// Evaluates `expression` in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, expression: &str) -> Value {
        let result = self.call(
            "Runtime.evaluate",
            json!({"expression": expression, "returnByValue": true, "awaitPromise": true}),
        );
        assert!(
            result.get("exceptionDetails").is_none(),
            "{expression}: {}",
            result["exceptionDetails"]
        );
        result["result"]["value"].clone()
    }

    /// Opens `page` and waits until `ready` (an expression) is truthy; its value when it is.
    pub fn open(&mut self, page: &Path, ready: &str) -> Value {
        self.open_url(&format!("file://{}", page.display()), ready)
    }

    /// Opens `url` (a presigned link, say) and waits until `ready` is truthy; its value when it is.
    pub fn open_url(&mut self, url: &str, ready: &str) -> Value {
        self.call("Page.navigate", json!({"url": url}));
        let started = Instant::now();
        loop {
            let value = self.eval(&format!(
                "(function(){{try{{return {ready};}}catch(e){{return null;}}}})()"
            ));
            if !value.is_null() && value != json!(false) {
                return value;
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "{url} never became ready; errors: {:?}",
                self.errors
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A PNG of the page from the top of the element `from` (a CSS selector; `None`: the page's top), `height`
    /// CSS pixels tall at most (less when the page ends first).
    pub fn screenshot(&mut self, png: &Path, from: Option<&str>, max_height: f64) {
        let metrics = self.call("Page.getLayoutMetrics", json!({}));
        let width = metrics["cssContentSize"]["width"]
            .as_f64()
            .unwrap_or(1280.0);
        let page_height = metrics["cssContentSize"]["height"]
            .as_f64()
            .unwrap_or(800.0);
        let top = from.map_or(0.0, |selector| {
            let script = format!(
                "document.querySelector({selector:?}).getBoundingClientRect().top + window.scrollY"
            );
            self.eval(&script).as_f64().unwrap_or(0.0)
        });
        let height = (page_height - top).min(max_height);
        let shot = self.call(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": top, "width": width, "height": height, "scale": 1}}),
        );
        use base64::Engine as _;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(shot["data"].as_str().unwrap())
            .unwrap();
        std::fs::write(png, bytes).unwrap();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.socket.close(None);
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
