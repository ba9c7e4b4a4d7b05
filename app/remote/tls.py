"""TLS contexts for the remote link: the server's from certificate and key files, the viewer's to trust it."""

from __future__ import annotations

import ssl
from pathlib import Path

__all__ = ["client_ssl_context", "server_ssl_context"]


def server_ssl_context(cert_file: str, key_file: str) -> ssl.SSLContext | None:
    """A TLS 1.2+ server context, or None when neither file is set; ValueError says what is wrong."""
    if not cert_file and not key_file:
        return None
    if not cert_file or not key_file:
        missing = "certificate (remote.tls_cert)" if not cert_file else "private key (remote.tls_key)"
        raise ValueError(f"TLS needs both a certificate and a private key; the {missing} is not set")
    for label, name in (("certificate", cert_file), ("private key", key_file)):
        if not Path(name).is_file():
            raise ValueError(f"TLS {label} file not found: {name}; check the path in the remote settings")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(cert_file, key_file)
    except ssl.SSLError as error:
        raise ValueError(
            f"cannot use the TLS certificate {cert_file} with the key {key_file}: {error.reason or error}; "
            "both must be PEM files and the key must belong to the certificate"
        ) from error
    except OSError as error:
        raise ValueError(
            f"cannot read the TLS files {cert_file}, {key_file}: {error.strerror or error}"
        ) from error
    return context


def client_ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """The viewer's context: the system's trusted authorities, plus `ca_file` (a self-signed certificate)."""
    context = ssl.create_default_context()
    if ca_file is not None:
        try:
            context.load_verify_locations(cafile=str(ca_file))
        except (OSError, ssl.SSLError) as error:
            raise ValueError(f"cannot load the certificate to trust from {ca_file}: {error}") from error
    return context
