//! The messages between the page and a worker: plain objects with a `kind`, a `job` number and
//! the fields below. Entries, findings and reports travel as JSON text; bytes as transferred
//! `ArrayBuffer`s; files as `Blob`s (structured clone passes a handle, not the bytes).

use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast, JsValue};

// Worker → page.
pub const READY: &str = "ready";
pub const PROGRESS: &str = "progress";
pub const COMPRESSED: &str = "compressed";
pub const UNREADABLE: &str = "unreadable";
pub const FAILED: &str = "failed";
pub const CHECKED: &str = "checked";
// Page → worker.
pub const COMPRESS: &str = "compress";
pub const CHECK: &str = "check";

pub struct Message(pub Object);

impl Message {
    pub fn new(kind: &str, job: u32) -> Self {
        let message = Message(Object::new());
        message.set("kind", &JsValue::from_str(kind)).set("job", &JsValue::from(job))
    }

    pub fn set(self, key: &str, value: &JsValue) -> Self {
        let _ = Reflect::set(&self.0, &JsValue::from_str(key), value);
        self
    }

    pub fn from_value(value: JsValue) -> Self {
        Message(value.unchecked_into())
    }

    pub fn get(&self, key: &str) -> JsValue {
        Reflect::get(&self.0, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    }

    pub fn kind(&self) -> String {
        self.text("kind")
    }

    pub fn job(&self) -> u32 {
        self.number("job") as u32
    }

    pub fn text(&self, key: &str) -> String {
        self.get(key).as_string().unwrap_or_default()
    }

    pub fn number(&self, key: &str) -> f64 {
        self.get(key).as_f64().unwrap_or(0.0)
    }
}
