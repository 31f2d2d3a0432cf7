//! Entry point: starts the app. Everything else lives in the library so browser tests can
//! mount the same components.

fn main() {
    console_error_panic_hook::set_once();
    creditboard::app::start();
}
