//! The seccomp-bpf deny-list of the local sandbox (crate `seccompiler`).
//!
//! Landlock does not stop creating sockets, UDP, namespaces, `bpf`, `io_uring`, ... (see
//! SANDBOX.md), so two filters are installed in the child right before `execve`:
//!
//! 1. **errno filter** (`EPERM`): `fork`, `vfork`, `clone` without `CLONE_THREAD` (threads stay
//!    allowed, processes do not), `socket`/`socketpair` for any family but `AF_UNIX`, `unshare`,
//!    `setns`, `ptrace`, `process_vm_readv/writev`, `bpf`, `keyctl`/`add_key`/`request_key`,
//!    `userfaultfd`, `io_uring_*`, `perf_event_open`, the `mount` family, `pivot_root`,
//!    `chroot`, `kexec_*`, module loading, `acct`, `swapon/off`, `reboot`, handle-based opens,
//!    `personality` and `syslog`.
//! 2. **ENOSYS filter**: `clone3`, whose flags live in memory a filter cannot read; glibc then
//!    falls back to `clone`, whose flags filter 1 checks.
//!
//! An errno rather than a kill, so Python raises a readable `PermissionError`. On x86-64 the
//! x32 aliases (`nr | 0x40000000`) of every denied call are denied as well.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Both compiled programs, in installation order.
#[derive(Debug, Clone)]
pub struct Filters {
    pub programs: Vec<BpfProgram>,
}

const UNCONDITIONAL: &[libc::c_long] = &[
    libc::SYS_unshare,
    libc::SYS_setns,
    libc::SYS_ptrace,
    libc::SYS_process_vm_readv,
    libc::SYS_process_vm_writev,
    libc::SYS_bpf,
    libc::SYS_keyctl,
    libc::SYS_add_key,
    libc::SYS_request_key,
    libc::SYS_userfaultfd,
    libc::SYS_io_uring_setup,
    libc::SYS_io_uring_enter,
    libc::SYS_io_uring_register,
    libc::SYS_perf_event_open,
    libc::SYS_mount,
    libc::SYS_umount2,
    libc::SYS_pivot_root,
    libc::SYS_chroot,
    libc::SYS_move_mount,
    libc::SYS_open_tree,
    libc::SYS_fsopen,
    libc::SYS_fsconfig,
    libc::SYS_fsmount,
    libc::SYS_fspick,
    libc::SYS_mount_setattr,
    libc::SYS_kexec_load,
    libc::SYS_kexec_file_load,
    libc::SYS_init_module,
    libc::SYS_finit_module,
    libc::SYS_delete_module,
    libc::SYS_acct,
    libc::SYS_swapon,
    libc::SYS_swapoff,
    libc::SYS_reboot,
    libc::SYS_name_to_handle_at,
    libc::SYS_open_by_handle_at,
    libc::SYS_personality,
    libc::SYS_syslog,
];

fn arch() -> Result<TargetArch, String> {
    TargetArch::try_from(std::env::consts::ARCH).map_err(|e| format!("seccomp: {e}"))
}

fn cond(arg: u8, op: SeccompCmpOp, value: u64) -> Result<SeccompCondition, String> {
    SeccompCondition::new(arg, SeccompCmpArgLen::Dword, op, value).map_err(|e| e.to_string())
}

/// Inserts `nr` (and on x86-64 its x32 alias) with `rules`.
fn insert(map: &mut BTreeMap<i64, Vec<SeccompRule>>, nr: libc::c_long, rules: Vec<SeccompRule>) {
    map.insert(nr, rules.clone());
    if cfg!(target_arch = "x86_64") {
        map.insert(nr | 0x4000_0000, rules);
    }
}

/// Compiles both filters for the running architecture. `deny_processes` = false leaves
/// `fork`/`vfork`/`clone` alone (only with a pids cgroup bounding them, see `LocalOptions`).
pub fn build(deny_processes: bool) -> Result<Filters, String> {
    let arch = arch()?;
    let mut deny: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for &nr in UNCONDITIONAL {
        insert(&mut deny, nr, Vec::new());
    }
    #[cfg(target_arch = "x86_64")]
    if deny_processes {
        insert(&mut deny, libc::SYS_fork, Vec::new());
        insert(&mut deny, libc::SYS_vfork, Vec::new());
    }
    // clone(flags, ...): deny unless CLONE_THREAD is set (a thread, not a process).
    let thread = libc::CLONE_THREAD as u64;
    let clone_rule = SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(thread), 0)?])
        .map_err(|e| e.to_string())?;
    if deny_processes {
        insert(&mut deny, libc::SYS_clone, vec![clone_rule]);
    }
    // socket(domain, ...) / socketpair(domain, ...): only AF_UNIX.
    let unix = libc::AF_UNIX as u64;
    let sock_rule =
        SeccompRule::new(vec![cond(0, SeccompCmpOp::Ne, unix)?]).map_err(|e| e.to_string())?;
    insert(&mut deny, libc::SYS_socket, vec![sock_rule.clone()]);
    insert(&mut deny, libc::SYS_socketpair, vec![sock_rule]);
    let errno = SeccompFilter::new(
        deny,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::EPERM as u32),
        arch,
    )
    .map_err(|e| format!("seccomp: {e}"))?;

    let mut nosys: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    insert(&mut nosys, libc::SYS_clone3, Vec::new());
    let nosys = SeccompFilter::new(
        nosys,
        SeccompAction::Allow,
        SeccompAction::Errno(libc::ENOSYS as u32),
        arch,
    )
    .map_err(|e| format!("seccomp: {e}"))?;

    let programs = vec![
        BpfProgram::try_from(errno).map_err(|e| format!("seccomp: {e}"))?,
        BpfProgram::try_from(nosys).map_err(|e| format!("seccomp: {e}"))?,
    ];
    Ok(Filters { programs })
}
