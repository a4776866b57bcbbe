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
//! x32 aliases (`nr | 0x40000000`) of every denied call are denied as well — when the x32 ABI
//! is reachable at all ([`x32_reachable`]). Most kernels build it in but leave it off
//! (`syscall.x32=n`), and then every x32 call fails with `ENOSYS` before it reaches a system
//! call, so the aliases would only double the filter. That length is paid on every run: the
//! kernel converts, JITs and (for its per-syscall action cache) emulates the whole filter for
//! every syscall number when a process installs it.

use std::collections::BTreeMap;

use seccompiler::{
    BpfProgram, SeccompAction, SeccompCmpArgLen, SeccompCmpOp, SeccompCondition, SeccompFilter,
    SeccompRule, TargetArch,
};

/// Both compiled programs, in installation order.
#[derive(Debug, Clone)]
pub struct Filters {
    pub programs: Vec<BpfProgram>,
    /// Whether the x32 aliases are in the programs.
    pub x32_aliases: bool,
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

/// `__X32_SYSCALL_BIT`: an x86-64 system call number with this bit set is an x32 call.
const X32_BIT: libc::c_long = 0x4000_0000;

/// Whether a process started from this one could make x32 system calls (x86-64 only; false
/// elsewhere). Probed once, in a forked child so that nothing can hit this process: the child
/// calls `getpid` through the x32 ABI and reports whether it worked. `ENOSYS` (the kernel has
/// x32 off), an error from a seccomp filter we already run under, or the child being killed
/// by such a filter all mean the aliases cannot be reached, and the children we start inherit
/// that. If the probe itself cannot run, the answer is `true` (keep the aliases: fail closed).
/// Probed once per process (every backend a process builds shares the answer).
pub fn x32_reachable() -> bool {
    static REACHABLE: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *REACHABLE.get_or_init(probe_x32)
}

fn probe_x32() -> bool {
    if !cfg!(target_arch = "x86_64") {
        return false;
    }
    // SAFETY: the child makes one raw system call and `_exit`s (async-signal-safe only, as a
    // fork of a multi-threaded process requires); the parent reaps it.
    unsafe {
        let pid = libc::fork();
        if pid == 0 {
            let r = libc::syscall(libc::SYS_getpid | X32_BIT);
            libc::_exit(if r >= 0 { 1 } else { 0 });
        }
        if pid < 0 {
            return true;
        }
        let mut status = 0;
        while libc::waitpid(pid, &mut status, 0) < 0 {
            if std::io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
                return true;
            }
        }
        !(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0 || libc::WIFSIGNALED(status))
    }
}

/// Inserts `nr` (and, with `x32`, its x32 alias) with `rules`.
fn insert(
    map: &mut BTreeMap<i64, Vec<SeccompRule>>,
    x32: bool,
    nr: libc::c_long,
    rules: Vec<SeccompRule>,
) {
    if x32 {
        map.insert(nr | X32_BIT, rules.clone());
    }
    map.insert(nr, rules);
}

/// Compiles both filters for the running architecture. `deny_processes` = false leaves
/// `fork`/`vfork`/`clone` alone (only with a pids cgroup bounding them, see `LocalOptions`).
/// `x32` adds the x32 alias of every entry (pass [`x32_reachable`]; ignored off x86-64).
pub fn build(deny_processes: bool, x32: bool) -> Result<Filters, String> {
    let arch = arch()?;
    let x32 = x32 && cfg!(target_arch = "x86_64");
    let mut deny: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    for &nr in UNCONDITIONAL {
        insert(&mut deny, x32, nr, Vec::new());
    }
    if deny_processes {
        insert_process_rules(&mut deny, x32)?;
    }
    // socket(domain, ...) / socketpair(domain, ...): only AF_UNIX.
    let unix = libc::AF_UNIX as u64;
    let sock_rule =
        SeccompRule::new(vec![cond(0, SeccompCmpOp::Ne, unix)?]).map_err(|e| e.to_string())?;
    insert(&mut deny, x32, libc::SYS_socket, vec![sock_rule.clone()]);
    insert(&mut deny, x32, libc::SYS_socketpair, vec![sock_rule]);
    let mut nosys: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    insert(&mut nosys, x32, libc::SYS_clone3, Vec::new());
    let programs = vec![
        program(deny, libc::EPERM, arch)?,
        program(nosys, libc::ENOSYS, arch)?,
    ];
    Ok(Filters {
        programs,
        x32_aliases: x32,
    })
}

/// The process-creation part of the errno filter alone (`fork`, `vfork`, `clone` without
/// `CLONE_THREAD` → `EPERM`): what a fork-server child installs on top of the fork server's
/// filters, which are built with `deny_processes = false` so that the fork server can fork.
pub fn process_filter(x32: bool) -> Result<BpfProgram, String> {
    let mut deny: BTreeMap<i64, Vec<SeccompRule>> = BTreeMap::new();
    insert_process_rules(&mut deny, x32 && cfg!(target_arch = "x86_64"))?;
    program(deny, libc::EPERM, arch()?)
}

/// `fork`, `vfork` (x86-64 has them) and `clone` without `CLONE_THREAD` (a process, not a
/// thread).
fn insert_process_rules(
    map: &mut BTreeMap<i64, Vec<SeccompRule>>,
    x32: bool,
) -> Result<(), String> {
    #[cfg(target_arch = "x86_64")]
    {
        insert(map, x32, libc::SYS_fork, Vec::new());
        insert(map, x32, libc::SYS_vfork, Vec::new());
    }
    let thread = libc::CLONE_THREAD as u64;
    let clone_rule = SeccompRule::new(vec![cond(0, SeccompCmpOp::MaskedEq(thread), 0)?])
        .map_err(|e| e.to_string())?;
    insert(map, x32, libc::SYS_clone, vec![clone_rule]);
    Ok(())
}

/// Compiles a filter that fails the listed calls with `errno` and allows everything else.
fn program(
    rules: BTreeMap<i64, Vec<SeccompRule>>,
    errno: libc::c_int,
    arch: TargetArch,
) -> Result<BpfProgram, String> {
    let filter = SeccompFilter::new(
        rules,
        SeccompAction::Allow,
        SeccompAction::Errno(errno as u32),
        arch,
    )
    .map_err(|e| format!("seccomp: {e}"))?;
    BpfProgram::try_from(filter).map_err(|e| format!("seccomp: {e}"))
}

/// A program as the bytes of its `struct sock_filter` array (native byte order), the form a
/// `struct sock_fprog` points to.
pub fn program_bytes(program: &BpfProgram) -> Vec<u8> {
    let mut out = Vec::with_capacity(program.len() * 8);
    for i in program {
        out.extend_from_slice(&i.code.to_ne_bytes());
        out.push(i.jt);
        out.push(i.jf);
        out.extend_from_slice(&i.k.to_ne_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numbers(f: &Filters) -> usize {
        f.programs.iter().map(|p| p.len()).sum()
    }

    #[test]
    fn x32_aliases_only_when_asked_and_on_x86_64() {
        let with = build(true, true).unwrap();
        let without = build(true, false).unwrap();
        assert!(!without.x32_aliases);
        assert_eq!(with.x32_aliases, cfg!(target_arch = "x86_64"));
        if cfg!(target_arch = "x86_64") {
            // Every entry gets its alias: the deny chain is about twice as long.
            assert!(
                numbers(&with) > numbers(&without) * 3 / 2,
                "{} vs {}",
                numbers(&with),
                numbers(&without)
            );
            // The alias of a denied call is compared against in the program.
            let alias = (libc::SYS_bpf | X32_BIT) as u32;
            assert!(with.programs[0].iter().any(|i| i.k == alias));
            assert!(!without.programs[0].iter().any(|i| i.k == alias));
        }
    }

    #[test]
    fn the_process_filter_denies_exactly_process_creation() {
        let p = process_filter(false).unwrap();
        let has = |nr: libc::c_long| p.iter().any(|i| i.k == nr as u32);
        assert!(has(libc::SYS_clone));
        #[cfg(target_arch = "x86_64")]
        assert!(has(libc::SYS_fork) && has(libc::SYS_vfork));
        assert!(!has(libc::SYS_bpf) && !has(libc::SYS_socket));
        let bytes = program_bytes(&p);
        assert_eq!(bytes.len(), p.len() * 8);
        // The first instruction, read back from the bytes as the kernel would.
        assert_eq!(u16::from_ne_bytes([bytes[0], bytes[1]]), p[0].code);
        assert_eq!(u32::from_ne_bytes(bytes[4..8].try_into().unwrap()), p[0].k);
    }

    #[test]
    fn the_x32_probe_matches_a_direct_x32_call() {
        // The probe forks; here the same call is made in this (test) process: getpid through
        // x32 is harmless where it works, and fails with ENOSYS or EPERM where it does not.
        if !cfg!(target_arch = "x86_64") {
            assert!(!x32_reachable());
            return;
        }
        // SAFETY: a raw getpid.
        let direct = unsafe { libc::syscall(libc::SYS_getpid | X32_BIT) } >= 0;
        assert_eq!(x32_reachable(), direct);
    }
}
