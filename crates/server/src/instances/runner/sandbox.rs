//! The sandbox app code runs in: bubblewrap (Debian's `bubblewrap`), unprivileged.
//!
//! Each process (pip, waved, the app) gets its own mount, PID, IPC, UTS and user namespaces. It
//! sees the system's `/usr` and a short list of `/etc` files read-only, its Python environment and
//! the Wave server read-only, its own instance folder writable, a private `/tmp`, and a `/proc` of
//! its own processes only. Nothing else of the machine exists inside: not the data dir (database,
//! blobs, other instances' folders), not the server's home. The environment is exactly the one the
//! runner gives (never the server's). When the server runs as root, the process also runs as an
//! unprivileged user of its own (one uid per instance), with no new privileges and no capabilities.
//! The network is shared with the host (apps call outside services; pip downloads).
//! `MemoryLimit` is enforced with a memory cgroup when the server may create one (root).

use std::ffi::CString;
use std::path::{Path, PathBuf};

/// The files of `/etc` a Python process needs (name resolution, TLS roots, the dynamic loader,
/// time zone, user names, MIME types); everything else of `/etc` stays out.
const ETC_FILES: &[&str] = &[
    "alternatives",
    "ca-certificates",
    "ca-certificates.conf",
    "fonts",
    "gai.conf",
    "group",
    "host.conf",
    "hosts",
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "localtime",
    "mime.types",
    "nsswitch.conf",
    "passwd",
    "pip.conf",
    "resolv.conf",
    "ssl",
    "xdg/pip",
];

/// The first uid of the range instances run as when the server is root (one per instance, so two
/// instances never share an owner even outside their namespaces).
const FIRST_INSTANCE_UID: u32 = 200_000;
const INSTANCE_UIDS: u32 = 100_000;

/// What one sandboxed process may see and do.
#[derive(Debug, Clone, Default)]
pub struct Jail {
    /// Folders and files mounted read-only at the same path.
    pub read_only: Vec<PathBuf>,
    /// Folders mounted writable at the same path.
    pub writable: Vec<PathBuf>,
    /// Folders mounted writable elsewhere: `(source, where inside)` (a VolumeMount).
    pub mounted: Vec<(PathBuf, PathBuf)>,
    /// The working directory (inside one of the mounts).
    pub cwd: PathBuf,
    /// The whole environment.
    pub env: Vec<(String, String)>,
    /// The user to run as when the server is root.
    pub uid: Option<u32>,
    /// The memory cgroup's `cgroup.procs` to join before starting.
    pub cgroup_procs: Option<PathBuf>,
}

/// The uid instance `id` runs as when the server is root; `None` otherwise (then it runs as the
/// server's own user, which the namespaces still keep from everything of the server's).
pub fn instance_uid(instance_id: i64) -> Option<u32> {
    // SAFETY: geteuid has no preconditions and touches no memory.
    let root = unsafe { libc::geteuid() } == 0;
    root.then(|| FIRST_INSTANCE_UID + (instance_id.rem_euclid(i64::from(INSTANCE_UIDS)) as u32))
}

/// When instances run as users of their own: the first folder above `path` those users may not
/// pass through (a data dir under a private home, e.g. /root at 0700), which makes every launch
/// fail. `None` when all is reachable or instances run as the server's user.
pub fn unreachable_for_instances(path: &Path) -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    instance_uid(0)?;
    path.ancestors()
        .filter(|folder| !folder.as_os_str().is_empty())
        .find(|folder| std::fs::metadata(folder).is_ok_and(|m| m.permissions().mode() & 0o001 == 0))
        .map(Path::to_path_buf)
}

/// Why launches fail when [`unreachable_for_instances`] finds `folder`, and the fix.
pub fn unreachable_reason(folder: &Path) -> String {
    format!(
        "app instances run as users of their own, who cannot pass through {0} (only its owner may enter it); start the \
         server with a data dir they can reach (e.g. --data-dir /var/lib/wavehub), or let others pass through it (chmod o+x {0})",
        folder.display()
    )
}

/// Gives `path` and everything under it to `uid` (the server is root and the sandboxed process
/// must write there).
pub fn give_to(path: &Path, uid: Option<u32>) -> Result<(), String> {
    let Some(uid) = uid else { return Ok(()) };
    let mut stack = vec![path.to_path_buf()];
    while let Some(path) = stack.pop() {
        let meta = std::fs::symlink_metadata(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        std::os::unix::fs::lchown(&path, Some(uid), Some(uid)).map_err(|e| format!("cannot hand {} to the app's user: {e}", path.display()))?;
        if meta.is_dir() {
            for entry in std::fs::read_dir(&path).map_err(|e| e.to_string())? {
                stack.push(entry.map_err(|e| e.to_string())?.path());
            }
        }
    }
    Ok(())
}

/// Where `bwrap` is, or why the sandbox cannot run.
pub fn bubblewrap() -> Result<PathBuf, String> {
    ["/usr/bin/bwrap", "/usr/local/bin/bwrap", "/bin/bwrap"]
        .into_iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
        .ok_or_else(|| {
            "the sandbox needs bubblewrap (`bwrap`), which is not installed: install Debian's `bubblewrap` package \
             (or start the server with --no-sandbox on a machine where app code is trusted)"
                .to_owned()
        })
}

/// The command that runs `program args` in `jail`; with `sandbox` off, the plain command (same
/// environment and working directory, no isolation).
pub fn command(sandbox: bool, jail: &Jail, program: &Path, args: &[&str]) -> Result<tokio::process::Command, String> {
    let mut command = if sandbox {
        let mut command = tokio::process::Command::new(bubblewrap()?);
        command.args(bwrap_args(jail)).arg("--").arg(program).args(args);
        command
    } else {
        let mut command = tokio::process::Command::new(program);
        command.args(args);
        command
    };
    // In the sandbox, bwrap's --chdir sets the working directory; its own is `/`, which the
    // unprivileged user can always enter.
    command
        .current_dir(if sandbox { Path::new("/") } else { jail.cwd.as_path() })
        .env_clear()
        .envs(jail.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true)
        .process_group(0);
    let cgroup = match &jail.cgroup_procs {
        Some(path) => Some(CString::new(path.as_os_str().as_encoded_bytes()).map_err(|e| e.to_string())?),
        None => None,
    };
    let uid = if sandbox { jail.uid } else { None };
    // SAFETY: between fork and exec only async-signal-safe calls (open, write, close, prctl,
    // setgroups, setgid, setuid) on memory prepared before the fork.
    unsafe {
        command.pre_exec(move || {
            if let Some(procs) = &cgroup {
                // "0" moves the writing process; bwrap and all it starts inherit the cgroup.
                let fd = libc::open(procs.as_ptr(), libc::O_WRONLY);
                if fd >= 0 {
                    libc::write(fd, b"0".as_ptr().cast(), 1);
                    libc::close(fd);
                }
            }
            if let Some(uid) = uid {
                if libc::setgroups(0, std::ptr::null()) != 0 || libc::setgid(uid) != 0 || libc::setuid(uid) != 0 {
                    return Err(std::io::Error::last_os_error());
                }
            }
            libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
            // After the uid change, which clears it: the processes end with the server.
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL);
            Ok(())
        });
    }
    Ok(command)
}

fn bwrap_args(jail: &Jail) -> Vec<String> {
    let mut args: Vec<String> = [
        "--die-with-parent",
        "--new-session",
        "--unshare-all",
        "--share-net",
        "--hostname",
        "wavehub-app",
        "--ro-bind",
        "/usr",
        "/usr",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // Merged-/usr systems link /bin, /lib… into /usr; others have them as folders.
    for top in ["/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"] {
        match std::fs::read_link(top) {
            Ok(target) => args.extend(["--symlink".into(), target.display().to_string(), top.into()]),
            Err(_) if Path::new(top).is_dir() => args.extend(["--ro-bind".into(), top.into(), top.into()]),
            Err(_) => {}
        }
    }
    for name in ETC_FILES {
        let path = format!("/etc/{name}");
        args.extend(["--ro-bind-try".into(), path.clone(), path]);
    }
    for path in &jail.read_only {
        let path = path.display().to_string();
        args.extend(["--ro-bind".into(), path.clone(), path]);
    }
    for path in &jail.writable {
        let path = path.display().to_string();
        args.extend(["--bind".into(), path.clone(), path]);
    }
    for (source, target) in &jail.mounted {
        args.extend(["--bind".into(), source.display().to_string(), target.display().to_string()]);
    }
    // The root is bwrap's own tmpfs, holding the mount points: read-only, so nothing can be
    // written but the instance's folder and /tmp.
    args.extend(["--remount-ro".into(), "/".into()]);
    args.extend(["--chdir".into(), jail.cwd.display().to_string()]);
    args
}

/// A memory cgroup for one instance, limited to `bytes`; removed on drop (once its processes have
/// ended). `Err` says why the limit cannot be enforced here.
pub struct MemoryCgroup {
    dir: PathBuf,
}

impl MemoryCgroup {
    pub fn create(instance_id: i64, bytes: u64) -> Result<MemoryCgroup, String> {
        let v2 = Path::new("/sys/fs/cgroup/cgroup.controllers");
        let (dir, limit_file) = if std::fs::read_to_string(v2).is_ok_and(|c| c.split_whitespace().any(|c| c == "memory")) {
            let parent = Path::new("/sys/fs/cgroup/wavehub");
            if !parent.is_dir() {
                std::fs::create_dir(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
            }
            // Children of `wavehub` may only use controllers it enables for them.
            let _ = std::fs::write(parent.join("cgroup.subtree_control"), "+memory");
            (parent.join(group_name(instance_id)), "memory.max")
        } else if Path::new("/sys/fs/cgroup/memory").is_dir() {
            (Path::new("/sys/fs/cgroup/memory/wavehub").join(group_name(instance_id)), "memory.limit_in_bytes")
        } else {
            return Err("this machine has no memory cgroup".into());
        };
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create the memory cgroup {}: {e}", dir.display()))?;
        let cgroup = MemoryCgroup { dir };
        std::fs::write(cgroup.dir.join(limit_file), bytes.to_string()).map_err(|e| format!("cannot set {limit_file}: {e}"))?;
        // Without swap accounting the limit could be dodged by swapping (v1 only has this file
        // when the kernel accounts swap).
        let _ = std::fs::write(cgroup.dir.join("memory.swap.max"), "0");
        Ok(cgroup)
    }

    pub fn procs(&self) -> PathBuf {
        self.dir.join("cgroup.procs")
    }

    /// Whether the kernel killed a process of this cgroup for going over the limit.
    pub fn oom_killed(&self) -> bool {
        let events = std::fs::read_to_string(self.dir.join("memory.events")).unwrap_or_default();
        let v2 = events.lines().any(|l| l.strip_prefix("oom_kill ").is_some_and(|n| n.trim() != "0"));
        let v1 = std::fs::read_to_string(self.dir.join("memory.oom_control"))
            .unwrap_or_default()
            .lines()
            .any(|l| l.strip_prefix("oom_kill ").is_some_and(|n| n.trim() != "0"));
        v2 || v1
    }
}

/// One cgroup per server process and instance: two servers on one machine (tests, a staging copy)
/// both have an instance 1.
fn group_name(instance_id: i64) -> String {
    format!("server-{}-instance-{instance_id}", std::process::id())
}

impl Drop for MemoryCgroup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sandbox_mounts_only_what_it_is_given() {
        let jail = Jail {
            read_only: vec!["/srv/env".into()],
            writable: vec!["/srv/i/7".into()],
            mounted: vec![("/srv/i/7/volume".into(), "/data".into())],
            cwd: "/srv/i/7/app".into(),
            ..Jail::default()
        };
        let args = bwrap_args(&jail).join(" ");
        assert!(args.contains("--unshare-all --share-net"));
        assert!(args.contains("--ro-bind /srv/env /srv/env"));
        assert!(args.contains("--bind /srv/i/7 /srv/i/7") && args.contains("--bind /srv/i/7/volume /data"));
        assert!(args.contains("--proc /proc") && args.contains("--tmpfs /tmp"));
        assert!(args.ends_with("--chdir /srv/i/7/app"));
        // The whole of /etc is never mounted, nor the root, nor /home.
        assert!(!args.contains("--ro-bind /etc /etc") && !args.contains("/home") && !args.contains("--bind / /"));
    }
}
