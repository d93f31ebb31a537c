#!/usr/bin/env python3
"""How generation time and memory grow with the size of a spec, on synthetic Slack-like specs.

    .venv/bin/python benchmarks/synthetic.py [--sizes 250,500,1000,2000,4000] [--write N FILE]

A synthetic spec has N operations and N component schemas, spread over N/25 families of 25 methods,
shaped like Slack's: POST form bodies with strings, integers, booleans, comma lists and a JSON
field; responses that name object schemas which refer to one another, carry enums, arrays, nullable
and optional fields. Each size is generated cold (no cache, empty output folder) as one package,
timed, with the peak summed PSS of the whole process tree (the generator and its workers) sampled
in the same run. The table ends with the issue-17 goal for 2,000 operations (at most 300 MiB).
`--write N FILE` only writes the spec of N operations (JSON), for profiling by hand.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from generate import ROOT, TreeSampler

METHODS_PER_FAMILY = 25
GOAL_OPERATIONS, GOAL_MIB = 2000, 300


def synthetic_spec(operations: int) -> dict[str, Any]:
    """An OpenAPI 3.1 document with `operations` methods and as many object schemas."""
    schemas = {_schema_name(index): _object_schema(index, operations) for index in range(operations)}
    paths = {f"/{_method_name(index)}": {"post": _operation(index, operations)} for index in range(operations)}
    return {
        "openapi": "3.1.0",
        "info": {"title": f"Synthetic Slack API ({operations} methods)", "version": "1.0.0"},
        "servers": [{"url": "https://slack.com/api"}],
        "security": [{"slackAuth": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"slackAuth": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas,
        },
    }


def _method_name(index: int) -> str:
    return f"family{index // METHODS_PER_FAMILY}.method{index % METHODS_PER_FAMILY}"


def _schema_name(index: int) -> str:
    return f"Object{index}"


def _object_schema(index: int, count: int) -> dict[str, Any]:
    neighbour = _schema_name((index * 7 + 1) % count)
    return {
        "type": "object",
        "description": f"Synthetic object number {index}, referring to {neighbour}.",
        "required": ["id", "name"],
        "properties": {
            "id": {"type": "string", "description": "The object's identifier."},
            "name": {"type": "string"},
            "created": {"type": "integer"},
            "is_archived": {"type": "boolean"},
            "score": {"type": ["number", "null"]},
            "kind": {"type": "string", "enum": ["public", "private", f"kind_{index % 5}"]},
            "tags": {"type": "array", "items": {"type": "string"}},
            "parent": {"$ref": f"#/components/schemas/{neighbour}"},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }


def _operation(index: int, count: int) -> dict[str, Any]:
    returned = _schema_name(index % count)
    return {
        "operationId": _method_name(index),
        "summary": f"Synthetic method {index}.",
        "description": "Does nothing but has the shape of a Slack Web API method.",
        "x-slack-rate-limit-tier": 1 + index % 4,
        "x-slack-errors": {"not_found": "The object was not found.", "invalid_cursor": "The cursor is invalid."},
        "requestBody": {
            "required": True,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {
                        "type": "object",
                        "required": ["channel"],
                        "properties": {
                            "channel": {"type": "string", "description": "A conversation ID."},
                            "limit": {"type": "integer", "minimum": 1, "maximum": 1000},
                            "include_all": {"type": "boolean"},
                            "users": {"type": "array", "items": {"type": "string"}},
                            "cursor": {"type": "string"},
                            "metadata": {"type": "object", "additionalProperties": True},
                        },
                    },
                    "encoding": {"metadata": {"contentType": "application/json"}},
                }
            },
        },
        "responses": {
            "200": {
                "description": "The envelope; `ok` says whether it worked.",
                "content": {"application/json": {"schema": {
                    "type": "object",
                    "required": ["ok"],
                    "properties": {
                        "ok": {"type": "boolean"},
                        "item": {"$ref": f"#/components/schemas/{returned}"},
                        "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{returned}"}},
                        "response_metadata": {"type": "object", "properties": {"next_cursor": {"type": "string"}}},
                    },
                }}},
            }
        },
    }


def measure(operations: int, work: Path) -> tuple[float, float]:
    """Seconds and peak tree PSS (MiB) of one cold generation of a spec of that size."""
    spec, out = work / f"synthetic-{operations}.json", work / f"out-{operations}"
    spec.write_text(json.dumps(synthetic_spec(operations), indent=1), encoding="utf-8")
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "generator", "--no-cache", "--spec", str(spec), "--out", str(out),
               "--package", "slack_synthetic"]
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(process.pid)
    _, error = process.communicate()
    seconds = time.perf_counter() - start
    peak_kib = sampler.stop()
    if process.returncode != 0:
        raise SystemExit(f"{operations} operations: exit {process.returncode}: {error.decode()[-500:]}")
    return seconds, peak_kib / 1024


def main() -> int:
    arguments = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    arguments.add_argument("--sizes", default="250,500,1000,2000,4000", help="operation counts, comma-separated")
    arguments.add_argument("--write", nargs=2, metavar=("N", "FILE"), help="only write the spec of N operations")
    args = arguments.parse_args()
    if args.write:
        Path(args.write[1]).write_text(json.dumps(synthetic_spec(int(args.write[0])), indent=1), encoding="utf-8")
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    print(f"machine: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, load average {os.getloadavg()[0]:.2f}")
    print(f"{'operations':>10} {'seconds':>9} {'ms/op':>7} {'tree MiB':>9} {'KiB/op':>7}")
    results = {}
    with tempfile.TemporaryDirectory(prefix="synthetic-") as folder:
        for operations in sizes:
            seconds, mib = measure(operations, Path(folder))
            results[operations] = mib
            print(f"{operations:>10} {seconds:9.2f} {seconds / operations * 1000:7.1f} {mib:9.1f} "
                  f"{mib * 1024 / operations:7.1f}", flush=True)
    if GOAL_OPERATIONS in results:
        mib = results[GOAL_OPERATIONS]
        print(f"\ntarget: {GOAL_OPERATIONS} operations, tree PSS <= {GOAL_MIB} MiB: {mib:.1f} MiB  "
              f"{'met' if mib <= GOAL_MIB else 'MISSED'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
