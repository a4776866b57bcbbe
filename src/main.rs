//! The `pywarden` command line: a thin shell over the library (see `cli`).

mod cli;

/// mimalloc for the binary (library users keep their own allocator): parsing, the facts walk,
/// building the policy input and dropping the AST are allocation-bound, and glibc's malloc was
/// ≈ 15–20% of `pywarden check`'s CPU time on the standard library.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cli::main());
}
