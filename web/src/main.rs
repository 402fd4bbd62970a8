//! Mounts the console (only meaningful in the browser).

#[cfg(target_arch = "wasm32")]
fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(lelantos_console::app::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("lelantos-console runs in the browser: build it with trunk (see the README)");
}
