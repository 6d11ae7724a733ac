"""The one way git runs: :func:`start` a git command in an isolated environment (no system or
global config, no prompt, no pager, the safe ``-c`` settings), then :meth:`Git.finish` it within
a timeout, its output read into memory up to a cap (and drained past it, so git can finish) or
written to a file sink (and stopped past the cap: a partial file is no file)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from typing import BinaryIO

GIT_TIMEOUT = 8.0
MAX_OUTPUT = 64 * 1024 * 1024  # bytes read from one git command; the rest is dropped

SAFE_CONFIG = (
    "-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "log.showSignature=false",
    "-c", "core.quotePath=false", "-c", "safe.directory=*",
)


class GitProblem(Exception):
    """Git could not be run or did not finish: the message says why (for a finding or an error)."""


class GitTimeout(GitProblem):
    """git ran out of its time: the machine's or loopcheck's budget, not the learner's doing."""


def isolated_git_env(home: str) -> dict[str, str]:
    """An environment in which git reads no system or global config, asks no questions and
    runs no pager: every ``GIT_*`` variable of ours is dropped, HOME is a private folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(
        GIT_CONFIG_NOSYSTEM="1",
        GIT_CONFIG_GLOBAL=os.devnull,
        HOME=home,
        XDG_CONFIG_HOME=home,
        GIT_TERMINAL_PROMPT="0",
        GIT_PAGER="cat",
        PAGER="cat",
        GIT_OPTIONAL_LOCKS="0",
        GIT_NO_REPLACE_OBJECTS="1",
        GIT_ATTR_NOSYSTEM="1",
        LC_ALL="C",
    )
    return env


class Git:
    """A running git command (see :func:`start`)."""

    def __init__(self, proc: subprocess.Popen, sink: BinaryIO | None, max_output: int):
        self.proc = proc
        self.sink = sink
        self.max_output = max_output
        self.overflowed = False  # a sink's output went past the cap (and git was stopped)
        self._readers: tuple[list[threading.Thread], list[bytes], list[bytes]] | None = None
        self._on_output: Callable[[bytes], None] | None = None

    def _start_readers(self) -> tuple[list[threading.Thread], list[bytes], list[bytes]]:
        chunks: list[bytes] = []
        errors: list[bytes] = []
        threads = [threading.Thread(target=self._read_out, args=(chunks,), daemon=True),
                   threading.Thread(target=self._read_err, args=(errors,), daemon=True)]
        started = []
        try:
            for t in threads:
                t.start()
                started.append(t)
        except RuntimeError:  # no room for another thread (a memory cap): stop git; the caller reports it
            self.stop()
            for t in started:
                t.join(timeout=2)
            raise
        return threads, chunks, errors

    def drain(self, on_output: Callable[[bytes], None] | None = None) -> None:
        """Read git's output from now on, in the background (:meth:`finish` collects it), so a
        command that writes more than a pipe holds (a long history's log) runs to its end
        meanwhile instead of waiting for :meth:`finish`. Not for a conversation (``cat-file
        --batch``), whose answers its caller reads. Without room for the threads, :meth:`finish`
        reads as before. ``on_output`` sees each piece of output as it is read (in the reader's
        thread; what it raises is ignored)."""
        self._on_output = on_output
        if self._readers is None:
            try:
                self._readers = self._start_readers()
            except RuntimeError:
                pass  # git was stopped: finish() says so

    def finish(self, timeout: float = GIT_TIMEOUT) -> tuple[int, bytes, str]:
        """(exit code, output — empty when it went to the sink —, the last line git wrote to
        stderr). Raises :class:`GitProblem` when git takes longer than ``timeout`` (it is
        stopped)."""
        proc = self.proc
        threads, chunks, errors = self._readers if self._readers is not None else self._start_readers()
        # Wait on the reader (a lock, woken the moment git closes its output) rather than on
        # Popen.wait(timeout=...), which polls with sleeps.
        threads[0].join(timeout=timeout)
        if threads[0].is_alive():
            self.stop()
            raise GitTimeout(f"git took longer than {timeout:.0f} s")
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise GitTimeout(f"git took longer than {timeout:.0f} s") from None
        threads[1].join(timeout=2)
        message = b"".join(errors).decode("utf-8", "replace").strip().splitlines()
        return proc.returncode, b"".join(chunks), (message[-1] if message else "")

    def _read_out(self, chunks: list[bytes]) -> None:
        stdout = self.proc.stdout
        assert stdout is not None  # a pipe
        size = 0
        try:
            while True:
                chunk = stdout.read(1 << 16)
                if not chunk:
                    break
                if self._on_output is not None:
                    try:
                        self._on_output(chunk)
                    except Exception:  # noqa: BLE001 - a watcher's bug never stops the draining
                        self._on_output = None
                if self.sink is not None:
                    size += len(chunk)
                    if size > self.max_output:
                        self.overflowed = True
                        self.proc.kill()
                        break
                    self.sink.write(chunk)
                    continue
                if size < self.max_output:
                    chunks.append(chunk[: self.max_output - size])
                size += len(chunk)  # keep draining so git can finish
        except (ValueError, OSError):  # the pipe was closed under us (the command was abandoned)
            pass

    def _read_err(self, errors: list[bytes]) -> None:
        stderr = self.proc.stderr
        assert stderr is not None  # a pipe
        try:
            errors.append(stderr.read(1 << 16))
            stderr.read()
        except (ValueError, OSError):
            pass

    def running(self) -> bool:
        return self.proc.poll() is None

    def kill(self) -> None:
        """Stop it now (:meth:`close` reaps it)."""
        self.proc.kill()

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def close(self) -> None:
        """End the command if it still runs, and close its pipes."""
        if self.proc.poll() is None:
            self.stop()
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            if stream:
                try:
                    stream.close()
                except OSError:  # a pipe git stopped reading
                    pass


def start(args: Sequence[str], *, home: str, git_dir: str | None = None, extra_env: dict[str, str] | None = None,
          sink: BinaryIO | None = None, max_output: int = MAX_OUTPUT, stdin: BinaryIO | int = subprocess.DEVNULL) -> Git:
    """Start ``git [safe settings] args`` in ``home`` (its private HOME and working folder), on
    the git directory ``git_dir`` when given; its output goes to ``sink`` when given, its input
    comes from ``stdin`` (a file, or ``subprocess.PIPE`` for a conversation). Raises OSError
    when git can't be started."""
    env = isolated_git_env(home)
    if git_dir is not None:
        env["GIT_DIR"] = git_dir
    env.update(extra_env or {})
    proc = subprocess.Popen(["git", *SAFE_CONFIG, *args], stdin=stdin, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=home)
    return Git(proc, sink, max_output)


def run(args: Sequence[str], *, home: str, git_dir: str | None = None, extra_env: dict[str, str] | None = None,
        timeout: float = GIT_TIMEOUT, sink: BinaryIO | None = None,
        max_output: int = MAX_OUTPUT, stdin: BinaryIO | int = subprocess.DEVNULL) -> tuple[int, bytes, str]:
    """:func:`start` and :meth:`Git.finish` in one: (exit code, output, last stderr line)."""
    git = start(args, home=home, git_dir=git_dir, extra_env=extra_env, sink=sink, max_output=max_output, stdin=stdin)
    try:
        return git.finish(timeout)
    finally:
        git.close()
