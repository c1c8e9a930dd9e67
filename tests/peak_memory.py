"""Run a command and write its peak resident memory in KB, counting the children it waited for, to a file:
`python tests/peak_memory.py OUT_FILE COMMAND...`. SIGTERM and SIGINT are passed on to the command.

Why a launcher: a process's ru_maxrss starts from the memory of the process it was forked from (Linux keeps the
high-water mark of the memory it had before exec), so a command started straight from pytest would report
pytest's memory. Forked from this small process, the command's figure is its own.
"""

import os
import signal
import sys


def main(out_file, command):
    pid = os.fork()
    if pid == 0:
        os.execvp(command[0], command)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda number, _frame: os.kill(pid, number))
    _pid, status, usage = os.wait4(pid, 0)
    with open(out_file, "w") as file:
        file.write(str(usage.ru_maxrss))
    return os.waitstatus_to_exitcode(status)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2:]))
