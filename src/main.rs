fn main() {
    wavehub_web::start();
}
