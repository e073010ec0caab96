"""Build the Lambda asset folder without Docker: ``python -m infra.assets``.

The folder holds the runtime dependencies (wheels for Linux arm64 and the Lambda's Python,
downloaded by pip for that target platform, never built here) and a fresh copy of the
``brandlink`` package. Dependencies are reinstalled only when ``requirements.txt`` (or the
target) changes; the code is copied on every run.
"""

from __future__ import annotations

import argparse
import hashlib
import shutil
import subprocess
import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = Path("build/lambda")
PACKAGE = "brandlink"
# Kept in step with infra.runtime without importing it: that module loads aws-cdk-lib (seconds).
PYTHON_VERSION = "3.13"
# Lambda's arm64 Python 3.13 runtime runs on Amazon Linux 2023 (glibc 2.34); pip accepts a wheel
# tagged with any of these. Pure-Python wheels (py3-none-any) are always accepted.
PLATFORMS = ("manylinux2014_aarch64", "manylinux_2_28_aarch64", "manylinux_2_34_aarch64")


def dependency_fingerprint(requirements: Path) -> str:
    digest = hashlib.sha256(requirements.read_bytes())
    digest.update(f"{PYTHON_VERSION}|{','.join(PLATFORMS)}".encode())
    return digest.hexdigest()


def pip_command(requirements: Path, target: Path) -> list[str]:
    command = [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    command += ["--requirement", str(requirements), "--target", str(target)]
    for platform in PLATFORMS:
        command += ["--platform", platform]
    # --no-compile: bytecode compiled by this interpreter would not match the Lambda's Python.
    command += ["--implementation", "cp", "--python-version", PYTHON_VERSION, "--only-binary=:all:", "--no-compile"]
    return command


def install_dependencies(requirements: Path, output: Path, stamp: Path) -> bool:
    """Install the wheels into ``output`` unless the stamp says they are current; True if installed."""
    fingerprint = dependency_fingerprint(requirements)
    if output.is_dir() and stamp.is_file() and stamp.read_text().strip() == fingerprint:
        return False
    shutil.rmtree(output, ignore_errors=True)
    stamp.unlink(missing_ok=True)
    output.mkdir(parents=True)
    subprocess.run(pip_command(requirements, output), check=True)
    stamp.write_text(fingerprint + "\n")
    return True


def copy_code(source: Path, output: Path) -> None:
    destination = output / PACKAGE
    shutil.rmtree(destination, ignore_errors=True)
    shutil.copytree(source, destination, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))


def build(root: Path = PROJECT_ROOT, output: Path = DEFAULT_OUTPUT) -> Path:
    output = output if output.is_absolute() else root / output
    stamp = output.parent / f"{output.name}.deps-sha256"
    installed = install_dependencies(root / "requirements.txt", output, stamp)
    copy_code(root / "functions" / PACKAGE, output)
    state = "installed" if installed else "unchanged"
    print(f"Lambda asset ready in {output.relative_to(root)} (dependencies {state}, code refreshed)")
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m infra.assets", description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="asset folder (default: build/lambda)")
    args = parser.parse_args(argv)
    try:
        build(output=args.output)
    except subprocess.CalledProcessError as exc:
        print(f"pip could not install the Lambda dependencies (exit {exc.returncode}).", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
