//! Landlock for the local sandbox: which paths the interpreter may touch, and whether the kernel
//! enforces it.
//!
//! The ruleset handles every filesystem right of ABI 6, TCP bind/connect (ABI 4) and the ABI 6
//! scopes (abstract Unix sockets, signals), then grants only: execute on the interpreter binary
//! and its ELF loader, read on the interpreter's prefix and the system library trees, a few
//! read-only files (`/etc/passwd`, `/etc/hosts`, ...), read-write on `/dev/null` and everything
//! on the scratch directory (except execute). No TCP port is granted, so TCP is denied.
//!
//! The ruleset is built in the parent ([`build`]) and applied in the child right before
//! `execve` with the raw `landlock_restrict_self` syscall, because `restrict_self` only
//! restricts the calling thread. [`probe`] applies a ruleset to a throwaway thread once at
//! start-up and reads the crate's `RestrictionStatus`: the backend refuses to run unless it is
//! `FullyEnforced` (or the caller opted into a weaker sandbox).

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use landlock::{
    ABI, Access, AccessFs, AccessNet, BitFlags, CompatLevel, Compatible, PathBeneath, PathFd,
    Ruleset, RulesetAttr, RulesetCreatedAttr, RulesetStatus, Scope,
};

/// The Landlock ABI whose rights we need: filesystem (incl. truncate, ioctl on devices), TCP
/// (ABI 4) and scopes for abstract Unix sockets and signals (ABI 6).
pub const REQUIRED_ABI: ABI = ABI::V6;

/// What the sandboxed interpreter may access (besides the per-run scratch directory).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    /// Files that may be executed (the interpreter and its ELF loader).
    pub exec_files: Vec<PathBuf>,
    /// Directory trees readable (not executable).
    pub read_trees: Vec<PathBuf>,
    /// Single files readable.
    pub read_files: Vec<PathBuf>,
    /// Single files readable and writable (`/dev/null`).
    pub rw_files: Vec<PathBuf>,
}

/// Outcome of the start-up probe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `fully enforced`, `partially enforced` or `not enforced`.
    pub fully_enforced: bool,
    /// Human-readable description (ABI, status).
    pub description: String,
}

fn file_rights() -> BitFlags<AccessFs> {
    AccessFs::ReadFile | AccessFs::WriteFile | AccessFs::Truncate | AccessFs::IoctlDev
}

/// The grants opened once (`O_PATH` descriptors, close-on-exec) with the rights each gets, so
/// that a run only opens its scratch directory: opening the dozen granted paths again for
/// every run was a measurable share of the server's own work per execution.
#[derive(Debug)]
pub struct OpenGrants {
    rules: Vec<(PathFd, BitFlags<AccessFs>)>,
}

impl OpenGrants {
    /// Opens every grant. The interpreter, its loader and `/dev/null` must exist; read-only
    /// trees and files that do not exist on this system are left out.
    pub fn open(grants: &Grants) -> Result<Self, String> {
        let open = |p: &Path| -> Result<PathFd, String> {
            PathFd::new(p).map_err(|e| format!("landlock: cannot open {}: {e}", p.display()))
        };
        let mut rules = Vec::new();
        for p in &grants.exec_files {
            rules.push((open(p)?, AccessFs::Execute | AccessFs::ReadFile));
        }
        for p in &grants.read_trees {
            if let Ok(fd) = open(p) {
                rules.push((fd, AccessFs::ReadFile | AccessFs::ReadDir));
            }
        }
        for p in &grants.read_files {
            if let Ok(fd) = open(p) {
                rules.push((fd, BitFlags::from(AccessFs::ReadFile)));
            }
        }
        for p in &grants.rw_files {
            rules.push((open(p)?, file_rights()));
        }
        Ok(Self { rules })
    }
}

/// Builds the ruleset for one run (in the parent). `None` means Landlock is unavailable and
/// `level` was best-effort (only reachable with an explicit opt-in to a weaker sandbox).
pub fn build(
    grants: &OpenGrants,
    scratch: &Path,
    level: CompatLevel,
) -> Result<Option<OwnedFd>, String> {
    let abi = REQUIRED_ABI;
    let err = |e: &dyn std::fmt::Display| format!("landlock ruleset: {e}");
    let mut rs = Ruleset::default()
        .set_compatibility(level)
        .handle_access(AccessFs::from_all(abi))
        .map_err(|e| err(&e))?
        .handle_access(AccessNet::from_all(abi))
        .map_err(|e| err(&e))?
        .scope(Scope::from_all(abi))
        .map_err(|e| err(&e))?
        .create()
        .map_err(|e| err(&e))?;
    for (fd, access) in &grants.rules {
        rs = rs
            .add_rule(PathBeneath::new(fd, *access))
            .map_err(|e| err(&e))?;
    }
    let scratch_fd = PathFd::new(scratch)
        .map_err(|e| format!("landlock: cannot open {}: {e}", scratch.display()))?;
    let scratch_rights = AccessFs::from_all(abi) & !AccessFs::Execute;
    rs = rs
        .add_rule(PathBeneath::new(scratch_fd, scratch_rights))
        .map_err(|e| err(&e))?;
    Ok(rs.into())
}

/// Applies the same ruleset (with a throwaway scratch directory) to a short-lived thread and
/// reads the `RestrictionStatus` the crate reports. `simulate_abi` pretends the kernel only
/// offers that ABI (a test and demonstration knob: below ABI 6 the result is "not fully
/// enforced").
pub fn probe(grants: &Grants, simulate_abi: Option<i32>) -> Probe {
    if let Some(v) = simulate_abi
        && v < REQUIRED_ABI as i32
    {
        return Probe {
            fully_enforced: false,
            description: format!(
                "Landlock ABI {v} (simulated) lacks the ABI {} rights: partially enforced",
                REQUIRED_ABI as i32
            ),
        };
    }
    let grants = grants.clone();
    let handle = std::thread::spawn(move || -> Result<String, String> {
        let dir = tempfile::tempdir().map_err(|e| format!("probe scratch: {e}"))?;
        let abi = REQUIRED_ABI;
        let mut rs = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(abi))
            .and_then(|r| r.handle_access(AccessNet::from_all(abi)))
            .and_then(|r| r.scope(Scope::from_all(abi)))
            .and_then(|r| r.create())
            .map_err(|e| e.to_string())?;
        for p in grants.exec_files.iter().chain(&grants.read_files) {
            if let Ok(fd) = PathFd::new(p) {
                rs = rs
                    .add_rule(PathBeneath::new(fd, AccessFs::ReadFile))
                    .map_err(|e| e.to_string())?;
            }
        }
        let fd = PathFd::new(dir.path()).map_err(|e| e.to_string())?;
        rs = rs
            .add_rule(PathBeneath::new(
                fd,
                AccessFs::from_all(abi) & !AccessFs::Execute,
            ))
            .map_err(|e| e.to_string())?;
        let status = rs.restrict_self().map_err(|e| e.to_string())?;
        let label = match status.ruleset {
            RulesetStatus::FullyEnforced => "fully enforced",
            RulesetStatus::PartiallyEnforced => "partially enforced",
            RulesetStatus::NotEnforced => "not enforced",
        };
        Ok(format!("{label} ({:?})", status.landlock))
    });
    match handle.join() {
        Ok(Ok(desc)) => Probe {
            fully_enforced: desc.starts_with("fully enforced"),
            description: format!("Landlock {desc}"),
        },
        Ok(Err(e)) => Probe {
            fully_enforced: false,
            description: format!("Landlock probe failed: {e}"),
        },
        Err(_) => Probe {
            fully_enforced: false,
            description: "Landlock probe thread panicked".into(),
        },
    }
}
