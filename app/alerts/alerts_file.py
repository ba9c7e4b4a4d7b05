"""`--alerts-file PATH`: channel URLs in a private file, for a server whose system has no keyring.

One Apprise URL a line; blank lines and lines starting with # are skipped. The file must be private
(chmod 600), as the viewer's token file must.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from app.alerts.channel_secrets import REDACTOR
from app.alerts.transport import service_name, url_problem
from app.core.private_file import PrivateFileError, read_private_text

MAX_FILE_CHANNELS = 20


class AlertsFileError(Exception):
    """The alerts file cannot be used; the text names the file (or line) and what to do."""


@dataclass(frozen=True, slots=True)
class FileChannel:
    """A channel given in the alerts file; its URL never shows in a repr."""

    id: str
    name: str
    url: str = field(repr=False)


def read_alerts_file(path: Path) -> tuple[FileChannel, ...]:
    """The channels in `path`, or AlertsFileError naming the first problem."""
    try:
        text = read_private_text(path, "alerts file")
    except PrivateFileError as error:
        raise AlertsFileError(str(error)) from None
    channels: list[FileChannel] = []
    for number, line in enumerate(text.splitlines(), start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        REDACTOR.add(url)
        problem = url_problem(url)
        if problem is not None:
            raise AlertsFileError(f"{path}, line {number}: {problem}")
        if len(channels) == MAX_FILE_CHANNELS:
            raise AlertsFileError(f"{path}: at most {MAX_FILE_CHANNELS} channels")
        name = f"{service_name(url) or 'channel'} (line {number} of {path.name})"
        channels.append(FileChannel(f"file{number}", name, url))
    if not channels:
        raise AlertsFileError(f"{path} holds no channel URL; put one Apprise URL on each line")
    return tuple(channels)
