//! Local sandbox backend: a fresh scratch directory, Landlock, seccomp, rlimits and a
//! parent-side wall-clock kill of the whole process group. (Issue 4.)
