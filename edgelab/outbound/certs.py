"""A certificate authority made for one run, and leaf certificates signed by it.

HTTPS calls of a function to a declared host reach edgelab's loopback server, which
shows a certificate for that host name signed by this run's CA; the function's process
trusts the CA (``SSL_CERT_FILE``/``REQUESTS_CA_BUNDLE`` for Python, ``NODE_EXTRA_CA_CERTS``
for Node.js) and nothing else, so TLS is verified as in production and no real site's
certificate is involved. Keys are ECDSA P-256 (fast to make); everything lives in a
temporary folder removed with the :class:`CertificateAuthority`.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import shutil
import tempfile
import threading
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

_VALID = dt.timedelta(days=2)


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "edgelab (local, this run only)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common[:64]),
        ]
    )


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


class CertificateAuthority:
    """This run's CA (``ca_file``, PEM) and a leaf per host name (:meth:`leaf`)."""

    def __init__(self) -> None:
        self.folder = Path(tempfile.mkdtemp(prefix="edgelab-ca-"))
        self._key = ec.generate_private_key(ec.SECP256R1())
        now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
        name = _name("edgelab local CA")
        self.cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now)
            .not_valid_after(now + _VALID)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=True,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(
                x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False
            )
            .sign(self._key, hashes.SHA256())
        )
        self.ca_file = self.folder / "ca.pem"
        self.ca_file.write_bytes(self.cert.public_bytes(serialization.Encoding.PEM))
        self._leaves: dict[tuple[str, ...], tuple[Path, Path]] = {}
        self._lock = threading.Lock()

    def leaf(self, *names: str) -> tuple[Path, Path]:
        """(certificate file, key file) of a server certificate for ``names`` (DNS names,
        wildcards such as ``*.example.com``, or IP addresses); made once per set."""
        key_names = tuple(sorted({n.lower().rstrip(".") for n in names if n}))
        with self._lock:
            if key_names in self._leaves:
                return self._leaves[key_names]
            sans: list[x509.GeneralName] = []
            for n in key_names:
                try:
                    sans.append(x509.IPAddress(ipaddress.ip_address(n)))
                except ValueError:
                    sans.append(x509.DNSName(n))
            key = ec.generate_private_key(ec.SECP256R1())
            now = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
            cert = (
                x509.CertificateBuilder()
                .subject_name(_name(key_names[0] if key_names else "edgelab"))
                .issuer_name(self.cert.subject)
                .public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now)
                .not_valid_after(now + _VALID)
                .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
                .add_extension(x509.SubjectAlternativeName(sans), critical=False)
                .add_extension(
                    x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
                )
                .add_extension(
                    x509.AuthorityKeyIdentifier.from_issuer_public_key(self._key.public_key()),
                    critical=False,
                )
                .sign(self._key, hashes.SHA256())
            )
            count = len(self._leaves)
            cert_file = self.folder / f"leaf-{count}.pem"
            key_file = self.folder / f"leaf-{count}.key"
            cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
            key_file.write_bytes(_pem_key(key))
            key_file.chmod(0o600)
            self._leaves[key_names] = (cert_file, key_file)
            return cert_file, key_file

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
