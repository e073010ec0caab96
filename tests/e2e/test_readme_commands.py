"""Every command in README.md runs exactly as printed, against the session's local stack.

The rules (also in the README's "Conventions for contributors"):

* ```bash blocks of one ``##`` section run in order as one ``bash -euo pipefail`` session;
* ```python blocks of a section are joined into one program, saved to a file and run with
  ``.venv/bin/python FILE`` at the end of that section's session;
* a ```bash block whose first line starts with ``# in another terminal`` is a long-running process,
  started before the sections and stopped at the end;
* ```console blocks are not run (they need AWS or a terminal of their own) but each line must pass
  an offline check; any other tag for shell code fails, untagged blocks are text.

The working directory is a scratch folder with the repository's ``.venv`` linked in (so the
README's ``.venv/bin/...`` paths work and nothing is written into the checkout), ``PYTHONPATH`` is
unset, ``BRANDLINK_STATE_DIR`` is the e2e stack's and ``BRANDLINK_RECEIVER_PORT`` a free port.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from ops.cli import build_parser
from tests.e2e.stack_process import REPO_ROOT, LocalStackProcess, child_environment

pytestmark = [pytest.mark.e2e, pytest.mark.xdist_group("e2e")]

README = REPO_ROOT / "README.md"
VENV = REPO_ROOT / ".venv"
TEXT_TAGS = frozenset({"", "text", "json"})
RUN_TAGS = frozenset({"bash", "python"})
CHECK_TAG = "console"
BACKGROUND_MARK = "# in another terminal"
CDK_COMMANDS = frozenset({"bootstrap", "deploy", "diff", "synth", "destroy"})
SECTION_TIMEOUT_SECONDS = 240
READY_TIMEOUT_SECONDS = 60.0
CALLBACK_TIMEOUT_SECONDS = 60.0
SID = re.compile(r"\bSM[0-9a-f]{32}\b")


@dataclass
class Block:
    tag: str
    line: int  # of the opening fence, for messages
    lines: list[str] = field(default_factory=list)

    @property
    def code(self) -> str:
        return "\n".join(self.lines) + "\n"

    @property
    def background(self) -> bool:
        return self.tag == "bash" and bool(self.lines) and self.lines[0].startswith(BACKGROUND_MARK)


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)

    def foreground(self, tag: str) -> list[Block]:
        return [block for block in self.blocks if block.tag == tag and not block.background]


def parse_readme(text: str) -> list[Section]:
    """``##`` sections with their fenced blocks; headings inside blocks are code, not headings."""
    sections = [Section("(before the first section)")]
    block: Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if block is not None:
            if line.strip() == "```":
                sections[-1].blocks.append(block)
                block = None
            else:
                block.lines.append(line)
            continue
        fence = re.match(r"^```(\S*)\s*$", line)
        if fence:
            block = Block(fence.group(1), number)
        elif line.startswith("## "):
            sections.append(Section(line[3:].strip()))
    assert block is None, f"README.md: the block opened on line {block.line} is never closed"
    return sections


SECTIONS = parse_readme(README.read_text())
RUNNABLE = [s for s in SECTIONS if s.foreground("bash") or s.foreground("python")]
BACKGROUND = [block for section in SECTIONS for block in section.blocks if block.background]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ReadmeShell:
    """Where and with what environment the README's commands run."""

    workdir: Path
    env: dict[str, str]
    background_logs: list[Path]

    def background_output(self) -> str:
        return "".join(log.read_text(errors="replace") for log in self.background_logs)


@pytest.fixture(scope="module")
def readme_shell(local_stack: LocalStackProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReadmeShell]:
    assert (VENV / "bin" / "brandlink").exists(), "the README uses .venv/bin/brandlink: run `make venv`"
    assert shutil.which("jq"), "the README's tour uses jq: `make venv` installs it, or install it yourself"
    workdir = tmp_path_factory.mktemp("readme")
    (workdir / ".venv").symlink_to(VENV)
    env = child_environment(
        {"BRANDLINK_STATE_DIR": str(local_stack.state_dir), "BRANDLINK_RECEIVER_PORT": str(free_port())}
    )
    env.pop("PYTHONPATH", None)  # what `make venv` installed must be enough
    processes: list[subprocess.Popen[bytes]] = []
    logs: list[Path] = []
    try:
        for number, block in enumerate(BACKGROUND):
            log = workdir / f"background-{number}.log"
            with log.open("wb") as out:
                processes.append(
                    subprocess.Popen(
                        ["bash", "-euo", "pipefail", "-c", block.code],
                        cwd=workdir,
                        env=env,
                        stdout=out,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
            logs.append(log)
            wait_for_first_line(processes[-1], log, block)
        yield ReadmeShell(workdir, env, logs)
    finally:
        for process in processes:
            stop(process)
    for process, log, block in zip(processes, logs, BACKGROUND, strict=True):
        assert process.returncode == 0, (
            f"README line {block.line}: exited {process.returncode} on Ctrl+C:\n{log.read_text()}"
        )


def wait_for_first_line(process: subprocess.Popen[bytes], log: Path, block: Block) -> None:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while "\n" not in log.read_text(errors="replace"):
        assert process.poll() is None, f"README line {block.line}: exited {process.returncode}:\n{log.read_text()}"
        assert time.monotonic() < deadline, f"README line {block.line}: no output in {READY_TIMEOUT_SECONDS:.0f} s"
        time.sleep(0.1)


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl+C for the process group, as a terminal sends it; kill what is left after 10 s."""
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGINT)
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def section_script(section: Section, workdir: Path, index: int) -> str:
    script = "".join(block.code for block in section.foreground("bash"))
    python = section.foreground("python")
    if python:
        program = workdir / f"readme_section_{index}.py"
        program.write_text("\n\n".join(block.code for block in python))
        script += f".venv/bin/python {shlex.quote(program.name)}\n"
    return script


def wait_for_signed_sent_callback(shell: ReadmeShell, sids: set[str], title: str) -> None:
    """The receiver printed, with a good signature, that one of the section's messages was sent."""
    deadline = time.monotonic() + CALLBACK_TIMEOUT_SECONDS
    while True:
        lines = shell.background_output().splitlines()
        if any(
            "signature ok" in line and "MessageStatus=sent" in line and any(f"MessageSid={sid}" in line for sid in sids)
            for line in lines
        ):
            return
        assert time.monotonic() < deadline, (
            f"{title}: no signed 'sent' callback for {sorted(sids)} within {CALLBACK_TIMEOUT_SECONDS:.0f} s; "
            "receiver output:\n" + "\n".join(lines)
        )
        time.sleep(0.2)


def test_every_block_is_text_or_a_kind_of_command_the_test_knows() -> None:
    for section in SECTIONS:
        for block in section.blocks:
            assert block.tag in TEXT_TAGS | RUN_TAGS | {CHECK_TAG}, (
                f"README line {block.line}: ```{block.tag} is neither run nor checked; use ```bash (run), "
                "```python (run), ```console (needs AWS or its own terminal: checked offline) or no tag (text)"
            )
    assert BACKGROUND, "the README should start the webhook receiver in another terminal"
    assert [s.title for s in RUNNABLE][:2] == ["First API call", "API tour"], [s.title for s in RUNNABLE]


def test_the_tours_use_their_own_numbers_and_domains() -> None:
    code = "".join(block.code for section in RUNNABLE for block in section.blocks)
    numbers = re.findall(r'(?:PhoneNumber=|phone_number=")(\+\d+)', code)
    domains = re.findall(r"(?:DomainName=|test-cert |tls_cert_for\(\")([a-z0-9.-]+\.localhost)", code)
    assert len(numbers) >= 2 and len(set(numbers)) == len(numbers), numbers
    assert len(set(domains)) >= 2, domains
    assert "2030-" not in code, "compute SendAt from now, e.g. $(date -u -d '+1 hour' +%Y-%m-%dT%H:%M:%SZ)"


def console_check(line: str) -> str | None:
    """Why ``line`` fails its offline check, or None."""
    words = shlex.split(line, comments=True)
    if not words:
        return None
    if words[0] == "make":
        result = subprocess.run(["make", "-n", *words[1:]], cwd=REPO_ROOT, capture_output=True, text=True, timeout=60)
        return None if result.returncode == 0 else f"`make -n` failed: {result.stderr.strip()}"
    if words[0] == ".venv/bin/brandlink":
        try:
            build_parser().parse_args(words[1:])
        except SystemExit as exc:
            return f"the brandlink command refuses these arguments (exit {exc.code})"
        return None
    if words[:2] == ["npx", "cdk"]:
        pinned = json.loads((REPO_ROOT / "package.json").read_text())["devDependencies"].get("aws-cdk", "")
        if not pinned.startswith("^2."):
            return f"package.json pins aws-cdk {pinned!r}, not a 2.x CLI"
        return None if len(words) > 2 and words[2] in CDK_COMMANDS else f"unknown cdk command {words[2:]}"
    return "no offline check knows this command; add one to tests/e2e/test_readme_commands.py"


def test_console_commands_pass_their_offline_checks() -> None:
    checked = 0
    for section in SECTIONS:
        for block in section.blocks:
            if block.tag != CHECK_TAG:
                continue
            for offset, line in enumerate(block.lines, start=1):
                problem = console_check(line)
                assert problem is None, f"README line {block.line + offset}: {line!r}: {problem}"
                checked += 1
    assert checked >= 6


@pytest.mark.parametrize("section", RUNNABLE, ids=[s.title for s in RUNNABLE])
def test_readme_section_runs_as_printed(section: Section, readme_shell: ReadmeShell) -> None:
    index = RUNNABLE.index(section)
    script = section_script(section, readme_shell.workdir, index)
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=readme_shell.workdir,
        env=readme_shell.env,
        capture_output=True,
        text=True,
        timeout=SECTION_TIMEOUT_SECONDS,
    )
    assert result.returncode == 0, (
        f"README section {section.title!r} failed (exit {result.returncode}).\n"
        f"--- stdout\n{result.stdout}\n--- stderr\n{result.stderr}"
    )
    assert "Traceback" not in result.stderr, result.stderr
    sids = set(SID.findall(result.stdout))
    if "HOOKS" in script and sids:
        wait_for_signed_sent_callback(readme_shell, sids, section.title)
    assert "signature WRONG" not in readme_shell.background_output()
