"""Run a program as a CPU without AVX-512 would: `python -m app.avx2_mask gui.speed_check`.

Most laptops' CPUs have AVX2 and no AVX-512. torch, oneDNN, ONNX Runtime, OpenVINO, NumPy and
OpenCV each pick their kernels from what the CPUID instruction reports, so the speed of the
app on such a CPU cannot be told from a CPU that has AVX-512 by settings alone
(`ATEN_CPU_CAPABILITY` and `ONEDNN_MAX_CPU_ISA` reach torch's and oneDNN's kernels only).

On Linux x86-64 with CPUID faulting (the kernel's `arch_prctl(ARCH_SET_CPUID)`, the CPU flag
`cpuid_fault`), a small library loaded first into the process makes every CPUID instruction
trap and answers it as the CPU would, with AVX-512 (every subset), its BF16 and FP16, AVX-VNNI
and AMX cleared: every library then runs the code it runs on an AVX2-only CPU. Clock, caches
and core count stay this computer's. The library is compiled with the system's C compiler
(`cc`) into the program's cache folder (`$SKETCHFILL_CACHE`, else ~/.cache/sketchfill) at first
use; processes the program starts inherit it.
"""
from __future__ import annotations

import hashlib
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

DEFAULT_MODULE = "app.runtime.cpu"  # prints the CPU line: capability AVX2, native bf16 no

# Bits cleared, per CPUID leaf and sub-leaf: (leaf, sub-leaf, register index EAX=0 .. EDX=3, mask)
_CLEARED = (
    (7, 0, 1, "(1u<<16)|(1u<<17)|(1u<<21)|(1u<<26)|(1u<<27)|(1u<<28)|(1u<<30)|(1u<<31)"),
    # EBX: AVX-512 F, DQ, IFMA, PF, ER, CD, BW, VL
    (7, 0, 2, "(1u<<1)|(1u<<6)|(1u<<11)|(1u<<12)|(1u<<14)"),
    # ECX: AVX-512 VBMI, VBMI2, VNNI, BITALG, VPOPCNTDQ
    (7, 0, 3, "(1u<<2)|(1u<<3)|(1u<<8)|(1u<<22)|(1u<<23)|(1u<<24)|(1u<<25)"),
    # EDX: AVX-512 4VNNIW, 4FMAPS, VP2INTERSECT, AMX-BF16, AVX-512 FP16, AMX-TILE, AMX-INT8
    (7, 1, 0, "(1u<<4)|(1u<<5)"),                   # EAX: AVX-VNNI, AVX-512 BF16
    (0xD, 0, 0, "0xe0u"),                           # EAX: the opmask and ZMM register states
)

_SOURCE = r"""
#define _GNU_SOURCE
#include <cpuid.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#define ARCH_SET_CPUID 0x1012

static void real_cpuid(uint32_t leaf, uint32_t sub, uint32_t r[4]) {
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);     /* CPUID allowed for this one call */
    __cpuid_count(leaf, sub, r[0], r[1], r[2], r[3]);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
}

static void on_trap(int sig, siginfo_t *info, void *context) {
    greg_t *g = ((ucontext_t *)context)->uc_mcontext.gregs;
    const uint8_t *ip = (const uint8_t *)g[REG_RIP];
    if (ip[0] != 0x0f || ip[1] != 0xa2) {           /* not CPUID: a real crash */
        signal(SIGSEGV, SIG_DFL);
        return;
    }
    uint32_t leaf = (uint32_t)g[REG_RAX], sub = (uint32_t)g[REG_RCX], r[4];
    real_cpuid(leaf, sub, r);
@CLEARED@
    g[REG_RAX] = r[0]; g[REG_RBX] = r[1]; g[REG_RCX] = r[2]; g[REG_RDX] = r[3];
    g[REG_RIP] += 2;                                /* past the 2-byte instruction */
}

__attribute__((constructor)) static void start(void) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_sigaction = on_trap;
    action.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &action, NULL);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);     /* from now on CPUID traps */
}
"""


def source() -> str:
    """The C source of the preloaded library."""
    lines = [f"    if (leaf == {leaf} && sub == {sub}) r[{reg}] &= ~({mask});"
             for leaf, sub, reg, mask in _CLEARED]
    return _SOURCE.replace("@CLEARED@", "\n".join(lines))


def unsupported() -> str | None:
    """Why this computer cannot run a program masked (None: it can)."""
    if sys.platform != "linux" or platform.machine() not in ("x86_64", "AMD64"):
        return "needs Linux on x86-64"
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError as err:
        return f"cannot read /proc/cpuinfo ({err.strerror})"
    if "cpuid_fault" not in flags.split():
        return "the CPU or its hypervisor has no CPUID faulting (flag cpuid_fault)"
    if shutil.which("cc") is None:
        return "no C compiler (cc) to build the library"
    return None


def library(folder: Path | None = None) -> Path:
    """The compiled library, built once per source (its name carries the source's hash)."""
    from sketchfill.models.data.cache import cache_dir

    text = source()
    folder = folder or cache_dir()
    path = folder / f"avx2-mask-{hashlib.sha256(text.encode()).hexdigest()[:12]}.so"
    if path.is_file():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    src = path.with_suffix(".c")
    src.write_text(text)
    built = path.with_suffix(f".{os.getpid()}.tmp")
    subprocess.run(["cc", "-O2", "-shared", "-fPIC", "-o", str(built), str(src)], check=True,
                   capture_output=True, text=True)
    os.replace(built, path)     # whole or not at all, should two builds meet
    return path


def masked_env(lib: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """`env` (default: this process's) with the library preloaded first."""
    env = dict(os.environ if env is None else env)
    env["LD_PRELOAD"] = " ".join(p for p in (str(lib), env.get("LD_PRELOAD", "")) if p)
    env.pop("PYTHONFAULTHANDLER", None)  # its SIGSEGV handler would take the traps
    return env


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args[:1] in (["-h"], ["--help"]):
        print(__doc__.strip())
        return 0
    reason = unsupported()
    if reason is not None:
        print(f"error: cannot mask AVX-512 here: {reason}", file=sys.stderr)
        return 1
    try:
        lib = library()
    except (OSError, subprocess.CalledProcessError) as err:
        detail = getattr(err, "stderr", "") or err
        print(f"error: building the library failed: {detail}", file=sys.stderr)
        return 1
    module, rest = (args[0], args[1:]) if args else (DEFAULT_MODULE, [])
    command = [sys.executable, "-m", _qualified(module), *rest]
    os.execve(sys.executable, command, masked_env(lib))
    return 1  # not reached: execve replaces this process


def _qualified(module: str) -> str:
    """`gui.speed_check` as the installed package names it."""
    return module if module.startswith("sketchfill.") else f"sketchfill.{module}"


if __name__ == "__main__":
    raise SystemExit(main())
