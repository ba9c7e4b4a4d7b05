"""Waiting the way the MetaTrader5 module waits: inside C code that keeps the GIL.

The official module never releases the GIL, so while one of its calls waits no other thread of the
process runs Python. `time.sleep` releases the GIL and would let the simulator be kinder than the real
thing; these functions call the C library's sleep through `ctypes.PyDLL`, which (unlike `ctypes.CDLL`)
does not release the GIL around the call: `nanosleep` from libc on Linux and macOS, `Sleep` from
kernel32 on Windows.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from collections.abc import Callable


class _Timespec(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long))


def _posix_sleep() -> Callable[[float], None]:
    libc = ctypes.PyDLL(ctypes.util.find_library("c") or None)
    nanosleep = libc.nanosleep
    nanosleep.argtypes = (ctypes.POINTER(_Timespec), ctypes.POINTER(_Timespec))
    nanosleep.restype = ctypes.c_int

    def sleep(seconds: float) -> None:
        whole = int(seconds)
        wanted = _Timespec(whole, int((seconds - whole) * 1_000_000_000))
        left = _Timespec(0, 0)
        # A signal cuts nanosleep short and leaves what was left in `left`: sleep that too.
        while nanosleep(ctypes.byref(wanted), ctypes.byref(left)) != 0:
            if left.tv_sec <= 0 and left.tv_nsec <= 0:
                return
            wanted, left = left, _Timespec(0, 0)

    return sleep


def _windows_sleep() -> Callable[[float], None]:
    kernel32 = ctypes.PyDLL("kernel32")
    native = kernel32.Sleep
    native.argtypes = (ctypes.c_ulong,)
    native.restype = None

    def sleep(seconds: float) -> None:
        native(int(seconds * 1000))

    return sleep


_sleep = _windows_sleep() if sys.platform == "win32" else _posix_sleep()


def sleep_holding_gil(seconds: float) -> None:
    """Block the calling thread for `seconds` without letting any other thread of the process run."""
    if seconds > 0:
        _sleep(seconds)
