"""Optional TLS: a viewer trusting the desk's self-signed certificate connects; bad files are named."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from pathlib import Path

import pytest

from app.core.events import Hello
from app.remote.server import RemoteConfigError
from app.remote.tls import client_ssl_context
from tests.remote.conftest import Desk, receive, run, serving, viewer

x509 = pytest.importorskip("cryptography.x509", reason="TLS tests need the cryptography package")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import NameOID  # noqa: E402


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, as PEM files."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "MT5 Desk test")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_a_viewer_that_trusts_the_certificate_connects_over_tls(
    desk: Desk, certificate: tuple[Path, Path]
) -> None:
    cert_file, key_file = certificate

    async def scenario() -> object:
        async with (
            serving(desk, tls_cert=str(cert_file), tls_key=str(key_file)) as (_, port),
            viewer(port, scheme="wss", ssl=client_ssl_context(cert_file)) as ws,
        ):
            return (await receive(ws))[0]

    assert isinstance(run(scenario()), Hello)


def test_a_viewer_that_does_not_trust_the_certificate_is_stopped_by_tls(
    desk: Desk, certificate: tuple[Path, Path]
) -> None:
    cert_file, key_file = certificate

    async def scenario() -> None:
        async with serving(desk, tls_cert=str(cert_file), tls_key=str(key_file)) as (_, port):
            with pytest.raises(ssl.SSLCertVerificationError):
                async with viewer(port, scheme="wss", ssl=ssl.create_default_context()):
                    pass

    run(scenario())


def test_a_missing_certificate_file_is_named_in_the_error(desk: Desk, tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.pem"

    async def scenario() -> None:
        async with serving(desk, tls_cert=str(missing), tls_key=str(missing)):
            pass

    with pytest.raises(RemoteConfigError, match=r"certificate file not found: .*nowhere\.pem"):
        run(scenario())


def test_a_certificate_without_its_key_is_refused(desk: Desk, certificate: tuple[Path, Path]) -> None:
    async def scenario() -> None:
        async with serving(desk, tls_cert=str(certificate[0])):
            pass

    with pytest.raises(RemoteConfigError, match=r"private key \(remote.tls_key\) is not set"):
        run(scenario())


def test_a_file_that_is_not_a_certificate_is_refused_with_what_to_check(desk: Desk, tmp_path: Path) -> None:
    junk = tmp_path / "junk.pem"
    junk.write_text("not a certificate", encoding="utf-8")

    async def scenario() -> None:
        async with serving(desk, tls_cert=str(junk), tls_key=str(junk)):
            pass

    with pytest.raises(RemoteConfigError, match="must be PEM files"):
        run(scenario())
