#!/usr/bin/env python3
"""How fast `python -m generator` is, next to its peers, on the same inputs in the same run.

    .venv/bin/python benchmarks/generate.py [--runs N] [--whole-spec PATH] [--no-java] [--baseline REV]

Run it with the project's environment (it runs the generator with the same interpreter). It
installs openapi-python-client into its own virtual environment under .cache/bench/ (and, where
`java` is present, openapi-generator-cli, which bundles openapi-generator's jar), then times each
tool as a fresh child process on (a) spec/calls.yaml, (b) the whole official 2020 Slack spec
(default: ../shared/reference/slack_web_openapi_v3.yaml beside the project) as one package, (c)
spec/slack_web.yaml, the current Web API converted from Slack's method reference (322 methods), as
one package, and (d) its largest family (`admin`, ours only: the peers cannot select one):

  cold        no caches, into an empty folder (the peers have no cache: this is every run of theirs)
  regenerate  the spec unchanged since the last run, output already in place
  --check     the spec unchanged, comparing only
  edited      one operation's summary changed since the last run (validation must run again)

`--baseline REV` also times the generator as of git revision REV (say, main before a change) cold
and with --check, for before/after figures from the same run. Each figure is the median of N runs (the scenarios take turns, so a burst of load elsewhere hits
all of them alike). "peak" is the child's ru_maxrss: the largest single process of its tree (the
generator forks a validation worker and, per spare CPU, a formatting worker; openapi-python-client
runs ruff). "tree" is the peak of the whole tree's proportional set size (PSS: shared pages split
between the processes sharing them), sampled every 5 ms in one extra, untimed run per scenario,
so sampling never slows the timed runs.
Last, it times importing the generated whole-API package (from spec/slack_web.yaml) in a fresh
interpreter against `from slack_sdk import WebClient` (slack_sdk installed in its own environment).
Targets (from issues 7, 12 and 17) are checked at the end, each printed as met or MISSED;
memory is judged on the whole tree's PSS. This is a measurement, not a test: timings depend
on the machine and its load, so it prints the load average beside them.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time
import venv
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".cache" / "bench"
CALLS = ROOT / "spec" / "calls.yaml"
SLACK_WEB = ROOT / "spec" / "slack_web.yaml"
LARGE_FAMILY = "admin"
WHOLE = ROOT.parent / "shared" / "reference" / "slack_web_openapi_v3.yaml"
PEERS = {
    "openapi-python-client": "openapi-python-client==0.29.1",
    "openapi-generator": "openapi-generator-cli==7.26.0",
    "slack-sdk": "slack-sdk==3.47.0",
}
MiB = 1024  # ru_maxrss is in KiB on Linux


@dataclass
class Scenario:
    tool: str
    spec: str  # "calls", "whole", "web" or "web-admin"
    kind: str  # "cold", "regenerate", "--check", "edited"
    command: list[str]
    env: dict[str, str]
    prepare: Callable[[int], None] | None = None  # called with the run's number before each run, untimed
    seconds: list[float] = field(default_factory=list)
    peak_kib: list[int] = field(default_factory=list)
    tree_kib: int = 0
    failures: list[str] = field(default_factory=list)
    cwd: Path = ROOT

    @property
    def label(self) -> str:
        return f"{self.tool[:24]:24} {self.spec:6} {self.kind:10}"

    def median(self) -> float:
        return statistics.median(self.seconds)


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--runs", type=int, default=5, help="timed runs per figure (default 5)")
    arguments.add_argument("--whole-spec", type=Path, default=WHOLE, help=f"the official spec (default {WHOLE})")
    arguments.add_argument("--no-java", action="store_true", help="leave openapi-generator out")
    arguments.add_argument("--baseline", metavar="REV", help="also time the generator as of this git revision")
    args = arguments.parse_args()

    work = BENCH / "work"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {_load()}")
    _compile_generator()
    specs = {"calls": (CALLS, "slack_calls")}
    if args.whole_spec.is_file():
        specs["whole"] = (args.whole_spec, "slack_web")
    else:
        print(f"note: {args.whole_spec} not found; whole-spec figures left out")
    specs["web"] = (SLACK_WEB, "slack_web")

    scenarios = []
    for spec_name, (spec, package) in specs.items():
        scenarios += _ours(work, spec_name, spec, package)
    scenarios += [replace(s, spec=f"web-{LARGE_FAMILY}", command=[*s.command, "--family", LARGE_FAMILY],
                          seconds=[], peak_kib=[], failures=[])
                  for s in _ours(work, f"web-{LARGE_FAMILY}", SLACK_WEB, "slack_admin") if s.kind in ("cold", "regenerate")]
    if args.baseline:
        baseline = _export(args.baseline, work / "baseline")
        for spec_name, (spec, package) in specs.items():
            scenarios += _baseline(work, baseline, args.baseline, spec_name, spec, package)
    opc = _peer_environment("openapi-python-client")
    if opc:
        for spec_name, (spec, _) in specs.items():
            scenarios.append(_opc(work, opc, spec_name, spec))
    if args.no_java:
        print("note: openapi-generator left out (--no-java)")
    elif shutil.which("java") is None:
        print("note: no `java` on PATH; openapi-generator left out")
    else:
        generator = _peer_environment("openapi-generator")
        if generator:
            for spec_name, (spec, package) in specs.items():
                scenarios.append(_openapi_generator(work, generator, spec_name, spec, package))

    for scenario in scenarios:  # one untimed run each: warms the OS file cache and primes "warm" states
        _run(scenario, 0, record=False)
    for number in range(1, args.runs + 1):
        for scenario in scenarios:
            _run(scenario, number)
    for scenario in scenarios:
        _run(scenario, args.runs + 1, record=False, sample=True)
    _report(scenarios, args.runs)
    _import_times(work, args.runs)
    shutil.rmtree(work, ignore_errors=True)
    return 0


def _import_times(work: Path, runs: int) -> None:
    """Importing the whole current Web API as one package, next to slack_sdk's WebClient."""
    out = work / "import-web"
    generated = subprocess.run([sys.executable, "-m", "generator", "--spec", str(SLACK_WEB), "--overlay",
                                str(SLACK_WEB.with_name("slack_web.overlay.yaml")), "--package", "slack_web",
                                "--out", str(out)], cwd=ROOT, capture_output=True, text=True, check=False)
    if generated.returncode != 0:
        print(f"\nimport time: generation failed: {generated.stderr.strip().splitlines()[-1:]}")
        return
    ours = [sys.executable, "-c", (f"import sys; sys.path.insert(0, {str(out)!r}); import time; "
            "start = time.perf_counter(); import slack_web; print(time.perf_counter() - start)")]
    sdk_env = _peer_environment("slack-sdk")
    theirs = [str(sdk_env / "python"), "-c", ("import time; start = time.perf_counter(); "
              "from slack_sdk import WebClient; print(time.perf_counter() - start)")] if sdk_env else None

    def median(command: list[str]) -> float:
        times = [float(subprocess.run(command, capture_output=True, text=True, check=True).stdout)
                 for _ in range(max(runs, 3))]
        return statistics.median(times)

    mine = median(ours)
    print(f"\nimport time (median of {max(runs, 3)} fresh interpreters):")
    print(f"  import slack_web (322 methods, 35 families): {mine * 1000:8.1f} ms")
    if theirs is None:
        print("  from slack_sdk import WebClient: not measured (slack_sdk could not be installed)")
        return
    sdk = median(theirs)
    print(f"  from slack_sdk import WebClient:              {sdk * 1000:8.1f} ms")
    print(f"  target: slack_web import <= slack_sdk WebClient: {mine / sdk:.2f}x  "
          f"{'met' if mine <= sdk else 'MISSED'}")


def _ours(work: Path, spec_name: str, spec: Path, package: str) -> list[Scenario]:
    """Our generator: cold, then the warm states sharing one cache and one output folder."""
    python = [sys.executable, "-m", "generator"]
    cold_out, cold_cache = work / f"ours-{spec_name}-cold", work / f"ours-{spec_name}-cold-cache"
    warm_out, warm_cache = work / f"ours-{spec_name}-warm", work / f"ours-{spec_name}-cache"
    edited = work / f"{spec_name}-edited{spec.suffix}"
    base = ["--spec", str(spec), "--package", package]
    env = {**os.environ, "GENERATOR_CACHE_DIR": str(cold_cache)}
    env.pop("GENERATOR_WORKERS", None)
    warm_env = {**env, "GENERATOR_CACHE_DIR": str(warm_cache)}

    def fresh(_: int) -> None:
        shutil.rmtree(cold_out, ignore_errors=True)
        shutil.rmtree(cold_cache, ignore_errors=True)

    def edit(number: int) -> None:
        edited.write_text(_edited(spec.read_text(encoding="utf-8"), number), encoding="utf-8")

    return [
        Scenario("python -m generator", spec_name, "cold", [*python, *base, "--out", str(cold_out)], env, fresh),
        Scenario("python -m generator", spec_name, "regenerate", [*python, *base, "--out", str(warm_out)], warm_env),
        Scenario("python -m generator", spec_name, "--check", [*python, *base, "--out", str(warm_out), "--check"],
                 warm_env),
        Scenario("python -m generator", spec_name, "edited",
                 [*python, "--spec", str(edited), "--package", package, "--out", str(work / f"ours-{spec_name}-edit")],
                 warm_env, edit),
    ]


def _export(revision: str, folder: Path) -> Path:
    """What running the generator needs, as of `revision`, exported and byte-compiled."""
    import compileall
    import io
    import tarfile

    present = subprocess.run(["git", "ls-tree", "--name-only", revision], cwd=ROOT, check=True, capture_output=True,
                             text=True).stdout.split()
    wanted = [name for name in ("generator", "templates", "runtime", "spec", "pyproject.toml") if name in present]
    archive = subprocess.run(["git", "archive", "--format=tar", revision, *wanted], cwd=ROOT, check=True,
                             capture_output=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder, filter="data")
    compileall.compile_dir(folder / "generator", quiet=1)
    return folder


def _baseline(work: Path, checkout: Path, revision: str, spec_name: str, spec: Path, package: str) -> list[Scenario]:
    """The generator as of another revision: cold, and --check on its own output."""
    python = [sys.executable, "-m", "generator", "--spec", str(spec), "--package", package]
    cold_out, warm_out = work / f"baseline-{spec_name}-cold", work / f"baseline-{spec_name}-warm"
    cold_cache = work / f"baseline-{spec_name}-cold-cache"
    tool = f"baseline {revision}"
    env = {**os.environ, "GENERATOR_CACHE_DIR": str(work / f"baseline-{spec_name}-cache")}
    env.pop("GENERATOR_WORKERS", None)
    cold_env = {**env, "GENERATOR_CACHE_DIR": str(cold_cache)}

    def fresh(_: int) -> None:  # cold as for ours: no output and no cache (the user's cache is never used)
        shutil.rmtree(cold_out, ignore_errors=True)
        shutil.rmtree(cold_cache, ignore_errors=True)

    def generated(_: int) -> None:
        if not warm_out.is_dir():
            subprocess.run([*python, "--out", str(warm_out)], cwd=checkout, env=env, check=True, capture_output=True)

    return [
        Scenario(tool, spec_name, "cold", [*python, "--out", str(cold_out)], cold_env, fresh, cwd=checkout),
        Scenario(tool, spec_name, "--check", [*python, "--out", str(warm_out), "--check"], env, generated,
                 cwd=checkout),
    ]


def _edited(text: str, number: int) -> str:
    """The spec with its first operation's one-line summary (or description) changed."""
    line = re.compile(r"^(      (?:summary|description): [A-Za-z`].*)$", re.MULTILINE)
    return line.sub(lambda match: f"{match.group(1)} Edited {number}.", text, count=1)


def _opc(work: Path, bin_dir: Path, spec_name: str, spec: Path) -> Scenario:
    out = work / f"opc-{spec_name}"
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"}  # its ruff post-hooks

    def fresh(_: int) -> None:
        shutil.rmtree(out, ignore_errors=True)

    command = [str(bin_dir / "openapi-python-client"), "generate", "--path", str(spec), "--output-path", str(out)]
    return Scenario("openapi-python-client", spec_name, "cold", command, env, fresh)


def _openapi_generator(work: Path, bin_dir: Path, spec_name: str, spec: Path, package: str) -> Scenario:
    out = work / f"openapi-generator-{spec_name}"

    def fresh(_: int) -> None:
        shutil.rmtree(out, ignore_errors=True)

    command = [str(bin_dir / "openapi-generator-cli"), "generate", "-g", "python", "-i", str(spec), "-o", str(out),
               "--package-name", package]
    return Scenario("openapi-generator python", spec_name, "cold", command, dict(os.environ), fresh)


def _peer_environment(name: str) -> Path | None:
    """The bin folder of a virtual environment holding the peer, created on first use."""
    folder = BENCH / f"{name}-venv"
    bin_dir = folder / ("Scripts" if os.name == "nt" else "bin")
    stamp = folder / ".installed"
    if stamp.is_file() and stamp.read_text() == PEERS[name]:
        return bin_dir
    print(f"installing {PEERS[name]} into {folder.relative_to(ROOT)}", flush=True)
    try:
        venv.create(folder, with_pip=True, clear=True)
        subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "--quiet", PEERS[name]], check=True,
                       capture_output=True, text=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        print(f"note: could not install {PEERS[name]}; left out: {detail.strip().splitlines()[-1:]}")
        return None
    stamp.write_text(PEERS[name])
    return bin_dir


def _compile_generator() -> None:
    """Byte-compile the generator, as `pip install` does for the peers (PYTHONDONTWRITEBYTECODE
    would otherwise make every run of ours compile its modules from source)."""
    import compileall

    compileall.compile_dir(ROOT / "generator", quiet=1)


def _run(scenario: Scenario, number: int, *, record: bool = True, sample: bool = False) -> None:
    if scenario.prepare is not None:
        scenario.prepare(number)
    log = BENCH / "work" / "last-run.log"
    with log.open("wb") as output:
        start = time.perf_counter()
        process = subprocess.Popen(scenario.command, cwd=scenario.cwd, env=scenario.env, stdout=output, stderr=output)
        sampler = TreeSampler(process.pid) if sample else None
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
    if sampler is not None:
        scenario.tree_kib = sampler.stop()
    if not record:
        return
    if process.returncode != 0:
        tail = log.read_text(errors="replace").strip().splitlines()[-3:]
        scenario.failures.append(f"exit {process.returncode}: {' | '.join(tail)}")
        return
    scenario.seconds.append(seconds)
    scenario.peak_kib.append(usage.ru_maxrss)


class TreeSampler:
    """Samples the summed PSS of a process and its descendants (Linux /proc; 0 elsewhere)."""

    def __init__(self, pid: int) -> None:
        self.pid, self.peak, self._done = pid, 0, threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        if Path(f"/proc/{pid}/smaps_rollup").exists():
            self._thread.start()

    def _loop(self) -> None:
        while not self._done.wait(0.005):
            self.peak = max(self.peak, sum(_pss_kib(pid) for pid in _tree(self.pid)))

    def stop(self) -> int:
        self._done.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak


def _tree(pid: int) -> list[int]:
    found, stack = [], [pid]
    while stack:
        current = stack.pop()
        found.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        stack.extend(int(child) for child in children)
    return found


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def _report(scenarios: list[Scenario], runs: int) -> None:
    print(f"\nmedian of {runs} runs; load average now {_load()}\n")
    print(f"{'tool':24} {'spec':6} {'scenario':10} {'median s':>9} {'min s':>7} {'peak MiB':>9} {'tree MiB':>9}")
    for scenario in scenarios:
        if not scenario.seconds:
            print(f"{scenario.label} FAILED: {scenario.failures[0] if scenario.failures else 'no runs'}")
            continue
        peak = statistics.median(scenario.peak_kib) / MiB
        tree = scenario.tree_kib / MiB
        print(f"{scenario.label} {scenario.median():9.3f} {min(scenario.seconds):7.3f} {peak:9.1f} {tree:9.1f}"
              + (f"  ({len(scenario.failures)} failed runs)" if scenario.failures else ""))

    def find(tool: str, spec: str, kind: str = "cold") -> Scenario | None:
        return next((s for s in scenarios if s.tool.startswith(tool) and s.spec == spec and s.kind == kind
                     and s.seconds), None)

    if any(s.tool.startswith("baseline") for s in scenarios):
        print("\nbefore/after (baseline -> ours: median time; memory, the whole tree's peak PSS):")
        for spec in ("calls", "whole", "web"):
            for kind in ("cold", "--check"):
                ours, before = find("python -m generator", spec, kind), find("baseline", spec, kind)
                if ours is not None and before is not None:
                    print(f"  {spec:6} {kind:10} {before.median():6.3f} s -> {ours.median():6.3f} s "
                          f"({ours.median() / before.median():.2f}x); "
                          f"{before.tree_kib / MiB:.1f} -> {ours.tree_kib / MiB:.1f} MiB")

    print("\nratios (ours / peer, time):")
    for peer in ("openapi-python-client", "openapi-generator"):
        for spec in ("calls", "whole", "web"):
            theirs = find(peer, spec)
            if theirs is None:
                continue
            for kind in ("cold", "regenerate", "--check", "edited"):
                ours = find("python -m generator", spec, kind)
                if ours is not None:
                    print(f"  {spec:6} {kind:10} / {peer} {spec} cold: {ours.median() / theirs.median():6.2f}x")

    print("\ntargets:")
    opc_calls, opc_whole = find("openapi-python-client", "calls"), find("openapi-python-client", "whole")
    checks: list[tuple[str, Scenario | None, Scenario | None, float]] = [
        ("calls cold <= 0.5x openapi-python-client calls", find("python -m generator", "calls"), opc_calls, 0.5),
        ("whole cold <= 0.5x openapi-python-client whole", find("python -m generator", "whole"), opc_whole, 0.5),
        ("web cold <= 0.5x openapi-python-client web", find("python -m generator", "web"),
         find("openapi-python-client", "web"), 0.5),
    ]
    for spec in ("calls", "whole"):
        for kind in ("regenerate", "--check"):
            checks.append((f"{spec} {kind} <= 0.25x openapi-python-client calls",
                           find("python -m generator", spec, kind), opc_calls, 0.25))
    for text, ours, theirs, limit in checks:
        if ours is None or theirs is None:
            print(f"  {text}: not measured")
            continue
        ratio = ours.median() / theirs.median()
        print(f"  {text}: {ratio:.2f}x  {'met' if ratio <= limit else 'MISSED'}")
    # memory is judged on the whole process tree (the forked workers count), never one process
    for spec, limit in (("whole", 80), ("web", 150)):
        ours = find("python -m generator", spec)
        if ours is None:
            print(f"  {spec} cold memory (whole tree's peak PSS) <= {limit} MiB: not measured")
            continue
        tree = ours.tree_kib / MiB
        print(f"  {spec} cold memory (whole tree's peak PSS) <= {limit} MiB: {tree:.1f} MiB  "
              f"{'met' if 0 < tree <= limit else 'MISSED'}")
    print("  synthetic 2,000-operation spec <= 300 MiB: see benchmarks/synthetic.py")


def _load() -> str:
    try:
        return " ".join(f"{value:.2f}" for value in os.getloadavg())
    except OSError:
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
