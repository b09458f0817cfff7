//! The console page (`console.html`).
fn main() {
    wavehub_web::start(wavehub_web::app::ConsoleApp);
}
