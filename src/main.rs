//! Entry point: mounts the app. Everything else lives in the library so browser tests can
//! mount the same components.

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(creditboard::App);
}
