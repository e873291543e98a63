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
        let url = format!("http://{}/", listener.local_addr()?);
        #[allow(clippy::print_stdout)]
        {
            println!("iAM Smart Sandbox is running at {url}  (Ctrl-C to stop)");
        }
        server::serve(listener, config, server::shutdown_signal()).await
    })
}
