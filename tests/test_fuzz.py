"""Fuzzing: a mutated calls spec ends in typed, importable code or in one clean exit-2 error.

Each example drops, duplicates or retypes keys of spec/calls.yaml and puts hostile strings in
names and descriptions, runs the CLI in-process into a folder that already holds a file, and
checks the outcome. CI runs a fixed, derandomized set (FUZZ_EXAMPLES, default 40); for a long
random session:

    FUZZ_EXAMPLES=5000 FUZZ_RANDOM=1 .venv/bin/python -m pytest tests/test_fuzz.py -x
"""

from __future__ import annotations

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from conftest import SPEC, MypyRun
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import cli

BASE: dict[str, Any] = yaml.safe_load(SPEC.read_text())
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "40"))
HOSTILE = [
    "class", "from", "None", "self", "raw", "to_dict", "__init__", "1st", "", " ", "a-b.c", "x y", "é名",
    '"""', "'''", "\\", "\\N{", "{{ api }}", "{% raw %}", "{#", "\x00\x07\x1b", "\r\n", "\u2028",
    "__import__('os').system('touch PWNED')", '"); import os; os.system("touch PWNED"); ("',
    "#!/bin/sh\nrm -rf /", "${HOME}", "</script>", "calls.add", "calls..x",
]
VALUES: list[Any] = [None, True, 0, -1, 1.5, "text", [], {}, [1, "a"], {"type": "string"}, {"$ref": "#/nowhere"}]


def paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


PATHS = list(paths(BASE))[1:]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=12))


@st.composite
def mutated_specs(draw: st.DrawFn) -> dict[str, Any]:
    spec = copy.deepcopy(BASE)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent: Any = spec
        try:
            for part in path[:-1]:
                parent = parent[part]
            key = path[-1]
            value = parent[key]
        except (KeyError, IndexError, TypeError):
            continue  # an earlier mutation removed it
        action = draw(st.sampled_from(["drop", "duplicate", "retype", "rename", "text"]))
        if action == "drop":
            del parent[key]
        elif action == "retype":
            parent[key] = draw(st.sampled_from(VALUES))
        elif action == "text":
            parent[key] = draw(hostile_text)
        elif isinstance(parent, dict):
            new_key = draw(hostile_text)
            parent[new_key] = copy.deepcopy(value) if action == "duplicate" else parent.pop(key)
        else:
            parent.append(copy.deepcopy(value))
    return spec


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_mutated_specs_give_typed_code_or_one_clean_error(tmp_path: Path, mypy_strict: MypyRun) -> None:
    generated: list[str] = []
    counter = iter(range(10**9))

    @settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_RANDOM"),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
    @given(mutated_specs())
    def run(spec: dict[str, Any]) -> None:
        number = next(counter)
        case = tmp_path / f"case{number}"
        out = case / "out"
        out.mkdir(parents=True)
        (out / "KEEP.md").write_text("not the generator's\n")
        spec_file = case / "spec.json"
        spec_file.write_text(json.dumps(spec))
        before = snapshot(out)
        stderr = io.StringIO()
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            code = cli.main(["--spec", str(spec_file), "--out", str(out), "--package", f"fuzz{number}"])
        message = stderr.getvalue()
        assert code in (0, 2), message
        assert "Traceback" not in message
        if code == 2:
            assert message.startswith("error: ") and str(spec_file) in message
            assert snapshot(out) == before
            return
        assert (out / "KEEP.md").read_text() == "not the generator's\n"
        script = f"import sys; sys.path.insert(0, sys.argv[1]); import fuzz{number}; fuzz{number}.Client"
        result = subprocess.run([sys.executable, "-I", "-S", "-c", script, str(out)], cwd=case,
                                capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stderr
        assert not (case / "PWNED").exists() and not Path("PWNED").exists()
        generated.append(str(out))

    run()
    print(f"{next(counter)} examples, {len(generated)} generated a client")
    assert generated, "no mutation produced a client; the fuzzer is not exercising generation"
    packages = [arg for out in generated for arg in ("-p", f"fuzz{Path(out).parent.name[4:]}")]
    result = mypy_strict(*packages, cwd=tmp_path, env={**os.environ, "MYPYPATH": os.pathsep.join(generated)})
    assert result.returncode == 0, result.stdout[-3000:]
