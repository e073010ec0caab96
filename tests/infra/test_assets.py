"""The Docker-free asset builder: arm64 wheels via pip's platform options, deps cached by a hash stamp."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest

from infra import assets


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "requirements.txt").write_text("phonenumbers==9.0.43\n")
    package = tmp_path / "functions" / "brandlink"
    (package / "handlers").mkdir(parents=True)
    (package / "__init__.py").write_text("")
    (package / "handlers" / "api.py").write_text("VERSION = 1\n")
    (package / "__pycache__").mkdir()
    (package / "__pycache__" / "stale.cpython-311.pyc").write_bytes(b"\0")
    return tmp_path


@pytest.fixture
def pip_runs(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Record pip invocations instead of downloading; each run 'installs' one marker file."""
    runs: list[list[str]] = []

    def fake_run(command: list[str], check: bool) -> subprocess.CompletedProcess[str]:
        runs.append(command)
        target = Path(command[command.index("--target") + 1])
        (target / "installed_dependency.py").write_text("")
        return subprocess.CompletedProcess(command, 0)

    monkeypatch.setattr(assets.subprocess, "run", fake_run)
    return runs


def _option_values(command: list[str], option: str) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == option]


def test_pip_targets_lambda_arm64_binary_wheels_only(project: Path) -> None:
    command = assets.pip_command(project / "requirements.txt", project / "out")
    assert set(_option_values(command, "--platform")) >= {"manylinux2014_aarch64", "manylinux_2_28_aarch64"}
    assert _option_values(command, "--python-version") == [assets.PYTHON_VERSION]
    assert _option_values(command, "--implementation") == ["cp"]
    assert "--only-binary=:all:" in command and "--no-compile" in command


@pytest.mark.infra
@pytest.mark.xdist_group("infra")
def test_asset_python_matches_the_function_runtime() -> None:
    from infra.runtime import PYTHON_VERSION, RUNTIME  # loads aws-cdk-lib, hence the infra marks

    assert assets.PYTHON_VERSION == PYTHON_VERSION
    assert RUNTIME.name == f"python{PYTHON_VERSION}"


def test_first_build_installs_and_copies_the_code_without_bytecode(project: Path, pip_runs: list[Any]) -> None:
    output = assets.build(root=project, output=Path("build/lambda"))
    assert len(pip_runs) == 1
    assert (output / "installed_dependency.py").is_file()
    assert (output / "brandlink" / "handlers" / "api.py").read_text() == "VERSION = 1\n"
    assert not list(output.rglob("__pycache__"))


def test_unchanged_requirements_skip_pip_but_refresh_the_code(project: Path, pip_runs: list[Any]) -> None:
    output = assets.build(root=project, output=Path("build/lambda"))
    (project / "functions" / "brandlink" / "handlers" / "api.py").write_text("VERSION = 2\n")
    (output / "brandlink" / "removed_module.py").write_text("")
    assets.build(root=project, output=Path("build/lambda"))
    assert len(pip_runs) == 1
    assert (output / "brandlink" / "handlers" / "api.py").read_text() == "VERSION = 2\n"
    assert not (output / "brandlink" / "removed_module.py").exists()
    assert (output / "installed_dependency.py").is_file()


def test_changed_requirements_reinstall_from_scratch(project: Path, pip_runs: list[Any]) -> None:
    output = assets.build(root=project, output=Path("build/lambda"))
    (output / "left_from_old_dependency.py").write_text("")
    (project / "requirements.txt").write_text("phonenumbers==9.0.44\n")
    assets.build(root=project, output=Path("build/lambda"))
    assert len(pip_runs) == 2
    assert not (output / "left_from_old_dependency.py").exists()


def test_a_deleted_asset_folder_is_rebuilt_even_with_a_current_stamp(project: Path, pip_runs: list[Any]) -> None:
    output = assets.build(root=project, output=Path("build/lambda"))
    for path in sorted(output.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    output.rmdir()
    assets.build(root=project, output=Path("build/lambda"))
    assert len(pip_runs) == 2


def test_a_failed_pip_leaves_no_stamp_so_the_next_run_retries(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def failing_run(command: list[str], check: bool) -> None:
        raise subprocess.CalledProcessError(1, command)

    monkeypatch.setattr(assets.subprocess, "run", failing_run)
    with pytest.raises(subprocess.CalledProcessError):
        assets.build(root=project, output=Path("build/lambda"))
    assert not (project / "build" / "lambda.deps-sha256").exists()
