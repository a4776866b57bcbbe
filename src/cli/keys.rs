//! `pywarden keys`: not implemented yet (see the open issues).

/// Arguments of `pywarden keys`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`pywarden keys` is not implemented yet")
}
