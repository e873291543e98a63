//! The portal's entry point: mounts the app on `<body>`.

mod app;
mod doc;
mod faq;
mod i18n;
mod kb;
mod pages;
mod search;
mod signature;
mod slides;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
