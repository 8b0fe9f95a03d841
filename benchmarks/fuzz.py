"""Fuzzing every way bytes come in: mat codecs, scan files, capture journals, the CLI's JSON.

    python benchmarks/fuzz.py --list
    python benchmarks/fuzz.py --seconds 600              # every target, 10 minutes each
    python benchmarks/fuzz.py --target file:ofs --seconds 60
    python benchmarks/fuzz.py --engine random            # without atheris
    python benchmarks/fuzz.py --jobs 2                   # two targets at a time

A target takes bytes and feeds them where data enters orthofit. The only errors it may raise
are orthofit's own (``OrthofitError``: a message for the user); anything else, an input that
runs over 5 s, or a process above 1 GB of memory is a finding. Each target runs in its own
process:

- ``atheris`` (coverage-guided libFuzzer, installed on demand; the default): libFuzzer's own
  limits (``-timeout=5 -rss_limit_mb=1024``), seeded with the target's seeds, mutating with
  libFuzzer's mutations and ours (numbers in text replaced by absurd ones);
- ``random``: our mutations of the seeds, with a watchdog for hangs and the peak memory read
  after every input.

A finding's input is written to ``tests/data/fuzz/TARGET/`` (named by its SHA-256), where
``tests/test_fuzz.py`` replays it on every test run; the tests also fuzz every target briefly
with Hypothesis.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import contextlib
import dataclasses
import faulthandler
import hashlib
import io
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
FINDINGS = REPO / "tests" / "data" / "fuzz"
SHARED = Path(os.environ.get("ORTHOFIT_SHARED", REPO.parent / "shared"))
HANG_S = 5
MEMORY_LIMIT = 2**30
#: Tokens put in place of a number in text formats: what broken exports and streams contain.
ABSURD = [b"nan", b"inf", b"-inf", b"-1", b"1e308", b"99999999999999999999", b"0", b"-0",
          b"1,5", b"", b"x", b"1e-300", b"0x10", b"4294967296"]
NUMBER = re.compile(rb"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")
#: Inputs larger than this are cut (bytes): fuzzing is about structure, not volume.
MAX_INPUT = 1 << 20
#: Inputs libFuzzer makes for a stream (codec) target (bytes): see Target.max_len.
STREAM_MAX_LEN = 1 << 16
#: Inputs libFuzzer makes for a file target (bytes): a header and dozens of frames of every
#: vendor export fit, and its corpus stays within memory (at 1 MB it passed 4 GB in 5 min).
FILE_MAX_LEN = 1 << 18


def mutate(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    """``data`` changed a few times: bytes flipped, cut, inserted, repeated, numbers replaced."""
    out = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randint(1, 6)):
        n = len(out)
        pos = rng.randrange(n + 1)
        op = rng.randrange(7)
        if op == 0 and n:
            out[min(pos, n - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            del out[pos:]
        elif op == 2:
            out[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == 3 and n:
            end = min(n, pos + rng.randint(1, 512))
            out[pos:pos] = out[pos:end] * rng.randint(1, 4)
        elif op == 4:
            del out[pos:pos + rng.randint(1, 64)]
        elif op == 5:
            numbers = list(NUMBER.finditer(bytes(out[pos:pos + 4096])))
            if numbers:
                m = rng.choice(numbers)
                out[pos + m.start():pos + m.end()] = rng.choice(ABSURD)
        elif n:
            out[min(pos, n - 1)] = rng.choice(b"\x00\xff\n\r,;{}\t -.")
    return bytes(out[:MAX_INPUT])


@dataclasses.dataclass
class Target:
    """A place bytes enter: its seeds (valid inputs) and the function that feeds it one."""

    name: str
    seeds: Callable[[], list[bytes]]
    run: Callable[[bytes], None]
    #: The longest input libFuzzer makes (bytes). libFuzzer keeps its corpus in memory: a
    #: stream target grows thousands of inputs, and at 1 MB each that corpus alone passed the
    #: 1 GB limit (a stream's structure repeats every frame, so 64 kB holds many of them).
    max_len: int = MAX_INPUT


# -- the targets -------------------------------------------------------------------------------


def _codec_target(profile_name: str) -> Target:
    def profile():
        from orthofit.io.profiles import load_mat_profile

        return load_mat_profile(profile_name)

    def seeds() -> list[bytes]:
        import numpy as np

        from orthofit.drivers.registry import make_codec

        p = profile()
        codec = make_codec(p)
        rows, cols = (p.rows, p.cols) if p.rows else (12, 9)
        rng = np.random.default_rng(0)
        kind = p.codec["kind"]
        frames = []
        for _ in range(4):
            if kind == "ascii_index":
                frames.append(np.round(rng.uniform(0, 3.3, (rows, cols)), 3))
            else:
                low = 1 if kind == "poll" else 0
                high = min(p.max_count, 254 if kind == "rle" else p.max_count)
                frames.append(rng.integers(low, high + 1, (rows, cols)))
        return [b"".join(codec.encode(f, seq=i, time_us=1000 * i) for i, f in enumerate(frames))]

    def run(data: bytes) -> None:
        import numpy as np

        from orthofit.drivers.registry import make_codec

        p = profile()
        codec = make_codec(p)
        state = codec.initial_state()
        # The first byte sets how the stream is cut into reads: a port delivers any chunking.
        # At most 4096 reads an input: any split is still tried on small inputs, and a large one
        # cut into single bytes would time the harness, not the codec.
        step = max(1 + (data[0] if data else 0) * 7, -(-len(data) // 4096))
        for pos in range(0, len(data), step):
            frames, state = codec.decode(state, data[pos:pos + step])
            for frame in frames:
                counts = np.asarray(frame.counts)
                assert counts.ndim == 2 and counts.size, f"frame of shape {counts.shape}"
                assert np.isfinite(counts).all(), "a frame with values that are not numbers"
                assert counts.min() >= 0 and counts.max() <= max(p.max_count, 1e6), \
                    f"counts {counts.min()}..{counts.max()} outside the mat's range"

    return Target(f"codec:{profile_name}", seeds, run, max_len=STREAM_MAX_LEN)


def _analyse(rec) -> None:
    import orthofit

    result = orthofit.analyze(rec)
    json.dumps(result.to_dict(series=False), allow_nan=False)


def _file_target(kind: str, suffix: str, seed_files: Callable[[], list[Path]],
                 **load_options: object) -> Target:
    def seeds() -> list[bytes]:
        return [p.read_bytes()[:MAX_INPUT] for p in seed_files()]

    def run(data: bytes) -> None:
        import orthofit
        from orthofit.errors import OrthofitError

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / f"input{suffix}"
            path.write_bytes(data)
            try:
                rec = orthofit.load(path, **load_options)
                _analyse(rec)
            except OrthofitError:
                pass

    return Target(f"file:{kind}", seeds, run, max_len=FILE_MAX_LEN)


def _tiny_frames():
    import numpy as np

    frames = np.zeros((6, 12, 8), np.float32)
    frames[:, 3:10, 2:6] = 50.0
    return frames


def _small_npy() -> list[Path]:
    import numpy as np

    folder = Path(tempfile.mkdtemp(prefix="orthofit-fuzz-"))
    np.save(folder / "f.npy", _tiny_frames())
    return [folder / "f.npy"]


def _zebris_export() -> list[Path]:
    """A small Zebris export with the preamble real gait exports have (FORMATS.md, issue 16)."""
    import numpy as np

    rng = np.random.default_rng(3)
    frames = [np.round(rng.uniform(0, 30, (5, 7)), 1) for _ in range(8)]
    lines = ["Person {", "  Name: Doe, Jane", "  Weight: 61 kg", "}", "Record {",
             f"  Frames: {len(frames)}", "}", "time;force;cop_x;cop_y"]
    lines += [f"{i / 100:.3f};{f.sum():.1f};{i * 0.5 - 3:.2f};{i % 7 - 3:.2f}"
              for i, f in enumerate(frames)]
    lines += ["", "Platform {", "  Columns 7", "  Lines 5", "  Cell width,mm 8.47",
              "  Units N/cm^2", "  Frequency 100", "}"]
    for i, f in enumerate(frames):
        lines += [f"Frame {i} {{", f"  time {i / 100:.2f}"]
        lines += [" ".join(f"{v:g}" for v in row) for row in f] + ["}"]
    folder = Path(tempfile.mkdtemp(prefix="orthofit-fuzz-"))
    (folder / "gait.txt").write_text("\n".join(lines) + "\n")
    return [folder / "gait.txt"]


def _ofs_meta_target() -> Target:
    """The ``.ofs`` metadata, written with valid checksums: what only the field checks stop."""

    def seeds() -> list[bytes]:
        import orthofit
        from orthofit.io.ofs import meta_of

        rec = orthofit.load(_small_npy()[0], pitch_mm=5.08, rate_hz=100)
        return [json.dumps(meta_of(rec), sort_keys=True).encode()]

    def run(data: bytes) -> None:
        import numpy as np

        import orthofit
        from orthofit.errors import OrthofitError
        from orthofit.io.ofs import write_ofs

        try:
            meta = json.loads(data)
        except (ValueError, UnicodeDecodeError, RecursionError):
            return  # not JSON: the reader's own JSON errors are the file:ofs target's
        if not isinstance(meta, dict):
            return
        meta.pop("checksums", None)
        frames = _tiny_frames()
        members = {"frames_kpa": (frames.dtype, frames.shape, lambda: (frames,)),
                   "times_s": (np.dtype("<f8"), (6,), lambda: (np.arange(6) / 100.0,))}
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "m.ofs"
            try:
                write_ofs(path, meta, members)
                _analyse(orthofit.load(path))
            except OrthofitError:
                pass

    return Target("ofs-meta", seeds, run)


def _small_ofs() -> list[Path]:
    """A sample walk and a tiny scan (small inputs fuzz fast)."""

    import orthofit

    folder = Path(tempfile.mkdtemp(prefix="orthofit-fuzz-"))
    orthofit.save(orthofit.load(_small_npy()[0], pitch_mm=5.08, rate_hz=100), folder / "s.ofs")
    return [folder / "s.ofs", REPO / "sample_scans" / "static_normal.ofs"]


def _vendor(name: str) -> Callable[[], list[Path]]:
    return lambda: [SHARED / "vendor-samples" / name]


def _journal_target() -> Target:
    def seeds() -> list[bytes]:
        import numpy as np

        from orthofit.capture.journal import JournalWriter
        from orthofit.io.profiles import load_mat_profile

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "j"
            writer = JournalWriter(path, {"profile": load_mat_profile("ofp1-generic").to_dict(),
                                          "mode": "static"})
            for i in range(5):
                writer.append_frame(np.full((6, 5), 10 * i, np.uint16), i, 1000 * i, 0.001 * i)
            writer.append_fault("timeout", "silence", 0.01)
            writer.close()
            return [path.read_bytes()]

    def run(data: bytes) -> None:
        import orthofit
        from orthofit.capture.recorder import recover_journal
        from orthofit.errors import OrthofitError

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "j"
            path.write_bytes(data)
            try:
                recover_journal(path, Path(folder) / "r.ofs")
                orthofit.load(Path(folder) / "r.ofs")
            except OrthofitError:
                pass

    return Target("journal", seeds, run)


def _cli_json_target() -> Target:
    """``orthofit analyze FILE --json``: whatever the file, stdout is JSON lines only."""

    def seeds() -> list[bytes]:
        return [p.read_bytes() for p in _small_ofs()[:1]] + \
            [p.read_bytes() for p in _vendor("footscan_test.xls")() if p.exists()]

    def run(data: bytes) -> None:
        from orthofit.cli.main import main

        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / ("input.xls" if data.startswith(b"\xd0\xcf") else "input.ofs")
            path.write_bytes(data)
            out, err = io.StringIO(), io.StringIO()
            # xlrd and others write to sys.stdout directly: that must not reach the JSON.
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                status = main(["analyze", str(path), "--json"], out=sys.stdout)
            for line in out.getvalue().splitlines():
                json.loads(line)
            assert status in (0, 1), f"exit status {status}: {err.getvalue()}"
            assert "unexpected error" not in out.getvalue() + err.getvalue(), out.getvalue()

    return Target("cli:analyze-json", seeds, run)


def targets() -> dict[str, Target]:
    """Every target by name (vendor-file targets only when ``../shared`` is there)."""
    from orthofit.io.profiles import profile_names

    found = [_codec_target(name) for name in profile_names("mats")]
    found.append(_file_target("ofs", ".ofs", _small_ofs))
    found.append(_ofs_meta_target())
    found.append(_file_target("npy", ".npy", _small_npy, pitch_mm=5.08, rate_hz=100.0))
    found.append(_file_target("zebris", ".txt", _zebris_export))
    vendor = {"asf": "fscan_testL.asf", "iscan": "iscan_test.csv", "lst": "emed_test.lst",
              "xls": "footscan_test.xls", "pliance": "pliance_test.asc",
              "pedar": "pedar_example.asc", "xsensor": "xsensor_data.csv"}
    for kind, name in vendor.items():
        if (SHARED / "vendor-samples" / name).exists():
            found.append(_file_target(kind, Path(name).suffix, _vendor(name)))
    found += [_journal_target(), _cli_json_target()]
    return {t.name: t for t in found}


# -- the engines -------------------------------------------------------------------------------


def keep_finding(target: str, data: bytes) -> Path:
    """Write a finding's input where the tests replay it."""
    folder = FINDINGS / target.replace(":", "_")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{hashlib.sha256(data).hexdigest()[:16]}.bin"
    path.write_bytes(data)
    return path


def _status(field: str) -> int:
    with open("/proc/self/status") as fh:
        line = next(x for x in fh if x.startswith(field))
    return int(line.split()[1]) * 1024


def peak_memory() -> int:
    """This process's peak resident memory (bytes), from the kernel."""
    return _status("VmHWM:")


def input_memory(run: Callable[[], None]) -> int:
    """Run ``run``; return the most memory it held beyond what the process held before (bytes).

    The kernel's peak is reset first (``/proc/self/clear_refs``), so this is one input's own
    peak, not the fuzzer's: libFuzzer keeps its whole corpus in memory, and with inputs of up
    to 1 MB that alone passes 1 GB while no input needs more than a few hundred MB.
    """
    before = _status("VmRSS:")
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")
    try:
        run()
    finally:
        used = peak_memory() - before
    return used


def run_random(target: Target, seconds: float, seed: int, current: Path) -> int:
    """Mutate the seeds for ``seconds``; return the findings (0 when clean).

    Each input is written to ``current`` before it runs, so the parent still has it when the
    watchdog ends a hang.
    """
    from orthofit.errors import OrthofitError

    rng = random.Random(seed)
    pool = target.seeds()
    runs = findings = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        data = mutate(rng.choice(pool), rng)
        # A hang cannot be caught from within: the input is on disk first, and the watchdog
        # ends the process with a traceback.
        current.write_bytes(data)
        faulthandler.dump_traceback_later(HANG_S, exit=True)
        try:
            target.run(data)
        except OrthofitError:
            pass
        except Exception as exc:  # what the fuzzing is for: anything not orthofit's own
            findings += 1
            print(f"  finding: {type(exc).__name__}: {str(exc)[:200]} -> "
                  f"{keep_finding(target.name, data)}")
        finally:
            faulthandler.cancel_dump_traceback_later()
        runs += 1
        if peak_memory() > MEMORY_LIMIT:
            findings += 1
            print(f"  finding: memory above 1 GB -> {keep_finding(target.name, data)}")
            break
        if rng.random() < 0.05 and len(pool) < 64:
            pool.append(data)  # keep some mutants as parents: deeper structure damage
    current.unlink(missing_ok=True)
    print(f"  {runs} inputs, {findings} finding(s), peak memory {peak_memory() / 2**20:.0f} MiB")
    return findings


def run_atheris(target: Target, seconds: float, seed: int) -> int:
    """Coverage-guided fuzzing with atheris (libFuzzer) in this process."""
    import atheris

    from orthofit.errors import OrthofitError

    corpus = Path(tempfile.mkdtemp(prefix="orthofit-corpus-"))
    for i, data in enumerate(target.seeds()):
        (corpus / f"seed{i}").write_bytes(data)
    artifacts = Path(tempfile.mkdtemp(prefix="orthofit-crash-"))

    def guarded(data: bytes) -> None:
        try:
            target.run(data)
        except OrthofitError:
            pass

    def one(data: bytes) -> None:
        used = input_memory(lambda: guarded(data))
        if used > MEMORY_LIMIT:
            raise MemoryError(f"one input held {used >> 20} MiB (limit {MEMORY_LIMIT >> 20})")

    def mutator(data: bytes, max_size: int, mseed: int) -> bytes:
        if mseed % 2:
            return atheris.Mutate(data, max_size)
        return mutate(data, random.Random(mseed))[:max_size]

    atheris.instrument_all()
    argv = [sys.argv[0], str(corpus), f"-max_total_time={int(seconds)}", f"-seed={seed}",
            # The 1 GB limit is checked per input (``one``), and no single allocation may
            # reach it. The process as a whole may hold 6 GB: on the text readers libFuzzer's
            # and atheris's own bookkeeping (corpus, comparison tables) passes 4 GB within 10
            # minutes while the readers' own memory stays flat (tracemalloc over 1000 inputs).
            f"-timeout={HANG_S}", f"-rss_limit_mb={6 * MEMORY_LIMIT >> 20}",
            f"-malloc_limit_mb={MEMORY_LIMIT >> 20}",
            f"-max_len={target.max_len}", f"-artifact_prefix={artifacts}/", "-print_final_stats=1"]
    atheris.Setup(argv, one, custom_mutator=mutator)
    atheris.Fuzz()  # exits the process: the parent reads the artifacts
    return 0


def ensure_atheris() -> bool:
    """Install atheris into this environment on demand; False when it cannot be had."""
    try:
        import atheris  # noqa: F401

        return True
    except ImportError:
        done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "atheris>=2.3"],
                              capture_output=True)
        return done.returncode == 0


def child(name: str, engine: str, seconds: float, seed: int, current: Path) -> int:
    target = targets()[name]
    if engine == "atheris":
        return run_atheris(target, seconds, seed)
    return 1 if run_random(target, seconds, seed, current) else 0


def supervise(name: str, engine: str, seconds: float, seed: int) -> tuple[bool, str]:
    """Run one target in its own process: whether it found nothing, and what it reports."""
    said = [f"== {name} ({engine}, {seconds:g} s)"]
    current = Path(tempfile.mkdtemp(prefix="orthofit-fuzz-")) / "current.bin"
    proc = subprocess.run([sys.executable, __file__, "--child", name, "--engine", engine,
                           "--seconds", str(seconds), "--seed", str(seed), "--current",
                           str(current)], capture_output=True, text=True)
    text = proc.stdout + proc.stderr
    if engine == "atheris":
        stats = re.findall(r"stat::(number_of_executed_units|peak_rss_mb):\s*(\d+)", text)
        said.append("  " + ", ".join(f"{k} {v}" for k, v in stats))
        for what in re.findall(r"=== Uncaught Python exception: ===\n(.*)", text):
            said.append(f"  finding: {what[:200]}")
        for what in re.findall(r"ERROR: libFuzzer: (timeout|out-of-memory.*)", text):
            said.append(f"  finding: {what}")
        for crash in re.findall(r"Test unit written to (\S+)", text):
            said.append(f"  finding -> {keep_finding(name, Path(crash).read_bytes())}")
    else:
        said += ["  " + line for line in proc.stdout.splitlines() if line.strip()]
    if current.exists():  # the watchdog ended a hang
        said.append(f"  finding: an input ran over {HANG_S} s -> "
                    f"{keep_finding(name, current.read_bytes())}")
        current.unlink()
    if proc.returncode and engine == "random":
        said += ["  " + line for line in text.splitlines() if line.strip()][-8:]
    return proc.returncode == 0, "\n".join(said)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="per target (s)")
    parser.add_argument("--target", action="append", help="a target name (repeatable)")
    parser.add_argument("--engine", choices=("atheris", "random"), default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--jobs", type=int, default=1, help="targets fuzzed at once")
    parser.add_argument("--list", action="store_true", help="list the targets")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--current", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.child:
        return child(args.child, args.engine, args.seconds, args.seed, args.current)
    names = list(targets())
    if args.list:
        print("\n".join(names))
        return 0
    engine = args.engine or ("atheris" if ensure_atheris() else "random")
    chosen = args.target or names
    failed = []
    with concurrent.futures.ThreadPoolExecutor(max(1, args.jobs)) as pool:
        runs = [pool.submit(supervise, n, engine, args.seconds, args.seed) for n in chosen]
        for name, run in zip(chosen, runs, strict=True):
            ok, said = run.result()
            print(said, flush=True)
            if not ok:
                failed.append(name)
    print(f"{len(chosen) - len(failed)} of {len(chosen)} targets clean"
          + (f"; findings in {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
