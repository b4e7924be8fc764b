#!/usr/bin/env python3
"""Drive an interactive program in a pseudo-terminal, as a person at a terminal would.

Usage: pty-drive.py TRANSCRIPT PROGRAM [ARGS...] < SCRIPT

SCRIPT holds lines "PATTERN<TAB>ANSWER": wait until the program's output since the last
answer matches the regular expression PATTERN, then type ANSWER (with Python's backslash
escapes: \t is Tab) and Enter. After the last
line, read until the program ends. Everything it printed goes to TRANSCRIPT. The exit status
is the program's; 124 when a pattern did not show within 20 seconds, or the program did not
end within 20 silent seconds after the last answer (the transcript says which)."""
import codecs
import os
import pty
import re
import select
import sys
import time


def main():
    transcript, argv = sys.argv[1], sys.argv[2:]
    steps = [line.rstrip("\n").split("\t", 1) for line in sys.stdin if line.strip()]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(argv[0], argv)
    out, since = b"", 0

    def read(timeout):
        """False when the program ended; None when it printed nothing for timeout seconds."""
        nonlocal out
        r, _, _ = select.select([fd], [], [], timeout)
        if not r:
            return None
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the program ended
            return False
        if not chunk:
            return False
        out += chunk
        return True

    status = None
    for pattern, answer in steps:
        deadline = time.time() + 20
        while not re.search(pattern.encode(), out[since:]):
            if time.time() > deadline or read(0.2) is False:
                out += f"\n[pty-drive: '{pattern}' did not show]\n".encode()
                status = 124
                break
        if status is not None:
            break
        since = len(out)
        os.write(fd, codecs.decode(answer, "unicode_escape").encode("latin-1") + b"\r")
    while status is None:
        got = read(20)
        if got is None:  # silent for 20 s after the last answer: it hangs
            out += b"\n[pty-drive: no end after the last answer]\n"
            status = 124
        elif got is False:
            break
    if status is not None:
        os.kill(pid, 9)
    _, st = os.waitpid(pid, 0)
    with open(transcript, "wb") as f:
        f.write(out.replace(b"\r\n", b"\n"))
    sys.exit(status if status is not None else os.waitstatus_to_exitcode(st))


if __name__ == "__main__":
    main()
