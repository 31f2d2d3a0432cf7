//! The demo store's Web Worker (see `creditboard::store::worker`): Trunk builds it as
//! `demo-worker.js` and `demo-worker_bg.wasm` beside the app.

fn main() {
    console_error_panic_hook::set_once();
    creditboard::store::worker::serve();
}
