//! The catalog page (`index.html`).
fn main() {
    wavehub_web::start(wavehub_web::app::CatalogApp);
}
