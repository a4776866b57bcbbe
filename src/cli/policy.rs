//! `pywarden policy`: not implemented yet (see the open issues).

/// Arguments of `pywarden policy`.
#[derive(clap::Args)]
pub struct Args {}

/// Runs the subcommand; returns the exit code.
pub fn run(_args: Args) -> anyhow::Result<i32> {
    anyhow::bail!("`pywarden policy` is not implemented yet")
}
