"""Other processes: the one way the generator starts them.

Work for the other core runs in a forked child, never a spawned one: a fork starts in
milliseconds with the parent's modules and its planned output, which would otherwise
have to be pickled across. Forking is only done where the platform has it, where there
is another core, and from a process with one thread (a thread holding a lock at the
fork would leave the child's copy held forever: the live preview runs a server thread,
so it does everything in its own process).

External programs (Pagefind) are started through `program`.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")
R = TypeVar("R")


class ChildError(RuntimeError):
    """Work in a child process failed: its error, as text."""


def can_fork() -> bool:
    return (os.cpu_count() or 1) > 1 and "fork" in mp.get_all_start_methods() and threading.active_count() == 1


@dataclass(frozen=True)
class Forked(Generic[T]):
    """A function running in a forked child; `wait` gives its result."""

    process: Any  # multiprocessing's Process of the fork context
    receive: Any  # the read end of the pipe the child sends its result on

    def wait(self) -> T:
        """The child's return value (sent back pickled); ChildError if it failed."""
        try:
            status, value = self.receive.recv()
        except EOFError:
            status, value = "error", f"the process ended without a result (exit {self.process.exitcode})"
        self.process.join()
        if status != "ok":
            raise ChildError(value)
        result: T = value
        return result

    def kill(self) -> None:
        self.process.kill()
        self.process.join()


def fork(function: Callable[..., T], *args: Any) -> Forked[T]:
    """Run `function(*args)` in a forked child (check `can_fork` first)."""
    context = mp.get_context("fork")
    receive, send = context.Pipe(duplex=False)

    def child() -> None:
        try:
            result = function(*args)
        except BaseException as err:  # reported by the parent, which decides the exit
            send.send(("error", f"{type(err).__name__}: {err}"))
        else:
            send.send(("ok", result))

    process = context.Process(target=child, daemon=True)
    process.start()
    send.close()
    return Forked(process, receive)


def fork_map(function: Callable[[T], R], chunks: Sequence[T]) -> list[R]:
    """`function` of each chunk: the first here, the others in forked children at the
    same time; results in the chunks' order."""
    children = [fork(function, chunk) for chunk in chunks[1:]]
    try:
        first = [function(chunks[0])] if chunks else []
        return first + [child.wait() for child in children]
    finally:
        for child in children:
            if child.process.is_alive():
                child.kill()


def program(args: Sequence[str], **options: Any) -> subprocess.Popen[bytes]:
    """An external program, running on, with pipes as `options` ask for them."""
    return subprocess.Popen(list(args), **options)


def run_program(args: Sequence[str]) -> subprocess.CompletedProcess[str]:
    """An external program run to its end, its output captured as text."""
    return subprocess.run(list(args), capture_output=True, text=True, check=False)
