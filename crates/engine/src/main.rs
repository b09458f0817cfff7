//! The engine's Web Worker (see the library's documentation).

fn main() {
    wavehub_engine::worker::run();
}
