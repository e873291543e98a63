//! `server`: the iAM Smart Sandbox's HTTP server, as a command.

use clap::Parser as _;
use tracing_subscriber::EnvFilter;

fn main() -> anyhow::Result<()> {
    let config = server::Args::parse().validate()?;
    tracing_subscriber::fmt()
        .with_env_filter(EnvFilter::try_new(&config.log)?)
        .with_writer(std::io::stderr)
        .init();
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(async {
        let listener = tokio::net::TcpListener::bind(config.addr).await?;
        // The banner (with the demo clients' secrets) goes to standard output, never to the log.
        #[allow(clippy::print_stdout)]
        let on_ready = |banner: &server::Banner| println!("{}", banner.text());
        server::serve_with(listener, config, server::shutdown_signal(), on_ready).await
    })
}
